//! The small value types that events carry: block reasons, skips, usage, quota observations,
//! identities, refresh causes and failure classes. Plain data with serde; no behaviour.

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, Model};
use crate::scrub::{ScrubbedCode, ScrubbedIdentity};
use crate::time::{serde_ts_opt, Timestamp};

/// Why an account is not selectable (a block's reason), plus `excluded` for accounts the
/// caller asked to skip.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockReason {
    RateLimit,
    QuotaExceeded,
    Authentication,
    Permission,
    NotFound,
    Overloaded,
    Transient,
    Billing,
    QuotaPredicted,
    Refreshing,
    Disabled,
    NeedsReauth,
    Excluded,
    /// An OAuth access token past its expiry, until a refresh succeeds.
    Expired,
}

impl BlockReason {
    pub fn as_str(self) -> &'static str {
        match self {
            BlockReason::RateLimit => "rate_limit",
            BlockReason::QuotaExceeded => "quota_exceeded",
            BlockReason::Authentication => "authentication",
            BlockReason::Permission => "permission",
            BlockReason::NotFound => "not_found",
            BlockReason::Overloaded => "overloaded",
            BlockReason::Transient => "transient",
            BlockReason::Billing => "billing",
            BlockReason::QuotaPredicted => "quota_predicted",
            BlockReason::Refreshing => "refreshing",
            BlockReason::Disabled => "disabled",
            BlockReason::NeedsReauth => "needs_reauth",
            BlockReason::Excluded => "excluded",
            BlockReason::Expired => "expired",
        }
    }
}

/// The block a failure put in force, decided when it was reported and recorded on the event,
/// so that replaying the log never depends on the configuration of the day.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct BlockSet {
    pub scope: crate::parse::Scope,
    pub reason: BlockReason,
    #[serde(with = "crate::time::serde_ts")]
    pub until: Timestamp,
    /// Quota backoff level after this failure (0 for other kinds).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub level: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Whose switch turned cooldowns off.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CooldownOff {
    /// `cooldown.disabled` in the configuration: every account.
    Config,
    /// `account update --no-cooldown`: this account.
    Account,
}

/// A block a selection looked past because cooldowns were off, and whose switch that was.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct IgnoredBlock {
    pub reason: BlockReason,
    #[serde(with = "serde_ts_opt")]
    pub until: Option<Timestamp>,
    pub by: CooldownOff,
}

/// One candidate that a decision passed over.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Skip {
    pub account: AccountId,
    pub reason: BlockReason,
    #[serde(with = "serde_ts_opt")]
    pub until: Option<Timestamp>,
}

/// Token usage of one successful request, where known.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct Usage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_tokens: Option<u64>,
}

impl Usage {
    /// Total tokens: the stated total, else input + output.
    pub fn total(&self) -> u64 {
        self.total_tokens
            .unwrap_or(self.input_tokens.unwrap_or(0) + self.output_tokens.unwrap_or(0))
    }
}

/// What a provider said about a quota window, from response headers or a quota error. Its
/// names are scrubbed and bounded like every provider string.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct QuotaObservation {
    /// The window's name as the provider sees it: `5h`, `7d`, `primary`, `secondary`,
    /// `requests`, `tokens`, `input-tokens`, ...
    pub window: ScrubbedCode,
    /// The model the window applies to; `None` when it is the whole account's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Model>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_minutes: Option<u64>,
    #[serde(
        default,
        with = "serde_ts_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub reset_at: Option<Timestamp>,
    /// The header (or body field) this came from.
    pub source: ScrubbedCode,
}

/// Who a credential belongs to, as learned from a token response or an imported file. Each
/// field is scrubbed and bounded like every provider string; `rotor export` replaces the
/// e-mail, account id and project with pseudonyms unless asked to keep them.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct Identity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<ScrubbedIdentity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<ScrubbedIdentity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<ScrubbedIdentity>,
    /// Google Cloud project an Antigravity account calls Cloud Code Assist with (not a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<ScrubbedIdentity>,
}

impl Identity {
    pub fn is_empty(&self) -> bool {
        self.email.is_none()
            && self.account_id.is_none()
            && self.plan.is_none()
            && self.project_id.is_none()
    }
}

/// How an account authenticates.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    Oauth,
    ApiKey,
}

/// Why an account was disabled.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisableReason {
    Manual,
    NeedsReauth,
    Billing,
    Permission,
}

/// What asked for a refresh.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshWhy {
    Scheduled,
    On401,
    Manual,
    /// A selection passed the account over because its access token had expired.
    Expired,
}

/// How a refresh failed: a network error, a dead grant, another rejection, a server error.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshErrorClass {
    /// No answer: connect, TLS, timeout. Backs off, never disables.
    Network,
    /// The refresh token is dead (`invalid_grant`, `refresh_token_reused`): needs a person.
    InvalidGrant,
    /// Another 400/401 from the token endpoint: needs a person.
    Rejected,
    /// 429 / 5xx / malformed answer: backs off.
    Server,
}

impl RefreshErrorClass {
    /// Whether this failure makes the account `needs_reauth`.
    pub fn needs_reauth(self) -> bool {
        matches!(
            self,
            RefreshErrorClass::InvalidGrant | RefreshErrorClass::Rejected
        )
    }
}

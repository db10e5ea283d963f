//! The small value types only events carry: recorded blocks, skips, identities, refresh causes
//! and failure classes. Plain data with serde; no behaviour. The words events share with parsers,
//! blocks and selection (reason, usage, quota observation, ...) live in `vocab`.

use serde::{Deserialize, Serialize};

use crate::ids::AccountId;
use crate::scrub::ScrubbedIdentity;
use crate::time::{serde_ts_opt, Timestamp};
use crate::vocab::BlockReason;

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

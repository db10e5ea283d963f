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
    /// The block's reason.
    pub reason: BlockReason,
    /// When the block would have ended; `None` when only an event ends it.
    #[serde(with = "serde_ts_opt")]
    pub until: Option<Timestamp>,
    /// Which switch had cooldowns off.
    pub by: CooldownOff,
}

/// One candidate that a decision passed over.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Skip {
    /// The account passed over.
    pub account: AccountId,
    /// Why it was passed over.
    pub reason: BlockReason,
    /// When that reason ends by itself; `None` when only an event ends it.
    #[serde(with = "serde_ts_opt")]
    pub until: Option<Timestamp>,
}

/// Who a credential belongs to, as learned from a token response or an imported file. Each
/// field is scrubbed and bounded like every provider string; `rotor export` replaces the
/// e-mail, account id and project with pseudonyms unless asked to keep them.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct Identity {
    /// The e-mail address the account signs in with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<ScrubbedIdentity>,
    /// The provider's account or organization id (e.g. ChatGPT account id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<ScrubbedIdentity>,
    /// The subscription plan (e.g. `pro`, `max`), when the provider says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<ScrubbedIdentity>,
    /// Google Cloud project an Antigravity account calls Cloud Code Assist with (not a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<ScrubbedIdentity>,
}

impl Identity {
    /// Whether nothing about the identity is known.
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
    /// OAuth access and refresh tokens; refreshed by rotor.
    Oauth,
    /// A static API key.
    ApiKey,
}

/// Why an account was disabled.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisableReason {
    /// A person disabled it.
    Manual,
    /// Its refresh token was rejected: a person must sign in again and re-import.
    NeedsReauth,
    /// The provider refused it for billing (payment or credit).
    Billing,
    /// The provider refused it permission to the service.
    Permission,
}

/// What asked for a refresh.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshWhy {
    /// The token nears expiry (the background scheduler).
    Scheduled,
    /// A request was rejected with 401 on the current credentials.
    On401,
    /// A person asked (`rotor refresh`).
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

//! The payloads of the events about accounts themselves: added (its settings, never its
//! secrets) and updated (a live change). Requests and refreshes are in `requests.rs` and
//! `refresh.rs`; the enum that tags them all is in `mod.rs`.

use serde::{Deserialize, Serialize};

use super::payload::{CredentialKind, Identity};

use crate::ids::{AccountId, Model, Provider};
use crate::time::{serde_ts_opt, Timestamp};

/// Payload of [`Event::AccountAdded`](super::Event::AccountAdded): an account's settings, never its
/// secrets.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct AccountAdded {
    /// The new account's id.
    pub account: AccountId,
    /// The provider the account belongs to.
    pub provider: Provider,
    /// Human-readable name shown in status and logs.
    pub label: String,
    /// Tier: lower numbers are tried first; accounts of a higher tier serve only when the lower are
    /// unavailable.
    pub priority: u32,
    /// Relative share of requests under the weighted strategy.
    pub weight: u32,
    /// Allow-list; `None` allows every model.
    #[serde(default)]
    pub models: Option<Vec<Model>>,
    /// Whether the account holds an API key or OAuth tokens.
    pub credential: CredentialKind,
    /// First 12 hex of SHA-256 of the secret; never the secret.
    pub fingerprint: String,
    /// When the OAuth access token expires; `None` for API keys or when unknown.
    #[serde(default, with = "serde_ts_opt")]
    pub expires_at: Option<Timestamp>,
    /// Who the account is at the provider (email, account id, plan), scrubbed; empty when unknown.
    #[serde(default, skip_serializing_if = "Identity::is_empty")]
    pub identity: Identity,
    /// Length of this account's quota window in seconds, from `quota.window.<provider>` when
    /// configured; recorded so that a replay never depends on today's configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_window_s: Option<u64>,
}

/// Changed fields only; `None` leaves a field as it was.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct AccountUpdated {
    /// The account changed.
    pub account: AccountId,
    /// New display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// New tier (lower is tried first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    /// New weighted-strategy share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
    /// `Some(None)` clears the allow-list (written `"models": null`, which reads back as such).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub models: Option<Option<Vec<Model>>>,
    /// Set when new credentials were imported (stored in the same transaction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// New access-token expiry, set with new credentials.
    #[serde(
        default,
        with = "serde_ts_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<Timestamp>,
    /// New credential generation, set with new credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<u64>,
    /// `Some(false)`: a person switched the account's cooldowns off; `Some(true)`: back on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown: Option<bool>,
}

/// A field that is present decodes as `Some`, `null` included (serde's default would read a
/// `null` as absent).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

impl AccountUpdated {
    /// An update of `account` that changes nothing yet.
    pub fn new(account: AccountId) -> Self {
        AccountUpdated {
            account,
            label: None,
            priority: None,
            weight: None,
            models: None,
            fingerprint: None,
            expires_at: None,
            generation: None,
            cooldown: None,
        }
    }
}

//! The payloads of a token refresh's result: succeeded (the new credentials' metadata, never the
//! tokens) and failed (its class, the endpoint's scrubbed answer, the next attempt).

use serde::{Deserialize, Serialize};

use super::payload::{Identity, RefreshErrorClass};

use crate::ids::AccountId;
use crate::scrub::ScrubbedMessage;
use crate::time::{serde_ts_opt, Timestamp};

/// Payload of [`Event::RefreshSucceeded`](super::Event::RefreshSucceeded): the new credentials'
/// metadata (the tokens go to the credentials store).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct RefreshSucceeded {
    /// The account refreshed.
    pub account: AccountId,
    /// When the new access token expires; `None` when the endpoint did not say.
    #[serde(with = "serde_ts_opt")]
    pub expires_at: Option<Timestamp>,
    /// The new credential generation (one more than the previous).
    pub generation: u64,
    /// First 12 hex of SHA-256 of the new access token; never the token.
    pub fingerprint: String,
    /// Who the account is, as read from the new tokens; empty when unknown.
    #[serde(default, skip_serializing_if = "Identity::is_empty")]
    pub identity: Identity,
}

/// Payload of [`Event::RefreshFailed`](super::Event::RefreshFailed).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct RefreshFailed {
    /// The account whose refresh failed.
    pub account: AccountId,
    /// Whether the failure is worth retrying or needs a person.
    pub error: RefreshErrorClass,
    /// The token endpoint's HTTP status; `None` for network errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The token endpoint's answer, scrubbed and bounded like every provider string.
    pub message: ScrubbedMessage,
    /// When the next attempt is scheduled (backoff); `None` when none will be made by itself.
    #[serde(
        default,
        with = "serde_ts_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_attempt_at: Option<Timestamp>,
}

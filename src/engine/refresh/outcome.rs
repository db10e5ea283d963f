//! What a refresh attempt came to, as `Engine::refresh_now` returns it and `rotor refresh
//! --json` prints it: refreshed, failed, or skipped with the reason. Fingerprints only.

use serde::Serialize;

use crate::event::RefreshErrorClass;
use crate::ids::AccountId;
use crate::time::{serde_ts_opt, Timestamp};

/// What one refresh did. Carries fingerprints only, so it is safe to print and log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum RefreshOutcome {
    /// New secrets are stored (and durable) as `generation`.
    Refreshed {
        account: AccountId,
        generation: u64,
        fingerprint: String,
        #[serde(with = "serde_ts_opt")]
        expires_at: Option<Timestamp>,
        /// The endpoint rotated the refresh token.
        rotated: bool,
    },
    /// The endpoint refused or could not be reached; `refresh_failed` is recorded.
    Failed {
        account: AccountId,
        class: RefreshErrorClass,
        status: Option<u16>,
        message: String,
        #[serde(with = "serde_ts_opt")]
        next_attempt_at: Option<Timestamp>,
        /// The account was disabled as `needs_reauth`.
        needs_reauth: bool,
    },
    /// Nothing was asked of the endpoint.
    Skipped {
        account: AccountId,
        reason: RefreshSkip,
        /// For `backing_off`: when the next attempt may run.
        #[serde(with = "serde_ts_opt")]
        until: Option<Timestamp>,
    },
}

impl RefreshOutcome {
    /// `refreshed`, `failed` or `skipped`: the `result` field, as a metric label.
    pub fn result(&self) -> &'static str {
        match self {
            RefreshOutcome::Refreshed { .. } => "refreshed",
            RefreshOutcome::Failed { .. } => "failed",
            RefreshOutcome::Skipped { .. } => "skipped",
        }
    }
}

/// Why a refresh did not call the endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshSkip {
    /// An API-key account.
    NotOauth,
    /// No refresh token is stored: only importing fresh credentials helps.
    NoRefreshToken,
    /// The account is disabled (or `needs_reauth`).
    Disabled,
    /// Scheduled, but the token is not within its lead.
    NotDue,
    /// A 401 asked for it, but another refresh already completed it.
    AlreadyRefreshed,
    /// The failure backoff is not over; the scheduler runs it then.
    BackingOff,
    /// New credentials were imported while the refresh ran; they win.
    Superseded,
    /// No token refresher is configured for the provider (antigravity without its client).
    NoRefresher,
}

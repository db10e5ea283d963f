//! Token refresh: the object-safe [`TokenRefresher`] trait, its [`TokenResult`] and
//! [`RefreshFailure`], and the per-provider refreshers built from [`RefreshEndpoints`].
//! Pure helpers live beside it (`backoff`, `due`, `jwt`), as does the single-flight gate.
//! Nothing here touches the store: the engine appends events and stores rotated secrets.
//!
//! How an engine drives these pieces (one refresh, whatever asked for it):
//! 1. Gate on [`SingleFlight`] keyed by account; inside the work: append `refresh_due`, read the
//!    *current* secrets generation from the store, call [`TokenRefresher::refresh`].
//! 2. On `Ok`: append `refresh_succeeded` and write `result.secrets` as the next generation in
//!    the same transaction, and wait for it to be durable before releasing the gate: the old
//!    refresh token is already dead at the provider.
//! 3. On `Err`: append `refresh_failed` with `backoff::next_attempt_at`; if
//!    [`RefreshFailure::needs_reauth`], disable the account as `needs_reauth`.
//! 4. A 401 whose lease fingerprint is [`superseded`] by the current generation asks for nothing.

pub(crate) mod backoff;
mod claude;
mod codex;
pub(crate) mod due;
mod endpoints;
mod flight;
mod google;
mod http;
pub(crate) mod jwt;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::event::{Identity, RefreshErrorClass};
use crate::ids::Provider;
use crate::secret::Secrets;
use crate::time::Timestamp;

pub use endpoints::{
    refresher_for, token_client, RefreshEndpoints, CLAUDE_PLATFORM_TOKEN_URL, CLAUDE_TOKEN_URL,
    CODEX_TOKEN_URL, GOOGLE_TOKEN_URL,
};
pub use flight::SingleFlight;

pub(crate) use flight::Flight;

/// How long before expiry a token is refreshed unless configured otherwise (`refresh.lead`).
pub const DEFAULT_LEAD: Duration = Duration::from_secs(5 * 60);

/// The future a refresh returns; boxed so the trait stays object-safe.
pub type RefreshFuture<'a> =
    Pin<Box<dyn Future<Output = Result<TokenResult, RefreshFailure>> + Send + 'a>>;

/// One provider's token endpoint client.
pub trait TokenRefresher: Send + Sync {
    /// The provider whose tokens this client refreshes.
    fn provider(&self) -> Provider;
    /// How long before `expires_at` the scheduler should refresh.
    fn refresh_lead(&self) -> Duration {
        DEFAULT_LEAD
    }
    /// Exchanges `current.refresh_token` for new tokens. Never retries by itself: the caller
    /// owns backoff, so a rotated refresh token is never sent twice from here.
    fn refresh<'a>(&'a self, current: &'a Secrets, now: Timestamp) -> RefreshFuture<'a>;
}

/// What a successful refresh yields: the next generation of secrets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenResult {
    /// New access token; the rotated refresh token, or the old one kept when the provider did
    /// not rotate it; the new id_token (or the old one when none came back).
    pub secrets: Secrets,
    /// `now + expires_in`; `None` when the provider stated no lifetime.
    pub expires_at: Option<Timestamp>,
    /// Who the account is, as read from the new tokens; empty when unknown.
    pub identity: Identity,
}

impl TokenResult {
    /// Whether the refresh token changed: the engine must make the new one durable before the
    /// old one could be used again (it is already dead at the provider).
    pub fn rotated(&self, previous: &Secrets) -> bool {
        self.secrets.refresh_token != previous.refresh_token
    }
}

/// Why a refresh failed. `message` is scrubbed and bounded (a `Scrubbed` string), safe for
/// events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshFailure {
    /// Whether it is worth retrying or needs a person.
    pub class: RefreshErrorClass,
    /// The endpoint's HTTP status; `None` for network errors.
    pub status: Option<u16>,
    /// The endpoint's answer or the network error, scrubbed.
    pub message: crate::scrub::ScrubbedMessage,
    /// A wait stated by the endpoint (`Retry-After`), to honour over the backoff when longer.
    pub retry_after: Option<Duration>,
}

impl RefreshFailure {
    /// A failure with no stated wait; `message` is scrubbed and bounded here.
    pub fn new(class: RefreshErrorClass, status: Option<u16>, message: &str) -> Self {
        RefreshFailure {
            class,
            status,
            message: message.into(),
            retry_after: None,
        }
    }
    /// The account holds no refresh token: only a person can fix it.
    pub fn no_refresh_token() -> Self {
        Self::new(
            RefreshErrorClass::Rejected,
            None,
            "the account has no refresh token; import fresh credentials",
        )
    }
    /// Whether the account must be disabled as `needs_reauth`.
    pub fn needs_reauth(&self) -> bool {
        self.class.needs_reauth()
    }
}

/// Whether a 401 reported against the credential with fingerprint `reported` is stale because
/// `current` (the latest stored generation) already holds a different access token: then it
/// triggers no refresh; the caller simply retries with the new token.
pub fn superseded(reported: &str, current: &Secrets) -> bool {
    !reported.is_empty() && current.fingerprint() != reported
}

impl std::fmt::Display for RefreshFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let class = serde_json::to_value(self.class)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        match self.status {
            Some(s) => write!(f, "{class} (HTTP {s}): {}", self.message),
            None => write!(f, "{class}: {}", self.message),
        }
    }
}

impl std::error::Error for RefreshFailure {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_401_on_an_older_generation_is_superseded() {
        let old = Secrets::oauth("access-gen-1", Some("r1".into()));
        let new = Secrets::oauth("access-gen-2", Some("r2".into()));
        assert!(superseded(&old.fingerprint(), &new));
        assert!(!superseded(&new.fingerprint(), &new));
    }

    #[test]
    fn failures_print_class_status_and_scrubbed_message() {
        let f = RefreshFailure::new(
            RefreshErrorClass::InvalidGrant,
            Some(400),
            "invalid_grant: token sk-ant-ort01-abcdefghijklmnop1234 is dead",
        );
        assert_eq!(
            f.to_string(),
            "invalid_grant (HTTP 400): invalid_grant: token [redacted] is dead"
        );
        assert!(f.needs_reauth());
        let long = RefreshFailure::new(RefreshErrorClass::Server, None, &"x ".repeat(600));
        assert!(long.message.chars().count() <= 512);
    }
}

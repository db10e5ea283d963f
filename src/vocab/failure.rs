//! A failure in rotation's words: `ErrorKind` (what went wrong), `Scope` (one model or the
//! whole account) and `ParsedError` (one classified failure, carried whole by `request_failed`).
//! How bytes become a `ParsedError` lives in `parse`; what it blocks lives in `block`.

use serde::{Deserialize, Serialize};

use crate::scrub::{ScrubbedCode, ScrubbedMessage};
use crate::time::{serde_ts_opt, Timestamp};

/// What went wrong, as far as rotation is concerned.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// Too many requests in a short time (429); passes after a short wait.
    RateLimit,
    /// A usage quota is used up (daily, 5-hour, monthly); passes when the window resets.
    QuotaExceeded,
    /// The credentials were rejected (401); an OAuth account is refreshed.
    Authentication,
    /// The account may not use this service or model (403).
    Permission,
    /// The model or endpoint does not exist for this account (404).
    NotFound,
    /// The provider is overloaded (e.g. 529); another account may do.
    Overloaded,
    /// A server or network error expected to pass (5xx, reset, timeout).
    Transient,
    /// The request itself is wrong (400); the account is not at fault and is not blocked.
    InvalidRequest,
    /// Payment is required or credit is exhausted; a person must act.
    Billing,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 9] = [
        ErrorKind::RateLimit,
        ErrorKind::QuotaExceeded,
        ErrorKind::Authentication,
        ErrorKind::Permission,
        ErrorKind::NotFound,
        ErrorKind::Overloaded,
        ErrorKind::Transient,
        ErrorKind::InvalidRequest,
        ErrorKind::Billing,
    ];

    /// The name the log, the CLI and the metrics use (serde's name too).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::RateLimit => "rate_limit",
            ErrorKind::QuotaExceeded => "quota_exceeded",
            ErrorKind::Authentication => "authentication",
            ErrorKind::Permission => "permission",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Overloaded => "overloaded",
            ErrorKind::Transient => "transient",
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::Billing => "billing",
        }
    }

    /// The kind named `name` ([`ErrorKind::as_str`]), if any.
    pub fn from_name(name: &str) -> Option<ErrorKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// A credential, a permission or a balance belongs to the account, whatever scope a
    /// payload suggests: such a failure always holds every model. The one place this is said.
    pub fn holds_account(self) -> bool {
        matches!(
            self,
            ErrorKind::Authentication | ErrorKind::Permission | ErrorKind::Billing
        )
    }

    /// The scope a kind has when the payload says nothing more specific.
    pub fn default_scope(self) -> Scope {
        if self.holds_account() {
            Scope::Account
        } else {
            Scope::Model
        }
    }

    /// Whether another account may succeed where this one failed.
    pub fn retryable(self) -> bool {
        !matches!(self, ErrorKind::InvalidRequest)
    }
}

/// Whether a block applies to one model of the account or to the whole account.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The whole account: every model is blocked.
    Account,
    /// One model of the account; its other models stay selectable.
    Model,
}

/// One classified failure. Carried whole by `request_failed` events, so it holds no secret:
/// every text field is [`crate::scrub::Scrubbed`] (tokens redacted, length bounded), however
/// the error was built: by a parser, by hand, or decoded from a log.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct ParsedError {
    /// What went wrong, as far as rotation is concerned.
    pub kind: ErrorKind,
    /// Whether the failure holds the whole account or only the requested model.
    pub scope: Scope,
    /// HTTP status; `None` for network errors that never got a response.
    pub status: Option<u16>,
    /// Provider error code (`insufficient_quota`, `1113`, `RATE_LIMIT_EXCEEDED`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<ScrubbedCode>,
    /// Provider error type / status (`rate_limit_error`, `RESOURCE_EXHAUSTED`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<ScrubbedCode>,
    /// The provider's error message, scrubbed of secrets and bounded in length.
    pub message: ScrubbedMessage,
    /// A wait the payload states, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// An absolute reset time the payload states.
    #[serde(
        default,
        with = "serde_ts_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub reset_at: Option<Timestamp>,
    /// Whether another account may succeed.
    pub retryable: bool,
    /// The provider disabled the account for good (e.g. a Terms of Service suspension): the
    /// account is disabled rather than retried on a timer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disables_account: bool,
}

impl ParsedError {
    /// A classification with the kind's default scope and retryability and no stated wait.
    pub fn new(kind: ErrorKind, status: Option<u16>, message: impl AsRef<str>) -> Self {
        ParsedError {
            kind,
            scope: kind.default_scope(),
            status,
            code: None,
            error_type: None,
            message: ScrubbedMessage::new(message.as_ref()),
            retry_after_ms: None,
            reset_at: None,
            retryable: kind.retryable(),
            disables_account: false,
        }
    }

    /// The API answered `invalid_grant`: the grant behind the credential is dead, and only a
    /// new sign-in helps an OAuth account (a refresh would meet the same answer).
    pub fn is_dead_grant(&self) -> bool {
        self.kind == ErrorKind::Authentication && self.code.as_deref() == Some("invalid_grant")
    }

    /// A network failure with no HTTP response (connect refused, reset, timeout).
    pub fn network(message: impl AsRef<str>) -> Self {
        let mut e = ParsedError::new(ErrorKind::Transient, None, message);
        e.code = Some("network".into());
        e
    }
}

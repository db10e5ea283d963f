//! Codex (ChatGPT backend, `chatgpt.com/backend-api/codex`): any 401 is authentication whatever
//! the body; `usage_limit_reached` is the account's plan window (account scope) with `resets_at`
//! (epoch s) or `resets_in_seconds`; a 429 whose `x-codex-*-used-percent` says 100 is the same.
//! Shared OpenAI codes are in `openai`; `response.failed` streams are read by `sse`/`envelope`.

use super::headers;
use super::input::Input;
use super::rules::{anthropic, first_match, glm, google, openai, words, Rule};
use super::waits::{finish, set_wait};
use super::{ErrorKind, Headers, ParsedError, Scope};
use crate::block::Wait;

/// Codex's rule order: any 401 first, then what any envelope says in shared words (the
/// request's own errors, capacity, a dead grant), the OpenAI codes it shares, the other
/// envelopes, and last a bare 429 whose window headers say exhausted.
const RULES: &[Rule] = &[
    any_401,
    words::request_scoped,
    words::at_capacity,
    words::dead_grant,
    openai::by_code,
    anthropic::by_type,
    google::by_status,
    glm::by_code,
    openai::by_server_type,
    anthropic::by_generic_type,
    exhausted_window,
];

/// Classifies a Codex (ChatGPT backend) error response: status, headers and body.
pub fn parse(status: u16, headers: &Headers, body: &[u8]) -> ParsedError {
    let input = Input::read(status, headers, body);
    finish(&input, with_plan_reset(&input, first_match(&input, RULES)))
}

/// The ChatGPT backend's 401 is the credential's, whatever the body says.
fn any_401(input: &Input<'_>) -> Option<ParsedError> {
    (input.status == 401).then(|| {
        let mut e = input.fallback();
        e.kind = ErrorKind::Authentication;
        e.scope = Scope::Account;
        e.retryable = true;
        e
    })
}

/// A 429 with no usable body while a Codex window header reads 100 %: the plan window.
fn exhausted_window(input: &Input<'_>) -> Option<ParsedError> {
    (input.status == 429 && headers::codex_any_exhausted(&input.headers))
        .then(|| input.fallback())
        .map(|mut e| {
            e.kind = ErrorKind::QuotaExceeded;
            e.scope = Scope::Account;
            e
        })
}

/// The reset a usage-limit (or throttle) body states, which wins over headers: both
/// `resets_at` (epoch s) and `resets_in_seconds` are kept when both are given, and the time the
/// response is placed in decides (`resets_at` while it is ahead, else the duration; see
/// `ParsedError::stated_until`).
fn with_plan_reset(input: &Input<'_>, mut e: ParsedError) -> ParsedError {
    if !matches!(e.kind, ErrorKind::QuotaExceeded | ErrorKind::RateLimit) {
        return e;
    }
    let Some(env) = input.env.as_ref() else {
        return e;
    };
    if let Some(secs) = env.number("resets_in_seconds").filter(|s| *s >= 0.0) {
        set_wait(&mut e, Wait::AfterMs((secs * 1000.0).min(1e15) as u64));
    }
    if let Some(t) = env
        .error
        .get("resets_at")
        .or_else(|| env.root.get("resets_at"))
        .and_then(super::envelope::value_text)
        .and_then(|v| headers::epoch_or_rfc3339(&v))
    {
        set_wait(&mut e, Wait::At(t));
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(status: u16, h: &[(&str, &str)], body: &str) -> ParsedError {
        let h: Headers = h.iter().copied().collect();
        parse(status, &h, body.as_bytes())
    }

    #[test]
    fn any_401_is_authentication() {
        assert_eq!(
            p(401, &[], r#"{"detail":"Unauthorized"}"#).kind,
            ErrorKind::Authentication
        );
        let e = p(
            401,
            &[],
            r#"{"error":{"code":"token_invalidated","message":"Your authentication token has been invalidated."}}"#,
        );
        assert_eq!(
            (e.kind, e.code.as_deref()),
            (ErrorKind::Authentication, Some("token_invalidated"))
        );
        assert_eq!(
            p(401, &[], r#"{"error":{"code":"model_not_found"}}"#).kind,
            ErrorKind::Authentication
        );
    }

    #[test]
    fn usage_limit_is_account_scope_with_resets_at() {
        let body = r#"{"error":{"type":"usage_limit_reached","message":"The usage limit has been reached","plan_type":"plus","resets_at":1767000000}}"#;
        let e = p(429, &[("retry-after", "5")], body);
        assert_eq!(
            (e.kind, e.scope),
            (ErrorKind::QuotaExceeded, Scope::Account)
        );
        assert_eq!(e.reset_at.map(|t| t.timestamp()), Some(1_767_000_000));
    }

    #[test]
    fn both_resets_are_kept_and_usage_limit_counts_anywhere() {
        let body = r#"{"error":{"type":"usage_limit_reached","resets_at":1767000000,"resets_in_seconds":77}}"#;
        let e = p(429, &[], body);
        assert_eq!(e.reset_at.map(|t| t.timestamp()), Some(1_767_000_000));
        assert_eq!(e.retry_after_ms, Some(77_000));
        for (status, body) in [
            (
                429,
                r#"{"type":"usage_limit_reached","resets_in_seconds":30}"#,
            ),
            (
                400,
                r#"{"error":{"type":"usage_limit_reached","resets_in_seconds":30}}"#,
            ),
            (
                200,
                r#"{"type":"error","status":429,"body":{"error":{"type":"usage_limit_reached","resets_in_seconds":30}}}"#,
            ),
        ] {
            let e = p(status, &[], body);
            assert_eq!(
                (e.kind, e.scope, e.retry_after_ms),
                (ErrorKind::QuotaExceeded, Scope::Account, Some(30_000)),
                "{body}"
            );
        }
    }

    #[test]
    fn resets_at_as_rfc3339_and_error_type_field() {
        let body = r#"{"error":{"error_type":"usage_limit_reached","plan_type":"plus","resets_at":"2026-01-15T12:00:00Z"}}"#;
        let e = p(429, &[], body);
        assert_eq!(
            (e.kind, e.scope),
            (ErrorKind::QuotaExceeded, Scope::Account)
        );
        assert_eq!(e.reset_at.map(|t| t.timestamp()), Some(1_768_478_400));
    }

    #[test]
    fn usage_not_included_and_overload() {
        assert_eq!(
            p(
                403,
                &[],
                r#"{"error":{"type":"usage_not_included","message":"x"}}"#
            )
            .kind,
            ErrorKind::Permission
        );
        assert_eq!(
            p(503, &[], r#"{"error":{"code":"server_is_overloaded"}}"#).kind,
            ErrorKind::Overloaded
        );
    }

    #[test]
    fn response_failed_in_200_stream() {
        let body = "event: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"error\":{\"code\":\"rate_limit_exceeded\",\"message\":\"Rate limit reached. Please try again in 11.054s.\"}}}\n\n";
        let e = p(200, &[], body);
        assert_eq!(
            (e.kind, e.retry_after_ms),
            (ErrorKind::RateLimit, Some(11_054))
        );
    }

    #[test]
    fn bare_429_with_exhausted_window_header() {
        let e = p(
            429,
            &[
                ("x-codex-primary-used-percent", "100"),
                ("x-codex-primary-reset-after-seconds", "600"),
            ],
            "",
        );
        assert_eq!(
            (e.kind, e.scope, e.retry_after_ms),
            (ErrorKind::QuotaExceeded, Scope::Account, Some(600_000))
        );
    }
}

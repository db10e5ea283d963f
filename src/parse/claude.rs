//! Claude (Anthropic API and Claude subscription OAuth): `error.type` rules, the unified
//! subscription window (`anthropic-ratelimit-unified-*` rejected → account-scope quota), and the
//! 400s that are not the caller's fault (Claude-Code-only credential, low credit balance).
//! Header parsing lives in `headers`; other providers' envelopes are delegated to their files.

use super::headers;
use super::input::Input;
use super::rules::{anthropic, first_match, glm, google, openai, words, Rule};
use super::waits::{self, finish};
use super::{ErrorKind, Headers, ParsedError, Scope};

/// Claude's rule order: what any envelope says in shared words (the request's own errors,
/// capacity, a dead grant), its own `error.type`, then the codes of the other envelopes a relay
/// may pass through, then the generic `invalid_request_error`.
const RULES: &[Rule] = &[
    words::request_scoped,
    words::at_capacity,
    words::dead_grant,
    anthropic::by_type,
    glm::by_code,
    openai::by_code,
    google::by_status,
    anthropic::by_generic_type,
];

/// Classifies a Claude (Anthropic API) error response: status, headers and body.
pub fn parse(status: u16, headers: &Headers, body: &[u8]) -> ParsedError {
    let input = Input::read(status, headers, body);
    let e = first_match(&input, RULES);
    finish(&input, unified_window(&input, e))
}

/// A 429 while the subscription's unified window (or its 5h / 7d window) is `rejected` is the
/// account's window used up: quota_exceeded at account scope, waiting for the unified reset
/// (which wins over `retry-after`, meant for the short throttle).
fn unified_window(input: &Input<'_>, mut e: ParsedError) -> ParsedError {
    let throttled = input.status == 429 || e.kind == ErrorKind::RateLimit;
    if !throttled || !matches!(e.kind, ErrorKind::RateLimit | ErrorKind::QuotaExceeded) {
        return e;
    }
    let in_message = usage_limit_in_message(&input.message());
    if let Some(reset) = headers::claude_unified_rejected(&input.headers).or(in_message) {
        e.kind = ErrorKind::QuotaExceeded;
        e.scope = Scope::Account;
        if let Some(t) = reset {
            waits::set_wait(&mut e, crate::block::Wait::At(t));
        }
    }
    e
}

/// "Claude AI usage limit reached|1762952400": how Claude Code (and proxies relaying it) word
/// a used-up subscription window, with its reset as epoch seconds.
fn usage_limit_in_message(message: &str) -> Option<Option<crate::time::Timestamp>> {
    const MARK: &str = "usage limit reached|";
    let lower = message.to_ascii_lowercase();
    let at = lower.find(MARK)? + MARK.len();
    let digits: String = lower
        .get(at..)?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some(headers::epoch_or_rfc3339(&digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(status: u16, h: &[(&str, &str)], body: &str) -> ParsedError {
        let h: Headers = h.iter().copied().collect();
        parse(status, &h, body.as_bytes())
    }

    #[test]
    fn error_type_wins_over_message_text() {
        let e = p(
            500,
            &[],
            r#"{"type":"error","error":{"type":"api_error","message":"Overloaded"}}"#,
        );
        assert_eq!(e.kind, ErrorKind::Transient);
    }

    #[test]
    fn unified_reset_wins_for_account_window_retry_after_for_throttle() {
        let body = r#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}"#;
        let e = p(429, &[("retry-after", "20")], body);
        assert_eq!(
            (e.kind, e.scope, e.retry_after_ms),
            (ErrorKind::RateLimit, Scope::Model, Some(20_000))
        );
        let e = p(
            429,
            &[
                ("retry-after", "20"),
                ("anthropic-ratelimit-unified-status", "rejected"),
                ("anthropic-ratelimit-unified-reset", "1767000000"),
            ],
            body,
        );
        assert_eq!(
            (e.kind, e.scope),
            (ErrorKind::QuotaExceeded, Scope::Account)
        );
        assert_eq!(e.reset_at.map(|t| t.timestamp()), Some(1_767_000_000));
        assert_eq!(e.retry_after_ms, None);
    }

    #[test]
    fn usage_limit_reached_with_epoch_in_message() {
        let body = r#"{"type":"error","error":{"type":"rate_limit_error","message":"Claude AI usage limit reached|1762952400"}}"#;
        let e = p(429, &[], body);
        assert_eq!(
            (e.kind, e.scope),
            (ErrorKind::QuotaExceeded, Scope::Account)
        );
        assert_eq!(e.reset_at.map(|t| t.timestamp()), Some(1_762_952_400));
    }

    #[test]
    fn claude_code_only_credential_is_permission() {
        let body = r#"{"type":"error","error":{"type":"invalid_request_error","message":"This credential is only authorized for use with Claude Code and cannot be used for other API requests."}}"#;
        let e = p(400, &[], body);
        assert_eq!((e.kind, e.scope), (ErrorKind::Permission, Scope::Account));
        let e = p(
            400,
            &[],
            r#"{"type":"error","error":{"type":"invalid_request_error","message":"messages: field required"}}"#,
        );
        assert_eq!((e.kind, e.retryable), (ErrorKind::InvalidRequest, false));
    }

    #[test]
    fn oauth_token_expired_is_authentication() {
        let body = r#"{"type":"error","error":{"type":"authentication_error","message":"OAuth token has expired. Please obtain a new token or refresh your existing token."}}"#;
        assert_eq!(p(401, &[], body).kind, ErrorKind::Authentication);
    }
}

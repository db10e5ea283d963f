//! Claude (Anthropic API and Claude subscription OAuth): `error.type` rules, the unified
//! subscription window (`anthropic-ratelimit-unified-*` rejected → account-scope quota), and the
//! 400s that are not the caller's fault (Claude-Code-only credential, low credit balance).
//! Header parsing lives in `headers`; other providers' envelopes are delegated to their files.

use super::headers;
use super::input::Input;
use super::waits::{self, finish};
use super::{glm, google, openai};
use super::{ErrorKind, Headers, ParsedError, Scope};

pub fn parse(status: u16, headers: &Headers, body: &[u8]) -> ParsedError {
    let input = Input::read(status, headers, body);
    let e = by_type(&input)
        .or_else(|| glm::by_code(&input))
        .or_else(|| openai::by_code(&input))
        .or_else(|| google::by_status(&input))
        .or_else(|| by_generic_type(&input))
        .unwrap_or_else(|| input.fallback());
    finish(&input, unified_window(&input, e))
}

/// The specific Anthropic error types. `error.type` wins over the message text: a 500
/// `api_error` saying "Overloaded" is transient. `invalid_request_error` is generic and left to
/// [`by_generic_type`], after provider codes had their say.
pub(super) fn by_type(input: &Input<'_>) -> Option<ParsedError> {
    let kind = match input.error_type()? {
        "rate_limit_error" => ErrorKind::RateLimit,
        "overloaded_error" => ErrorKind::Overloaded,
        "api_error" | "timeout_error" => ErrorKind::Transient,
        "authentication_error" => ErrorKind::Authentication,
        "permission_error" => ErrorKind::Permission,
        "not_found_error" => ErrorKind::NotFound,
        "request_too_large" => ErrorKind::InvalidRequest,
        "billing_error" => ErrorKind::Billing,
        _ => return None,
    };
    Some(input.error(kind))
}

/// `invalid_request_error` (any envelope) and a bare type that only says "error": the caller's
/// fault, except the 400s that name the account (Claude-Code-only credential, no credit).
pub(super) fn by_generic_type(input: &Input<'_>) -> Option<ParsedError> {
    let ty = input.error_type()?;
    if ty != "invalid_request_error" && ty != "invalid_request" {
        return None;
    }
    let lower = input.message_lower();
    if let Some(kind) = account_fault_in_message(&lower) {
        return Some(input.error(kind));
    }
    if super::input::model_unavailable(input.status, &lower) {
        return Some(input.error(ErrorKind::NotFound));
    }
    // Generic type on an auth / permission / throttle status: the status is the better signal.
    let kind = match input.status {
        401 => ErrorKind::Authentication,
        403 => ErrorKind::Permission,
        404 => ErrorKind::NotFound,
        429 => ErrorKind::RateLimit,
        s if s >= 500 => ErrorKind::Transient,
        _ => ErrorKind::InvalidRequest,
    };
    Some(input.error(kind))
}

/// 400 messages that are about the account, not the request.
pub(super) fn account_fault_in_message(lower: &str) -> Option<ErrorKind> {
    if lower.contains("only authorized for use with claude code")
        || lower.contains("only authorized for claude code")
    {
        return Some(ErrorKind::Permission);
    }
    if lower.contains("credit balance is too low") || lower.contains("credit balance too low") {
        return Some(ErrorKind::Billing);
    }
    if lower.contains("organization has been disabled")
        || lower.contains("account has been disabled")
    {
        return Some(ErrorKind::Permission);
    }
    None
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

//! The shared last step of every provider parser: fill in the wait the payload states, in
//! precedence order (a structured body field set by the provider parser > headers > message
//! prose > a non-exhausted limit's reset), clamp it to 8 days, and mark Terms-of-Service
//! suspensions. Turning a stated wait into a time (`block::until`) and default waits
//! (`block::decide`) are not here.

use super::headers;
use super::input::Input;
use super::text;
use super::{ErrorKind, ParsedError};
use crate::block::{Wait, MAX_WAIT_MS};
use crate::time::clamp;

/// Completes a classification with the stated wait and the account-disabling flag.
pub fn finish(input: &Input<'_>, mut e: ParsedError) -> ParsedError {
    let hintless = matches!(e.kind, ErrorKind::NotFound | ErrorKind::InvalidRequest);
    if !has_wait(&e) && !hintless {
        if let Some(w) = stated_wait(input, &e) {
            set_wait(&mut e, w);
        }
    }
    if let Some(ms) = e.retry_after_ms {
        e.retry_after_ms = Some(ms.min(MAX_WAIT_MS));
    }
    if e.kind == ErrorKind::Permission && is_terms_violation(&input.message_lower()) {
        e.disables_account = true;
    }
    e
}

pub fn has_wait(e: &ParsedError) -> bool {
    e.retry_after_ms.is_some() || e.reset_at.is_some()
}

pub fn set_wait(e: &mut ParsedError, w: Wait) {
    match w {
        Wait::AfterMs(ms) => e.retry_after_ms = Some(ms.min(MAX_WAIT_MS)),
        Wait::At(t) => e.reset_at = Some(clamp(t)),
    }
}

fn stated_wait(input: &Input<'_>, e: &ParsedError) -> Option<Wait> {
    let h = &*input.headers;
    let message = input.message();
    // Limit headers describe throttles; they say nothing about when billing or a revoked token
    // recovers, so they only count for rate / quota errors.
    let throttled = matches!(e.kind, ErrorKind::RateLimit | ErrorKind::QuotaExceeded);
    let exhausted_limit = || {
        throttled
            .then(|| {
                headers::openai_reset(h, false)
                    .or_else(|| headers::anthropic_reset(h, false))
                    .or_else(|| headers::codex_exhausted_reset(h))
            })
            .flatten()
    };
    // A throttle whose headers name resets but not which limit ran out: the longest.
    let any_limit = || {
        throttled
            .then(|| headers::openai_reset(h, true).or_else(|| headers::anthropic_reset(h, true)))
            .flatten()
    };
    headers::retry_after(h)
        .or_else(exhausted_limit)
        .or_else(|| text::wait_in_text(&message).map(Wait::AfterMs))
        .or_else(|| text::beijing_reset(&message).map(Wait::At))
        .or_else(any_limit)
}

/// "disabled ... for violation of Terms of Service" and the like: a suspension, not a cooldown.
pub fn is_terms_violation(lower_message: &str) -> bool {
    let tos = lower_message.contains("terms of service")
        || lower_message.contains("terms of use")
        || lower_message.contains("tos violation")
        || lower_message.contains("tos_violation");
    tos && ["violat", "disabled", "suspend", "banned", "terminated"]
        .iter()
        .any(|w| lower_message.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Headers;

    #[test]
    fn header_beats_prose_and_is_clamped() {
        let h: Headers = [("retry-after", "30")].into_iter().collect();
        let body =
            br#"{"error":{"code":"rate_limit_exceeded","message":"Please try again in 2s."}}"#;
        let i = Input::read(429, &h, body);
        let e = finish(&i, i.error(ErrorKind::RateLimit));
        assert_eq!(e.retry_after_ms, Some(30_000));
        let h: Headers = [("retry-after", "99999999")].into_iter().collect();
        let i = Input::read(429, &h, body);
        assert_eq!(
            finish(&i, i.error(ErrorKind::RateLimit)).retry_after_ms,
            Some(MAX_WAIT_MS)
        );
    }

    #[test]
    fn limit_headers_do_not_shorten_billing() {
        let h: Headers = [
            ("x-ratelimit-remaining-requests", "0"),
            ("x-ratelimit-reset-requests", "6m0s"),
        ]
        .into_iter()
        .collect();
        let i = Input::read(429, &h, br#"{"error":{"code":"insufficient_quota"}}"#);
        assert_eq!(finish(&i, i.error(ErrorKind::Billing)).retry_after_ms, None);
        assert_eq!(
            finish(&i, i.error(ErrorKind::RateLimit)).retry_after_ms,
            Some(360_000)
        );
    }

    #[test]
    fn not_found_ignores_hints() {
        let h: Headers = [("retry-after", "30")].into_iter().collect();
        let i = Input::read(404, &h, b"{}");
        assert_eq!(
            finish(&i, i.error(ErrorKind::NotFound)).retry_after_ms,
            None
        );
    }

    #[test]
    fn terms_of_service_suspension() {
        assert!(is_terms_violation(
            "this account has been disabled for violation of terms of service."
        ));
        assert!(!is_terms_violation("please accept the terms of service"));
    }
}

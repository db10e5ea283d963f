//! OpenAI API (and the codes the ChatGPT backend shares with it): `error.code` / `error.type`
//! rules: insufficient_quota → billing, rate_limit_exceeded → rate_limit (but "Request too large
//! ... must be reduced" → invalid_request), auth codes, model_not_found, context length, region.
//! ChatGPT-backend-only rules (401 whatever the body, usage limits) live in `codex`.

use super::input::Input;
use super::rules::{anthropic, first_match, glm, google, openai, words, Rule};
use super::waits::finish;
use super::{Headers, ParsedError};

/// OpenAI's rule order: what any envelope says in shared words (the request's own errors,
/// capacity, a dead grant), its codes (a provider code beats a generic type), a 401 about a
/// parameter, then the other envelopes, its server types and the generic
/// `invalid_request_error`.
const RULES: &[Rule] = &[
    words::request_scoped,
    words::at_capacity,
    words::dead_grant,
    openai::by_code,
    openai::parameter_fault_401,
    anthropic::by_type,
    google::by_status,
    glm::by_code,
    openai::by_server_type,
    anthropic::by_generic_type,
];

/// Classifies an OpenAI API error response: status, headers and body.
pub fn parse(status: u16, headers: &Headers, body: &[u8]) -> ParsedError {
    let input = Input::read(status, headers, body);
    finish(&input, first_match(&input, RULES))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{ErrorKind, Scope};

    fn p(status: u16, body: &str) -> ParsedError {
        parse(status, &Headers::new(), body.as_bytes())
    }

    #[test]
    fn provider_code_beats_generic_type() {
        let e = p(
            429,
            r#"{"error":{"type":"invalid_request_error","code":"insufficient_quota","message":"You exceeded your current quota"}}"#,
        );
        assert_eq!((e.kind, e.scope), (ErrorKind::Billing, Scope::Account));
    }

    #[test]
    fn request_too_large_429_is_invalid_request() {
        let body = r#"{"error":{"message":"Request too large for gpt-4o in organization org-x on tokens per min (TPM): Limit 30000, Requested 45000. The input or output tokens must be reduced in order to run successfully.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}"#;
        let e = p(429, body);
        assert_eq!((e.kind, e.retryable), (ErrorKind::InvalidRequest, false));
    }

    #[test]
    fn rate_limit_wait_from_message_text() {
        let body = r#"{"error":{"message":"Rate limit reached for gpt-4o on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000. Please try again in 2.164s.","type":"tokens","code":"rate_limit_exceeded"}}"#;
        let e = p(429, body);
        assert_eq!(
            (e.kind, e.retry_after_ms),
            (ErrorKind::RateLimit, Some(2_164))
        );
    }

    #[test]
    fn server_error_type_overloaded_only_when_503_or_said() {
        let b = r#"{"error":{"message":"The engine is currently overloaded, please try again later","type":"server_error","param":null,"code":null}}"#;
        assert_eq!(p(503, b).kind, ErrorKind::Overloaded);
        assert_eq!(
            p(
                500,
                r#"{"error":{"message":"The server had an error","type":"server_error"}}"#
            )
            .kind,
            ErrorKind::Transient
        );
    }

    #[test]
    fn plain_string_error_falls_back_to_status() {
        let e = p(429, r#"{"error":"slow down"}"#);
        assert_eq!(
            (e.kind, e.message.as_str()),
            (ErrorKind::RateLimit, "slow down")
        );
    }
}

//! OpenAI API (and the codes the ChatGPT backend shares with it): `error.code` / `error.type`
//! rules: insufficient_quota → billing, rate_limit_exceeded → rate_limit (but "Request too large
//! ... must be reduced" → invalid_request), auth codes, model_not_found, context length, region.
//! ChatGPT-backend-only rules (401 whatever the body, usage limits) live in `codex`.

use super::claude;
use super::google;
use super::input::Input;
use super::waits::finish;
use super::{glm, ErrorKind, Headers, ParsedError, Scope};

pub fn parse(status: u16, headers: &Headers, body: &[u8]) -> ParsedError {
    let input = Input::read(status, headers, body);
    let e = by_code(&input)
        .or_else(|| claude::by_type(&input))
        .or_else(|| google::by_status(&input))
        .or_else(|| glm::by_code(&input))
        .or_else(|| by_server_type(&input))
        .or_else(|| claude::by_generic_type(&input))
        .unwrap_or_else(|| input.fallback());
    finish(&input, e)
}

/// Classification by the OpenAI `code` (else a `type` that is really a code, as Codex sends
/// `usage_limit_reached` there). Beats a generic `type: invalid_request_error`.
pub(super) fn by_code(input: &Input<'_>) -> Option<ParsedError> {
    let code = input.code();
    let from_code = code.as_deref().and_then(|c| kind_of_code(input, c));
    let (kind, scope) = from_code
        .or_else(|| kind_of_code(input, input.error_type()?))
        .or_else(|| kind_of_code(input, input.env.as_ref()?.str("error_type")?))?;
    Some(input.error_scoped(kind, scope))
}

fn kind_of_code(input: &Input<'_>, code: &str) -> Option<(ErrorKind, Scope)> {
    use ErrorKind::*;
    let kind = match code {
        "insufficient_quota"
        | "billing_hard_limit_reached"
        | "billing_not_active"
        | "credits_exhausted"
        | "payment_required" => Billing,
        "rate_limit_exceeded" | "requests" | "tokens" | "rate_limit" => {
            if is_request_too_large(&input.message_lower()) {
                InvalidRequest
            } else {
                RateLimit
            }
        }
        "usage_limit_reached" => return Some((QuotaExceeded, Scope::Account)),
        "usage_not_included"
        | "unsupported_country_region_territory"
        | "unsupported_country"
        | "account_deactivated"
        | "deactivated_workspace"
        | "access_terminated"
        | "organization_deactivated"
        | "insufficient_permissions"
        | "missing_scope"
        | "request_forbidden" => Permission,
        "invalid_api_key"
        | "token_expired"
        | "refresh_token_reused"
        | "token_invalidated"
        | "invalid_token"
        | "token_revoked"
        | "refresh_token_expired"
        | "invalid_authentication"
        | "authentication_error" => Authentication,
        "model_not_found" | "model_not_supported" | "unsupported_model" => NotFound,
        "context_length_exceeded"
        | "string_above_max_length"
        | "invalid_prompt"
        | "invalid_value"
        | "invalid_type"
        | "max_tokens_exceeded" => InvalidRequest,
        "server_is_overloaded" | "engine_overloaded" | "slow_down" | "overloaded" => Overloaded,
        _ => return None,
    };
    Some((kind, kind.default_scope()))
}

/// "Request too large for gpt-4o ... Please reduce your prompt; or ... must be reduced": a 429
/// that no amount of waiting fixes.
fn is_request_too_large(lower: &str) -> bool {
    lower.contains("request too large")
        && (lower.contains("must be reduced") || lower.contains("reduce"))
}

/// `type: server_error` with no code: 503 "engine is overloaded" is overloaded, else transient.
pub(super) fn by_server_type(input: &Input<'_>) -> Option<ParsedError> {
    let ty = input.error_type()?;
    if !matches!(
        ty,
        "server_error" | "service_unavailable" | "internal_error"
    ) {
        return None;
    }
    let lower = input.message_lower();
    let kind = if input.status == 503 || lower.contains("overloaded") {
        ErrorKind::Overloaded
    } else {
        ErrorKind::Transient
    };
    Some(input.error(kind))
}

#[cfg(test)]
mod tests {
    use super::*;

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

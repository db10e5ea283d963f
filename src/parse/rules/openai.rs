//! The OpenAI envelope's rules: `error.code` / `error.type` (insufficient_quota → billing,
//! rate_limit_exceeded → rate_limit but "Request too large ... must be reduced" →
//! invalid_request, auth codes, model_not_found, context length, region) and the server types.

use crate::parse::input::Input;
use crate::parse::{ErrorKind, ParsedError, Scope};

/// Classification by the OpenAI `code` (else a `type` that is really a code, as Codex sends
/// `usage_limit_reached` there). Beats a generic `type: invalid_request_error`.
pub(in crate::parse) fn by_code(input: &Input<'_>) -> Option<ParsedError> {
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

/// `type: server_error` with no code: "engine is overloaded" is overloaded, else transient (a
/// 503 alone is no provider signal).
pub(in crate::parse) fn by_server_type(input: &Input<'_>) -> Option<ParsedError> {
    let ty = input.error_type()?;
    if !matches!(
        ty,
        "server_error" | "service_unavailable" | "internal_error"
    ) {
        return None;
    }
    let lower = input.message_lower();
    let kind = if lower.contains("overloaded") {
        ErrorKind::Overloaded
    } else {
        ErrorKind::Transient
    };
    Some(input.error(kind))
}

/// Words of a 401 body that are about the credential (the key, the token), not the request.
const CREDENTIAL_WORDS: [&str; 9] = [
    "api key",
    "api_key",
    "apikey",
    "access token",
    "bearer",
    "authenticat",
    "credential",
    "unauthorized",
    "token is invalid",
];

/// On an OpenAI-compatible API, a 401 whose body is an `invalid_request_error` about a request
/// parameter (it names one in `param`, or speaks of a "parameter") and not about the key: the
/// request's fault, not the credential's. The ChatGPT backend is not OpenAI-compatible in this
/// (its 401s are the credential's, see `codex`), so only the `openai` and `glm` tables use this.
pub(in crate::parse) fn parameter_fault_401(input: &Input<'_>) -> Option<ParsedError> {
    let generic = matches!(
        input.error_type()?,
        "invalid_request_error" | "invalid_request"
    );
    if input.status != 401 || !generic {
        return None;
    }
    let lower = input.message_lower();
    let names_param = input.env.as_ref()?.str("param").is_some() || lower.contains("parameter");
    let about_credential = CREDENTIAL_WORDS.iter().any(|w| lower.contains(w));
    (names_param && !about_credential).then(|| input.error(ErrorKind::InvalidRequest))
}

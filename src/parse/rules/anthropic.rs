//! The Anthropic envelope's rules (`error.type`): the specific types, and the generic
//! `invalid_request_error` any envelope may carry, with the 400s that name the account
//! (Claude-Code-only credential, low credit balance) rather than the request.

use crate::parse::input::{model_unavailable, Input};
use crate::parse::{ErrorKind, ParsedError};

/// The specific Anthropic error types. `error.type` wins over the message text: a 500
/// `api_error` saying "Overloaded" is transient. `invalid_request_error` is generic and left to
/// [`by_generic_type`], after provider codes had their say.
pub(in crate::parse) fn by_type(input: &Input<'_>) -> Option<ParsedError> {
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
pub(in crate::parse) fn by_generic_type(input: &Input<'_>) -> Option<ParsedError> {
    let ty = input.error_type()?;
    if ty != "invalid_request_error" && ty != "invalid_request" {
        return None;
    }
    let lower = input.message_lower();
    if let Some(kind) = account_fault_in_message(&lower) {
        return Some(input.error(kind));
    }
    if model_unavailable(input.status, &lower) {
        return Some(input.error(ErrorKind::NotFound));
    }
    // Generic type on an auth / permission / throttle status: the status is the better signal.
    // On a 5xx it is not: a gateway wrapped the provider's verdict on the request (a 502 around
    // an `invalid_request`), and an outage would not blame the request.
    let kind = match input.status {
        401 => ErrorKind::Authentication,
        403 => ErrorKind::Permission,
        404 => ErrorKind::NotFound,
        429 => ErrorKind::RateLimit,
        _ => ErrorKind::InvalidRequest,
    };
    Some(input.error(kind))
}

/// 400 messages that are about the account, not the request.
fn account_fault_in_message(lower: &str) -> Option<ErrorKind> {
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

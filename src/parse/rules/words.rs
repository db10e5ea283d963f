//! Rules that read what any envelope (or a plain-text body) says in words or in a code every
//! provider shares: errors that belong to the request (an item "not persisted", a previous
//! response not found, a thinking signature, a policy refusal), a model "at capacity", and an
//! `invalid_grant` coming back from the API. They sit at the head of every provider's table,
//! since the status such answers arrive with (404, 400, 502, 200) would say otherwise.

use crate::parse::input::Input;
use crate::parse::{ErrorKind, ParsedError, Scope};

/// Codes that name the request as the fault, whatever the status and envelope.
const REQUEST_CODES: [&str; 7] = [
    "previous_response_not_found",
    "cyber_policy",
    "content_policy_violation",
    "message_too_big",
    "unsupported_value",
    "unsupported_parameter",
    "thinking_signature_invalid",
];

/// Phrases of the same errors where no code says so (or the body is plain text).
const REQUEST_PHRASES: [&str; 6] = [
    "items are not persisted when `store` is set to false",
    "previous response with id",
    "invalid `signature` in `thinking` block",
    "invalid signature in thinking block",
    "corrupted thought signature",
    "missing a thought_signature",
];

/// An error about this request, not the account: another account would answer the same, so it
/// is `invalid_request` and blocks nothing (a Codex 404 for an item not persisted with
/// `store: false` must not block the model for 12 h; a refusal a gateway wraps in a 502 is not
/// an outage).
pub(in crate::parse) fn request_scoped(input: &Input<'_>) -> Option<ParsedError> {
    let coded = input
        .code()
        .is_some_and(|c| REQUEST_CODES.contains(&c.as_str()));
    let said = || {
        let text = input.text_lower();
        REQUEST_PHRASES.iter().any(|p| text.contains(p))
    };
    (coded || said()).then(|| input.classified(ErrorKind::InvalidRequest, Scope::Model))
}

/// "Selected model is at capacity. Please try a different model.": the provider is short of
/// capacity for the model, which is no fault of the request even on a 400. A short, retryable
/// rate limit on that model (the default rate-limit wait applies; none is stated).
pub(in crate::parse) fn at_capacity(input: &Input<'_>) -> Option<ParsedError> {
    input
        .text_lower()
        .contains("model is at capacity")
        .then(|| input.classified(ErrorKind::RateLimit, Scope::Model))
}

/// `invalid_grant` from the API itself (a relay refreshing on the account's behalf, a proxy
/// passing the token endpoint's answer through): the grant behind the account is dead, so it is
/// the account's `authentication`, never the caller's bad request. The code is recorded as
/// `invalid_grant`, which tells the report step an OAuth account needs a new sign-in.
pub(in crate::parse) fn dead_grant(input: &Input<'_>) -> Option<ParsedError> {
    let env = input.env.as_ref()?;
    let named = |v: Option<&str>| v.is_some_and(|v| v.trim() == "invalid_grant");
    let said = named(env.text.as_deref())
        || named(input.code().as_deref())
        || named(input.error_type())
        || input.message_lower().starts_with("invalid_grant:");
    said.then(|| {
        let mut e = input.classified(ErrorKind::Authentication, Scope::Account);
        e.code = Some("invalid_grant".into());
        e
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Headers;

    #[test]
    fn request_scoped_by_code_or_words_even_without_an_envelope() {
        let h = Headers::new();
        for (status, body) in [
            (502, r#"{"error":{"type":"invalid_request","code":"cyber_policy","message":"blocked"}}"#),
            (404, "Item with id 'rs_1' not found. Items are not persisted when `store` is set to false."),
            (400, r#"{"type":"error","error":{"code":"previous_response_not_found","message":"Previous response with id 'resp_1' not found."}}"#),
        ] {
            let e = request_scoped(&Input::read(status, &h, body.as_bytes())).expect(body);
            assert_eq!((e.kind, e.retryable), (ErrorKind::InvalidRequest, false));
        }
        let model_404 = br#"{"error":{"message":"The model `x` does not exist"}}"#;
        assert!(request_scoped(&Input::read(404, &h, model_404)).is_none());
    }

    #[test]
    fn capacity_and_dead_grants() {
        let h = Headers::new();
        let cap = br#"{"error":{"message":"Selected model is at capacity. Please try a different model."}}"#;
        let e = at_capacity(&Input::read(400, &h, cap)).unwrap();
        assert_eq!(
            (e.kind, e.scope, e.retryable),
            (ErrorKind::RateLimit, Scope::Model, true)
        );
        let grant = br#"{"error":"invalid_grant","error_description":"Token has been expired or revoked."}"#;
        let e = dead_grant(&Input::read(400, &h, grant)).unwrap();
        assert_eq!(
            (e.kind, e.scope, e.code.as_deref()),
            (
                ErrorKind::Authentication,
                Scope::Account,
                Some("invalid_grant")
            )
        );
        assert!(dead_grant(&Input::read(400, &h, br#"{"error":"slow down"}"#)).is_none());
    }
}

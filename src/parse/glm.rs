//! GLM (Zhipu bigmodel.cn / Z.ai, OpenAI- and Anthropic-compatible endpoints): numeric business
//! codes in `error.code` (a string or a number; sometimes in `error.type` on the Anthropic
//! endpoint, sometimes just the HTTP status). Plan caps 1308 / 1310 are account-wide; their reset
//! time, stated as Beijing wall-clock text, is read by `text`/`waits`.

use super::input::Input;
use super::rules::{anthropic, first_match, glm, google, openai, words, Rule};
use super::waits::finish;
use super::{Headers, ParsedError};

/// GLM's rule order: what any envelope says in shared words (the request's own errors,
/// capacity, a dead grant), its numeric codes, a 401 about a parameter (its OpenAI-compatible
/// endpoint), then the envelopes its two endpoints share.
const RULES: &[Rule] = &[
    words::request_scoped,
    words::at_capacity,
    words::dead_grant,
    glm::by_code,
    openai::parameter_fault_401,
    anthropic::by_type,
    openai::by_code,
    google::by_status,
    openai::by_server_type,
    anthropic::by_generic_type,
];

/// Classifies a GLM (Zhipu) error response: status, headers and body.
pub fn parse(status: u16, headers: &Headers, body: &[u8]) -> ParsedError {
    let input = Input::read(status, headers, body);
    finish(&input, first_match(&input, RULES))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{ErrorKind, Scope};
    use crate::time::format_ts;

    fn p(status: u16, body: &str) -> ParsedError {
        parse(status, &Headers::new(), body.as_bytes())
    }

    #[test]
    fn codes_as_strings_or_numbers() {
        assert_eq!(
            p(
                429,
                r#"{"error":{"code":1113,"message":"余额不足或无可用资源包,请充值。"}}"#
            )
            .kind,
            ErrorKind::Billing
        );
        assert_eq!(
            p(
                429,
                r#"{"error":{"code":"1305","message":"该模型当前访问量过大，请您稍后再试"}}"#
            )
            .kind,
            ErrorKind::Overloaded
        );
        assert_eq!(
            p(400, r#"{"error":{"code":"1261","message":"Prompt 超长"}}"#).kind,
            ErrorKind::InvalidRequest
        );
        assert_eq!(
            p(
                401,
                r#"{"error":{"code":"401","message":"令牌已过期或验证不正确"}}"#
            )
            .kind,
            ErrorKind::Authentication
        );
    }

    #[test]
    fn plan_cap_is_account_scope_with_beijing_reset() {
        let body = r#"{"error":{"code":"1308","message":"已达到 5 小时的使用上限。您的限额将在 2026-08-25 07:41:44 重置。"}}"#;
        let e = p(429, body);
        assert_eq!(
            (e.kind, e.scope),
            (ErrorKind::QuotaExceeded, Scope::Account)
        );
        assert_eq!(
            e.reset_at.map(format_ts).as_deref(),
            Some("2026-08-24T23:41:44.000Z")
        );
    }

    #[test]
    fn glm_code_beats_generic_invalid_request_type_on_anthropic_endpoint() {
        let body = r#"{"type":"error","error":{"type":"invalid_request_error","code":"1310","message":"Weekly/Monthly Limit Exhausted. Your limit will reset at 2026-09-01 00:00:00"}}"#;
        let e = p(429, body);
        assert_eq!(
            (e.kind, e.scope),
            (ErrorKind::QuotaExceeded, Scope::Account)
        );
        assert!(e.reset_at.is_some());
        let body = r#"{"type":"error","error":{"type":"1311","message":"plan lacks model"}}"#;
        assert_eq!(p(400, body).kind, ErrorKind::NotFound);
    }
}

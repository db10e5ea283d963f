//! Tests of the Google (Antigravity / Gemini) parser: details precedence, quota ids, limit 0,
//! legacy reasons, Terms-of-Service suspensions.

use super::*;
use crate::parse::{ErrorKind, Scope};

fn p(status: u16, body: &str) -> ParsedError {
    parse(status, &Headers::new(), body.as_bytes())
}

#[test]
fn error_info_reason_wins_over_status() {
    let body = r#"{"error":{"code":400,"message":"API key expired. Please renew the API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_EXPIRED","domain":"googleapis.com"}]}}"#;
    assert_eq!(p(400, body).kind, ErrorKind::Authentication);
    let body = r#"{"error":{"code":403,"status":"PERMISSION_DENIED","message":"x","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"SERVICE_DISABLED"}]}}"#;
    assert_eq!(
        (p(403, body).kind, p(403, body).scope),
        (ErrorKind::Permission, Scope::Account)
    );
}

#[test]
fn resource_exhausted_without_details_is_short_rate_limit() {
    let e = p(
        429,
        r#"{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}}"#,
    );
    assert_eq!((e.kind, e.retry_after_ms), (ErrorKind::RateLimit, None));
}

#[test]
fn per_minute_vs_per_day_and_limit_zero() {
    let q = |id: &str, v: &str| {
        format!(
            r#"{{"error":{{"code":429,"status":"RESOURCE_EXHAUSTED","message":"m","details":[{{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{{"quotaId":"{id}","quotaValue":"{v}"}}]}},{{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"30s"}}]}}}}"#
        )
    };
    assert_eq!(
        p(
            429,
            &q("GenerateRequestsPerMinutePerProjectPerModel-FreeTier", "10")
        )
        .kind,
        ErrorKind::RateLimit
    );
    assert_eq!(
        p(
            429,
            &q("GenerateRequestsPerDayPerProjectPerModel-FreeTier", "50")
        )
        .kind,
        ErrorKind::QuotaExceeded
    );
    let e = p(
        429,
        &q("GenerateRequestsPerDayPerProjectPerModel-FreeTier", "0"),
    );
    assert_eq!((e.kind, e.retry_after_ms), (ErrorKind::NotFound, None));
}

#[test]
fn legacy_reason_only_without_error_info() {
    let body = r#"{"error":{"code":403,"status":"PERMISSION_DENIED","message":"m","errors":[{"reason":"rateLimitExceeded"}]}}"#;
    assert_eq!(p(403, body).kind, ErrorKind::RateLimit);
    let body = r#"{"error":{"code":403,"status":"PERMISSION_DENIED","message":"m","errors":[{"reason":"rateLimitExceeded"}],"details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"CONSUMER_INVALID"}]}}"#;
    assert_eq!(p(403, body).kind, ErrorKind::Permission);
}

#[test]
fn terms_of_service_disables_account() {
    let body = r#"{"error":{"code":403,"message":"This account has been disabled for violation of Terms of Service.","status":"PERMISSION_DENIED"}}"#;
    let e = p(403, body);
    assert_eq!(
        (e.kind, e.scope, e.disables_account),
        (ErrorKind::Permission, Scope::Account, true)
    );
}

#[test]
fn quota_reset_delay_wins() {
    let body = r#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","message":"m","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"QUOTA_EXHAUSTED","metadata":{"quotaResetDelay":"3h5m10.5s"}},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"5s"}]}}"#;
    let e = p(429, body);
    assert_eq!(
        (e.kind, e.retry_after_ms),
        (ErrorKind::QuotaExceeded, Some(11_110_500))
    );
}

//! Property tests of the provider parsers: any bytes, JSON-ish fragments and hostile headers
//! never panic, and a body is never read beyond the first 64 KiB.

use proptest::prelude::*;
use rotor::parse::{parse, ErrorKind, Headers, MAX_BODY};
use rotor::time::parse_ts;
use rotor::Provider;

fn provider() -> impl Strategy<Value = Provider> {
    prop::sample::select(Provider::ALL.to_vec())
}

/// Pieces that steer the parsers into their deeper paths.
const FRAGMENTS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"",
    "\\\"",
    "\"error\"",
    "\"type\"",
    "\"code\"",
    "\"message\"",
    "\"status\"",
    "\"status_code\"",
    "\"headers\"",
    "\"details\"",
    "\"@type\"",
    "\"reason\"",
    "\"type.googleapis.com/google.rpc.RetryInfo\"",
    "\"type.googleapis.com/google.rpc.ErrorInfo\"",
    "\"type.googleapis.com/google.rpc.QuotaFailure\"",
    "\"retryDelay\"",
    "\"quotaResetDelay\"",
    "\"quotaResetTimeStamp\"",
    "\"violations\"",
    "\"quotaId\"",
    "\"PerMinute\"",
    "\"quotaValue\"",
    "\"RESOURCE_EXHAUSTED\"",
    "\"QUOTA_EXHAUSTED\"",
    "\"1308\"",
    "1113",
    "\"usage_limit_reached\"",
    "\"resets_at\"",
    "\"resets_in_seconds\"",
    "1e308",
    "-1",
    "99999999999999999999999",
    "\"99999999999999999999999h\"",
    "\"rate_limit_error\"",
    "\"invalid_request_error\"",
    "\"try again in 1e308s\"",
    "\"limit: 0\"",
    "将在 2026-08-25 07:41:44 重置",
    "reset at 9999-99-99 99:99:99",
    "data: ",
    "event: error\n",
    "\n\n",
    "\n",
    "\"response\"",
    "\"response.failed\"",
    "é",
    "\u{0}",
    "🦀",
    "<html>",
    "null",
    "true",
    "\"detail\"",
];

fn jsonish() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..80).prop_map(|v| v.concat())
}

fn headers() -> impl Strategy<Value = Headers> {
    let names = prop::sample::select(vec![
        "retry-after",
        "retry-after-ms",
        "anthropic-ratelimit-unified-status",
        "anthropic-ratelimit-unified-reset",
        "anthropic-ratelimit-unified-5h-utilization",
        "anthropic-ratelimit-tokens-reset",
        "anthropic-ratelimit-tokens-remaining",
        "x-codex-primary-used-percent",
        "x-codex-primary-reset-after-seconds",
        "x-codex-secondary-reset-at",
        "x-ratelimit-reset-requests",
        "x-ratelimit-remaining-requests",
    ]);
    let values = prop_oneof![
        Just("rejected".to_string()),
        Just("0".to_string()),
        Just("1e400".to_string()),
        Just("-5".to_string()),
        Just("99999999999999999999".to_string()),
        ".*",
    ];
    prop::collection::vec((names, values), 0..8).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(p in provider(), status in 0u16..1000, body in prop::collection::vec(any::<u8>(), 0..512)) {
        let e = parse(p, status, &Headers::new(), &body);
        prop_assert!(e.message.chars().count() <= 512);
    }

    #[test]
    fn jsonish_bodies_and_hostile_headers_never_panic(p in provider(), status in prop::sample::select(vec![0u16, 200, 400, 401, 403, 404, 429, 500, 503, 529]), body in jsonish(), h in headers()) {
        let e = parse(p, status, &h, body.as_bytes());
        let at = parse_ts("2025-12-27T10:00:00Z").unwrap();
        let j = e.classify_json(at);
        prop_assert!(j["kind"].is_string());
        if let Some(s) = j["retry_after_s"].as_f64() {
            prop_assert!((0.0..=8.0 * 86400.0).contains(&s));
        }
    }

    #[test]
    fn structured_bodies_with_arbitrary_strings_never_panic(
        p in provider(),
        status in 0u16..1000,
        message in ".{0,200}",
        code in prop_oneof![".{0,12}".prop_map(serde_json::Value::from), any::<i64>().prop_map(serde_json::Value::from), any::<f64>().prop_map(serde_json::Value::from)],
        delay in ".{0,24}",
        resets in any::<f64>(),
    ) {
        let body = serde_json::json!([{
            "type": "error",
            "status": status,
            "error": {
                "type": "usage_limit_reached", "code": code, "message": message, "status": "RESOURCE_EXHAUSTED",
                "resets_at": resets, "resets_in_seconds": resets,
                "details": [
                    {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay},
                    {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "QUOTA_EXHAUSTED", "metadata": {"quotaResetDelay": delay, "quotaResetTimeStamp": delay}},
                ],
            },
        }]);
        let e = parse(p, status, &Headers::new(), body.to_string().as_bytes());
        prop_assert!(e.retry_after_ms.is_none_or(|ms| ms <= rotor::parse::MAX_WAIT_MS));
    }
}

#[test]
fn ten_megabyte_body_is_read_only_to_64_kib() {
    let error =
        br#"{"error":{"code":"insufficient_quota","message":"You exceeded your current quota"}}"#;
    for p in Provider::ALL {
        // The error object starts past the limit: not seen, the status decides.
        let mut body = vec![b' '; MAX_BODY];
        body.extend_from_slice(error);
        body.resize(10 * 1024 * 1024, b' ');
        assert_eq!(
            parse(p, 400, &Headers::new(), &body).kind,
            ErrorKind::InvalidRequest,
            "{p}"
        );
        // An SSE error within the first 64 KiB of a 10 MB stream is seen.
        let mut stream = b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n".to_vec();
        stream.resize(10 * 1024 * 1024, b'x');
        assert_eq!(
            parse(p, 200, &Headers::new(), &stream).kind,
            ErrorKind::Overloaded,
            "{p}"
        );
    }
}

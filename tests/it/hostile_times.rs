//! Times from outside never make the log unreadable: any parser input (provider, status, headers,
//! body with extreme reset times) reported at any time, through the engine on a real file, is
//! written as events that decode back to what was recorded. The hostile values of real reports
//! through the CLI are in `hostile_times_cli`.

use chrono::TimeZone;
use proptest::prelude::*;
use rotor::event::Event;
use rotor::parse::Headers;
use rotor::state::State;
use rotor::time::{format_ts, ManualClock, Timestamp};
use rotor::{Outcome, Provider, ReportFor, SelectOpts};
use serde_json::{json, Value};

use super::common::*;

/// The range of times an RFC 3339 string (four-digit years) can write: 0000-01-01T00:00:00Z to
/// 9999-12-31T23:59:59.999Z, in milliseconds since the epoch.
const MIN_MS: i64 = -62_167_219_200_000;
const MAX_MS: i64 = 253_402_300_799_999;

fn from_millis(ms: i64) -> Timestamp {
    chrono::Utc.timestamp_millis_opt(ms).unwrap()
}

/// Reset times as providers have sent them, and worse.
const EXTREME: &[&str] = &[
    "1000000000000000",
    "1e15",
    "99999999999999999999",
    "253402300800",
    "253402300799999",
    "-62167219201",
    "9999-12-31T23:59:59-01:00",
    "0000-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59.999999999Z",
    "2026-01-01T00:00:05.000500Z",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Thu, 01 Jan 1970 00:00:00 GMT",
    "1e308",
    "1e400",
    "-1",
    "0",
    "3600",
    "6m0s",
    "99999999h",
    "rejected",
];

/// Any RFC 3339 time: any year, any offset, 0-9 fraction digits.
fn rfc3339() -> impl Strategy<Value = String> {
    (
        (0u32..=9999, 1u32..=12, 1u32..=28),
        (0u32..24, 0u32..60, 0u32..60),
        (0u32..1_000_000_000, 0usize..10),
        -1439i32..=1439,
    )
        .prop_map(|((y, mo, d), (h, mi, s), (ns, digits), off)| {
            let frac = if digits == 0 {
                String::new()
            } else {
                format!(".{:09}", ns)[..=digits].to_string()
            };
            let zone = if off == 0 {
                "Z".to_string()
            } else {
                let sign = if off < 0 { '-' } else { '+' };
                format!("{sign}{:02}:{:02}", off.abs() / 60, off.abs() % 60)
            };
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{zone}")
        })
}

fn hostile_time() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(EXTREME).prop_map(String::from),
        rfc3339(),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| n.to_string()),
        (0u64..1 << 53).prop_map(|n| n.to_string()),
    ]
}

fn headers() -> impl Strategy<Value = Headers> {
    let names = prop::sample::select(vec![
        "retry-after",
        "retry-after-ms",
        "anthropic-ratelimit-unified-status",
        "anthropic-ratelimit-unified-reset",
        "anthropic-ratelimit-unified-5h-status",
        "anthropic-ratelimit-unified-5h-reset",
        "anthropic-ratelimit-unified-7d-reset",
        "anthropic-ratelimit-tokens-remaining",
        "anthropic-ratelimit-tokens-reset",
        "anthropic-ratelimit-requests-reset",
        "x-codex-primary-used-percent",
        "x-codex-primary-reset-after-seconds",
        "x-codex-primary-reset-at",
        "x-codex-primary-window-minutes",
        "x-codex-secondary-used-percent",
        "x-codex-secondary-reset-at",
        "x-ratelimit-remaining-requests",
        "x-ratelimit-reset-requests",
        "x-ratelimit-reset-tokens",
        "x-ratelimit-limit-tokens",
    ]);
    let value = prop_oneof![
        3 => hostile_time(),
        1 => Just("rejected".to_string()),
        1 => Just("100".to_string()),
    ];
    prop::collection::vec((names, value), 0..8).prop_map(|v| v.into_iter().collect())
}

/// A JSON value for a time field: the text as a string, or as a number when it is one.
fn field(t: &str) -> Value {
    t.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .map_or_else(|| json!(t), |n| json!(n))
}

/// Each provider's error envelope, carrying `t` in every field that states a reset.
fn body() -> impl Strategy<Value = String> {
    (0u8..6, hostile_time(), hostile_time(), 0u32..=9999).prop_map(|(shape, t, d, year)| {
        match shape {
            0 => json!({"type": "error", "error": {"type": "rate_limit_error",
                "message": format!("Rate limited until {t}")}}),
            1 => json!({"error": {"type": "usage_limit_reached", "message": "The usage limit has been reached",
                "resets_at": field(&t), "resets_in_seconds": field(&d)}}),
            2 => json!({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "quota",
                "details": [
                    {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "QUOTA_EXHAUSTED",
                     "metadata": {"quotaResetTimeStamp": t, "quotaResetDelay": d}},
                    {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": d},
                ]}}),
            3 => json!({"error": {"code": "1308",
                "message": format!("已达到 5 小时的使用上限。您的限额将在 {year:04}-01-01 00:00:00 重置。")}}),
            4 => json!({"error": {"message": format!("Rate limit reached. Please try again in {d}s."),
                "type": "requests", "code": "rate_limit_exceeded"}}),
            _ => json!({"error": {"type": "usage_limit_reached", "resets_at": t}}),
        }
        .to_string()
    })
}

/// Any time an event can hold, with the ends of the range well represented.
fn at() -> impl Strategy<Value = Timestamp> {
    const DAY: i64 = 86_400_000;
    prop_oneof![
        Just(MIN_MS),
        Just(MAX_MS),
        MIN_MS..=MAX_MS,
        (MAX_MS - 10 * DAY)..=MAX_MS,
        MIN_MS..=(MIN_MS + 10 * DAY),
        1_700_000_000_000i64..1_900_000_000_000,
    ]
    .prop_map(from_millis)
}

fn provider() -> impl Strategy<Value = Provider> {
    prop::sample::select(Provider::ALL.to_vec())
}

/// The stored rows (`at` text and `data` JSON) of the log at `db`.
fn raw_rows(db: &std::path::Path) -> Vec<(String, Value)> {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    let mut stmt = c
        .prepare("SELECT at, data FROM events ORDER BY seq")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
        .map(|r| {
            let (at, data) = r.unwrap();
            (at, serde_json::from_str(&data).unwrap())
        })
        .collect();
    rows
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn every_event_from_any_parser_input_at_any_time_decodes_back_equal(
        p in provider(),
        status in prop::sample::select(vec![400u16, 401, 403, 404, 429, 500, 503, 529]),
        h in headers(),
        body in body(),
        at in at(),
    ) {
        let (_d, db) = temp_db();
        let clock = ManualClock::new(at);
        let e = engine_at(&db, &clock);
        let ids = add_keys(&e, p, &["a", "b"]);
        let failed = e
            .report_for(ReportFor::new(ids[0], "m", at), Outcome::failure(status, h.clone(), body))
            .unwrap();
        let ok = Outcome::Success { usage: None, headers: h, body: None };
        e.report_for(ReportFor::new(ids[1], "m", at), ok).unwrap();
        let _ = e.select(p, "m", &SelectOpts::default());
        e.flush_blocking().unwrap();
        let live = e.state();
        drop(e);

        // Every row decodes (a failure here is the unreadable log of the bug)...
        let recs = records(&db);
        // ...back to the event it was written from: same time, same JSON when encoded again.
        let rows = raw_rows(&db);
        prop_assert_eq!(rows.len(), recs.len());
        for (rec, (at_text, data)) in recs.iter().zip(&rows) {
            prop_assert_eq!(&format_ts(rec.at), at_text);
            prop_assert_eq!(&serde_json::to_value(&rec.event).unwrap(), data);
        }
        // The failure is recorded exactly as the engine answered it.
        let recorded = recs.iter().find_map(|r| match &r.event {
            Event::RequestFailed(f) => Some(f.clone()),
            _ => None,
        });
        let recorded = recorded.expect("a request_failed event");
        prop_assert_eq!(Some(&recorded.error), failed.error.as_ref());
        prop_assert_eq!(&recorded.block, &failed.block);
        if let Some(b) = &recorded.block {
            let days = (b.until - at).num_days();
            prop_assert!((0..=8).contains(&days), "block until {} from {}", format_ts(b.until), format_ts(at));
        }
        // What the engine keeps is what the log keeps: a fold equals it, decisions replay.
        prop_assert_eq!(&live, &State::fold(&recs));
        prop_assert!(rotor::replay::verify(&recs, std::time::Duration::from_secs(30)).is_ok());
    }
}

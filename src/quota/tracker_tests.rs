//! Given/when/then tests of `QuotaTracker` with explicit event times: learning to a prediction,
//! decay, observations overriding estimates, the status view and the memory budget.

use super::*;
use crate::time::parse_ts;

const H5: Duration = Duration::from_secs(5 * 3600);

fn t(s: &str) -> Timestamp {
    parse_ts(s).unwrap()
}

fn usage(total: u64) -> Usage {
    Usage {
        input_tokens: None,
        output_tokens: None,
        total_tokens: Some(total),
    }
}

/// One 5 h window on `day` starting 08:00: `n` successes one minute apart, then a quota error.
fn exhaust_window(q: &mut QuotaTracker, day: u32, n: u32) {
    for i in 0..n {
        let at = t(&format!("2026-03-{day:02}T08:00:00Z")) + chrono::Duration::minutes(i as i64);
        q.on_success(at, Some(&usage(1000)));
    }
    let at = t(&format!("2026-03-{day:02}T08:00:00Z")) + chrono::Duration::minutes(n as i64);
    q.on_quota_error(at, None);
}

fn model(m: &str) -> Option<Model> {
    Some(Model::from(m))
}

#[test]
fn learns_over_three_windows_then_predicts_the_block_until_the_window_resets() {
    // given an Antigravity tracker that hit quota after 100, 100 and 100 requests
    let mut q = QuotaTracker::new(model("gemini-3-pro"), H5);
    exhaust_window(&mut q, 1, 100);
    exhaust_window(&mut q, 2, 100);
    assert_eq!(
        q.learned().estimate(t("2026-03-02T10:00:00Z")),
        None,
        "0.2 is not enough"
    );
    exhaust_window(&mut q, 3, 100);

    // when a fourth window has used 99 requests, nothing is predicted yet
    for i in 0..99 {
        q.on_success(
            t("2026-03-04T08:00:00Z") + chrono::Duration::minutes(i),
            None,
        );
    }
    let now = t("2026-03-04T09:40:00Z");
    assert_eq!(q.predicted_block(now), None);
    assert!((q.remaining_fraction(now).unwrap() - 0.01).abs() < 1e-9);

    // then the 100th request reaches the estimate: skipped until the window started at 08:00 ends
    q.on_success(t("2026-03-04T09:39:00Z"), None);
    assert_eq!(q.predicted_block(now), Some(t("2026-03-04T13:00:00Z")));
    assert_eq!(q.remaining_fraction(now), Some(0.0));
    assert_eq!(q.resets_at(now), Some(t("2026-03-04T13:00:00Z")));
    // and once the window is over the account is usable again
    assert_eq!(q.predicted_block(t("2026-03-04T13:00:00Z")), None);
    assert_eq!(q.requests_in_window(t("2026-03-04T13:00:00Z")), 0);
}

#[test]
fn an_estimate_idle_for_seven_days_decays_below_the_threshold_and_is_ignored() {
    // given three samples (confidence 0.3), the last on 2026-03-03 at 09:40
    let mut q = QuotaTracker::new(model("m"), H5);
    for d in 1..=3 {
        exhaust_window(&mut q, d, 100);
    }
    // when, 7 days later, a window reaches 100 requests
    for i in 0..100 {
        q.on_success(
            t("2026-03-10T09:40:00Z") + chrono::Duration::minutes(i),
            None,
        );
    }
    let now = t("2026-03-10T11:30:00Z");
    // then the confidence halved to 0.15 and the estimate no longer blocks
    assert_eq!(q.learned().confidence(now), 0.15);
    assert_eq!(q.predicted_block(now), None);
    assert_eq!(q.remaining_fraction(now), None);
    let v = q.view(now);
    assert_eq!((v.est_request_limit, v.confidence), (Some(100), Some(0.15)));
    assert_eq!(v.used_percent, None);
}

#[test]
fn provider_observations_override_the_learned_estimate() {
    // given a confident estimate of 100 that the current window has reached
    let mut q = QuotaTracker::new(None, H5);
    for d in 1..=3 {
        exhaust_window(&mut q, d, 100);
    }
    for i in 0..100 {
        q.on_success(
            t("2026-03-04T08:00:00Z") + chrono::Duration::minutes(i),
            None,
        );
    }
    let now = t("2026-03-04T09:45:00Z");
    assert!(q.predicted_block(now).is_some());
    // when Codex headers say the primary 300-minute window is 40 % used
    let obs = QuotaObservation {
        window: "primary".into(),
        model: None,
        used_percent: Some(40.0),
        remaining: None,
        limit: None,
        window_minutes: Some(300),
        reset_at: Some(t("2026-03-04T12:00:00Z")),
        source: "x-codex-primary-used-percent".into(),
    };
    q.on_observation(now, &obs);
    // then the provider is the truth: no predicted block, 60 % left, its reset time
    assert_eq!(q.predicted_block(now), None);
    assert_eq!(q.remaining_fraction(now), Some(0.6));
    assert_eq!(q.resets_at(now), Some(t("2026-03-04T12:00:00Z")));
    assert_eq!(q.window().end(), Some(t("2026-03-04T12:00:00Z")));
    // when it later says 100 % used, that blocks until its reset
    let full = QuotaObservation {
        used_percent: Some(100.0),
        ..obs
    };
    q.on_observation(t("2026-03-04T10:00:00Z"), &full);
    assert_eq!(
        q.predicted_block(t("2026-03-04T10:00:00Z")),
        Some(t("2026-03-04T12:00:00Z"))
    );
    // and after the reset the observation is stale and no longer counts
    assert_eq!(q.predicted_block(t("2026-03-04T12:00:00Z")), None);
}

#[test]
fn a_stated_reset_on_a_quota_error_ends_the_window_there() {
    let mut q = QuotaTracker::new(model("m"), H5);
    q.on_success(t("2026-03-01T08:00:00Z"), Some(&usage(10)));
    q.on_quota_error(t("2026-03-01T08:05:00Z"), Some(t("2026-03-01T09:00:00Z")));
    assert_eq!(
        q.resets_at(t("2026-03-01T08:06:00Z")),
        Some(t("2026-03-01T09:00:00Z"))
    );
    assert_eq!(q.learned().samples().count(), 1);
    // a burst of in-flight failures in the same window is still one sample
    q.on_quota_error(t("2026-03-01T08:05:01Z"), None);
    assert_eq!(q.learned().samples().count(), 1);
}

#[test]
fn the_view_has_exactly_the_status_fields_with_rfc3339_ms_times_and_nulls() {
    let mut q = QuotaTracker::new(model("claude-sonnet-4-5"), H5);
    q.on_success(t("2026-03-01T08:00:00Z"), Some(&usage(1234)));
    let json = serde_json::to_value(q.view(t("2026-03-01T08:30:00Z"))).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "model": "claude-sonnet-4-5",
            "window_start": "2026-03-01T08:00:00.000Z",
            "requests": 1,
            "tokens": 1234,
            "used_percent": null,
            "resets_at": "2026-03-01T13:00:00.000Z",
            "est_request_limit": null,
            "confidence": null
        })
    );
    let back: QuotaView = serde_json::from_value(json).unwrap();
    assert_eq!(back, q.view(t("2026-03-01T08:30:00Z")));
}

#[test]
fn state_round_trips_through_serde_for_checkpoints() {
    let mut q = QuotaTracker::new(model("m"), H5);
    exhaust_window(&mut q, 1, 3);
    let s = serde_json::to_string(&q).unwrap();
    assert_eq!(serde_json::from_str::<QuotaTracker>(&s).unwrap(), q);
}

#[test]
fn a_full_tracker_stays_well_under_two_kib() {
    // given a tracker with every bounded collection filled to its cap
    let mut q = QuotaTracker::new(model("gemini-3-pro-preview-with-a-long-name"), H5);
    for d in 1..=28 {
        exhaust_window(&mut q, d, 5);
    }
    for (i, w) in [
        "5h",
        "7d",
        "requests",
        "tokens",
        "input-tokens",
        "a".repeat(500).as_str(),
    ]
    .iter()
    .enumerate()
    {
        let obs = QuotaObservation {
            window: (*w).into(),
            model: None,
            used_percent: Some(10.0),
            remaining: Some(1),
            limit: Some(2),
            window_minutes: Some(60),
            reset_at: None,
            source: "x".repeat(200).into(),
        };
        q.on_observation(
            t("2026-03-28T12:00:00Z") + chrono::Duration::seconds(i as i64),
            &obs,
        );
    }
    let total = std::mem::size_of::<QuotaTracker>() + q.heap_bytes();
    println!(
        "QuotaTracker: {} B inline + {} B heap = {total} B",
        std::mem::size_of::<QuotaTracker>(),
        q.heap_bytes()
    );
    assert_eq!(
        q.learned().samples().count(),
        crate::quota::learn::MAX_SAMPLES
    );
    assert!(total <= 1024, "{total} B is not well below 2 KiB");
}

proptest::proptest! {
    /// Any sequence of events, including resets years away and out-of-order times: no panic,
    /// fractions stay in [0, 1], predicted blocks lie in the future, memory stays bounded.
    #[test]
    fn any_event_sequence_keeps_the_invariants(
        ops in proptest::collection::vec((0u8..4, -3_600i64..200_000, 0u64..5_000_000, 0u32..2_000), 0..200)
    ) {
        let base = t("2026-03-01T00:00:00Z");
        let mut q = QuotaTracker::new(model("m"), H5);
        let mut now = base;
        for (op, step, n, pct) in ops {
            now += chrono::Duration::seconds(step);
            match op {
                0 => q.on_success(now, Some(&usage(n))),
                1 => q.on_quota_error(now, (n % 3 == 0).then(|| now + chrono::Duration::days(n as i64 % 4000))),
                2 => q.on_observation(now, &QuotaObservation {
                    window: format!("w{}", n % 7).into(),
                    model: None,
                    used_percent: (pct % 2 == 0).then_some(pct as f64 / 10.0),
                    remaining: Some(n % 100),
                    limit: Some(n % 50),
                    window_minutes: Some(n % 20_000),
                    reset_at: (n % 2 == 0).then(|| now + chrono::Duration::seconds(n as i64)),
                    source: "x".into(),
                }),
                _ => q.clear_window(),
            }
            if let Some(f) = q.remaining_fraction(now) {
                proptest::prop_assert!((0.0..=1.0).contains(&f));
            }
            if let Some(u) = q.predicted_block(now) {
                proptest::prop_assert!(u > now);
            }
            proptest::prop_assert!(serde_json::to_string(&q.view(now)).is_ok());
        }
        proptest::prop_assert!(std::mem::size_of::<QuotaTracker>() + q.heap_bytes() <= 1024);
    }
}

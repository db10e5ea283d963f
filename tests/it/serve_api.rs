//! `rotor serve`'s request path through real HTTP on loopback: select hands out the credential,
//! report (by request id only) blocks and unblocks, every account blocked is 429 with an honest
//! `Retry-After`, and a request is reported once. The clock is a manual one, so waits are exact.

use std::time::Duration;

use reqwest::StatusCode;
use rotor::time::{add, format_ts, ManualClock};
use serde_json::{json, Value};

use super::common::*;
use super::serve_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_hands_out_the_credential_and_a_report_by_request_id_blocks_that_account() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(T0);
    let srv = two_keys(dir.path(), &clock).await;

    let first = srv.select("openai", "gpt-4o").await;
    assert_eq!(first["label"], "a");
    assert_eq!(first["provider"], "openai");
    assert_eq!(first["model"], "gpt-4o");
    assert_eq!(first["strategy"], "round_robin");
    assert_eq!(
        first["credential"],
        json!({"kind": "api_key", "bearer": KEY_A})
    );
    assert_eq!(first["expires_at"], Value::Null);

    let (s, r) = srv.post("/v1/report", rate_limited(&first, "30")).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let until = format_ts(add(t(T0), Duration::from_secs(30)));
    assert_eq!(r["kind"], "rate_limit");
    assert_eq!(r["scope"], "model");
    assert_eq!(
        r["block"],
        json!({"scope": "model", "reason": "rate_limit", "until": until})
    );
    assert_eq!(r["refresh_due"], false);

    // a is blocked for gpt-4o: every lease goes to b, other models still rotate to a.
    for _ in 0..3 {
        assert_eq!(srv.select("openai", "gpt-4o").await["label"], "b");
    }
    assert_eq!(srv.select("openai", "o3").await["label"], "a");

    // A request is reported once; ids that were never leased are 404, malformed ones 400.
    let (s, again) = srv
        .post(
            "/v1/report",
            json!({"request": first["request"], "success": true}),
        )
        .await;
    assert_eq!(
        (s, again["error"].as_str()),
        (StatusCode::CONFLICT, Some("already_reported")),
        "{again}"
    );
    let unknown = rotor::RequestId::new_v7().to_string();
    let (s, v) = srv
        .post("/v1/report", json!({"request": unknown, "success": true}))
        .await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_request")),
        "{v}"
    );
    let (s, v) = srv
        .post(
            "/v1/report",
            json!({"request": "not-a-uuid", "success": true}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["message"].as_str().unwrap().starts_with("request:"),
        "{v}"
    );
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_account_blocked_is_429_with_retry_after_and_every_skip() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(T0);
    let srv = two_keys(dir.path(), &clock).await;
    let a = srv.select("openai", "gpt-4o").await;
    let b = srv.select("openai", "gpt-4o").await;
    srv.post("/v1/report", rate_limited(&a, "30")).await;
    srv.post("/v1/report", rate_limited(&b, "90")).await;
    clock.advance(Duration::from_secs(10));

    let res = srv
        .http
        .post(srv.url("/v1/select"))
        .bearer_auth(TOKEN)
        .json(&json!({"provider": "openai", "model": "gpt-4o"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        res.headers()["retry-after"],
        "20",
        "a frees 30 s after T0, 10 s have passed"
    );
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"], "no_account");
    assert_eq!(v["retry_after_s"], 20);
    assert_eq!(
        v["earliest_at"],
        format_ts(add(t(T0), Duration::from_secs(30)))
    );
    let skipped: Vec<_> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["label"].clone(), s["reason"].clone()))
        .collect();
    assert_eq!(
        skipped,
        vec![
            (json!("a"), json!("rate_limit")),
            (json!("b"), json!("rate_limit"))
        ]
    );

    // The leases still out were leased before; once a frees, it is chosen again.
    clock.advance(Duration::from_secs(20));
    assert_eq!(srv.select("openai", "gpt-4o").await["label"], "a");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_takes_success_with_usage_network_errors_cancels_and_refuses_mixed_outcomes() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(T0);
    let srv = two_keys(dir.path(), &clock).await;
    let report = |lease: &Value, extra: Value| {
        let mut body = json!({"request": lease["request"]});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };

    let l = srv.select("openai", "gpt-4o").await;
    let usage = json!({"success": true, "usage": {"input_tokens": 10, "output_tokens": 5}});
    let (s, v) = srv.post("/v1/report", report(&l, usage)).await;
    assert_eq!(
        (s, v["kind"].clone(), v["block"].clone(), v["scope"].clone()),
        (StatusCode::OK, json!("success"), Value::Null, Value::Null),
        "{v}"
    );

    // A 2xx status alone is a success; its body is scanned for usage.
    let l = srv.select("openai", "gpt-4o").await;
    let body =
        r#"{"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}"#;
    let (_, v) = srv
        .post(
            "/v1/report",
            report(&l, json!({"status": 200, "body": body})),
        )
        .await;
    assert_eq!(v["kind"], "success", "{v}");

    let l = srv.select("openai", "gpt-4o").await;
    let (_, v) = srv
        .post(
            "/v1/report",
            report(&l, json!({"network_error": "timeout"})),
        )
        .await;
    assert_eq!(v["kind"], "transient", "{v}");
    assert_eq!(
        v["block"]["reason"], "transient",
        "a network error blocks that account for a while"
    );

    let l = srv.select("openai", "gpt-4o").await;
    let (_, v) = srv
        .post("/v1/report", report(&l, json!({"cancelled": true})))
        .await;
    assert_eq!(
        (v["kind"].clone(), v["block"].clone()),
        (json!("cancelled"), Value::Null),
        "{v}"
    );

    let l = srv.select("openai", "o3").await;
    for (bad, why) in [
        (
            json!({"status": 429, "network_error": "reset"}),
            "only one of",
        ),
        (json!({"success": true, "cancelled": true}), "only one of"),
        (json!({}), "give one of"),
        (json!({"status": 700}), "not an HTTP status"),
        (
            json!({"status": 500, "usage": {"input_tokens": 1}}),
            "usage goes with a success",
        ),
        (json!({"network_error": "dns"}), "network_error"),
    ] {
        let (s, v) = srv.post("/v1/report", report(&l, bad.clone())).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad} -> {v}");
        assert!(v["message"].as_str().unwrap().contains(why), "{bad} -> {v}");
    }
    // None of those was recorded: the lease is still reportable.
    let (s, _) = srv
        .post("/v1/report", report(&l, json!({"success": true})))
        .await;
    assert_eq!(s, StatusCode::OK);

    srv.stop().await;
    let kinds: Vec<String> = records(&dir.path().join("rotor.db"))
        .iter()
        .map(|r| r.event.kind().to_string())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "request_succeeded").count(),
        3,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "request_failed").count(),
        1,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "request_cancelled").count(),
        1,
        "{kinds:?}"
    );
}

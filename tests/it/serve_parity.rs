//! The peer-parity operations through `rotor serve`: `PATCH /v1/accounts/{id}` switches an
//! account's cooldowns off and on and changes its weight (0 parks it under `weighted`), and
//! `POST /v1/select` names the canonical model of a variant beside the one asked for.

use reqwest::{Method, StatusCode};
use rotor::time::ManualClock;
use serde_json::json;

use super::common::*;
use super::serve_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cooldowns_are_switched_per_account_over_http() {
    // Given a and b served, a's cooldowns switched off
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(T0);
    let srv = two_keys(dir.path(), &clock).await;
    let (s, p) = srv
        .call(
            Method::PATCH,
            "/v1/accounts/a",
            Some(json!({"cooldown": false})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["cooldown"], false, "{p}");
    // When both are rate limited for ten minutes
    for _ in 0..2 {
        let lease = srv.select("openai", "gpt-4o").await;
        let (s, r) = srv.post("/v1/report", rate_limited(&lease, "600")).await;
        assert_eq!(s, StatusCode::OK, "{r}");
    }
    // Then only a is leased
    for _ in 0..3 {
        assert_eq!(srv.select("openai", "gpt-4o").await["label"], "a");
    }
    // When its cooldowns are back on, nothing is available
    let (s, p) = srv
        .call(
            Method::PATCH,
            "/v1/accounts/a",
            Some(json!({"cooldown": true})),
        )
        .await;
    assert_eq!((s, &p["cooldown"]), (StatusCode::OK, &json!(true)), "{p}");
    let (s, _) = srv
        .post(
            "/v1/select",
            json!({"provider": "openai", "model": "gpt-4o"}),
        )
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    // And a negative weight is refused, naming the field
    let (s, p) = srv
        .call(Method::PATCH, "/v1/accounts/a", Some(json!({"weight": -1})))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{p}");
    assert!(p.to_string().contains("weight"), "{p}");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_over_http_names_the_canonical_model_and_the_one_asked() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(T0);
    let srv = two_keys(dir.path(), &clock).await;
    let lease = srv.select("openai", "gpt-5-codex(high)").await;
    assert_eq!(
        (&lease["model"], &lease["asked_model"]),
        (&json!("gpt-5-codex"), &json!("gpt-5-codex(high)")),
        "{lease}"
    );
    let plain = srv.select("openai", "gpt-5-codex").await;
    assert_eq!(plain["asked_model"], "gpt-5-codex", "{plain}");
    assert_ne!(plain["label"], lease["label"], "one cursor for both names");
    srv.stop().await;
}

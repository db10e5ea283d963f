//! Looking at the engine through `rotor serve`: status with each block's causing event (else
//! the CLI's document), clear, explain (the `replay --explain` document), pages of events and
//! the live stream, which ends at shutdown.

use std::time::Duration;

use reqwest::StatusCode;
use rotor::time::ManualClock;
use rotor::Provider;
use serde_json::json;

use super::common::*;
use super::serve_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_names_the_event_behind_each_block_and_clear_lifts_it() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(T0);
    let srv = Srv::start(engine_at(&dir.path().join("rotor.db"), &clock)).await;
    add_keys(&srv.engine, Provider::Openai, &["a", "b"]);
    let lease = srv.select("openai", "gpt-4o").await;
    srv.post(
        "/v1/report",
        json!({"request": lease["request"], "status": 429, "headers": {"retry-after": "60"}}),
    )
    .await;
    let other = srv.select("openai", "o3").await;
    srv.post(
        "/v1/report",
        json!({"request": other["request"], "status": 429, "headers": {"retry-after": "120"}}),
    )
    .await;

    let (_, status) = srv.get("/v1/status").await;
    let a = &status["accounts"][0];
    assert_eq!(a["label"], "a");
    let (_, failed) = srv.get("/v1/events?kind=request_failed").await;
    let seqs: Vec<_> = failed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].clone())
        .collect();
    let blocks: Vec<_> = a["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["model"].clone(), b["cause_seq"].clone()))
        .collect();
    assert_eq!(
        blocks,
        vec![
            (json!("gpt-4o"), seqs[0].clone()),
            (json!("o3"), seqs[1].clone())
        ],
        "{status}"
    );
    assert!(seqs[0].as_u64().unwrap() > 0);

    // Without the extra field, the document is the CLI's `status --json`.
    let mut doc = status.clone();
    for b in doc["accounts"][0]["blocks"].as_array_mut().unwrap() {
        b.as_object_mut().unwrap().remove("cause_seq");
    }
    let mut cli =
        serde_json::to_value(srv.engine.with_state(|s| rotor::status::status(s, t(T0)))).unwrap();
    cli["at"] = doc["at"].clone();
    assert_eq!(doc, cli);

    let (s, v) = srv
        .post("/v1/accounts/a/clear", json!({"model": "gpt-4o"}))
        .await;
    assert_eq!(
        (s, v["cleared"].clone()),
        (StatusCode::OK, json!(true)),
        "{v}"
    );
    let (_, status) = srv.get("/v1/status").await;
    assert_eq!(
        status["accounts"][0]["blocks"].as_array().unwrap().len(),
        1,
        "{status}"
    );
    let res = srv
        .http
        .post(srv.url("/v1/accounts/a/clear"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "no body clears every block");
    let (_, status) = srv.get("/v1/status").await;
    assert_eq!(status["accounts"][0]["blocks"], json!([]));
    let (s, _) = srv.post("/v1/accounts/nobody/clear", json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_is_the_replay_document_and_events_page_and_stream() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(T0);
    let srv = Srv::start(engine_at(&dir.path().join("rotor.db"), &clock)).await;
    add_keys(&srv.engine, Provider::Openai, &["a", "b"]);
    // Open the stream before anything happens, then make a decision and a failure.
    let mut stream = srv
        .http
        .get(srv.url("/v1/events/stream?after=0"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(stream.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let lease = srv.select("openai", "gpt-4o").await;
    srv.post(
        "/v1/report",
        json!({"request": lease["request"], "status": 503, "body": "upstream down"}),
    )
    .await;

    let mut text = String::new();
    while !text.contains("event: request_failed") {
        let chunk = tokio::time::timeout(Duration::from_secs(30), stream.chunk())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        text += &String::from_utf8_lossy(&chunk);
    }
    let frames: Vec<&str> = text.split("\n\n").filter(|f| f.contains("data:")).collect();
    let kinds: Vec<&str> = frames
        .iter()
        .filter_map(|f| f.lines().find_map(|l| l.strip_prefix("event: ")))
        .collect();
    assert_eq!(
        kinds,
        [
            "account_added",
            "account_added",
            "selected",
            "request_failed"
        ]
    );
    let ids: Vec<&str> = frames
        .iter()
        .filter_map(|f| f.lines().find_map(|l| l.strip_prefix("id: ")))
        .collect();
    assert_eq!(ids, ["1", "2", "3", "4"]);
    assert!(
        !text.contains("sk-test-a-"),
        "no secret in the stream: {text}"
    );

    let (s, page) = srv.get("/v1/events?after=1&limit=2").await;
    assert_eq!(s, StatusCode::OK);
    let seqs: Vec<_> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!((seqs, page["next_after"].clone()), (vec![2, 3], json!(3)));
    let (_, last) = srv.get("/v1/events?last=true&limit=1").await;
    assert_eq!(last["events"][0]["kind"], "request_failed");
    assert_eq!(last["events"][0]["data"]["error"]["status"], 503);
    let (s, _) = srv.get("/v1/events?limit=0").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let request = lease["request"].as_str().unwrap();
    let (s, ex) = srv.get(&format!("/v1/explain/{request}")).await;
    assert_eq!(s, StatusCode::OK, "{ex}");
    let recs = records(&dir.path().join("rotor.db"));
    let cli = rotor::replay::explain(&recs, request.parse().unwrap()).unwrap();
    assert_eq!(ex, serde_json::to_value(cli).unwrap());
    assert_eq!(ex["chosen"], lease["account"]);
    let (s, v) = srv
        .get(&format!("/v1/explain/{}", rotor::RequestId::new_v7()))
        .await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_request"))
    );
    let (s, _) = srv.get("/v1/explain/not-an-id").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Shutdown ends the stream instead of waiting on it.
    let stop = tokio::spawn(srv.stop());
    while tokio::time::timeout(Duration::from_secs(30), stream.chunk())
        .await
        .unwrap()
        .unwrap()
        .is_some()
    {}
    stop.await.unwrap();
}

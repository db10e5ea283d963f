//! Managing accounts through `rotor serve`: added, imported (provider extras reach `select`),
//! updated, disabled, removed and refreshed, with secrets going in and never coming out.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use rotor::time::ManualClock;
use rotor::Provider;
use serde_json::{json, Value};

use super::common::*;
use super::fake_oauth::FakeOAuth;
use super::serve_support::*;

const KEY: &str = "sk-proj-manage-aaaa-0123456789abcdef";
const CODEX_ACCESS_PREFIX: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3NzMw";

fn fixture(name: &str) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    std::fs::read_to_string(format!("{root}/tests/fixtures/import/{name}")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_are_added_imported_updated_and_removed_and_secrets_never_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(T0);
    let srv = Srv::start(engine_at(&dir.path().join("rotor.db"), &clock)).await;
    let mut seen = String::new();

    let (s, a) = srv
        .post(
            "/v1/accounts",
            json!({"provider": "openai", "label": "team-a", "api_key": KEY, "models": ["gpt-4o"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(
        (
            a["label"].clone(),
            a["status"].clone(),
            a["credential"].clone()
        ),
        (json!("team-a"), json!("active"), json!("api_key"))
    );
    assert_eq!(a["fingerprint"], rotor::secret::fingerprint(KEY));
    seen += &a.to_string();

    let res = srv
        .http
        .post(srv.url("/v1/accounts/import?name=auth.json&priority=1"))
        .bearer_auth(TOKEN)
        .body(fixture("codex-auth.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let imported: Value = res.json().await.unwrap();
    assert_eq!(
        (
            imported["provider"].clone(),
            imported["action"].clone(),
            imported["format"].clone()
        ),
        (json!("codex"), json!("added"), json!("codex_cli"))
    );
    seen += &imported.to_string();
    let res = srv
        .http
        .post(srv.url("/v1/accounts/import"))
        .bearer_auth(TOKEN)
        .body(fixture("codex-auth.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "the same file again changes nothing"
    );
    assert_eq!(res.json::<Value>().await.unwrap()["action"], "unchanged");
    let res = srv
        .http
        .post(srv.url("/v1/accounts/import"))
        .bearer_auth(TOKEN)
        .body(fixture("cliproxy-antigravity.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);

    // Provider extras ride with the credential: Codex's account id, Antigravity's project.
    let codex = srv.select("codex", "gpt-5-codex").await;
    assert_eq!(codex["credential"]["kind"], "oauth");
    assert!(codex["credential"]["bearer"]
        .as_str()
        .unwrap()
        .starts_with(CODEX_ACCESS_PREFIX));
    assert_eq!(
        codex["credential"]["account_id"],
        "11111111-2222-3333-4444-555555555555"
    );
    assert_eq!(codex["expires_at"], "2026-03-08T20:00:00.000Z");
    let ag = srv.select("antigravity", "gemini-3-pro").await;
    assert_eq!(ag["credential"]["project_id"], "fake-project-123456");

    let id = a["id"].as_str().unwrap().to_string();
    let (s, p) = srv
        .call(
            Method::PATCH,
            &format!("/v1/accounts/{id}"),
            Some(json!({"label": "renamed", "priority": 2, "weight": 5, "models": null})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(
        (
            p["label"].clone(),
            p["priority"].clone(),
            p["weight"].clone(),
            p["models"].clone()
        ),
        (json!("renamed"), json!(2), json!(5), Value::Null)
    );
    assert_eq!(
        srv.select("openai", "o3").await["label"],
        "renamed",
        "the allow-list is gone"
    );

    let (_, p) = srv
        .call(
            Method::PATCH,
            "/v1/accounts/renamed",
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(p["status"], "disabled");
    let (s, v) = srv
        .post("/v1/select", json!({"provider": "openai", "model": "o3"}))
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(v["skipped"][0]["reason"], "disabled");
    assert_eq!(
        v["retry_after_s"],
        Value::Null,
        "a disabled account frees by no clock"
    );
    let (_, p) = srv
        .call(
            Method::PATCH,
            "/v1/accounts/renamed",
            Some(json!({"enabled": true})),
        )
        .await;
    assert_eq!(p["status"], "active");
    let (s, v) = srv
        .call(
            Method::PATCH,
            "/v1/accounts/renamed",
            Some(json!({"label": " "})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");

    let (s, list) = srv.get("/v1/accounts").await;
    assert_eq!(s, StatusCode::OK);
    let labels: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["label"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        labels,
        ["codex-user@example.com", "ag-user@example.com", "renamed"]
    );
    seen += &list.to_string();
    let (_, status) = srv.get("/v1/status").await;
    seen += &status.to_string();

    let (s, v) = srv
        .call(Method::DELETE, &format!("/v1/accounts/{id}"), None)
        .await;
    assert_eq!((s, v["removed"].clone()), (StatusCode::OK, json!(true)));
    let (s, v) = srv
        .call(Method::DELETE, &format!("/v1/accounts/{id}"), None)
        .await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_account"))
    );
    let (s, _) = srv
        .call(
            Method::PATCH,
            "/v1/accounts/nobody",
            Some(json!({"enabled": true})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    for secret in [
        KEY,
        "rt_FAKE-codex-cli-refresh-token",
        "ya29.FAKE-antigravity",
        "1//FAKE-antigravity-refresh",
        CODEX_ACCESS_PREFIX,
    ] {
        assert!(!seen.contains(secret), "{secret} leaked: {seen}");
    }
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_runs_now_and_a_401_over_http_asks_for_one() {
    let fake = FakeOAuth::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(T0);
    let engine = rotor::Engine::builder()
        .path(dir.path().join("rotor.db"))
        .clock(clock.clone())
        .endpoints(fake.endpoints(Duration::from_secs(10)))
        .open()
        .unwrap();
    let signed = fake.sign_in(Provider::Claude, "c@example.com");
    let expires = rotor::time::add(t(T0), Duration::from_secs(3600));
    let access = signed.access_token.as_ref().unwrap().expose().to_string();
    let refresh_token = signed.refresh_token.as_ref().unwrap().expose().to_string();
    let srv = Srv::start(engine).await;
    let (s, a) = srv.post("/v1/accounts", json!({"provider": "claude", "label": "c", "access_token": access, "refresh_token": refresh_token, "expires_at": rotor::time::format_ts(expires)})).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(a["credential"], "oauth");

    let (s, r) = srv.post("/v1/accounts/c/refresh", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["result"].clone(), r["generation"].clone()),
        (json!("refreshed"), json!(2)),
        "{r}"
    );
    let (_, fresh) = srv
        .engine
        .secrets(a["id"].as_str().unwrap().parse().unwrap())
        .unwrap();
    let fresh = fresh.access_token.unwrap().expose().to_string();
    assert_ne!(fresh, access);
    assert!(
        !r.to_string().contains(&fresh),
        "the outcome carries a fingerprint only: {r}"
    );

    let lease = srv.select("claude", "claude-sonnet-4-5").await;
    assert_eq!(
        lease["credential"],
        json!({"kind": "oauth", "bearer": fresh})
    );
    let body = r#"{"type":"error","error":{"type":"authentication_error","message":"OAuth token has expired"}}"#;
    let (_, v) = srv
        .post(
            "/v1/report",
            json!({"request": lease["request"], "status": 401, "body": body}),
        )
        .await;
    assert_eq!(
        (
            v["kind"].clone(),
            v["scope"].clone(),
            v["refresh_due"].clone()
        ),
        (json!("authentication"), json!("account"), json!(true)),
        "{v}"
    );

    let (s, v) = srv
        .post(
            &format!("/v1/accounts/{}/refresh", rotor::AccountId::new_random()),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    srv.stop().await;
}

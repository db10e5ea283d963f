//! The demo's fake providers: each provider's success shape, 401 for unknown and expired
//! bearers, determinism and bad requests, plus the helpers the submodules share. Scripted
//! failures are in `demo_fakes/failures.rs`, token endpoints in `demo_fakes/oauth.rs`.

use std::sync::Arc;
use std::time::Duration;

use rotor::fake::{
    call, FakeAccountConfig, FakeBehavior, FakeResponse, FakeWorld, FakeWorldConfig,
};
use rotor::time::ManualClock;
use rotor::Provider;
use serde_json::Value;

mod failures;
mod oauth;

const SERVED: [Provider; 5] = [
    Provider::Claude,
    Provider::Codex,
    Provider::Antigravity,
    Provider::Openai,
    Provider::Glm,
];

fn model(p: Provider) -> &'static str {
    match p {
        Provider::Claude => "claude-sonnet-4-5",
        Provider::Codex => "gpt-5-codex",
        Provider::Antigravity | Provider::Gemini => "gemini-3-pro-preview",
        Provider::Openai => "gpt-4o",
        Provider::Glm => "glm-4.6",
        _ => unreachable!("a provider the fakes do not serve: {p}"),
    }
}

fn acc(provider: Provider, label: &str, behavior: FakeBehavior) -> FakeAccountConfig {
    FakeAccountConfig {
        provider,
        label: label.into(),
        behavior,
    }
}

async fn world(accounts: Vec<FakeAccountConfig>, clock: &ManualClock) -> FakeWorld {
    let cfg = FakeWorldConfig {
        seed: 7,
        accounts,
        clock: Arc::new(clock.clone()),
        ..Default::default()
    };
    FakeWorld::start(cfg).await.expect("fake world starts")
}

fn bearer(w: &FakeWorld, label: &str) -> String {
    let spec = w
        .accounts
        .iter()
        .find(|a| a.label == label)
        .expect("account exists");
    spec.secrets()
        .bearer()
        .expect("has a bearer")
        .expose()
        .to_string()
}

async fn hit(w: &FakeWorld, label: &str) -> FakeResponse {
    let spec = w
        .accounts
        .iter()
        .find(|a| a.label == label)
        .expect("account exists");
    let client = reqwest::Client::new();
    call(
        &client,
        &w.base_url(spec.provider),
        spec.provider,
        model(spec.provider),
        &bearer(w, label),
    )
    .await
    .expect("the fake answers")
}

fn body(r: &FakeResponse) -> Value {
    r.json()
        .unwrap_or_else(|| panic!("JSON body, got {:?}", String::from_utf8_lossy(&r.body)))
}

#[tokio::test]
async fn every_provider_answers_success_with_usage_and_quota_headers() {
    let clock = ManualClock::at("2026-01-01T00:00:00Z");
    let w = world(
        SERVED
            .iter()
            .map(|p| acc(*p, p.as_str(), FakeBehavior::default()))
            .collect(),
        &clock,
    )
    .await;
    for p in SERVED {
        let r = hit(&w, p.as_str()).await;
        assert_eq!(r.status, 200, "{p}: {:?}", String::from_utf8_lossy(&r.body));
        let b = body(&r);
        match p {
            Provider::Claude => {
                assert_eq!(b["type"], "message");
                assert!(b["usage"]["input_tokens"].as_u64().unwrap() > 0);
                assert_eq!(
                    r.header("anthropic-ratelimit-unified-status"),
                    Some("allowed")
                );
                assert!(r
                    .header("anthropic-ratelimit-unified-reset")
                    .unwrap()
                    .parse::<i64>()
                    .is_ok());
            }
            Provider::Codex => {
                assert_eq!(b["status"], "completed");
                assert!(b["usage"]["total_tokens"].as_u64().unwrap() > 0);
                assert_eq!(r.header("x-codex-primary-window-minutes"), Some("300"));
                assert!(r.header("x-codex-primary-used-percent").is_some());
            }
            Provider::Antigravity => {
                assert_eq!(b["response"]["candidates"][0]["finishReason"], "STOP");
                assert!(
                    b["response"]["usageMetadata"]["totalTokenCount"]
                        .as_u64()
                        .unwrap()
                        > 0
                );
            }
            Provider::Openai | Provider::Glm => {
                assert_eq!(b["object"], "chat.completion");
                assert!(b["usage"]["total_tokens"].as_u64().unwrap() > 0);
                if p == Provider::Openai {
                    assert!(r.header("x-ratelimit-remaining-requests").is_some());
                } else {
                    assert!(b["request_id"].is_string());
                }
            }
            Provider::Gemini => unreachable!(),
            _ => unreachable!("a provider the fakes do not serve: {p}"),
        }
    }
    let stats = w.stats();
    assert!(stats
        .accounts
        .iter()
        .all(|a| a.requests == 1 && a.by_status.get(&200) == Some(&1)));
}

#[tokio::test]
async fn unknown_and_expired_bearers_get_401() {
    let clock = ManualClock::at("2026-01-01T00:00:00Z");
    let w = world(
        SERVED
            .iter()
            .map(|p| acc(*p, p.as_str(), FakeBehavior::default()))
            .collect(),
        &clock,
    )
    .await;
    let client = reqwest::Client::new();
    for p in SERVED {
        let r = call(&client, &w.base_url(p), p, model(p), "made-up-token")
            .await
            .unwrap();
        assert_eq!(r.status, 401, "{p}");
        assert!(r.json().is_some(), "{p}: 401 bodies are JSON");
    }
    // Another provider's valid token is not valid here.
    let r = call(
        &client,
        &w.base_url(Provider::Codex),
        Provider::Codex,
        "gpt-5",
        &bearer(&w, "claude"),
    )
    .await
    .unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(w.stats().unknown_bearer, 5);
    // Initial tokens live for the configured TTL (1 h by default).
    clock.advance(Duration::from_secs(3601));
    let r = hit(&w, "claude").await;
    assert_eq!(r.status, 401);
    assert!(String::from_utf8_lossy(&r.body).contains("OAuth token has expired"));
    assert_eq!(
        hit(&w, "openai").await.status,
        200,
        "API keys do not expire"
    );
}

#[tokio::test]
async fn same_seed_same_world_and_bad_requests_do_not_crash() {
    let clock = ManualClock::at("2026-01-01T00:00:00Z");
    let a = FakeWorld::start(FakeWorldConfig {
        clock: Arc::new(clock.clone()),
        ..FakeWorldConfig::demo(3)
    })
    .await
    .unwrap();
    let b = FakeWorld::start(FakeWorldConfig {
        clock: Arc::new(clock.clone()),
        ..FakeWorldConfig::demo(3)
    })
    .await
    .unwrap();
    let secrets = |w: &FakeWorld| w.accounts.iter().map(|s| s.secrets()).collect::<Vec<_>>();
    assert_eq!(secrets(&a), secrets(&b));
    assert!(a.accounts.len() >= 10);
    // Garbage in: a clear 4xx, never a hang or a dropped connection.
    let client = reqwest::Client::new();
    let key = bearer(&a, "openai-a");
    let url = format!("{}/v1/chat/completions", a.base_url(Provider::Openai));
    let r = client
        .post(&url)
        .bearer_auth(&key)
        .body(vec![0xff, 0x00, 0x7b])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 405);
    let r = client
        .post(format!("{}/nope", a.base_url(Provider::Openai)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    a.shutdown().await;
}

/// The quota answers of every provider, as documentation of the shapes the demo produces.
#[tokio::test]
async fn quota_wire_shapes_snapshot() {
    let clock = ManualClock::at("2026-01-01T00:00:00Z");
    let quota = FakeBehavior {
        quota_after: 1,
        quota_reset_s: 5400,
        ..Default::default()
    };
    let w = world(
        SERVED
            .iter()
            .map(|p| acc(*p, p.as_str(), quota.clone()))
            .collect(),
        &clock,
    )
    .await;
    let mut shapes = serde_json::Map::new();
    for p in SERVED {
        hit(&w, p.as_str()).await;
        let r = hit(&w, p.as_str()).await;
        let headers: serde_json::Map<String, Value> = r
            .headers
            .iter()
            .filter(|(k, _)| k != "date" && k != "content-length")
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        shapes.insert(
            p.to_string(),
            serde_json::json!({"status": r.status, "headers": headers, "body": body(&r)}),
        );
    }
    snap!("demo_fake_quota_shapes", Value::Object(shapes));
}

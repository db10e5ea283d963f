//! The fake OAuth token endpoints: Claude (JSON), Codex (form, `id_token`) and Google (form,
//! client secret) rotate or keep refresh tokens as the real ones do, refuse reuse and revoked
//! tokens, and the fake providers then accept only the newest access token.

use super::*;
use rotor::fake::{FakeCredential, CLAUDE_CLIENT_ID, CODEX_CLIENT_ID};
use serde_json::json;

#[tokio::test]
async fn refresh_rotates_tokens_and_refuses_reuse() {
    let clock = ManualClock::at("2026-01-01T00:00:00Z");
    let revoked = FakeBehavior {
        refresh_revoked: true,
        ..Default::default()
    };
    let w = world(
        vec![
            acc(Provider::Claude, "claude", FakeBehavior::default()),
            acc(Provider::Codex, "codex", FakeBehavior::default()),
            acc(Provider::Antigravity, "google", FakeBehavior::default()),
            acc(Provider::Claude, "revoked", revoked),
        ],
        &clock,
    )
    .await;
    let client = reqwest::Client::new();
    let refresh_of = |label: &str| match &w
        .accounts
        .iter()
        .find(|a| a.label == label)
        .unwrap()
        .credential
    {
        FakeCredential::Oauth { refresh, .. } => refresh.expose().to_string(),
        FakeCredential::ApiKey(_) => unreachable!(),
    };

    // Claude: JSON body; the answer rotates both tokens and names the account.
    let url = w.token_url(Provider::Claude).unwrap();
    let claude_req = |rt: &str| json!({"grant_type": "refresh_token", "refresh_token": rt, "client_id": CLAUDE_CLIENT_ID});
    let old = refresh_of("claude");
    let r = client
        .post(&url)
        .json(&claude_req(&old))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    assert_ne!(t["refresh_token"].as_str().unwrap(), old);
    assert!(t["expires_in"].as_i64().unwrap() > 0);
    assert_eq!(t["account"]["email_address"], "claude@example.com");
    // The old access token was replaced: 401. The new one works.
    assert_eq!(hit(&w, "claude").await.status, 401);
    let new_access = t["access_token"].as_str().unwrap();
    let ok = call(
        &client,
        &w.base_url(Provider::Claude),
        Provider::Claude,
        "claude-sonnet-4-5",
        new_access,
    )
    .await
    .unwrap();
    assert_eq!(ok.status, 200);
    // Reusing the old refresh token is invalid_grant; the new one still works once.
    let r = client
        .post(&url)
        .json(&claude_req(&old))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
    let r = client
        .post(&url)
        .json(&claude_req(t["refresh_token"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Wrong client id.
    let bad = json!({"grant_type": "refresh_token", "refresh_token": "x", "client_id": "nope"});
    assert_eq!(
        client.post(&url).json(&bad).send().await.unwrap().status(),
        401
    );

    // Codex: form body, id_token with identity claims; reuse is refresh_token_reused.
    let url = w.token_url(Provider::Codex).unwrap();
    let old = refresh_of("codex");
    let form = |rt: &str| {
        vec![
            ("client_id", CODEX_CLIENT_ID.to_string()),
            ("grant_type", "refresh_token".into()),
            ("refresh_token", rt.to_string()),
            ("scope", "openid profile email".into()),
        ]
    };
    let r = client.post(&url).form(&form(&old)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    let claims = jwt_claims(t["id_token"].as_str().unwrap());
    assert_eq!(claims["email"], "codex@example.com");
    assert_eq!(
        claims["https://api.openai.com/auth"]["chatgpt_plan_type"],
        "plus"
    );
    let r = client.post(&url).form(&form(&old)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "refresh_token_reused"
    );

    // Google: form body with a client secret; the refresh token is kept (not rotated).
    let url = w.token_url(Provider::Antigravity).unwrap();
    let rt = refresh_of("google");
    let gform = vec![
        ("client_id", "cid"),
        ("client_secret", "secret"),
        ("grant_type", "refresh_token"),
        ("refresh_token", rt.as_str()),
    ];
    for _ in 0..2 {
        let r = client.post(&url).form(&gform).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let t: Value = r.json().await.unwrap();
        assert!(t["access_token"].as_str().unwrap().starts_with("ya29."));
        assert!(t.get("refresh_token").is_none());
    }

    // A revoked refresh token: invalid_grant from the start.
    let r = client
        .post(w.token_url(Provider::Claude).unwrap())
        .json(&claude_req(&refresh_of("revoked")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let stats = w.stats();
    let s = |l: &str| {
        stats
            .accounts
            .iter()
            .find(|a| a.label == l)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (s("claude").refreshes, s("claude").refresh_rejected),
        (2, 1)
    );
    assert_eq!((s("codex").refreshes, s("codex").refresh_rejected), (1, 1));
    assert_eq!(
        (s("google").refreshes, s("revoked").refresh_rejected),
        (2, 1)
    );
    assert!(w.token_url(Provider::Openai).is_none());
}

fn jwt_claims(jwt: &str) -> Value {
    use base64::Engine as _;
    let payload = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

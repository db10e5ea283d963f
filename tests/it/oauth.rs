//! Each refresher against the loopback fake token server: exact request shapes, rotation,
//! reuse and revocation, scripted 429 / 500 / slow / malformed answers, network failures, the
//! single-flight gate under 100 concurrent callers, and secrets kept out of `Debug`.

use std::sync::Arc;
use std::time::Duration;

use rotor::event::RefreshErrorClass;
use rotor::import::read_credential_file;
use rotor::refresh::{refresher_for, token_client, SingleFlight, TokenRefresher};
use rotor::secret::Secrets;
use rotor::time::{add, parse_ts, Timestamp};
use rotor::{AccountId, Provider};

use super::fake_oauth::{FakeOAuth, Scripted, EXPIRES_IN};

fn now() -> Timestamp {
    parse_ts("2026-03-01T12:00:00Z").unwrap()
}

fn refresher(fake: &FakeOAuth, p: Provider, timeout: Duration) -> Box<dyn TokenRefresher> {
    refresher_for(p, &fake.endpoints(timeout), token_client().unwrap())
        .unwrap()
        .unwrap()
}

const T: Duration = Duration::from_secs(10);

#[tokio::test]
async fn claude_rotates_and_rejects_reuse() {
    let fake = FakeOAuth::start().await;
    let r = refresher(&fake, Provider::Claude, T);
    assert_eq!(r.provider(), Provider::Claude);
    let first = fake.sign_in(Provider::Claude, "claude@example.com");
    let got = r.refresh(&first, now()).await.unwrap();
    assert_ne!(got.secrets.access_token, first.access_token);
    assert!(got.rotated(&first), "Anthropic rotates the refresh token");
    assert_eq!(
        got.expires_at,
        Some(add(now(), Duration::from_secs(EXPIRES_IN)))
    );
    assert_eq!(got.identity.email.as_deref(), Some("claude@example.com"));

    let reused = r.refresh(&first, now()).await.unwrap_err();
    assert_eq!(
        (reused.class, reused.status),
        (RefreshErrorClass::InvalidGrant, Some(400))
    );
    assert!(reused.needs_reauth());
    assert!(
        reused.message.contains("invalid_grant"),
        "{}",
        reused.message
    );

    r.refresh(&got.secrets, now()).await.unwrap();
    assert_eq!(fake.requests(Provider::Claude), 3);
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn codex_rotates_learns_identity_and_reports_reuse() {
    let fake = FakeOAuth::start().await;
    let r = refresher(&fake, Provider::Codex, T);
    let first = fake.sign_in(Provider::Codex, "codex@example.com");
    let got = r.refresh(&first, now()).await.unwrap();
    assert!(got.rotated(&first));
    assert!(got.secrets.id_token.is_some());
    assert_eq!(got.identity.email.as_deref(), Some("codex@example.com"));
    assert_eq!(got.identity.account_id.as_deref(), Some("acct-codex-1"));
    assert_eq!(got.identity.plan.as_deref(), Some("plus"));
    assert_eq!(
        got.expires_at,
        Some(add(now(), Duration::from_secs(EXPIRES_IN)))
    );

    let reused = r.refresh(&first, now()).await.unwrap_err();
    assert_eq!(
        (reused.class, reused.status),
        (RefreshErrorClass::InvalidGrant, Some(401))
    );
    assert!(
        reused.message.starts_with("refresh_token_reused"),
        "{}",
        reused.message
    );

    // Without expires_in, the access token's own `exp` says when it dies.
    fake.set_codex_omits_expires_in(true);
    let jwt_only = r.refresh(&got.secrets, now()).await.unwrap();
    let exp = chrono::DateTime::from_timestamp(super::fake_oauth::ACCESS_JWT_EXP, 0);
    assert_eq!(jwt_only.expires_at, exp);

    let unknown = Secrets::oauth("at", Some("never-issued".into()));
    let e = r.refresh(&unknown, now()).await.unwrap_err();
    assert_eq!(
        (e.class, e.status),
        (RefreshErrorClass::Rejected, Some(401))
    );
    assert!(e.needs_reauth());
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn google_keeps_the_refresh_token_unless_rotated_and_reports_revocation() {
    let fake = FakeOAuth::start().await;
    let r = refresher(&fake, Provider::Antigravity, T);
    let first = fake.sign_in(Provider::Antigravity, "ag@example.com");
    let got = r.refresh(&first, now()).await.unwrap();
    assert!(!got.rotated(&first), "Google keeps the refresh token");
    assert_eq!(got.secrets.refresh_token, first.refresh_token);
    assert!(got
        .secrets
        .access_token
        .as_ref()
        .unwrap()
        .expose()
        .starts_with("ya29."));
    assert_eq!(
        got.expires_at,
        Some(add(now(), Duration::from_secs(EXPIRES_IN - 1)))
    );

    fake.set_google_rotates(true);
    let rotated = r.refresh(&got.secrets, now()).await.unwrap();
    assert!(rotated.rotated(&got.secrets));

    let rt = rotated
        .secrets
        .refresh_token
        .as_ref()
        .unwrap()
        .expose()
        .to_owned();
    fake.revoke(&rt);
    let e = r.refresh(&rotated.secrets, now()).await.unwrap_err();
    assert_eq!(
        (e.class, e.status),
        (RefreshErrorClass::InvalidGrant, Some(400))
    );
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn google_without_client_credentials_is_a_clear_error() {
    let fake = FakeOAuth::start().await;
    let mut e = fake.endpoints(T);
    e.antigravity_client_secret = None;
    let err = refresher_for(Provider::Antigravity, &e, reqwest::Client::new())
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("antigravity.client_secret"),
        "{err}"
    );
}

#[tokio::test]
async fn platform_claude_url_and_loopback_rules_come_from_config() {
    let mut e = rotor::refresh::RefreshEndpoints {
        claude_token_url: rotor::refresh::CLAUDE_PLATFORM_TOKEN_URL.into(),
        ..Default::default()
    };
    assert!(refresher_for(Provider::Claude, &e, reqwest::Client::new())
        .unwrap()
        .is_some());
    e.claude_token_url = "http://console.anthropic.com/v1/oauth/token".into();
    let err = refresher_for(Provider::Claude, &e, reqwest::Client::new())
        .err()
        .unwrap();
    assert!(err.to_string().contains("plain http"), "{err}");
}

#[tokio::test]
async fn scripted_server_trouble_backs_off_and_never_burns_the_grant() {
    let fake = FakeOAuth::start().await;
    for p in [Provider::Claude, Provider::Codex, Provider::Antigravity] {
        let r = refresher(&fake, p, Duration::from_millis(300));
        let creds = fake.sign_in(p, "s@example.com");

        fake.script(
            p,
            Scripted::TooManyRequests {
                retry_after_secs: 17,
            },
        );
        let e = r.refresh(&creds, now()).await.unwrap_err();
        assert_eq!(
            (e.class, e.status),
            (RefreshErrorClass::Server, Some(429)),
            "{p}"
        );
        assert_eq!(e.retry_after, Some(Duration::from_secs(17)));

        fake.script(p, Scripted::ServerError);
        let e = r.refresh(&creds, now()).await.unwrap_err();
        assert_eq!(
            (e.class, e.status),
            (RefreshErrorClass::Server, Some(500)),
            "{p}"
        );

        fake.script(p, Scripted::Malformed);
        let e = r.refresh(&creds, now()).await.unwrap_err();
        assert_eq!(
            (e.class, e.status),
            (RefreshErrorClass::Server, Some(200)),
            "{p}"
        );

        fake.script(p, Scripted::Slow(Duration::from_secs(3)));
        let e = r.refresh(&creds, now()).await.unwrap_err();
        assert_eq!(
            (e.class, e.status),
            (RefreshErrorClass::Network, None),
            "{p}"
        );
        assert!(e.message.contains("timed out"), "{}", e.message);
        assert!(!e.needs_reauth());

        // None of those consumed the grant (the slow one was never answered), so it still works.
        r.refresh(&creds, now()).await.unwrap();
        assert_eq!(fake.requests(p), 5, "{p}");
    }
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn redirects_are_not_followed_with_the_refresh_token() {
    let fake = FakeOAuth::start().await;
    let mut e = fake.endpoints(T);
    e.codex_token_url = fake.redirect_url();
    let r = refresher_for(Provider::Codex, &e, token_client().unwrap())
        .unwrap()
        .unwrap();
    let creds = fake.sign_in(Provider::Codex, "r@example.com");
    let err = r.refresh(&creds, now()).await.unwrap_err();
    assert_eq!(
        (err.class, err.status),
        (RefreshErrorClass::Server, Some(307))
    );
    assert_eq!(fake.requests(Provider::Codex), 0);
}

#[tokio::test]
async fn unreachable_endpoint_is_a_network_failure() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let e = rotor::refresh::RefreshEndpoints {
        codex_token_url: format!("http://{addr}/oauth/token"),
        ..Default::default()
    };
    let r = refresher_for(Provider::Codex, &e, reqwest::Client::new())
        .unwrap()
        .unwrap();
    let err = r
        .refresh(&Secrets::oauth("a", Some("r".into())), now())
        .await
        .unwrap_err();
    assert_eq!((err.class, err.status), (RefreshErrorClass::Network, None));
}

#[tokio::test]
async fn missing_refresh_token_needs_a_person_and_sends_nothing() {
    let fake = FakeOAuth::start().await;
    let r = refresher(&fake, Provider::Claude, T);
    let e = r
        .refresh(&Secrets::oauth("only-access", None), now())
        .await
        .unwrap_err();
    assert!(e.needs_reauth());
    assert_eq!(fake.requests(Provider::Claude), 0);
}

#[tokio::test]
async fn hundred_concurrent_callers_make_one_token_request() {
    let fake = FakeOAuth::start().await;
    let r: Arc<dyn TokenRefresher> = refresher(&fake, Provider::Codex, T).into();
    let creds = Arc::new(fake.sign_in(Provider::Codex, "many@example.com"));
    // Slow enough that every caller arrives while the one request is in flight.
    fake.script(Provider::Codex, Scripted::Slow(Duration::from_millis(500)));
    let gate = Arc::new(SingleFlight::new());
    let account = AccountId::new_random();
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let (gate, r, creds) = (gate.clone(), r.clone(), creds.clone());
            tokio::spawn(async move {
                gate.run(account, || async move { r.refresh(&creds, now()).await })
                    .await
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    assert_eq!(fake.requests(Provider::Codex), 1);
    assert_eq!(results.iter().filter(|f| f.led()).count(), 1);
    let first = results[0].clone().into_inner().unwrap();
    assert!(results
        .into_iter()
        .all(|f| f.into_inner().as_ref() == Ok(&first)));
}

#[tokio::test]
async fn debug_output_never_shows_a_token() {
    let fake = FakeOAuth::start().await;
    let r = refresher(&fake, Provider::Codex, T);
    let first = fake.sign_in(Provider::Codex, "dbg@example.com");
    let got = r.refresh(&first, now()).await.unwrap();
    let failure = r.refresh(&first, now()).await.unwrap_err();
    let imported = read_credential_file(&super::import::fixture("cliproxy-codex.json")).unwrap();
    let endpoints = fake.endpoints(T);

    let mut tokens: Vec<String> = Vec::new();
    for s in [&first, &got.secrets, &imported.secrets] {
        for t in [&s.access_token, &s.refresh_token, &s.id_token, &s.api_key]
            .into_iter()
            .flatten()
        {
            tokens.push(t.expose().to_owned());
        }
    }
    tokens.push(super::fake_oauth::GOOGLE_CLIENT_SECRET.into());
    assert!(tokens.len() >= 9);
    let dumps = [
        format!("{got:?}"),
        format!("{failure:?} {failure}"),
        format!("{imported:?}"),
        format!("{first:?} {:?}", got.secrets),
        format!("{endpoints:?}"),
    ];
    for d in &dumps {
        for t in &tokens {
            assert!(!d.contains(t.as_str()), "{t} leaked in {d}");
        }
    }
}

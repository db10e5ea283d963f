//! `rotor refresh` through the CLI against the fake token server configured in `rotor.toml`,
//! importing fresh credentials to cure `needs_reauth`, a 401 reported with no tokio runtime
//! left to the scheduler, and bad token URLs refused when the engine opens.

use rotor::event::RefreshWhy;
use rotor::parse::Headers;
use rotor::time::ManualClock;
use rotor::{Config, Engine, NewAccount, Outcome, Provider, RefreshOutcome, SelectOpts};
use serde_json::json;

use super::common::*;
use super::fake_oauth::FakeOAuth;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_refresh_then_needs_reauth_then_import_cures_it() {
    let fake = FakeOAuth::start().await;
    let (dir, db) = temp_db();
    let conf = fake.write_claude_config(dir.path());
    let s = fake.sign_in(Provider::Claude, "cli@example.com");
    let (a, r) = (
        s.access_token.as_ref().unwrap().expose(),
        s.refresh_token.as_ref().unwrap().expose(),
    );
    let add = [
        "account",
        "add",
        "--provider",
        "claude",
        "--label",
        "cli",
        "--access-token",
        a,
        "--refresh-token",
        r,
        "--expires-at",
        "2030-01-01T00:00:00Z",
    ];
    assert!(rotor_with_config(&db, &conf, &add).await.status.success());
    // Not due (expires in 2030): a refresh of all due accounts refreshes nothing, and says so.
    let o = rotor_with_config(&db, &conf, &["--json", "refresh"]).await;
    let out = json(&o);
    assert_eq!(
        (
            o.status.code(),
            out[0]["result"].as_str(),
            out[0]["reason"].as_str()
        ),
        (Some(0), Some("skipped"), Some("not_due"))
    );
    assert_eq!(out[0]["until"], "2029-12-31T23:55:00.000Z");
    // By name it runs anyway.
    let o = rotor_with_config(&db, &conf, &["--json", "refresh", "cli"]).await;
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let out = json(&o);
    assert_eq!(
        (out[0]["result"].as_str(), out[0]["generation"].as_u64()),
        (Some("refreshed"), Some(2))
    );

    // The grant dies: the next refresh fails, exit 1, and the account needs a person.
    let (_, current) = Engine::builder()
        .path(&db)
        .open()
        .map(|e| e.secrets(e.resolve("cli").unwrap()).unwrap())
        .unwrap();
    fake.revoke(current.refresh_token.as_ref().unwrap().expose());
    let o = rotor_with_config(&db, &conf, &["--json", "refresh", "cli"]).await;
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let out = json(&o);
    assert_eq!(
        (out[0]["result"].as_str(), out[0]["needs_reauth"].as_bool()),
        (Some("failed"), Some(true))
    );
    let list = json(&rotor_with_config(&db, &conf, &["--json", "account", "list"]).await);
    assert_eq!(list[0]["status"], "needs_reauth");

    // A fresh sign-in imported from a CLIProxyAPI file updates the account and re-enables it.
    let fresh = fake.sign_in(Provider::Claude, "cli@example.com");
    let file = dir.path().join("claude-cli.json");
    let body = json!({"type": "claude", "email": "cli@example.com",
        "access_token": fresh.access_token.as_ref().unwrap().expose(),
        "refresh_token": fresh.refresh_token.as_ref().unwrap().expose(),
        "expired": "2030-01-01T00:00:00Z"});
    std::fs::write(&file, body.to_string()).unwrap();
    let o = rotor_with_config(
        &db,
        &conf,
        &["--json", "account", "import", file.to_str().unwrap()],
    )
    .await;
    assert_eq!(json(&o)[0]["action"], "updated", "{o:?}");
    let list = json(&rotor_with_config(&db, &conf, &["--json", "account", "list"]).await);
    assert_eq!(
        (list.as_array().unwrap().len(), &list[0]["status"]),
        (1, &json!("active"))
    );
    let o = rotor_with_config(&db, &conf, &["--json", "refresh", "cli"]).await;
    assert_eq!(json(&o)[0]["result"], "refreshed", "{o:?}");
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[test]
fn refresh_names_every_account_it_leaves_alone_and_why() {
    let (dir, db) = temp_db();
    add_key_account(&db, "openai", "key");
    let e = Engine::open(&db).unwrap();
    let oauth = |p, label: &str, refresh: Option<&str>| {
        let access = format!("sk-ant-oat01-test-{label}-0123456789");
        NewAccount::oauth(p, label, &access, refresh, Some(t("2030-01-01T00:00:00Z")))
    };
    e.add_account(oauth(
        Provider::Claude,
        "later",
        Some("rt-later-0123456789"),
    ))
    .unwrap();
    e.add_account(oauth(Provider::Claude, "no-refresh", None))
        .unwrap();
    let off = e
        .add_account(oauth(Provider::Claude, "off", Some("rt-off-0123456789")))
        .unwrap();
    e.disable_account(off, rotor::event::DisableReason::Manual)
        .unwrap();
    e.add_account(oauth(Provider::Antigravity, "ag", Some("rt-ag-0123456789")))
        .unwrap();
    drop(e);
    // No antigravity client is configured here; nothing is due, so nothing is called.
    let conf = dir.path().join("empty.toml");
    std::fs::write(&conf, "").unwrap();
    let conf = conf.display().to_string();
    let o = rotor(&db, &["--config", &conf, "refresh"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let text = stdout(&o);
    for line in [
        "no account is due for a refresh",
        "later: skipped: not due until 2029-12-31T23:55:00.000Z (the token expires at 2030-01-01T00:00:00.000Z)",
        "no-refresh: skipped: no refresh token is stored",
        "off: skipped: disabled",
        "ag: skipped: no token refresher: ",
        "key: skipped: an API key, nothing to refresh",
    ] {
        assert!(text.contains(line), "no {line:?} in:\n{text}");
    }
    let o = rotor(&db, &["--config", &conf, "--json", "refresh"]);
    let reasons: Vec<(String, String)> = json(&o)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["result"], "skipped", "{r}");
            (
                r["label"].as_str().unwrap().into(),
                r["reason"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want = [
        ("later", "not_due"),
        ("no-refresh", "no_refresh_token"),
        ("off", "disabled"),
        ("ag", "no_refresher"),
        ("key", "not_oauth"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(l, r)| (l.to_string(), r.to_string()))
        .collect();
    assert_eq!(reasons, want);
}

#[test]
fn a_401_without_a_runtime_is_left_to_the_scheduler() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt.block_on(FakeOAuth::start());
    let clock = ManualClock::at(T0);
    let e = Engine::builder()
        .clock(clock)
        .endpoints(fake.endpoints(std::time::Duration::from_secs(10)))
        .open()
        .unwrap();
    let s = fake.sign_in(Provider::Claude, "nort@example.com");
    let new = NewAccount {
        secrets: s,
        ..NewAccount::oauth(
            Provider::Claude,
            "nort",
            "x",
            None,
            Some(t("2030-01-01T00:00:00Z")),
        )
    };
    let id = e.add_account(new).unwrap();
    let lease = e
        .select(Provider::Claude, "opus", &SelectOpts::default())
        .unwrap();
    // Reported from plain synchronous code: nothing to spawn on.
    let r = e
        .report(&lease, Outcome::failure(401, Headers::new(), "{}"))
        .unwrap();
    assert!(r.refresh_due);
    assert_eq!(fake.requests(Provider::Claude), 0);
    assert!(
        e.select(Provider::Claude, "opus", &SelectOpts::default())
            .is_err(),
        "refreshing"
    );
    // The scheduler's next pass finds the unanswered refresh_due, though the token is not near expiry.
    assert_eq!(e.due_for_refresh(t(T0)).due, vec![id]);
    let outs = rt.block_on(e.refresh_due(RefreshWhy::Scheduled));
    assert!(
        matches!(
            outs[0].1,
            Ok(RefreshOutcome::Refreshed { generation: 2, .. })
        ),
        "{outs:?}"
    );
    assert_eq!(
        e.select(Provider::Claude, "opus", &SelectOpts::default())
            .unwrap()
            .generation,
        2
    );
}

#[test]
fn bad_token_urls_are_refused_when_the_engine_opens() {
    for text in [
        "[endpoints.codex]\ntoken_url = \"http://auth.example.com/oauth/token\"\n",
        "[endpoints.openai]\ntoken_url = \"https://example.com/token\"\n",
    ] {
        let config = Config::from_toml(text).unwrap();
        let err = Engine::builder()
            .config(config)
            .open()
            .unwrap_err()
            .to_string();
        assert!(err.contains("token_url"), "{err}");
    }
}

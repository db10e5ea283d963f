//! No token the refresh path touches leaks: imported fixture tokens, tokens signed in at the
//! fake, every rotated generation, and the Antigravity client secret are searched for in the
//! events table, `rotor export`, CLI output with TRACE logging, and the `Debug` of public types.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rotor::import::read_credential_file;
use rotor::refresh::{refresher_for, token_client, RefreshEndpoints};
use rotor::secret::Secrets;
use rotor::{Config, Provider};

use super::common::*;
use super::fake_oauth::{FakeOAuth, GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET};
use super::import::fixture;

const FILES: [&str; 5] = [
    "cliproxy-claude.json",
    "cliproxy-codex.json",
    "cliproxy-antigravity.json",
    "codex-auth.json",
    ".credentials.json",
];

fn add_secrets(found: &mut BTreeSet<String>, s: &Secrets) {
    for v in [&s.api_key, &s.access_token, &s.refresh_token, &s.id_token]
        .into_iter()
        .flatten()
    {
        found.insert(v.expose().to_owned());
    }
}

/// Every secret currently in the credentials table.
fn stored(db: &Path, found: &mut BTreeSet<String>) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn.prepare("SELECT secrets FROM credentials").unwrap();
    let rows = st.query_map([], |r| r.get::<_, String>(0)).unwrap();
    for r in rows {
        add_secrets(found, &serde_json::from_str(&r.unwrap()).unwrap());
    }
}

fn config_text(fake: &FakeOAuth) -> String {
    format!(
        "[endpoints.claude]\ntoken_url = \"{}\"\n[endpoints.codex]\ntoken_url = \"{}\"\n\
         [endpoints.antigravity]\ntoken_url = \"{}\"\n\
         [antigravity]\nclient_id = \"{GOOGLE_CLIENT_ID}\"\nclient_secret = \"{GOOGLE_CLIENT_SECRET}\"\n",
        fake.token_url(Provider::Claude),
        fake.token_url(Provider::Codex),
        fake.token_url(Provider::Antigravity),
    )
}

async fn cli(db: PathBuf, args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        rotor_env(&db, &args, &[("ROTOR_LOG", "trace")])
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_refresh_token_leaks_into_events_export_traces_or_debug() {
    let fake = FakeOAuth::start().await;
    let (dir, db) = temp_db();
    let conf = dir.path().join("rotor.toml");
    std::fs::write(&conf, config_text(&fake)).unwrap();
    let mut secrets = BTreeSet::from([GOOGLE_CLIENT_SECRET.to_owned()]);
    for f in FILES {
        add_secrets(
            &mut secrets,
            &read_credential_file(&fixture(f)).unwrap().secrets,
        );
    }
    let live = fake.sign_in(Provider::Claude, "live@example.com");
    add_secrets(&mut secrets, &live);

    let mut out = String::new();
    let c = conf.display().to_string();
    let run = |args: Vec<String>, ok: bool| {
        let (db, c) = (db.clone(), c.clone());
        async move {
            let mut full = vec!["--config".to_owned(), c];
            full.extend(args);
            let o = cli(db, full.clone()).await;
            assert!(!ok || o.status.success(), "{full:?}: {o:?}");
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            )
        }
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let mut args = s(&["account", "import"]);
    args.extend(FILES.iter().map(|f| fixture(f).display().to_string()));
    out += &run(args, true).await;
    let (a, r) = (
        live.access_token.as_ref().unwrap().expose(),
        live.refresh_token.as_ref().unwrap().expose(),
    );
    out += &run(
        s(&[
            "account",
            "add",
            "--provider",
            "claude",
            "--label",
            "live",
            "--access-token",
            a,
            "--refresh-token",
            r,
            "--expires-at",
            "2026-01-01T00:00:00Z",
        ]),
        true,
    )
    .await;
    // Refreshes every expired account: the live one rotates; the fixtures' tokens are unknown
    // to the fake and fail (their error messages go through the log too).
    out += &run(s(&["--json", "refresh"]), false).await;
    stored(&db, &mut secrets);
    out += &run(s(&["--json", "refresh", "live"]), true).await;
    stored(&db, &mut secrets);
    out += &run(
        s(&["select", "--provider", "claude", "--model", "opus"]),
        true,
    )
    .await;
    let echo = format!("x-echo: Bearer {a}");
    out += &run(
        s(&[
            "report",
            "--account",
            "live",
            "--model",
            "opus",
            "--status",
            "401",
            "--header",
            &echo,
        ]),
        true,
    )
    .await;
    for cmd in [
        &["account", "list", "--json"][..],
        &["status", "--json"],
        &["events", "--json"],
        &["replay"],
    ] {
        out += &run(s(cmd), true).await;
    }
    let export = dir.path().join("export.db");
    out += &run(s(&["export", &export.display().to_string()]), true).await;
    assert!(
        out.contains("TRACE") || out.contains("DEBUG"),
        "tracing was on"
    );
    assert!(out.contains("refresh_succeeded"), "a refresh did succeed");
    assert!(fake.requests(Provider::Claude) >= 3);

    let conn = rusqlite::Connection::open(&db).unwrap();
    let events: String = conn
        .query_row("SELECT group_concat(kind || at || coalesce(account,'') || coalesce(model,'') || data, '\n') FROM events", [], |r| r.get(0))
        .unwrap();
    let exported = String::from_utf8_lossy(&std::fs::read(&export).unwrap()).into_owned();

    // Debug of the public types the refresh path hands out.
    let config = Config::from_toml(&config_text(&fake)).unwrap();
    let ends = RefreshEndpoints::from_config(&config).unwrap();
    let r = refresher_for(
        Provider::Claude,
        &fake.endpoints(Duration::from_secs(10)),
        token_client().unwrap(),
    )
    .unwrap()
    .unwrap();
    let fresh = fake.sign_in(Provider::Claude, "debug@example.com");
    add_secrets(&mut secrets, &fresh);
    let result = r.refresh(&fresh, t(T0)).await.unwrap();
    add_secrets(&mut secrets, &result.secrets);
    let imported = read_credential_file(&fixture("cliproxy-codex.json")).unwrap();
    let debug = format!(
        "{config:?}{ends:?}{result:?}{imported:?}{:?}{live:?}",
        imported.summary()
    );

    assert!(secrets.len() >= 12, "{} secrets searched", secrets.len());
    for secret in &secrets {
        for (what, text) in [
            ("events table", &events),
            ("rotor export", &exported),
            ("CLI output / TRACE logs", &out),
            ("Debug", &debug),
        ] {
            assert!(
                !text.contains(secret.as_str()),
                "{what} contains a secret ending {}",
                &secret[secret.len().saturating_sub(6)..]
            );
        }
    }
}

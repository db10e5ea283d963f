//! Secrets never leave the credentials table: not in the events table, `rotor export`, tracing
//! output at TRACE level, or the `Debug` of public types.

use rotor::parse::Headers;
use rotor::{Engine, NewAccount, Outcome, Provider, SelectOpts};

use super::common::*;

const API_KEY: &str = "sk-proj-LEAKCHECKapikey0123456789abcdefXYZ";
const ACCESS: &str = "sk-ant-oat01-LEAKCHECKaccess0123456789abcdef";
const REFRESH: &str = "sk-ant-ort01-LEAKCHECKrefresh0123456789abcdef";

fn assert_clean(what: &str, text: &str) {
    for s in [API_KEY, ACCESS, REFRESH, "LEAKCHECK"] {
        assert!(!text.contains(s), "{what} contains a secret ({s}):\n{text}");
    }
}

#[test]
fn no_secret_in_events_export_tracing_or_debug() {
    let (dir, db) = temp_db();
    let env = [("OPENAI_KEY", API_KEY), ("ROTOR_LOG", "trace")];
    let mut traces = String::new();
    let mut run = |args: &[&str]| {
        let o = rotor_env(&db, args, &env);
        assert!(o.status.success(), "{args:?}: {o:?}");
        traces.push_str(&String::from_utf8_lossy(&o.stderr));
        traces.push_str(&stdout(&o));
    };
    run(&[
        "account",
        "add",
        "--provider",
        "openai",
        "--label",
        "key",
        "--api-key-env",
        "OPENAI_KEY",
    ]);
    run(&[
        "account",
        "add",
        "--provider",
        "claude",
        "--label",
        "oauth",
        "--access-token",
        ACCESS,
        "--refresh-token",
        REFRESH,
        "--expires-at",
        "2030-01-01T00:00:00Z",
    ]);
    run(&["select", "--provider", "openai", "--model", "gpt-4o"]);
    // A provider echoing the full key in its error message.
    let body = dir.path().join("body.json");
    std::fs::write(&body, format!(r#"{{"error":{{"message":"Incorrect API key provided: {API_KEY}.","type":"invalid_request_error","code":"invalid_api_key"}}}}"#)).unwrap();
    run(&[
        "report",
        "--account",
        "key",
        "--model",
        "gpt-4o",
        "--status",
        "401",
        "--body",
        body.to_str().unwrap(),
    ]);
    run(&[
        "report",
        "--account",
        "oauth",
        "--model",
        "opus",
        "--status",
        "401",
        "--header",
        &format!("x-echo: Bearer {ACCESS}"),
    ]);
    run(&["account", "list", "--json"]);
    run(&["status", "--json"]);
    run(&["events", "--json"]);
    run(&["replay"]);
    let out = dir.path().join("export.db");
    run(&["export", out.to_str().unwrap()]);
    assert_clean("CLI output and TRACE logs", &traces);
    assert!(
        traces.contains("TRACE") || traces.contains("DEBUG"),
        "tracing was on"
    );

    let conn = rusqlite::Connection::open(&db).unwrap();
    let all: String = conn
        .query_row("SELECT group_concat(kind || at || coalesce(account,'') || coalesce(model,'') || data, '\n') FROM events", [], |r| r.get(0))
        .unwrap();
    assert!(
        all.contains("invalid_api_key"),
        "the failure is logged, classified"
    );
    assert_clean("events table", &all);
    // The secrets are where they belong.
    let creds: String = conn
        .query_row("SELECT group_concat(secrets) FROM credentials", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(creds.contains(API_KEY) && creds.contains(REFRESH));

    assert_clean(
        "rotor export",
        &String::from_utf8_lossy(&std::fs::read(&out).unwrap()),
    );
    let exported = rusqlite::Connection::open(&out).unwrap();
    let has_creds: i64 = exported
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'credentials'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(has_creds, 0);
    let n: i64 = exported
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .unwrap();
    assert!(n >= 5);
}

#[test]
fn debug_of_public_types_shows_no_secret() {
    let e = Engine::in_memory().unwrap();
    let new = NewAccount::oauth(Provider::Claude, "o", ACCESS, Some(REFRESH), None);
    assert_clean("NewAccount Debug", &format!("{new:?}"));
    e.add_account(new).unwrap();
    e.add_account(NewAccount::api_key(Provider::Openai, "k", API_KEY))
        .unwrap();
    let lease = e
        .select(Provider::Claude, "opus", &SelectOpts::default())
        .unwrap();
    assert_eq!(
        lease.bearer(),
        Some(ACCESS),
        "the lease does carry the credential"
    );
    assert_clean("Lease Debug", &format!("{lease:?}"));
    let r = e
        .report(
            &lease,
            Outcome::failure(401, Headers::new(), format!("bad token {ACCESS}")),
        )
        .unwrap();
    assert_clean("Reported Debug", &format!("{r:?}"));
    assert_clean("State Debug", &format!("{:?}", e.state()));
    assert_clean("Engine Debug", &format!("{e:?}"));
    assert_clean("secrets Debug", &format!("{:?}", e.secrets(lease.account)));
}

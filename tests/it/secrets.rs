//! Secrets never leave the credentials table: not in the events table, `rotor export`, tracing
//! output at TRACE level, or the `Debug` of public types; and a hostile token endpoint cannot
//! put a token into a `refresh_failed` message or a `refresh_succeeded` identity.

use std::sync::Arc;
use std::time::Duration;

use axum::routing::post;
use parking_lot::Mutex;
use rotor::event::RefreshWhy;
use rotor::parse::Headers;
use rotor::refresh::RefreshEndpoints;
use rotor::{Engine, NewAccount, Outcome, Provider, RefreshOutcome, SelectOpts};

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

/// A token endpoint that echoes tokens everywhere: in the identity of a success, and in the
/// description of a failure. Answers are served in order.
async fn hostile_token_endpoint(
    answers: Vec<(u16, String)>,
) -> (String, tokio::task::JoinHandle<()>) {
    let answers = Arc::new(Mutex::new(answers.into_iter()));
    let app = axum::Router::new().route(
        "/token",
        post(move || {
            let (status, body) = answers.lock().next().unwrap_or((500, String::new()));
            async move {
                let status = axum::http::StatusCode::from_u16(status).unwrap();
                (status, [("content-type", "application/json")], body)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/token", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_token_endpoint_cannot_log_a_token() {
    const ECHOED: [&str; 4] = [
        "sk-ant-ort01-ECHOEDrefresh0123456789abcdefXYZ",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJFQ0hPRUQifQ.ECHOEDsignature0123",
        "Xk9QpL2mVr8ZtB4nWc7YhD1sECHOED0123456789",
        "ya29.ECHOEDaccess-token_0123456789",
    ];
    let success = serde_json::json!({
        "access_token": "sk-ant-oat01-new-access-0123456789abcdef",
        "refresh_token": "sk-ant-ort01-new-refresh-0123456789abcdef",
        "expires_in": 3600,
        "account": {"uuid": ECHOED[2], "email_address": format!("`{}`@example.com", ECHOED[3])},
    });
    let failure = serde_json::json!({
        "error": "invalid_grant",
        "error_description": format!("refresh token `{}` revoked; Bearer {} | key={}", ECHOED[0], ECHOED[1], ECHOED[2]),
    });
    let (url, server) =
        hostile_token_endpoint(vec![(200, success.to_string()), (400, failure.to_string())]).await;
    let (_dir, db) = temp_db();
    let e = Engine::builder()
        .path(&db)
        .endpoints(RefreshEndpoints {
            claude_token_url: url,
            timeout: Duration::from_secs(10),
            ..RefreshEndpoints::default()
        })
        .open()
        .unwrap();
    let new = NewAccount::oauth(Provider::Claude, "o", ACCESS, Some(REFRESH), None);
    let id = e.add_account(new).unwrap();
    let ok = e.refresh_now(id, RefreshWhy::Manual).await.unwrap();
    assert!(matches!(ok, RefreshOutcome::Refreshed { .. }), "{ok:?}");
    let failed = e.refresh_now(id, RefreshWhy::Manual).await.unwrap();
    let shown = format!("{failed:?}");
    e.close().await.unwrap();
    server.abort();

    let conn = rusqlite::Connection::open(&db).unwrap();
    let all: String = conn
        .query_row("SELECT group_concat(data, char(10)) FROM events", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(
        all.contains("refresh_succeeded") && all.contains("invalid_grant"),
        "{all}"
    );
    assert!(
        all.contains("`[redacted]`@example.com"),
        "the identity is kept, scrubbed: {all}"
    );
    for token in ECHOED {
        assert!(!all.contains("ECHOED"), "the log shows {token}:\n{all}");
        assert!(
            !shown.contains("ECHOED"),
            "the outcome shows {token}: {shown}"
        );
    }
}

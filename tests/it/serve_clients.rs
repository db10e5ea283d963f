//! Clients in other languages: the README's Python example is `examples/client.py` verbatim,
//! and that file, run with `python3` against a live `rotor serve` and a loopback fake of the
//! provider, rotates past a rate-limited key and gets its answers from the other one.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use rotor::event::Event;

use super::common::*;
use super::serve_support::*;

const KEY_LIMITED: &str = "sk-test-limited-0123456789abcdef";
const KEY_OK: &str = "sk-test-ok-0123456789abcdefghij";

#[test]
fn the_readme_python_example_is_examples_client_py() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let file = std::fs::read_to_string(format!("{root}/examples/client.py")).unwrap();
    let block = readme
        .split("```python\n")
        .nth(1)
        .and_then(|rest| rest.split("```\n").next())
        .expect("a ```python block in the README");
    assert_eq!(
        block, file,
        "README's Python block must equal examples/client.py"
    );
}

/// A fake OpenAI chat endpoint: 429 (with a provider body) for one key, an answer for the other.
async fn fake_upstream(calls: Arc<AtomicUsize>) -> std::net::SocketAddr {
    let handler = move |headers: HeaderMap| {
        let calls = calls.clone();
        async move {
            calls.fetch_add(1, Ordering::Relaxed);
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if auth == format!("Bearer {KEY_LIMITED}") {
                let body = r#"{"error":{"message":"Rate limit reached for gpt-4o-mini on requests per min (RPM)","type":"requests","code":"rate_limit_exceeded"}}"#;
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("retry-after", "120"), ("content-type", "application/json")],
                    body,
                )
                    .into_response()
            } else if auth == format!("Bearer {KEY_OK}") {
                let body = r#"{"choices":[{"message":{"role":"assistant","content":"hi from the fake"}}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#;
                (StatusCode::OK, [("content-type", "application/json")], body).into_response()
            } else {
                (StatusCode::UNAUTHORIZED, "unknown key").into_response()
            }
        }
    };
    let app = axum::Router::new().route("/v1/chat/completions", post(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[test]
fn the_python_example_rotates_accounts_through_a_live_server() {
    let (_dir, db) = temp_db();
    for (label, key) in [("limited", KEY_LIMITED), ("ok", KEY_OK)] {
        let o = rotor_env(
            &db,
            &[
                "account",
                "add",
                "--provider",
                "openai",
                "--label",
                label,
                "--api-key-env",
                "K",
            ],
            &[("K", key)],
        );
        assert!(o.status.success(), "{o:?}");
    }
    let p = ServeProcess::start(&db, &[], &[("ROTOR_SERVE_TOKEN", TOKEN)]);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let upstream = rt.block_on(fake_upstream(calls.clone()));
    let script = format!("{}/examples/client.py", env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("python3")
        .arg(&script)
        .env("ROTOR_URL", format!("http://{}", p.addr))
        .env("ROTOR_SERVE_TOKEN", TOKEN)
        .env(
            "UPSTREAM_URL",
            format!("http://{upstream}/v1/chat/completions"),
        )
        .env("REQUESTS", "3")
        .output()
        .expect("python3 runs (Debian's python3 package)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(text.matches("hi from the fake").count(), 3, "{text}");
    assert_eq!(
        text.matches("limited: rate_limit, blocked until").count(),
        1,
        "{text}"
    );
    assert_eq!(
        calls.load(Ordering::Relaxed),
        4,
        "one 429, then three answers from the other key"
    );
    assert!(p.terminate().0.success());

    // The log says the same: one rate-limit block on `limited`, three successes with usage.
    let recs = records(&db);
    let failed: Vec<_> = recs
        .iter()
        .filter_map(|r| match &r.event {
            Event::RequestFailed(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0].block.as_ref().unwrap().reason.as_str(),
        "rate_limit"
    );
    let ok: Vec<_> = recs
        .iter()
        .filter_map(|r| match &r.event {
            Event::RequestSucceeded(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(ok.len(), 3);
    assert!(
        ok.iter().all(|e| e.usage.is_some_and(|u| u.total() == 7)),
        "usage read from the body"
    );
}

//! Two `rotor serve` processes on one PostgreSQL log, the fleet people deploy: one is killed
//! with SIGKILL in the middle of a load; nothing it acknowledged is lost (`/healthz` answers 200
//! only once the log has committed everything before it), the other goes on, and a new
//! instance takes the killed one's place, skipping the account it saw rate limited.

use std::collections::HashSet;
use std::process::Command;

use reqwest::StatusCode;
use serde_json::{json, Value};

use super::fleet_replay::rotor_url;
use super::harness::{self, connect_url};
use crate::it::serve_support::{post, rate_limited, ServeProcess, TOKEN};

fn serve(dir: &std::path::Path, url: &str) -> ServeProcess {
    ServeProcess::start_in(dir, url.as_ref(), &[], &[("ROTOR_SERVE_TOKEN", TOKEN)])
}

/// A select + success report through `p`; the request id, or `None` once `p` is gone.
async fn one_request(http: &reqwest::Client, p: &ServeProcess) -> Option<String> {
    let (status, lease) = post(
        http,
        p.url("/v1/select"),
        TOKEN,
        json!({"provider": "openai", "model": "gpt-4o"}),
    )
    .await
    .ok()?;
    assert_eq!(status, StatusCode::OK, "{lease}");
    let request = lease["request"].as_str().unwrap().to_string();
    let (status, _) = post(
        http,
        p.url("/v1/report"),
        TOKEN,
        json!({"request": request, "status": 200}),
    )
    .await
    .ok()?;
    (status == StatusCode::OK).then_some(request)
}

/// `/healthz` on `p`: true once everything `p` recorded before it is committed.
async fn committed(http: &reqwest::Client, p: &ServeProcess) -> bool {
    let res = http.get(p.url("/healthz")).bearer_auth(TOKEN).send().await;
    res.is_ok_and(|r| r.status() == StatusCode::OK)
}

#[test]
fn a_killed_instance_loses_nothing_it_acknowledged_and_a_new_one_takes_its_place() {
    let rt = crate::it::serve_support::runtime();
    rt.block_on(async {
        let server = crate::pg_or_skip!(harness::shared());
        let url = server.fresh_db().await;
        let dir = tempfile::tempdir().unwrap();
        for (label, key) in [
            ("x", "sk-test-x-0123456789abcdef"),
            ("y", "sk-test-y-0123456789abcdef"),
        ] {
            let o = std::process::Command::new(env!("CARGO_BIN_EXE_rotor"))
                .args([
                    "--db",
                    &url,
                    "account",
                    "add",
                    "--provider",
                    "openai",
                    "--label",
                    label,
                    "--api-key-env",
                    "K",
                ])
                .env("K", key)
                .env_remove("ROTOR_DB")
                .current_dir(dir.path())
                .output()
                .unwrap();
            assert!(o.status.success(), "{o:?}");
        }
        let (a, b) = (serve(dir.path(), &url), serve(dir.path(), &url));
        let http = reqwest::Client::new();

        // A sees a 429 on one account and acknowledges it.
        let (_, lease) = post(
            &http,
            a.url("/v1/select"),
            TOKEN,
            json!({"provider": "openai", "model": "gpt-4o"}),
        )
        .await
        .unwrap();
        let limited = lease["account"].as_str().unwrap().to_string();
        let (status, _) = post(
            &http,
            a.url("/v1/report"),
            TOKEN,
            rate_limited(&lease, "600"),
        )
        .await
        .unwrap();
        assert_eq!(status, StatusCode::OK);
        assert!(committed(&http, &a).await);

        // Load on A, acknowledged every 10 requests, then SIGKILL in the middle of it.
        let mut acknowledged: Vec<String> = Vec::new();
        let mut sent = Vec::new();
        for i in 0..200 {
            let Some(r) = one_request(&http, &a).await else {
                break;
            };
            sent.push(r);
            if i % 10 == 9 && committed(&http, &a).await {
                acknowledged = sent.clone();
            }
            if i == 120 {
                let pid = a.child.id().to_string();
                assert!(Command::new("kill")
                    .args(["-KILL", &pid])
                    .status()
                    .unwrap()
                    .success());
            }
        }
        let (status, _) = a.wait_exit();
        assert!(!status.success(), "A was killed");
        assert!(acknowledged.len() >= 100, "{}", acknowledged.len());

        // Everything A acknowledged is in the log.
        let client = connect_url(&url).await;
        let logged: HashSet<String> = client
            .query(
                "SELECT request::text FROM events WHERE kind = 'request_succeeded'",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        let lost: Vec<&String> = acknowledged
            .iter()
            .filter(|r| !logged.contains(*r))
            .collect();
        assert!(lost.is_empty(), "acknowledged and lost: {lost:?}");

        // B goes on: it commits (no lock of A's outlived it) and skips A's limited account.
        for _ in 0..10 {
            let (_, lease) = post(
                &http,
                b.url("/v1/select"),
                TOKEN,
                json!({"provider": "openai", "model": "gpt-4o"}),
            )
            .await
            .unwrap();
            assert_ne!(
                lease["account"],
                Value::from(limited.clone()),
                "B leased A's limited account"
            );
            let (status, _) = post(
                &http,
                b.url("/v1/report"),
                TOKEN,
                json!({"request": lease["request"], "status": 200}),
            )
            .await
            .unwrap();
            assert_eq!(status, StatusCode::OK);
        }
        assert!(committed(&http, &b).await);

        // A new instance takes A's place and knows what A knew.
        let c = serve(dir.path(), &url);
        let (_, lease) = post(
            &http,
            c.url("/v1/select"),
            TOKEN,
            json!({"provider": "openai", "model": "gpt-4o", "exclude": []}),
        )
        .await
        .unwrap();
        assert_ne!(lease["account"], Value::from(limited.clone()));
        assert!(one_request(&http, &c).await.is_some());
        assert!(committed(&http, &c).await);
        for p in [b, c] {
            let (status, _) = p.terminate();
            assert!(status.success());
        }
        let out = rotor_url(dir.path(), &url, &["replay", "--verify", "--json"]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
    });
}

//! The real `rotor serve` binary under load: SIGTERM in the middle of concurrent callers (every
//! answered report is in the log, which `replay --verify` accepts), `/metrics` with bounded
//! labels, and `rotor bench --serve` producing both sides' figures.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use reqwest::StatusCode;
use rotor::event::Event;
use serde_json::{json, Value};

use super::common::*;
use super::serve_support::*;

#[test]
fn sigterm_mid_load_answers_in_flight_requests_and_every_answered_report_is_in_the_log() {
    let (_dir, db) = db_with(&["a", "b", "c"]);
    let p = ServeProcess::start(&db, &[], &[("ROTOR_SERVE_TOKEN", TOKEN)]);
    let answered: Arc<Mutex<HashMap<String, &'static str>>> = Default::default();
    let pairs = Arc::new(AtomicUsize::new(0));
    runtime().block_on(async {
        let mut clients = Vec::new();
        for c in 0..4usize {
            let (answered, pairs, base) = (answered.clone(), pairs.clone(), p.url(""));
            clients.push(tokio::spawn(async move {
                let http = reqwest::Client::new();
                for i in 0usize.. {
                    let model = format!("m{}", (c + i) % 3);
                    let Ok((s, lease)) = post(&http, format!("{base}/v1/select"), TOKEN, json!({"provider": "openai", "model": model})).await else { return };
                    if s != StatusCode::OK {
                        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{lease}");
                        continue;
                    }
                    let (body, kind) = match i % 5 {
                        0 => (json!({"request": lease["request"], "status": 429, "headers": {"retry-after": "1"}}), "request_failed"),
                        1 => (json!({"request": lease["request"], "cancelled": true}), "request_cancelled"),
                        _ => (json!({"request": lease["request"], "success": true}), "request_succeeded"),
                    };
                    let Ok((s, v)) = post(&http, format!("{base}/v1/report"), TOKEN, body).await else { return };
                    assert_eq!(s, StatusCode::OK, "{v}");
                    answered.lock().insert(lease["request"].as_str().unwrap().to_string(), kind);
                    pairs.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        // Let the load build up, then stop the server while the clients keep going.
        while pairs.load(Ordering::Relaxed) < 400 {
            assert!(clients.iter().all(|c| !c.is_finished()), "a client stopped before the signal");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let pid = p.child.id().to_string();
        assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        for c in clients {
            c.await.unwrap();
        }
    });
    let (status, rest) = p.wait_exit();
    assert!(
        status.success(),
        "exit 0 after SIGTERM: {status:?} {rest:?}"
    );
    assert!(
        rest.iter()
            .any(|l| l.contains("stopped; every event is on disk")),
        "{rest:?}"
    );

    let answered = answered.lock().clone();
    assert!(answered.len() >= 400);
    let mut outcomes: HashMap<String, &'static str> = HashMap::new();
    for rec in records(&db) {
        let (request, kind) = match &rec.event {
            Event::RequestSucceeded(e) => (e.request, "request_succeeded"),
            Event::RequestFailed(e) => (e.request, "request_failed"),
            Event::RequestCancelled { request, .. } => (*request, "request_cancelled"),
            _ => continue,
        };
        outcomes.insert(request.unwrap().to_string(), kind);
    }
    for (request, kind) in &answered {
        assert_eq!(
            outcomes.get(request),
            Some(kind),
            "answered report {request} is not in the log"
        );
    }
    let verify = rotor(&db, &["replay", "--verify"]);
    assert!(verify.status.success(), "{verify:?}");
    assert!(
        stdout(&verify).starts_with("verified "),
        "{}",
        stdout(&verify)
    );
}

#[test]
fn metrics_count_selections_reports_blocks_and_the_writer_with_bounded_model_labels() {
    let (_dir, db) = db_with(&["a", "b"]);
    let p = ServeProcess::start(&db, &["--public-metrics"], &[("ROTOR_SERVE_TOKEN", TOKEN)]);
    let body = runtime().block_on(async {
        let http = reqwest::Client::new();
        let select = |model: &str| {
            post(
                &http,
                p.url("/v1/select"),
                TOKEN,
                json!({"provider": "openai", "model": model}),
            )
        };
        let report = |lease: Value, extra: Value| {
            let mut b = extra;
            b["request"] = lease["request"].clone();
            post(&http, p.url("/v1/report"), TOKEN, b)
        };
        for _ in 0..2 {
            let (_, l) = select("x").await.unwrap();
            report(
                l,
                json!({"status": 429, "headers": {"retry-after": "3600"}}),
            )
            .await
            .unwrap();
        }
        let (s, _) = select("x").await.unwrap();
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        let (_, l) = select("gpt-4o").await.unwrap();
        report(l, json!({"success": true})).await.unwrap();
        for i in 0..70 {
            select(&format!("many-{i:02}")).await.unwrap();
        }
        let health = http.get(p.url("/healthz")).send().await.unwrap();
        assert_eq!(
            health.status(),
            StatusCode::OK,
            "public with --public-metrics"
        );
        let res = http.get(p.url("/metrics")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"));
        res.text().await.unwrap()
    });
    assert!(p.terminate().0.success());
    let value = |series: &str| -> f64 {
        let line = body
            .lines()
            .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '));
        line.unwrap_or_else(|| panic!("no {series} in\n{body}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(
        value(r#"rotor_selections_total{provider="openai",model="x",outcome="selected"}"#),
        2.0
    );
    assert_eq!(
        value(r#"rotor_selections_total{provider="openai",model="x",outcome="no_account"}"#),
        1.0
    );
    assert_eq!(
        value(r#"rotor_selections_total{provider="openai",model="gpt-4o",outcome="selected"}"#),
        1.0
    );
    assert_eq!(
        value(r#"rotor_reports_total{provider="openai",kind="rate_limit"}"#),
        2.0
    );
    assert_eq!(
        value(r#"rotor_reports_total{provider="openai",kind="success"}"#),
        1.0
    );
    assert_eq!(
        value(r#"rotor_blocks_in_force{provider="openai",reason="rate_limit"}"#),
        2.0
    );
    assert_eq!(
        value(r#"rotor_accounts{provider="openai",status="active"}"#),
        2.0
    );
    // One select in 8 per thread is timed: 74 selects over the server's worker threads.
    let timed = value(r#"rotor_select_seconds_count{provider="openai"}"#);
    assert!((1.0..=9.0).contains(&timed), "{timed}");
    assert!(value("rotor_writer_commit_seconds_count") >= 1.0);
    assert!(value("rotor_events_appended_total") >= 1.0);
    assert!(body.contains("rotor_writer_queue_depth"));
    // 64 model names get a label of their own; the rest are counted as `other`.
    let models: BTreeSet<&str> = body
        .lines()
        .filter(|l| l.starts_with("rotor_selections_total{"))
        .filter_map(|l| l.split("model=\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(models.len(), 65, "{models:?}");
    assert!(models.contains("other"));
    assert_eq!(
        value(r#"rotor_selections_total{provider="openai",model="other",outcome="selected"}"#),
        8.0
    );
    assert!(
        !body.contains("sk-test-") && !body.contains(TOKEN),
        "no secret in /metrics"
    );
}

#[test]
fn bench_serve_measures_both_sides() {
    let (dir, db) = temp_db();
    let o = rotor(&db, &["bench", "--serve", "--quick", "--json"]);
    assert!(o.status.success(), "{o:?}");
    let v = json(&o);
    for side in ["http", "library"] {
        assert!(v[side]["pairs"].as_u64().unwrap() > 0, "{v}");
        assert!(
            v[side]["select_p99_us"].as_f64().unwrap()
                >= v[side]["select_p50_us"].as_f64().unwrap(),
            "{v}"
        );
    }
    assert!(!db.exists(), "the bench never touches --db");
    drop(dir);
}

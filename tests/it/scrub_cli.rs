//! Through the `rotor` binary: generated hostile responses (a token of any shape in any field
//! of any provider's envelope) reported with `rotor report` and classified with `rotor classify
//! --json`, all with `ROTOR_LOG=trace`, never show the token in any event read back from
//! SQLite, in the `rotor export` file, in `classify --json` output or in a trace line.

use std::path::Path;

use proptest::prelude::*;
use rotor::Provider;

use super::common::*;
use super::hostile_bodies::{hostile, Hostile};

/// Runs the CLI with tracing at TRACE and returns stdout + stderr.
fn traced(db: &Path, args: &[&str]) -> String {
    // One key per account (one key is one account), all of them out of the log.
    let key = format!("sk-test-key-{}-0123456789abcdef", args.join(" "));
    let o = rotor_env(db, args, &[("ROTOR_LOG", "trace"), ("KEY", &key)]);
    assert!(o.status.success(), "{args:?}: {o:?}");
    format!("{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr))
}

fn header_args(h: &Hostile) -> Vec<String> {
    h.headers
        .iter()
        .flat_map(|(k, v)| ["--header".to_string(), format!("{k}: {v}")])
        .collect()
}

/// Reports and classifies each response; returns every text rotor produced about them.
fn run_batch(batch: &[Hostile]) -> Vec<(String, String)> {
    let (dir, db) = temp_db();
    let mut outputs = Vec::new();
    for p in Provider::ALL {
        let name = p.to_string();
        traced(
            &db,
            &[
                "account",
                "add",
                "--provider",
                &name,
                "--label",
                &name,
                "--api-key-env",
                "KEY",
            ],
        );
    }
    for (i, h) in batch.iter().enumerate() {
        let body = dir.path().join(format!("body{i}"));
        std::fs::write(&body, &h.body).unwrap();
        let (provider, status) = (h.provider.to_string(), h.status.to_string());
        let headers = header_args(h);
        let mut report = vec!["report", "--account", &provider, "--model", "m1"];
        report.extend(["--status", &status, "--body", body.to_str().unwrap()]);
        report.extend(headers.iter().map(String::as_str));
        outputs.push((format!("report trace {i}"), traced(&db, &report)));
        let mut classify = vec!["--json", "classify", "--provider", &provider];
        classify.extend(["--status", &status, "--body", body.to_str().unwrap()]);
        classify.extend(headers.iter().map(String::as_str));
        outputs.push((format!("classify --json {i}"), traced(&db, &classify)));
    }
    outputs.push(("events --json".into(), traced(&db, &["--json", "events"])));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let events: String = conn
        .query_row(
            "SELECT group_concat(kind || coalesce(model,'') || data, char(10)) FROM events",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(events.contains("request_failed"), "{events}");
    outputs.push(("events table".into(), events));
    let out = dir.path().join("export.db");
    outputs.push((
        "export trace".into(),
        traced(&db, &["export", out.to_str().unwrap()]),
    ));
    let exported = std::fs::read(&out).unwrap();
    outputs.push((
        "export file".into(),
        String::from_utf8_lossy(&exported).into_owned(),
    ));
    outputs
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn no_token_reaches_the_log_export_classify_or_traces(batch in prop::collection::vec(hostile(), 10)) {
        for (what, text) in run_batch(&batch) {
            for h in &batch {
                prop_assert!(
                    !h.token.leaked_in(&text),
                    "{what} shows the token of {} {:?}:\n{}\n---\n{text}", h.place, h.provider, h.body
                );
            }
        }
    }
}

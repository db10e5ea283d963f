//! `rotor demo --db postgres://...` through the binary: two instances share the run on one
//! database, each skips accounts the other saw fail, every refresh runs once for the fleet
//! (a dead grant is tried once), and the log it leaves passes `replay --verify` with both
//! writers in it. A database that already holds a log is refused untouched; `rotor export`
//! refuses a PostgreSQL log and says what to use instead.

use std::collections::HashSet;

use serde_json::Value;

use super::fleet_replay::rotor_url;
use super::harness::{self, connect_url};
use crate::it::common::{json, stdout};

/// How many rows `events` holds, and how many distinct writers wrote them.
async fn counts(url: &str) -> (i64, i64) {
    let row = connect_url(url)
        .await
        .query_one("SELECT count(*), count(DISTINCT writer) FROM events", &[])
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fleet_demo_shares_health_refreshes_once_and_leaves_a_log_that_verifies() {
    let server = crate::pg_or_skip!(harness::shared());
    let url = server.fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    let o = rotor_url(dir.path(), &url, &["demo", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = json(&o);
    let fleet = &s["fleet"];

    // Two instances, the requests split between them, each with a writer of its own.
    let instances = fleet["instances"].as_array().expect("fleet.instances");
    assert_eq!(instances.len(), 2, "{fleet}");
    for i in instances {
        let answered = ["served", "failed", "no_account"].map(|k| i[k].as_u64().unwrap());
        assert_eq!(answered.iter().sum::<u64>(), 1500, "{i}");
        assert!(answered[0] > 0, "{i}");
    }
    let writers: HashSet<&str> = instances
        .iter()
        .map(|i| i["writer"].as_str().expect("a writer id"))
        .collect();
    assert_eq!(writers.len(), 2, "{fleet}");

    // In the table: every event is one of the two writers', and the summary counted them all.
    let (events, distinct) = counts(&url).await;
    assert_eq!(
        (events as u64, distinct),
        (s["events"].as_u64().unwrap(), 2)
    );
    let client = connect_url(&url).await;
    let logged: HashSet<String> = client
        .query("SELECT DISTINCT writer::text FROM events", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(logged, writers.iter().map(|w| w.to_string()).collect());

    // Shared health: one instance passed over an account for the other's failure.
    assert!(fleet["shared_skips"].as_u64().unwrap() > 0, "{fleet}");
    let example = &fleet["example"];
    assert_ne!(example["failed_on"], example["skipped_on"], "{example}");
    let o = rotor_url(
        dir.path(),
        &url,
        &[
            "replay",
            "--explain",
            example["request"].as_str().unwrap(),
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ex = json(&o);
    let skipper = instances
        .iter()
        .find(|i| i["name"] == example["skipped_on"])
        .unwrap();
    assert_eq!(ex["writer"], skipper["writer"], "{ex}");
    let candidate = ex["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["label"] == example["account"])
        .unwrap_or_else(|| panic!("{} is no candidate: {ex}", example["account"]));
    assert_eq!(candidate["eligible"], false, "{ex}");
    assert_eq!(candidate["reason"], example["reason"], "{ex}");

    // One refresh per due token across the fleet: every token request has its one result in
    // the log (none made twice and dropped), the scripted dead grant (codex-c) is tried once,
    // and no rotated refresh token was spent twice (that would disable a healthy account).
    let refreshes = fleet["refreshes"].as_array().unwrap();
    for a in refreshes {
        let results = a["succeeded"].as_u64().unwrap() + a["failed"].as_u64().unwrap();
        assert_eq!(a["token_requests"].as_u64().unwrap(), results, "{a}");
    }
    let due_on_both: u64 = refreshes
        .iter()
        .map(|a| a["due_on_several"].as_u64().unwrap())
        .sum();
    assert!(due_on_both > 0, "no refresh came due on both: {fleet}");
    assert!(s["refreshes_succeeded"].as_u64().unwrap() > 0, "{s}");
    assert_eq!(s["refreshes_failed"], 1, "{s}");
    assert_eq!(s["blocks_by_reason"]["disabled: needs_reauth"], 1, "{s}");

    // The log replays exactly, writer by writer.
    let o = rotor_url(dir.path(), &url, &["replay", "--verify", "--json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    assert_eq!(
        (&v["verified"], &v["writers"]),
        (&Value::from(true), &Value::from(2))
    );
    assert!(v["decisions"].as_u64().unwrap() > 1000, "{v}");

    // A second demo into the same database is refused, and the log stays as it was.
    let o = rotor_url(dir.path(), &url, &["demo", "--requests", "20"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("already holds a rotor log"), "{err}");
    assert_eq!(counts(&url).await.0, events);

    // `export` writes a SQLite copy, which cannot keep the writers: refused, with what to use.
    let out = dir.path().join("bug-report.db");
    let o = rotor_url(dir.path(), &url, &["export", out.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!out.exists(), "export wrote {}", out.display());
    // What it says to run instead works: the dump, loaded into an empty database, verifies.
    let dump = err
        .split("pg_dump ")
        .nth(1)
        .and_then(|rest| rest.split(" > ").next())
        .unwrap_or_else(|| panic!("no pg_dump command in: {err}"));
    let args: Vec<String> = dump
        .split_whitespace()
        .map(|a| a.trim_matches('\'').to_string())
        .collect();
    let dumped = std::process::Command::new(server.tool("pg_dump"))
        .args(&args)
        .output()
        .unwrap();
    assert!(dumped.status.success(), "pg_dump {args:?}: {dumped:?}");
    // No secret the credentials table holds is in it.
    let sql = String::from_utf8(dumped.stdout).unwrap();
    let secrets = client
        .query(
            "SELECT secrets FROM credentials WHERE secrets IS NOT NULL",
            &[],
        )
        .await
        .unwrap();
    assert!(!secrets.is_empty());
    for row in secrets {
        let stored: Value = serde_json::from_str(row.get(0)).unwrap();
        for secret in stored
            .as_object()
            .unwrap()
            .values()
            .filter_map(Value::as_str)
        {
            assert!(!sql.contains(secret), "a stored secret is in the dump");
        }
    }
    let file = dir.path().join("fleet-log.sql");
    std::fs::write(&file, &sql).unwrap();
    let copy = server.fresh_db().await;
    let loaded = std::process::Command::new(server.tool("psql"))
        .args(["-q", "-v", "ON_ERROR_STOP=1", "-d", &copy, "-f"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(loaded.status.success(), "psql -f: {loaded:?}");
    let o = rotor_url(dir.path(), &copy, &["replay", "--verify", "--json"]);
    assert_eq!(
        json(&o)["verified"],
        true,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(counts(&copy).await, (events, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fleet_demo_report_names_each_instance_within_100_columns() {
    let server = crate::pg_or_skip!(harness::shared());
    let url = server.fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    let o = rotor_url(dir.path(), &url, &["demo", "--requests", "400"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = stdout(&o);
    for line in [
        "fleet ",
        "  instance A ",
        "  instance B ",
        "shared health ",
        "one refresh ",
    ] {
        assert!(text.contains(line), "no {line:?} in:\n{text}");
    }
    assert!(
        text.contains(&format!("rotor --db {url} replay --verify")),
        "{text}"
    );
    for line in text.lines().filter(|l| !l.contains(&url)) {
        assert!(line.chars().count() <= 100, "over 100 columns: {line}");
    }
}

#[test]
fn export_refuses_a_postgres_log_without_naming_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("copy.db");
    // Refused before any connection: no server is needed, and none listens on port 1.
    let url = "postgres://rotor:hunter2@127.0.0.1:1/fleet";
    let o = rotor_url(dir.path(), url, &["export", out.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("postgres://rotor@127.0.0.1:1/fleet"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    assert!(err.contains("replay --verify"), "{err}");
    assert!(!out.exists());
}

//! The human tables fit a 100-column terminal: `status` cuts long labels and model names with
//! an ellipsis, shows times left instead of dates, and explains its columns in a legend; the
//! demo's report, which ends with that table, fits too.

use rotor::{Outcome, Provider, SelectOpts};

use super::common::*;

/// Every line of `text` fits 100 columns.
fn assert_fits(what: &str, text: &str) {
    for line in text.lines() {
        assert!(
            line.chars().count() <= 100,
            "{what}: {} columns: {line}",
            line.chars().count()
        );
    }
}

#[test]
fn the_status_table_fits_100_columns_with_long_names_and_has_a_legend() {
    let (_d, db) = temp_db();
    let clock = rotor::time::ManualClock::at(T0);
    let e = engine_at(&db, &clock);
    let long = "an-account-label-far-longer-than-any-column-could-hold@example.com";
    let model = "claude-opus-4-1-20250805-with-a-very-long-deployment-name";
    add_keys(&e, Provider::Claude, &[long, "short"]);
    for _ in 0..2 {
        let l = e
            .select(Provider::Claude, model, &SelectOpts::default())
            .unwrap();
        let h: rotor::parse::Headers = [
            ("retry-after", "90"),
            ("anthropic-ratelimit-unified-5h-utilization", "0.42"),
            ("anthropic-ratelimit-unified-5h-reset", "1893456000"),
        ]
        .into_iter()
        .collect();
        e.report(&l, Outcome::failure(429, h, "")).unwrap();
    }
    e.flush_blocking().unwrap();
    drop(e);
    let o = rotor(&db, &["status", "--at", "2026-01-01T00:00:10Z"]);
    assert!(o.status.success(), "{o:?}");
    let table = stdout(&o);
    assert_fits("status", &table);
    assert!(table.contains("an-account-labe…"), "{table}");
    assert!(table.contains("claude-opus-4-1-202…"), "{table}");
    assert!(table.contains("rate_limit      1m20s"), "{table}");
    for legend in [
        "until, resets: time left",
        "conf: how sure rotor is",
        "used: share",
    ] {
        assert!(table.contains(legend), "no legend {legend:?}: {table}");
    }
}

#[test]
fn the_demo_report_fits_100_columns() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let o = rotor(&db, &["demo", "--requests", "200"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = stdout(&o);
    let path = db.display().to_string();
    let without_paths: Vec<&str> = text.lines().filter(|l| !l.contains(&path)).collect();
    assert_fits("demo", &without_paths.join("\n"));
    assert!(text.contains("conf: how sure rotor is"), "{text}");
}

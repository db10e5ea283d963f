//! `rotor status` says when cooldowns are off and which blocks `select` looks past because of
//! it: the configuration's switch (`cooldown.disabled = true`) at the top of the document and
//! of the table, an account's own switch beside that account, each block marked with whose
//! switch it is, and nothing skipped for a block that does not hold.

use std::path::Path;

use serde_json::Value;

use super::common::*;

const M: &str = "gpt-4o";

/// Accounts a and b, both rate limited on gpt-4o for ten minutes (the reports run now, so
/// `status` without `--at` sees the blocks in force).
fn two_rate_limited(db: &Path) {
    for label in ["a", "b"] {
        add_key_account(db, "openai", label);
    }
    for label in ["a", "b"] {
        let o = rotor(
            db,
            &[
                "report",
                "--account",
                label,
                "--model",
                M,
                "--status",
                "429",
                "--header",
                "retry-after: 600",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{o:?}");
    }
}

/// A configuration file beside the log.
fn config(db: &Path, name: &str, text: &str) -> String {
    let path = db.parent().unwrap().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn account<'v>(view: &'v Value, label: &str) -> &'v Value {
    view["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["label"] == label)
        .unwrap_or_else(|| panic!("no account {label}: {view}"))
}

#[test]
fn status_shows_the_configurations_switch_and_the_blocks_it_looks_past() {
    // Given a and b rate limited, and a configuration with cooldowns disabled
    let (_dir, db) = temp_db();
    two_rate_limited(&db);
    let off = config(&db, "off.toml", "[cooldown]\ndisabled = true\n");
    let on = config(&db, "on.toml", "");
    // When status is asked under that configuration
    let view = json(&rotor(&db, &["--config", &off, "--json", "status"]));
    // Then the switch is at the top, each block says the configuration lets select look past
    // it, and nothing is skipped for it
    assert_eq!(view["cooldown_disabled"], true, "{view}");
    for label in ["a", "b"] {
        let a = account(&view, label);
        assert_eq!(a["blocks"][0]["reason"], "rate_limit", "{a}");
        assert_eq!(a["blocks"][0]["ignored_by"], "config", "{a}");
        assert_eq!(a["skipped"], Value::Array(vec![]), "{a}");
        assert_eq!(a["cooldown"], true, "its own switch is on: {a}");
    }
    // And select agrees: an account is leased
    let o = rotor(
        &db,
        &[
            "--config",
            &off,
            "select",
            "--provider",
            "openai",
            "--model",
            M,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    // And the table says so in words, on the rows and above them
    let table = stdout(&rotor(&db, &["--config", &off, "status"]));
    assert!(
        table.contains("cooldowns are off for every account (cooldown.disabled = true"),
        "{table}"
    );
    let row = table.lines().find(|l| l.contains(M)).unwrap();
    assert!(row.contains("cooldown off"), "{table}");
    assert!(table.contains("select looks past it"), "no legend: {table}");
    // When the same log is read with cooldowns on, the blocks hold and nothing says otherwise
    let view = json(&rotor(&db, &["--config", &on, "--json", "status"]));
    assert_eq!(view["cooldown_disabled"], false, "{view}");
    let a = account(&view, "a");
    assert_eq!(a["blocks"][0].get("ignored_by"), None, "{a}");
    assert_eq!(a["skipped"][0]["reason"], "rate_limit", "{a}");
    let table = stdout(&rotor(&db, &["--config", &on, "status"]));
    assert!(!table.contains("cooldown"), "{table}");
}

#[test]
fn status_shows_one_accounts_switch_on_that_account_only() {
    // Given a and b rate limited, and a's own cooldowns switched off
    let (_dir, db) = temp_db();
    two_rate_limited(&db);
    let on = config(&db, "on.toml", "");
    let o = rotor(&db, &["account", "update", "a", "--no-cooldown"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    // When status is asked
    let view = json(&rotor(&db, &["--config", &on, "--json", "status"]));
    // Then a's block is looked past because of a's switch, and b's holds
    assert_eq!(view["cooldown_disabled"], false, "{view}");
    let a = account(&view, "a");
    assert_eq!(a["cooldown"], false, "{a}");
    assert_eq!(a["blocks"][0]["ignored_by"], "account", "{a}");
    assert_eq!(a["skipped"], Value::Array(vec![]), "{a}");
    let b = account(&view, "b");
    assert_eq!(b["blocks"][0].get("ignored_by"), None, "{b}");
    assert_eq!(b["skipped"][0]["reason"], "rate_limit", "{b}");
    // And the table names a's switch, and only on a's row is the block looked past
    let table = stdout(&rotor(&db, &["--config", &on, "status"]));
    assert!(
        table.contains("a: cooldowns off for this account"),
        "{table}"
    );
    assert!(!table.contains("every account"), "{table}");
    let row = |label: &str| {
        table
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{label} ")) && l.contains(M))
            .unwrap_or_else(|| panic!("no row for {label}: {table}"))
            .to_string()
    };
    assert!(row("a").contains("cooldown off"), "{table}");
    assert!(row("b").contains("rate_limit"), "{table}");
}

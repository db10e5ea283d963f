//! `rotor account import` through the CLI: the three formats (CLIProxyAPI, Codex CLI, Claude
//! Code) land as accounts, files are left byte-for-byte as they were, importing the same files
//! again duplicates nothing, and `account list --json` is snapshotted with ids redacted.

use serde_json::Value;

use super::common::*;
use super::import::fixture;

const FILES: [&str; 5] = [
    "cliproxy-claude.json",
    "cliproxy-codex.json",
    "cliproxy-antigravity.json",
    "codex-auth.json",
    ".credentials.json",
];

/// Ids are random: replace them, and sort rows so the snapshot is stable.
fn redacted(mut v: Value) -> Value {
    let rows = v.as_array_mut().unwrap();
    for r in rows.iter_mut() {
        r["id"] = "[id]".into();
    }
    rows.sort_by_key(|r| (r["provider"].to_string(), r["label"].to_string()));
    v
}

fn import(db: &std::path::Path) -> Value {
    let paths: Vec<String> = FILES
        .iter()
        .map(|f| fixture(f).display().to_string())
        .collect();
    let mut args = vec!["--json", "account", "import"];
    args.extend(paths.iter().map(String::as_str));
    let o = rotor(db, &args);
    assert!(o.status.success(), "{o:?}");
    json(&o)
}

#[test]
fn import_all_formats_twice_without_duplicates() {
    let (_dir, db) = temp_db();
    let before: Vec<Vec<u8>> = FILES
        .iter()
        .map(|f| std::fs::read(fixture(f)).unwrap())
        .collect();
    let first = import(&db);
    let actions: Vec<_> = first
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap().to_owned())
        .collect();
    // codex-auth.json is the same ChatGPT account as cliproxy-codex.json: an update.
    assert_eq!(actions, ["added", "added", "added", "updated", "added"]);
    assert_eq!(first[1]["id"], first[3]["id"]);
    let list = json(&rotor(&db, &["account", "list", "--json"]));
    assert_eq!(list.as_array().unwrap().len(), 4);
    snap!("import_cli_account_list", redacted(list.clone()));

    let second = import(&db);
    let actions: Vec<_> = second
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap().to_owned())
        .collect();
    // The two Codex files hold different refresh tokens for one account: the later file wins
    // each time; every other file is already stored exactly.
    assert_eq!(
        actions,
        ["unchanged", "updated", "unchanged", "updated", "unchanged"]
    );
    let o = rotor(
        &db,
        &[
            "--json",
            "account",
            "import",
            &fixture("codex-auth.json").display().to_string(),
        ],
    );
    assert_eq!(json(&o)[0]["action"], "unchanged");
    let again = json(&rotor(&db, &["account", "list", "--json"]));
    assert_eq!(redacted(again), redacted(list));
    let after: Vec<Vec<u8>> = FILES
        .iter()
        .map(|f| std::fs::read(fixture(f)).unwrap())
        .collect();
    assert!(before == after, "import never changes a file");
    let text = format!("{first}{second}");
    for f in FILES {
        let c = rotor::import::read_credential_file(&fixture(f)).unwrap();
        let s = &c.secrets;
        for secret in [&s.access_token, &s.refresh_token, &s.id_token]
            .into_iter()
            .flatten()
        {
            assert!(
                !text.contains(secret.expose()),
                "import output carries fingerprints only"
            );
        }
    }
}

#[test]
fn a_bad_file_imports_nothing() {
    let (_dir, db) = temp_db();
    let good = fixture("cliproxy-claude.json").display().to_string();
    let bad = fixture("unknown.json").display().to_string();
    let o = rotor(&db, &["account", "import", &good, &bad]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown.json"));
    let o = rotor(&db, &["--json", "account", "list"]);
    if o.status.success() {
        assert_eq!(json(&o), serde_json::json!([]));
    }
}

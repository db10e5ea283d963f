//! `rotor account import` of what people actually have: a CLIProxyAPI auth directory with files
//! of types rotor does not rotate (skipped with a warning naming each), two Claude Code
//! `.credentials.json` of different accounts (two accounts, never one overwriting the other),
//! `--label`, tokens already expired (warned about), an explicit CLIProxyAPI expiry, and
//! `--json` showing what the events record.

use std::path::Path;

use serde_json::{json, Value};

use super::common::*;
use super::import::fixture;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn import(db: &Path, args: &[&str]) -> (Value, String) {
    let o = rotor(db, &[&["--json", "account", "import"][..], args].concat());
    assert!(o.status.success(), "{args:?}: {o:?}");
    (json(&o), stderr(&o))
}

fn list(db: &Path) -> Vec<Value> {
    json(&rotor(db, &["--json", "account", "list"]))
        .as_array()
        .unwrap()
        .clone()
}

/// A Claude Code credentials file with these tokens, expiring at `expires_ms`.
fn claude_code(dir: &Path, tag: &str, expires_ms: i64) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let body = json!({"claudeAiOauth": {
        "accessToken": format!("sk-ant-oat01-FAKE-{tag}-access-0123456789"),
        "refreshToken": format!("sk-ant-ort01-FAKE-{tag}-refresh-0123456789"),
        "expiresAt": expires_ms, "subscriptionType": "max"}});
    let path = dir.join(".credentials.json");
    std::fs::write(&path, body.to_string()).unwrap();
    path.display().to_string()
}

/// 2099-01-01: a token that will not expire during the test.
const FUTURE_MS: i64 = 4_070_908_800_000;

#[test]
fn an_auth_directory_imports_what_rotor_rotates_and_names_what_it_skips() {
    let (dir, db) = temp_db();
    let auth = dir.path().join("auths");
    std::fs::create_dir(&auth).unwrap();
    for f in [
        "cliproxy-claude.json",
        "cliproxy-codex.json",
        "cliproxy-antigravity.json",
    ] {
        std::fs::copy(fixture(f), auth.join(f)).unwrap();
    }
    std::fs::copy(fixture("cliproxy-gemini.json"), auth.join("gemini-me.json")).unwrap();
    let qwen = json!({"type": "qwen", "access_token": "FAKE-qwen-token"});
    std::fs::write(auth.join("qwen-me.json"), qwen.to_string()).unwrap();
    std::fs::write(auth.join("notes.txt"), "not json, not read").unwrap();

    let (out, err) = import(&db, &[auth.to_str().unwrap()]);
    let actions: Vec<(&str, &str)> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let file = r["path"].as_str().unwrap().rsplit('/').next().unwrap();
            (file, r["action"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("cliproxy-antigravity.json", "added"),
            ("cliproxy-claude.json", "added"),
            ("cliproxy-codex.json", "added"),
            ("gemini-me.json", "skipped"),
            ("qwen-me.json", "skipped"),
        ]
    );
    for skipped in [
        "gemini-me.json: skipped",
        "qwen-me.json: skipped",
        "type \"qwen\"",
    ] {
        assert!(err.contains(skipped), "no warning {skipped:?}: {err}");
    }
    assert!(!err.contains("Some("), "{err}");
    // The event records the Antigravity account's Cloud project, and --json shows it.
    assert_eq!(out[0]["identity"]["project_id"], "fake-project-123456");
    assert_eq!(out[0]["identity"]["email"], "ag-user@example.com");
    assert_eq!(list(&db).len(), 3);
}

#[test]
fn two_claude_code_files_are_two_accounts() {
    let (dir, db) = temp_db();
    let a = claude_code(&dir.path().join("a"), "a", FUTURE_MS);
    let b = claude_code(&dir.path().join("b"), "b", FUTURE_MS);
    let (out, _) = import(&db, &[&a, &b]);
    assert_eq!(out[0]["action"], "added");
    assert_eq!(out[1]["action"], "added");
    assert_ne!(out[0]["id"], out[1]["id"]);
    let labels: Vec<Value> = list(&db).iter().map(|r| r["label"].clone()).collect();
    assert_eq!(labels, [json!("credentials"), json!("credentials-2")]);
    // The same files again: each finds its own account by its token.
    let (again, _) = import(&db, &[&b, &a]);
    assert_eq!(
        (again[0]["id"].clone(), again[0]["action"].clone()),
        (out[1]["id"].clone(), json!("unchanged"))
    );
    assert_eq!(
        (again[1]["id"].clone(), again[1]["action"].clone()),
        (out[0]["id"].clone(), json!("unchanged"))
    );
    assert_eq!(list(&db).len(), 2);
}

#[test]
fn a_file_named_like_an_account_is_not_that_account() {
    let (dir, db) = temp_db();
    add_key_account(&db, "claude", "work");
    let path = dir.path().join("work.json");
    std::fs::copy(fixture(".credentials.json"), &path).unwrap();
    let (out, _) = import(&db, &[path.to_str().unwrap()]);
    assert_eq!(
        (out[0]["action"].as_str(), out[0]["label"].as_str()),
        (Some("added"), Some("work-2"))
    );
    assert_eq!(list(&db).len(), 2);
}

#[test]
fn label_names_one_imported_account() {
    let (dir, db) = temp_db();
    let a = claude_code(&dir.path().join("a"), "a", FUTURE_MS);
    let b = claude_code(&dir.path().join("b"), "b", FUTURE_MS);
    let (out, _) = import(&db, &["--label", "personal", &a]);
    assert_eq!(out[0]["label"], "personal");
    // Renaming by importing again under another label.
    let (out, _) = import(&db, &[&a, "--label", "home"]);
    assert_eq!(
        (out[0]["label"].as_str(), out[0]["action"].as_str()),
        (Some("home"), Some("updated"))
    );
    let o = rotor(&db, &["account", "import", "--label", "home", &b]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(
        stderr(&o).contains("label \"home\" is already"),
        "{}",
        stderr(&o)
    );
    let o = rotor(&db, &["account", "import", "--label", "x", &a, &b]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(
        stderr(&o).contains("--label names one account, but the paths hold 2"),
        "{}",
        stderr(&o)
    );
    assert_eq!(list(&db).len(), 1);
}

#[test]
fn an_expired_token_is_imported_with_a_warning() {
    let (dir, db) = temp_db();
    let old = claude_code(&dir.path().join("old"), "old", 1_577_836_800_000); // 2020-01-01
    let fresh = claude_code(&dir.path().join("fresh"), "fresh", FUTURE_MS);
    let (out, err) = import(&db, &[&old, &fresh]);
    assert_eq!(
        (out[0]["expired"].as_bool(), out[1]["expired"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(out[0]["expires_at"], "2020-01-01T00:00:00.000Z");
    let warning = format!(
        "{old}: the access token expired at 2020-01-01T00:00:00.000Z; `rotor refresh` renews it"
    );
    assert!(err.contains(&warning), "{err}");
    assert!(!err.contains(&fresh), "{err}");
    // Text output says what was added, and warns too.
    let (_d2, db2) = temp_db();
    let o = rotor(&db2, &["account", "import", &old]);
    assert!(
        stdout(&o).starts_with("added claude credentials ("),
        "{}",
        stdout(&o)
    );
    assert!(
        stderr(&o).contains("expired at 2020-01-01"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_explicit_cliproxy_expiry_wins_over_timestamp_and_expires_in() {
    let (dir, db) = temp_db();
    let mut v: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("cliproxy-antigravity.json")).unwrap(),
    )
    .unwrap();
    // Refreshed by CLIProxyAPI later than the first sign-in that `timestamp` records.
    v["expire"] = json!("2099-01-01T09:00:00+08:00");
    let path = dir.path().join("ag.json");
    std::fs::write(&path, v.to_string()).unwrap();
    let (out, _) = import(&db, &[path.to_str().unwrap()]);
    assert_eq!(out[0]["expires_at"], "2099-01-01T01:00:00.000Z");
    v["expired"] = json!(4_070_908_800_i64);
    std::fs::write(&path, v.to_string()).unwrap();
    let c = rotor::import::read_credential_file(&path).unwrap();
    assert_eq!(c.expires_at, Some(t("2099-01-01T00:00:00Z")));
}

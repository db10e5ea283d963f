//! `rotor export` redacts identities by default: e-mails (in identities, labels, sessions and
//! messages), provider account ids and Cloud projects become pseudonyms that are the same for
//! the same value across the file, so the copy still reads coherently and `replay --verify`
//! passes on it; `--keep-identities` keeps them; two exports do not share pseudonyms.

use std::path::Path;
use std::time::Duration;

use rotor::event::RefreshWhy;
use rotor::{Engine, NewAccount, Provider, RefreshOutcome};
use serde_json::Value;

use super::common::*;
use super::fake_oauth::FakeOAuth;
use super::import::fixture;

/// What must not survive a default export.
const IDENTITIES: [&str; 7] = [
    "ann.lee@example.com",
    "bob@example.com",
    "codex-user@example.com",
    "ag-user@example.com",
    "11111111-2222-3333-4444-555555555555",
    "acct-fake-1",
    "fake-project-123456",
];

fn ok(db: &Path, args: &[&str]) -> String {
    let o = rotor(db, args);
    assert!(o.status.success(), "{args:?}: {o:?}");
    stdout(&o)
}

fn events(db: &Path) -> Vec<Value> {
    ok(db, &["--json", "events"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn of_kind<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| &e["data"])
        .collect()
}

/// A log with identities everywhere: a refreshed Claude account (identity from the token
/// endpoint), imported Codex and Antigravity accounts labelled by e-mail, a session and a
/// provider message that name an e-mail, and decisions to verify.
async fn log_with_identities(db: &Path) {
    let fake = FakeOAuth::start().await;
    let e = Engine::builder()
        .path(db)
        .endpoints(fake.endpoints(Duration::from_secs(10)))
        .open()
        .unwrap();
    let secrets = fake.sign_in(Provider::Claude, "Ann.Lee@example.com");
    let new = NewAccount {
        secrets,
        ..NewAccount::oauth(Provider::Claude, "ann.lee@example.com", "x", None, None)
    };
    let id = e.add_account(new).unwrap();
    let refreshed = e.refresh_now(id, RefreshWhy::Manual).await.unwrap();
    assert!(
        matches!(refreshed, RefreshOutcome::Refreshed { .. }),
        "{refreshed:?}"
    );
    e.close().await.unwrap();

    let files = ["cliproxy-codex.json", "cliproxy-antigravity.json"].map(fixture);
    let mut import = vec!["account", "import"];
    import.extend(files.iter().map(|f| f.to_str().unwrap()));
    ok(db, &import);
    // A second Claude account, so that the session's stickiness is a real decision.
    let o = rotor_env(
        db,
        &[
            "account",
            "add",
            "--provider",
            "claude",
            "--label",
            "bob@example.com",
            "--api-key-env",
            "KEY",
        ],
        &[("KEY", "sk-ant-api03-bobs-key-0123456789abcdef")],
    );
    assert!(o.status.success(), "{o:?}");
    for _ in 0..3 {
        ok(
            db,
            &[
                "select",
                "--provider",
                "claude",
                "--model",
                "opus",
                "--session",
                "ann.lee@example.com/chat-1",
            ],
        );
        // Before the imported Codex token expires (2026-03-08): an expired one is skipped.
        let before_expiry = "2026-03-01T00:00:00Z";
        ok(
            db,
            &[
                "select",
                "--provider",
                "codex",
                "--model",
                "gpt-5",
                "--at",
                before_expiry,
            ],
        );
    }
    let body = db.with_file_name("body.json");
    std::fs::write(&body, r#"{"type":"error","error":{"type":"rate_limit_error","message":"ann.lee@example.com is over its limit"}}"#).unwrap();
    ok(
        db,
        &[
            "report",
            "--account",
            "ann.lee@example.com",
            "--model",
            "opus",
            "--status",
            "429",
            "--body",
            body.to_str().unwrap(),
        ],
    );
    ok(
        db,
        &[
            "select",
            "--provider",
            "claude",
            "--model",
            "opus",
            "--session",
            "ann.lee@example.com/chat-1",
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_pseudonymizes_identities_coherently_and_still_verifies() {
    let (dir, db) = temp_db();
    log_with_identities(&db).await;
    let original = String::from_utf8_lossy(&std::fs::read(&db).unwrap()).to_lowercase();
    assert!(
        IDENTITIES.iter().all(|i| original.contains(i)),
        "the log holds them all"
    );

    let out = dir.path().join("export.db");
    let printed = ok(&db, &["export", out.to_str().unwrap()]);
    assert!(printed.contains("identities pseudonymized"), "{printed}");
    let file = String::from_utf8_lossy(&std::fs::read(&out).unwrap()).to_lowercase();
    for identity in IDENTITIES {
        assert!(!file.contains(identity), "the export holds {identity}");
    }
    let verified = ok(&out, &["replay", "--verify"]);
    assert!(verified.contains("decisions"), "{verified}");

    let ev = events(&out);
    let added = of_kind(&ev, "account_added");
    let claude = added.iter().find(|a| a["provider"] == "claude").unwrap();
    let ann = claude["label"].as_str().unwrap();
    assert!(
        ann.starts_with("user-") && ann.ends_with("@redacted"),
        "{ann}"
    );
    // One e-mail, one pseudonym: the label, the refreshed identity, the session, the message.
    let refreshed = of_kind(&ev, "refresh_succeeded");
    assert_eq!(refreshed[0]["identity"]["email"], ann);
    assert_eq!(
        refreshed[0]["identity"]["account_id"]
            .as_str()
            .unwrap()
            .len(),
        "account-".len() + 8
    );
    let sessions: Vec<_> = of_kind(&ev, "selected")
        .iter()
        .filter_map(|s| s["session"].as_str())
        .collect();
    assert_eq!(sessions, vec![format!("{ann}/chat-1"); 4]);
    let failed = of_kind(&ev, "request_failed");
    assert_eq!(
        failed[0]["error"]["message"],
        format!("{ann} is over its limit")
    );
    for a in &added {
        let id = &a["identity"];
        if let Some(email) = id["email"].as_str() {
            assert!(email.ends_with("@redacted") && a["label"] == email, "{a}");
        }
    }
    let codex = added.iter().find(|a| a["provider"] == "codex").unwrap();
    assert!(codex["identity"]["account_id"]
        .as_str()
        .unwrap()
        .starts_with("account-"));
    assert_eq!(codex["identity"]["plan"], "pro", "plans are kept");
    let antigravity = added
        .iter()
        .find(|a| a["provider"] == "antigravity")
        .unwrap();
    assert!(antigravity["identity"]["project_id"]
        .as_str()
        .unwrap()
        .starts_with("project-"));

    // A second export draws another key: its pseudonyms cannot be joined with the first's.
    let again = dir.path().join("again.db");
    ok(&db, &["export", again.to_str().unwrap()]);
    let ann_again = of_kind(&events(&again), "account_added")[0]["label"].clone();
    assert_ne!(ann_again, ann);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_identities_keeps_them() {
    let (dir, db) = temp_db();
    log_with_identities(&db).await;
    let out = dir.path().join("export.db");
    let printed = ok(
        &db,
        &[
            "--json",
            "export",
            "--keep-identities",
            out.to_str().unwrap(),
        ],
    );
    let printed: Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(printed["identities_kept"], true);
    let file = String::from_utf8_lossy(&std::fs::read(&out).unwrap()).to_lowercase();
    for identity in IDENTITIES {
        assert!(file.contains(identity), "the export lost {identity}");
    }
    ok(&out, &["replay", "--verify"]);
}

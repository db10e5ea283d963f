//! `account import` file formats: each fixture under `tests/fixtures/import/` is detected and
//! read into an `ImportedCredential`, snapshotted with secrets as fingerprints only; unknown or
//! broken files give an error naming the file; files are never modified.

use std::path::PathBuf;

use rotor::import::{read_credential_file, SourceFormat};
use rotor::Provider;

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

#[test]
fn every_format_is_detected_and_snapshotted_without_secrets() {
    let cases = [
        (
            "cliproxy-claude.json",
            Provider::Claude,
            SourceFormat::Cliproxy,
        ),
        (
            "cliproxy-codex.json",
            Provider::Codex,
            SourceFormat::Cliproxy,
        ),
        (
            "cliproxy-antigravity.json",
            Provider::Antigravity,
            SourceFormat::Cliproxy,
        ),
        ("codex-auth.json", Provider::Codex, SourceFormat::CodexCli),
        (
            "codex-apikey.json",
            Provider::Openai,
            SourceFormat::CodexCli,
        ),
        (
            ".credentials.json",
            Provider::Claude,
            SourceFormat::ClaudeCode,
        ),
    ];
    for (file, provider, format) in cases {
        let path = fixture(file);
        let before = std::fs::read(&path).unwrap();
        let c = read_credential_file(&path).unwrap();
        assert_eq!((c.provider, c.format), (provider, format), "{file}");
        assert_eq!(std::fs::read(&path).unwrap(), before, "{file} was changed");
        let summary = serde_json::to_string(&c.summary()).unwrap();
        for s in [
            &c.secrets.access_token,
            &c.secrets.refresh_token,
            &c.secrets.id_token,
            &c.secrets.api_key,
        ]
        .into_iter()
        .flatten()
        {
            assert!(!summary.contains(s.expose()), "{file}: secret in summary");
        }
        // `.credentials.json` is Claude Code's name; say so in the snapshot's.
        let stem = file
            .trim_end_matches(".json")
            .replace(".credentials", "claude-code-credentials");
        let name = format!("import_{stem}");
        snap!(name, c.summary());
    }
}

#[test]
fn label_is_the_email_else_the_file_stem() {
    let c = read_credential_file(&fixture("cliproxy-claude.json")).unwrap();
    assert_eq!(c.label, "claude-user@example.com");
    let c = read_credential_file(&fixture(".credentials.json")).unwrap();
    assert_eq!(c.label, "credentials");
    assert_eq!(c.identity.plan.as_deref(), Some("max"));
}

#[test]
fn an_imported_antigravity_account_keeps_its_cloud_project() {
    // Given the CLIProxyAPI file of an Antigravity account that names its Google Cloud project
    let cred = read_credential_file(&fixture("cliproxy-antigravity.json")).unwrap();
    let e = rotor::Engine::in_memory().unwrap();
    // When it is imported
    let (id, _) = e.import_credential(&cred, 0, 1).unwrap();
    // Then the account's identity carries the project, for callers of Cloud Code Assist
    let project = e.with_state(|s| s.accounts[&id].identity.project_id.clone());
    assert_eq!(project.as_deref(), Some("fake-project-123456"));
}

#[test]
fn unknown_or_broken_files_name_the_file() {
    for (file, why) in [
        ("unknown.json", "unknown format"),
        ("not-json.txt", "not JSON"),
        ("cliproxy-gemini.json", "\"gemini\""),
        ("does-not-exist.json", "cannot open"),
    ] {
        let e = read_credential_file(&fixture(file))
            .unwrap_err()
            .to_string();
        assert!(e.contains(file) && e.contains(why), "{file}: {e}");
    }
}

#[test]
fn a_refresh_that_names_the_user_keeps_the_cloud_project() {
    use rotor::event::{AccountAdded, CredentialKind, Event, Identity, RefreshSucceeded};
    // Given an Antigravity account added with its Cloud project
    let account = rotor::AccountId::new_random();
    let at = rotor::time::parse_ts("2026-01-01T00:00:00Z").unwrap();
    let mut state = rotor::state::State::default();
    let added = AccountAdded {
        account,
        provider: Provider::Antigravity,
        label: "ag".into(),
        priority: 0,
        weight: 1,
        models: None,
        credential: CredentialKind::Oauth,
        fingerprint: "0123456789ab".into(),
        expires_at: None,
        identity: Identity {
            project_id: Some("proj-1".into()),
            ..Default::default()
        },
        quota_window_s: None,
    };
    state.apply_event(at, &Event::AccountAdded(added));
    // When a refresh succeeds and its response names the user (but no project)
    let refreshed = RefreshSucceeded {
        account,
        expires_at: None,
        generation: 2,
        fingerprint: "ba9876543210".into(),
        identity: Identity {
            email: Some("ag@example.com".into()),
            ..Default::default()
        },
    };
    state.apply_event(at, &Event::RefreshSucceeded(refreshed));
    // Then the account has both
    let id = &state.accounts[&account].identity;
    assert_eq!(
        (id.email.as_deref(), id.project_id.as_deref()),
        (Some("ag@example.com"), Some("proj-1"))
    );
}

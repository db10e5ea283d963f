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

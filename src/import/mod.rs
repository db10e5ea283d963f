//! `rotor account import`: reads a credential file written by another tool, detects
//! its format and returns an [`ImportedCredential`]. Files are opened read-only and never
//! changed. The formats live in `cliproxy`, `codex_cli` and `claude_code`; storing is the
//! engine's job.

mod claude_code;
mod cliproxy;
mod codex_cli;

use std::io::Read;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::event::Identity;
use crate::ids::Provider;
use crate::secret::{Secret, Secrets};
use crate::time::{serde_ts_opt, Timestamp};
use crate::{Error, Result};

/// Credential files are a few KiB; anything bigger is not one.
const MAX_FILE: u64 = 1024 * 1024;

/// Which tool wrote the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    /// CLIProxyAPI auth file (`{"type": "claude"|"codex"|"antigravity", ...}`).
    Cliproxy,
    /// The Codex CLI's `auth.json`.
    CodexCli,
    /// Claude Code's `.credentials.json`.
    ClaudeCode,
}

/// One credential read from a file. `Debug` shows secrets as fingerprints only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedCredential {
    pub provider: Provider,
    pub format: SourceFormat,
    /// The email when the file names one, else the file stem.
    pub label: String,
    pub secrets: Secrets,
    pub expires_at: Option<Timestamp>,
    pub identity: Identity,
    /// Google Cloud project of an Antigravity account, when the file names one.
    pub project_id: Option<String>,
}

/// A secret-free view of an [`ImportedCredential`], for `--json` output and snapshots.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub provider: Provider,
    pub format: SourceFormat,
    pub label: String,
    #[serde(with = "serde_ts_opt")]
    pub expires_at: Option<Timestamp>,
    pub identity: Identity,
    pub project_id: Option<String>,
    /// Fingerprint of each secret present, keyed `<field>_fp` (never the secret itself).
    pub fingerprints: std::collections::BTreeMap<&'static str, String>,
}

impl ImportedCredential {
    pub fn summary(&self) -> ImportSummary {
        let s = &self.secrets;
        let fingerprints = [
            ("api_key_fp", &s.api_key),
            ("access_token_fp", &s.access_token),
            ("refresh_token_fp", &s.refresh_token),
            ("id_token_fp", &s.id_token),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v.fingerprint())))
        .collect();
        ImportSummary {
            provider: self.provider,
            format: self.format,
            label: self.label.clone(),
            expires_at: self.expires_at,
            identity: self.identity.clone(),
            project_id: self.project_id.clone(),
            fingerprints,
        }
    }
}

/// Reads and recognises one credential file. The error names the file and what is wrong.
pub fn read_credential_file(path: &Path) -> Result<ImportedCredential> {
    let err = |why: String| Error::Import(format!("{}: {why}", path.display()));
    // File::open is read-only; nothing here can write to the file.
    let file = std::fs::File::open(path).map_err(|e| err(format!("cannot open: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| err(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(err("larger than 1 MiB: not a credential file".into()));
    }
    let v: Value = serde_json::from_slice(&bytes)
        .map_err(|e| err(format!("not JSON ({e}); expected a CLIProxyAPI auth file, a Codex CLI auth.json or a Claude Code .credentials.json")))?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().trim_start_matches('.').to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "imported".into());
    let parsed = if v.get("claudeAiOauth").is_some() {
        claude_code::read(&v)
    } else if v.get("tokens").is_some() || v.get("OPENAI_API_KEY").is_some_and(Value::is_string) {
        codex_cli::read(&v)
    } else if v.get("type").is_some() {
        cliproxy::read(&v)
    } else {
        Err("unknown format: expected a CLIProxyAPI auth file (\"type\": claude|codex|antigravity), a Codex CLI auth.json (\"tokens\") or a Claude Code .credentials.json (\"claudeAiOauth\")".into())
    };
    let mut cred = parsed.map_err(err)?;
    if cred.label.is_empty() {
        cred.label = cred.identity.email.clone().unwrap_or(stem);
    }
    Ok(cred)
}

/// A non-empty string field.
fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn secret_of(v: &Value, key: &str) -> Option<Secret> {
    str_of(v, key).map(Secret::new)
}

/// An OAuth credential needs at least an access or a refresh token.
fn require_tokens(s: &Secrets, what: &str) -> std::result::Result<(), String> {
    if s.access_token.is_none() && s.refresh_token.is_none() {
        return Err(format!("{what}: no access_token or refresh_token"));
    }
    Ok(())
}

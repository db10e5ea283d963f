//! `rotor account import`: reads a credential file written by another tool, detects its format
//! and returns an [`ImportedCredential`]. Files are opened read-only and never changed. The
//! formats live in `cliproxy`, `codex_cli` and `claude_code`; walking directories and skipping
//! files of types rotor does not rotate in `paths`; storing is the engine's job.

mod claude_code;
mod cliproxy;
mod codex_cli;
mod paths;

pub use paths::{read_import_paths, Found};

use std::io::Read;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::event::Identity;
use crate::ids::Provider;
use crate::secret::{Secret, Secrets};
use crate::time::{serde_ts_opt, Timestamp};

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
    /// The provider the credential is for.
    pub provider: Provider,
    /// The file format it was read from.
    pub format: SourceFormat,
    /// The email when the file names one, else the provider and account id, else the file
    /// stem. The engine makes it unique when another account already has it.
    pub label: String,
    /// The API key or OAuth tokens read.
    pub secrets: Secrets,
    /// When the access token expires, when the file says; `None` for API keys or when unknown.
    pub expires_at: Option<Timestamp>,
    /// Who the account is, as far as the file tells.
    pub identity: Identity,
    /// Google Cloud project of an Antigravity account, when the file names one.
    pub project_id: Option<String>,
}

/// A secret-free view of an [`ImportedCredential`], for `--json` output and snapshots.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// The provider the credential is for.
    pub provider: Provider,
    /// The file format it was read from.
    pub format: SourceFormat,
    /// The label the account will get (before being made unique).
    pub label: String,
    /// When the access token expires; `None` for API keys or when unknown.
    #[serde(with = "serde_ts_opt")]
    pub expires_at: Option<Timestamp>,
    /// Who the account is, as far as the file tells.
    pub identity: Identity,
    /// Google Cloud project of an Antigravity account, when the file names one.
    pub project_id: Option<String>,
    /// Fingerprint of each secret present, keyed `<field>_fp` (never the secret itself).
    pub fingerprints: std::collections::BTreeMap<&'static str, String>,
}

impl ImportedCredential {
    /// The credential without its secrets: fingerprints in their place.
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

/// What a file turned out to be.
pub(crate) enum Detected {
    Credential(Box<ImportedCredential>),
    /// A credential of a kind rotor does not rotate (a CLIProxyAPI `gemini` or `qwen` file):
    /// the reason, for a warning.
    Unsupported(String),
    /// JSON of no credential format rotor knows.
    Unknown(String),
}

/// Reads and recognises one credential file. The error names the file and what is wrong; a
/// file of a type rotor does not rotate is an error here too ([`read_import_paths`] skips it).
pub fn read_credential_file(path: &Path) -> Result<ImportedCredential> {
    match detect(path)? {
        Detected::Credential(c) => Ok(*c),
        Detected::Unsupported(why) | Detected::Unknown(why) => {
            Err(Error::Import(format!("{}: {why}", path.display())))
        }
    }
}

/// Reads `path` and tells its format. Errors: unreadable, too large, not JSON, or a known
/// format with something missing (no tokens).
pub(crate) fn detect(path: &Path) -> Result<Detected> {
    let err = |why: String| Error::Import(format!("{}: {why}", path.display()));
    // File::open is read-only; nothing here can write to the file.
    let file = std::fs::File::open(path).map_err(|e| err(format!("cannot open: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| err(format!("cannot read: {e}")))?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().trim_start_matches('.').to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "imported".into());
    detect_bytes(&bytes, stem).map_err(err)
}

/// Recognises the content of one credential file (`rotor serve` receives it over HTTP);
/// `stem` names the account when the content names no e-mail or account id.
pub fn read_credential_bytes(
    bytes: &[u8],
    stem: &str,
) -> std::result::Result<ImportedCredential, String> {
    match detect_bytes(bytes, stem.to_owned())? {
        Detected::Credential(c) => Ok(*c),
        Detected::Unsupported(why) | Detected::Unknown(why) => Err(why),
    }
}

/// [`detect`] on content already read; the error says what is wrong, without a path.
fn detect_bytes(bytes: &[u8], stem: String) -> std::result::Result<Detected, String> {
    if bytes.len() as u64 > MAX_FILE {
        return Err("larger than 1 MiB: not a credential file".into());
    }
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| format!("not JSON ({e}); expected a CLIProxyAPI auth file, a Codex CLI auth.json or a Claude Code .credentials.json"))?;
    let parsed = if v.get("claudeAiOauth").is_some() {
        claude_code::read(&v)
    } else if v.get("tokens").is_some() || v.get("OPENAI_API_KEY").is_some_and(Value::is_string) {
        codex_cli::read(&v)
    } else if let Some(kind) = v.get("type").and_then(Value::as_str) {
        match cliproxy::provider_of(kind) {
            Some(provider) => cliproxy::read(&v, provider),
            None => return Ok(Detected::Unsupported(cliproxy::unsupported(kind))),
        }
    } else {
        return Ok(Detected::Unknown("unknown format: expected a CLIProxyAPI auth file (\"type\": claude|codex|antigravity), a Codex CLI auth.json (\"tokens\") or a Claude Code .credentials.json (\"claudeAiOauth\")".into()));
    };
    let mut cred = parsed?;
    // A time an event cannot hold (a year past 9999) is no expiry anyone meant.
    cred.expires_at = cred.expires_at.filter(|t| representable(*t));
    if cred.label.is_empty() {
        cred.label = derived_label(&cred, stem);
    }
    Ok(Detected::Credential(Box::new(cred)))
}

/// Whether an event can hold `t` (years 0000 to 9999).
fn representable(t: Timestamp) -> bool {
    (crate::time::MIN_MS..=crate::time::MAX_MS).contains(&t.timestamp_millis())
}

/// The e-mail, else the provider with the start of the provider's account id, else the stem.
fn derived_label(cred: &ImportedCredential, stem: String) -> String {
    if let Some(email) = &cred.identity.email {
        return email.to_string();
    }
    match &cred.identity.account_id {
        Some(id) => format!(
            "{}-{}",
            cred.provider,
            id.chars().take(8).collect::<String>()
        ),
        None => stem,
    }
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

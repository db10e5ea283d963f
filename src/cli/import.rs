//! `rotor account import PATH...`: reads every file first (directories: their `*.json`; format
//! detected, files never changed), so one broken file imports nothing; a file of a type rotor
//! does not rotate is skipped with a warning naming it. Then adds each credential or updates
//! the account with the same identity, and warns about tokens already expired. `--json` prints
//! each account as its event records it, with fingerprints, never secrets.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{json, Value};

use super::output::warn;
use super::Ctx;
use crate::engine::ImportOptions;
use crate::import::{read_import_paths, Found, ImportedCredential};
use crate::time::{format_ts, Timestamp};
use crate::{Engine, Error, Result};

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Credential files or directories of them: CLIProxyAPI auth files (a directory: its
    /// *.json), the Codex CLI's auth.json, Claude Code's .credentials.json.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Label of the account (only when the paths hold one credential); default: the e-mail
    /// the file names, else the file name, made unique.
    #[arg(long)]
    pub label: Option<String>,
    /// Priority tier of newly added accounts.
    #[arg(long, default_value_t = 0)]
    pub priority: u32,
    /// Weight of newly added accounts (0 parks them under `weighted`).
    #[arg(long, default_value_t = 1, allow_negative_numbers = true, value_parser = super::input::parse_weight)]
    pub weight: u32,
}

pub fn import(ctx: &Ctx, a: ImportArgs) -> Result<i32> {
    let found = read_import_paths(&a.paths)?;
    let credentials = found
        .iter()
        .filter(|f| matches!(f, Found::Credential { .. }))
        .count();
    if a.label.is_some() && credentials != 1 {
        return Err(Error::InvalidInput(format!(
            "--label names one account, but the paths hold {credentials} credentials"
        )));
    }
    let engine = ctx.engine()?;
    let opts = ImportOptions {
        priority: a.priority,
        weight: a.weight,
        label: a.label.clone(),
    };
    let now = engine.now();
    let mut out = Vec::new();
    for f in &found {
        let row = match f {
            Found::Skipped { path, why } => {
                warn(format_args!("{}: skipped: {why}", path.display()));
                json!({"path": path, "action": "skipped", "reason": why})
            }
            Found::Credential { path, credential } => {
                let (id, action) = engine.import_credential_with(credential, &opts)?;
                let mut row = recorded(&engine, id)?;
                if let Some(t) = credential.expires_at.filter(|t| *t <= now) {
                    warn(expired(path, credential, t));
                }
                if !ctx.json {
                    out!(
                        "{} {} {} ({id}) from {}",
                        action.as_str(),
                        row["provider"].as_str().unwrap_or_default(),
                        row["label"].as_str().unwrap_or_default(),
                        path.display()
                    );
                }
                let summary = credential.summary();
                row["path"] = json!(path);
                row["action"] = json!(action);
                row["format"] = json!(summary.format);
                row["expired"] = json!(credential.expires_at.is_some_and(|t| t <= now));
                row["fingerprints"] = json!(summary.fingerprints);
                row
            }
        };
        out.push(row);
    }
    engine.flush_blocking()?;
    if ctx.json {
        ctx.print_json(&out)?;
    }
    Ok(0)
}

/// The account as its events record it (label made unique, identity with the Cloud project).
fn recorded(engine: &Engine, id: crate::AccountId) -> Result<Value> {
    engine.with_state(|s| {
        let a = s
            .accounts
            .get(&id)
            .ok_or_else(|| Error::UnknownAccount(id.to_string()))?;
        Ok(json!({
            "id": id, "label": a.label, "provider": a.provider,
            "expires_at": a.expires_at.map(format_ts), "identity": a.identity,
        }))
    })
}

/// The warning for a token that was dead before it arrived.
fn expired(path: &Path, c: &ImportedCredential, at: Timestamp) -> String {
    let what = if c.secrets.refresh_token.is_some() {
        "`rotor refresh` renews it with the refresh token"
    } else {
        "the file has no refresh token: sign in again and import the new file"
    };
    format!(
        "{}: the access token expired at {}; {what}",
        path.display(),
        format_ts(at)
    )
}

//! `rotor account import PATH...`: reads every file first (format detected, files never
//! changed), so one bad file imports nothing; then adds each credential or updates the account
//! with the same identity. `--json` prints each account with fingerprints, never secrets.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::Ctx;
use crate::import::read_credential_file;
use crate::Result;

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// CLIProxyAPI auth files, Codex CLI auth.json, Claude Code .credentials.json.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Priority tier of newly added accounts.
    #[arg(long, default_value_t = 0)]
    pub priority: u32,
    /// Weight of newly added accounts.
    #[arg(long, default_value_t = 1)]
    pub weight: u32,
}

pub fn import(ctx: &Ctx, a: ImportArgs) -> Result<i32> {
    let creds = a
        .paths
        .iter()
        .map(|p| read_credential_file(p))
        .collect::<Result<Vec<_>>>()?;
    let engine = ctx.engine()?;
    let mut out = Vec::new();
    for (path, cred) in a.paths.iter().zip(&creds) {
        let (id, action) = engine.import_credential(cred, a.priority, a.weight.max(1))?;
        let summary = cred.summary();
        if !ctx.json {
            println!(
                "{action:?} {} {} ({id}) from {}",
                cred.provider,
                cred.label,
                path.display()
            );
        }
        out.push(json!({
            "id": id, "label": summary.label, "provider": summary.provider,
            "action": action, "format": summary.format,
            "expires_at": summary.expires_at.map(crate::time::format_ts),
            "identity": summary.identity, "fingerprints": summary.fingerprints,
        }));
    }
    engine.flush_blocking()?;
    if ctx.json {
        ctx.print_json(&out);
    }
    Ok(0)
}

//! `rotor account add|list|disable|enable|remove`.

use clap::{Args, Subcommand};
use serde_json::json;

use super::Ctx;
use crate::event::DisableReason;
use crate::ids::{Model, Provider};
use crate::secret::Secrets;
use crate::time::{format_ts, parse_ts};
use crate::{Error, NewAccount, Result};

#[derive(Subcommand, Debug)]
pub enum AccountCmd {
    /// Add an account with an API key (from an environment variable) or OAuth tokens.
    Add(AddArgs),
    /// Import credential files written by CLIProxyAPI, the Codex CLI or Claude Code.
    Import(super::import::ImportArgs),
    /// List accounts.
    List,
    /// Take an account out of rotation.
    Disable { account: String },
    /// Put a disabled account back into rotation.
    Enable { account: String },
    /// Remove an account and its secrets.
    Remove { account: String },
}

#[derive(Args, Debug)]
pub struct AddArgs {
    #[arg(long)]
    pub provider: Provider,
    #[arg(long)]
    pub label: String,
    /// Name of the environment variable holding the API key (keys never go on the command line).
    #[arg(long, conflicts_with_all = ["access_token", "refresh_token"])]
    pub api_key_env: Option<String>,
    #[arg(long)]
    pub access_token: Option<String>,
    #[arg(long, requires = "access_token")]
    pub refresh_token: Option<String>,
    /// Access token expiry, RFC 3339.
    #[arg(long, requires = "access_token")]
    pub expires_at: Option<String>,
    #[arg(long, default_value_t = 0)]
    pub priority: u32,
    #[arg(long, default_value_t = 1)]
    pub weight: u32,
    /// Comma-separated allow-list of models.
    #[arg(long, value_delimiter = ',')]
    pub models: Option<Vec<String>>,
}

pub fn run(ctx: &Ctx, cmd: AccountCmd) -> Result<i32> {
    match cmd {
        AccountCmd::Add(a) => add(ctx, a),
        AccountCmd::Import(a) => super::import::import(ctx, a),
        AccountCmd::List => list(ctx),
        AccountCmd::Disable { account } => {
            let e = ctx.engine()?;
            e.disable_account(e.resolve(&account)?, DisableReason::Manual)?;
            e.flush_blocking()?;
            Ok(0)
        }
        AccountCmd::Enable { account } => {
            let e = ctx.engine()?;
            e.enable_account(e.resolve(&account)?)?;
            e.flush_blocking()?;
            Ok(0)
        }
        AccountCmd::Remove { account } => {
            let e = ctx.engine()?;
            e.remove_account(e.resolve(&account)?)?;
            e.flush_blocking()?;
            Ok(0)
        }
    }
}

fn add(ctx: &Ctx, a: AddArgs) -> Result<i32> {
    let secrets = match (&a.api_key_env, &a.access_token) {
        (Some(var), None) => {
            let key = std::env::var(var).map_err(|_| {
                Error::InvalidInput(format!("environment variable {var} is not set"))
            })?;
            Secrets::api_key(key.trim())
        }
        (None, Some(access)) => Secrets::oauth(access.clone(), a.refresh_token.clone()),
        _ => {
            return Err(Error::InvalidInput(
                "give either --api-key-env VAR or --access-token T".into(),
            ))
        }
    };
    let expires_at = a.expires_at.as_deref().map(parse_ts).transpose()?;
    let engine = ctx.engine()?;
    let id = engine.add_account(NewAccount {
        provider: a.provider,
        label: a.label.clone(),
        priority: a.priority,
        weight: a.weight,
        models: a
            .models
            .map(|m| m.iter().map(|s| Model::from(s.trim())).collect()),
        secrets,
        expires_at,
        identity: Default::default(),
    })?;
    engine.flush_blocking()?;
    if ctx.json {
        ctx.print_json(&json!({"id": id, "label": a.label, "provider": a.provider}));
    } else {
        println!("added {} {} ({id})", a.provider, a.label);
    }
    Ok(0)
}

fn list(ctx: &Ctx) -> Result<i32> {
    let state = super::inspect::fold_read_only(ctx, false)?.0;
    let rows: Vec<_> = crate::status::status(&state, chrono::Utc::now()).accounts;
    if ctx.json {
        let out: Vec<_> = rows
            .iter()
            .map(|a| {
                json!({"id": a.id, "label": a.label, "provider": a.provider, "status": a.status,
                   "priority": a.priority, "weight": a.weight,
                   "expires_at": a.expires_at.map(format_ts), "fingerprint": a.fingerprint})
            })
            .collect();
        ctx.print_json(&out);
    } else {
        println!(
            "{:<36}  {:<12} {:<20} {:<12} {:>4} {:>6}  {:<24} fingerprint",
            "id", "provider", "label", "status", "tier", "weight", "expires_at"
        );
        for a in rows {
            println!(
                "{:<36}  {:<12} {:<20} {:<12} {:>4} {:>6}  {:<24} {}",
                a.id.to_string(),
                a.provider.as_str(),
                a.label,
                a.status,
                a.priority,
                a.weight,
                a.expires_at.map_or("-".into(), format_ts),
                a.fingerprint
            );
        }
    }
    Ok(0)
}

//! `rotor account add|list|disable|enable|remove` (`import` is in `import.rs`, `update` in
//! `account_update.rs`), and the account row `list` and `update` print. `add` refuses
//! what would make two accounts indistinguishable or unusable: a label already taken, a key
//! another account already holds, an empty or unset key variable.

use clap::{Args, Subcommand};
use serde_json::json;

use super::account_row::{row_json, row_text};
use super::input::provider;
use super::Ctx;
use crate::event::DisableReason;
use crate::ids::{Model, Provider};
use crate::secret::Secrets;
use crate::state::State;
use crate::time::parse_ts;
use crate::{Error, NewAccount, Result};

#[derive(Subcommand, Debug)]
pub enum AccountCmd {
    /// Add an account with an API key (from an environment variable) or OAuth tokens.
    Add(AddArgs),
    /// Import credential files written by CLIProxyAPI, the Codex CLI or Claude Code.
    Import(super::import::ImportArgs),
    /// List accounts.
    List,
    /// Change an account's label, priority, weight, models or cooldown switch.
    Update(super::account_update::UpdateArgs),
    /// Take an account out of rotation.
    Disable {
        /// Account id or label.
        account: String,
    },
    /// Put a disabled account back into rotation.
    Enable {
        /// Account id or label.
        account: String,
    },
    /// Remove an account and its secrets.
    Remove {
        /// Account id or label.
        account: String,
    },
}

#[derive(Args, Debug)]
pub struct AddArgs {
    /// The provider the account belongs to.
    #[arg(long, value_parser = provider())]
    pub provider: Provider,
    /// A name for the account, unique among accounts (commands accept it in place of the id).
    #[arg(long)]
    pub label: String,
    /// Name of the environment variable holding the API key (keys never go on the command line).
    #[arg(long, value_name = "VAR", conflicts_with_all = ["access_token", "refresh_token"])]
    pub api_key_env: Option<String>,
    /// OAuth access token (prefer `account import` of a credential file).
    #[arg(long, value_name = "TOKEN")]
    pub access_token: Option<String>,
    /// OAuth refresh token, so rotor can renew the access token.
    #[arg(long, value_name = "TOKEN", requires = "access_token")]
    pub refresh_token: Option<String>,
    /// Access token expiry, RFC 3339.
    #[arg(long, value_name = "TIME", requires = "access_token")]
    pub expires_at: Option<String>,
    /// Priority tier: tier 0 serves first, higher tiers only when every account before is blocked.
    #[arg(long, default_value_t = 0)]
    pub priority: u32,
    /// Share of requests under the weighted strategy (0 parks the account: never chosen
    /// while weighted).
    #[arg(long, default_value_t = 1, allow_negative_numbers = true, value_parser = super::input::parse_weight)]
    pub weight: u32,
    /// Comma-separated allow-list of models (default: every model).
    #[arg(long, value_delimiter = ',')]
    pub models: Option<Vec<String>>,
}

pub fn run(ctx: &Ctx, cmd: AccountCmd) -> Result<i32> {
    match cmd {
        AccountCmd::Add(a) => add(ctx, a),
        AccountCmd::Import(a) => super::import::import(ctx, a),
        AccountCmd::List => list(ctx),
        AccountCmd::Update(a) => super::account_update::update(ctx, a),
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
        (Some(var), None) => Secrets::api_key(key_from_env(var)?),
        (None, Some(access)) if access.trim().is_empty() => {
            return Err(Error::InvalidInput("--access-token is empty".into()))
        }
        (None, Some(access)) => Secrets::oauth(access.trim(), a.refresh_token.clone()),
        _ => {
            return Err(Error::InvalidInput(
                "give either --api-key-env VAR or --access-token T".into(),
            ))
        }
    };
    let expires_at = a.expires_at.as_deref().map(parse_ts).transpose()?;
    let label = a.label.trim().to_string();
    let engine = ctx.engine()?;
    engine.with_state(|s| refuse_duplicate(s, &label, &secrets))?;
    let id = engine.add_account(NewAccount {
        provider: a.provider,
        label: label.clone(),
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
        ctx.print_json(&json!({"id": id, "label": label, "provider": a.provider}))?;
    } else {
        out!("added {} {label} ({id})", a.provider);
    }
    Ok(0)
}

/// The key in `var`, refused when the variable is unset or empty.
fn key_from_env(var: &str) -> Result<String> {
    let key = std::env::var(var).map_err(|e| {
        Error::InvalidInput(match e {
            std::env::VarError::NotPresent => format!("environment variable {var} is not set"),
            std::env::VarError::NotUnicode(_) => format!("environment variable {var} is not UTF-8"),
        })
    })?;
    let key = key.trim();
    if key.is_empty() {
        return Err(Error::InvalidInput(format!(
            "environment variable {var} is empty: it should hold the API key"
        )));
    }
    Ok(key.to_string())
}

/// Refuses a label another account has, and a key or token another account already holds
/// (the same key twice would be rotated as if it were two accounts).
fn refuse_duplicate(state: &State, label: &str, secrets: &Secrets) -> Result<()> {
    if let Some(other) = state.accounts.values().find(|a| a.label == label) {
        return Err(Error::InvalidInput(format!(
            "label {label:?} is already the {} account {}; choose another --label",
            other.provider, other.id
        )));
    }
    let fingerprint = secrets.fingerprint();
    if let Some(other) = state
        .accounts
        .values()
        .find(|a| a.fingerprint == fingerprint)
    {
        return Err(Error::InvalidInput(format!(
            "this credential is already the {} account {:?} ({}); one key is one account",
            other.provider, other.label, other.id
        )));
    }
    Ok(())
}

fn list(ctx: &Ctx) -> Result<i32> {
    let state = super::inspect::fold_read_only(ctx, false)?.0;
    let mut view = crate::status::status(&state, chrono::Utc::now());
    super::inspect::note_refreshability(ctx, &mut view)?;
    if ctx.json {
        let out: Vec<_> = view.accounts.iter().map(row_json).collect();
        return ctx.print_json(&out).map(|_| 0);
    }
    out!(
        "{:<36}  {:<12} {:<20} {:<12} {:>4} {:>6}  {:<24} fingerprint",
        "id",
        "provider",
        "label",
        "status",
        "tier",
        "weight",
        "expires_at"
    );
    for a in &view.accounts {
        out!("{}", row_text(a));
    }
    Ok(0)
}

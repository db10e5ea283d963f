//! `rotor account update ID`: changes an account's label, priority tier, weight, model
//! allow-list or cooldown switch on a live log (`account_updated`, changed fields only),
//! effective on the next `select`. The engine refuses what cannot be done; this file only
//! turns flags into the change and prints the account as it now is.

use clap::Args;

use super::account_row::{row_json, row_text};
use super::input::parse_weight;
use super::Ctx;
use crate::engine::AccountChanges;
use crate::ids::Model;
use crate::Result;

#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// Account id or label.
    pub account: String,
    /// A new label, unique among accounts.
    #[arg(long)]
    pub label: Option<String>,
    /// A new priority tier (0 serves first).
    #[arg(long)]
    pub priority: Option<u32>,
    /// A new weight under the weighted strategy (0 parks the account); the account's
    /// weighted-round-robin credit starts again from nothing.
    #[arg(long, allow_negative_numbers = true, value_parser = parse_weight)]
    pub weight: Option<u32>,
    /// A new comma-separated allow-list of models.
    #[arg(long, value_delimiter = ',', conflicts_with = "all_models")]
    pub models: Option<Vec<String>>,
    /// Allow every model (drops the allow-list).
    #[arg(long)]
    pub all_models: bool,
    /// Switch this account's cooldowns off: failures are still classified and logged, but
    /// they never keep it from being selected.
    #[arg(long, conflicts_with = "cooldown")]
    pub no_cooldown: bool,
    /// Switch this account's cooldowns back on (blocks still in force apply again).
    #[arg(long)]
    pub cooldown: bool,
}

impl UpdateArgs {
    fn changes(&self) -> AccountChanges {
        AccountChanges {
            label: self.label.clone(),
            priority: self.priority,
            weight: self.weight,
            models: match (&self.models, self.all_models) {
                (_, true) => Some(None),
                (Some(m), false) => Some(Some(m.iter().map(|s| Model::from(s.trim())).collect())),
                (None, false) => None,
            },
            cooldown: match (self.no_cooldown, self.cooldown) {
                (true, _) => Some(false),
                (false, true) => Some(true),
                (false, false) => None,
            },
        }
    }
}

pub fn update(ctx: &Ctx, a: UpdateArgs) -> Result<i32> {
    let engine = ctx.engine()?;
    let account = engine.resolve(&a.account)?;
    engine.change_account(account, a.changes())?;
    engine.flush_blocking()?;
    let mut view = crate::status::status(&engine.state(), engine.now());
    super::inspect::note_refreshability(ctx, &mut view)?;
    let Some(row) = view.accounts.iter().find(|r| r.id == account) else {
        return Err(crate::Error::UnknownAccount(account.to_string()));
    };
    if ctx.json {
        ctx.print_json(&row_json(row))?;
    } else {
        out!("updated {}", row_text(row));
    }
    Ok(0)
}

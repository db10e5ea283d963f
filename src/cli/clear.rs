//! `rotor clear`: lift an account's blocks by hand (one model's, or every block of the
//! account); the engine records it as `state_cleared`.

use clap::Args;
use serde_json::json;

use super::Ctx;
use crate::Result;

#[derive(Args, Debug)]
pub struct ClearArgs {
    /// Account id or label.
    pub account: String,
    /// Clear only this model's block (default: every block of the account).
    #[arg(long)]
    pub model: Option<String>,
}

pub fn clear(ctx: &Ctx, a: ClearArgs) -> Result<i32> {
    let engine = ctx.engine()?;
    let account = engine.resolve(&a.account)?;
    engine.clear(account, a.model.as_deref())?;
    engine.flush_blocking()?;
    if ctx.json {
        ctx.print_json(&json!({"account": account, "model": a.model, "cleared": true}))?;
    } else {
        out!(
            "cleared {} of {}",
            a.model.as_deref().unwrap_or("every block"),
            a.account
        );
    }
    Ok(0)
}

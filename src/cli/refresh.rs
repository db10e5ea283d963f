//! `rotor refresh [ACCOUNT]`: refreshes one account now (whatever its expiry), or every OAuth
//! account that is due (within its lead, backoff over). Prints each outcome; exits 1 when a
//! refresh failed, so scripts notice without parsing.

use clap::Args;

use super::Ctx;
use crate::engine::RefreshOutcome;
use crate::event::RefreshWhy;
use crate::{Error, Result};

#[derive(Args, Debug)]
pub struct RefreshArgs {
    /// Account id or label; without it, every account that is due.
    pub account: Option<String>,
}

pub fn refresh(ctx: &Ctx, a: RefreshArgs) -> Result<i32> {
    let engine = ctx.engine()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let outcomes: Vec<RefreshOutcome> = rt.block_on(async {
        match &a.account {
            Some(acct) => {
                let id = engine.resolve(acct)?;
                Ok::<_, Error>(vec![engine.refresh_now(id, RefreshWhy::Manual).await?])
            }
            None => engine
                .refresh_due(RefreshWhy::Manual)
                .await
                .into_iter()
                .map(|(_, r)| r)
                .collect(),
        }
    })?;
    rt.block_on(engine.flush())?;
    let failed = outcomes
        .iter()
        .any(|o| matches!(o, RefreshOutcome::Failed { .. }));
    if ctx.json {
        ctx.print_json(&outcomes);
    } else if outcomes.is_empty() {
        println!("no account is due for a refresh");
    } else {
        for o in &outcomes {
            match o {
                RefreshOutcome::Refreshed {
                    account,
                    generation,
                    fingerprint,
                    ..
                } => {
                    println!("{account}: refreshed (generation {generation}, {fingerprint})")
                }
                RefreshOutcome::Failed {
                    account,
                    class,
                    message,
                    needs_reauth,
                    ..
                } => {
                    let reauth = if *needs_reauth { " (needs_reauth)" } else { "" };
                    println!("{account}: failed {class:?}{reauth}: {message}")
                }
                RefreshOutcome::Skipped {
                    account, reason, ..
                } => {
                    println!("{account}: skipped ({reason:?})")
                }
            }
        }
    }
    Ok(if failed { 1 } else { 0 })
}

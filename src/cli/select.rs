//! `rotor select`: choose an account for (provider, model) and record the decision, or with
//! `--dry-run` decide from the log without recording. Exit 3 when every account is blocked,
//! naming each and until when. Reporting the outcome is `report.rs`.

use clap::Args;
use serde_json::json;

use super::input::provider;
use super::{parse_at, Ctx, EXIT_NO_ACCOUNT};
use crate::ids::{AccountId, Provider};
use crate::select::SelectOpts;
use crate::time::{format_ts, Timestamp};
use crate::Result;

#[derive(Args, Debug)]
pub struct SelectArgs {
    /// The provider to choose an account of.
    #[arg(long, value_parser = provider())]
    pub provider: Provider,
    /// The model the request is for (blocks and quota are per model).
    #[arg(long)]
    pub model: String,
    /// Session key: keeps the session on its previous account while it is available.
    #[arg(long)]
    pub session: Option<String>,
    /// An account (id or label) already tried for this request (repeatable).
    #[arg(long, value_name = "ACCOUNT")]
    pub exclude: Vec<String>,
    /// Decide as of this time (RFC 3339); the decision is logged with it.
    #[arg(long, value_name = "TIME", value_parser = parse_at)]
    pub at: Option<Timestamp>,
    /// Decide without recording anything (reads the log only).
    #[arg(long)]
    pub dry_run: bool,
}

pub fn select(ctx: &Ctx, a: SelectArgs) -> Result<i32> {
    let (engine, state);
    // Blocked, counted and rotated as: a variant's or an alias's model (the engine resolves
    // the same way; a dry run decides here).
    let canonical = ctx.config.canonical_model(&a.model).to_string();
    let decision = if a.dry_run {
        state = super::inspect::fold_read_only(ctx, false)?.0;
        let exclude = resolve_all(&state, &a.exclude)?;
        let at = a.at.unwrap_or_else(chrono::Utc::now);
        let policy = crate::select::Policy {
            strategy: ctx.config.strategy,
            probe_after: ctx.config.probe.after.0,
            cooldown_disabled: ctx.config.cooldown.disabled,
        };
        let opts = SelectOpts {
            session: a.session.clone(),
            exclude,
            at: Some(at),
        };
        crate::select::decide(&state, a.provider, &canonical, &opts, at, policy)
            .map(|c| (None, c.account))
            .map_err(|r| (r.earliest_at, r.skipped))
    } else {
        engine = ctx.engine()?;
        state = engine.state();
        let exclude = resolve_all(&state, &a.exclude)?;
        let opts = SelectOpts {
            session: a.session.clone(),
            exclude,
            at: a.at,
        };
        let r = engine.select(a.provider, &a.model, &opts);
        engine.flush_blocking()?;
        r.map(|l| (Some(l.request), l.account))
            .map_err(|n| (n.earliest_at, n.skipped))
    };
    match decision {
        Ok((request, account)) => {
            let label = state
                .accounts
                .get(&account)
                .map(|x| x.label.clone())
                .unwrap_or_default();
            if ctx.json {
                ctx.print_json(
                    &json!({"request": request, "account": account, "label": label,
                    "provider": a.provider, "model": canonical, "asked_model": a.model,
                    "strategy": ctx.config.strategy}),
                )?;
            } else {
                out!(
                    "{label} ({account}) request {}",
                    request.map_or("(dry run)".into(), |r| r.to_string())
                );
            }
            Ok(0)
        }
        Err((earliest, skipped)) => {
            if ctx.json {
                let skipped: Vec<_> = skipped.iter().map(|s| json!({"account": s.account, "reason": s.reason, "until": s.until.map(format_ts)})).collect();
                ctx.print_json(&json!({"error": "no_account", "earliest_at": earliest.map(format_ts), "skipped": skipped}))?;
            } else {
                let mut msg = format!(
                    "rotor: no {} account available for {}; earliest at {}",
                    a.provider,
                    canonical,
                    earliest.map_or("unknown".into(), format_ts)
                );
                for s in skipped {
                    let label = state
                        .accounts
                        .get(&s.account)
                        .map(|x| x.label.clone())
                        .unwrap_or_default();
                    msg += &format!("\n  {label}: {}", s.reason.as_str());
                    if let Some(t) = s.until {
                        msg += &format!(" until {}", format_ts(t));
                    }
                }
                super::output::stderr_line(msg);
            }
            Ok(EXIT_NO_ACCOUNT)
        }
    }
}

fn resolve_all(state: &crate::state::State, names: &[String]) -> Result<Vec<AccountId>> {
    names
        .iter()
        .map(|n| crate::status::resolve_account(state, n))
        .collect()
}

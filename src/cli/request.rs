//! `rotor select`, `rotor report` and `rotor clear`: the write commands of the request path.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::{parse_at, read_body, Ctx, EXIT_NO_ACCOUNT};
use crate::event::{Event, Usage};
use crate::ids::{AccountId, Provider, RequestId};
use crate::parse::Headers;
use crate::select::SelectOpts;
use crate::store::{self, Unknown};
use crate::time::{format_ts, Timestamp};
use crate::{Error, Outcome, Result};

#[derive(Args, Debug)]
pub struct SelectArgs {
    #[arg(long)]
    pub provider: Provider,
    #[arg(long)]
    pub model: String,
    /// Session key: keeps the session on its previous account while it is available.
    #[arg(long)]
    pub session: Option<String>,
    /// Accounts (id or label) already tried for this request.
    #[arg(long)]
    pub exclude: Vec<String>,
    /// Decide as of this time (RFC 3339); the decision is logged with it.
    #[arg(long, value_parser = parse_at)]
    pub at: Option<Timestamp>,
    /// Decide without recording anything (reads the log only).
    #[arg(long)]
    pub dry_run: bool,
}

pub fn select(ctx: &Ctx, a: SelectArgs) -> Result<i32> {
    let (engine, state);
    let decision = if a.dry_run {
        state = super::inspect::fold_read_only(ctx, false)?.0;
        let exclude = resolve_all(&state, &a.exclude)?;
        let at = a.at.unwrap_or_else(chrono::Utc::now);
        let policy = crate::select::Policy {
            strategy: ctx.config.strategy,
            probe_after: ctx.config.probe.after.0,
        };
        let opts = SelectOpts {
            session: a.session.clone(),
            exclude,
            at: Some(at),
        };
        crate::select::decide(&state, a.provider, &a.model, &opts, at, policy)
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
                    "provider": a.provider, "model": a.model, "strategy": ctx.config.strategy}),
                );
            } else {
                println!(
                    "{label} ({account}) request {}",
                    request.map_or("(dry run)".into(), |r| r.to_string())
                );
            }
            Ok(0)
        }
        Err((earliest, skipped)) => {
            if ctx.json {
                let skipped: Vec<_> = skipped.iter().map(|s| json!({"account": s.account, "reason": s.reason, "until": s.until.map(format_ts)})).collect();
                ctx.print_json(&json!({"error": "no_account", "earliest_at": earliest.map(format_ts), "skipped": skipped}));
            } else {
                eprintln!(
                    "rotor: no {} account available for {}; earliest at {}",
                    a.provider,
                    a.model,
                    earliest.map_or("unknown".into(), format_ts)
                );
                for s in skipped {
                    let label = state
                        .accounts
                        .get(&s.account)
                        .map(|x| x.label.clone())
                        .unwrap_or_default();
                    eprintln!(
                        "  {label}: {} until {}",
                        s.reason.as_str(),
                        s.until.map_or("-".into(), format_ts)
                    );
                }
            }
            Ok(EXIT_NO_ACCOUNT)
        }
    }
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The request id `select` returned.
    #[arg(long, conflicts_with_all = ["account", "model"])]
    pub request: Option<RequestId>,
    #[arg(long, requires = "model")]
    pub account: Option<String>,
    #[arg(long)]
    pub model: Option<String>,
    /// HTTP status of a failure.
    #[arg(long, conflicts_with = "success")]
    pub status: Option<u16>,
    /// A response header, 'name: value' (repeatable).
    #[arg(long)]
    pub header: Vec<String>,
    /// The response body: a file, or - for standard input.
    #[arg(long)]
    pub body: Option<PathBuf>,
    #[arg(long)]
    pub success: bool,
    /// Token usage as JSON: {"input_tokens":..,"output_tokens":..}.
    #[arg(long, requires = "success")]
    pub usage: Option<String>,
    #[arg(long, value_parser = parse_at)]
    pub at: Option<Timestamp>,
}

pub fn report(ctx: &Ctx, a: ReportArgs) -> Result<i32> {
    let mut headers = Headers::new();
    for h in &a.header {
        headers.parse_line(h)?;
    }
    let outcome = match (a.success, a.status) {
        (true, _) => Outcome::Success {
            usage: a
                .usage
                .as_deref()
                .map(serde_json::from_str::<Usage>)
                .transpose()
                .map_err(|e| Error::InvalidInput(format!("--usage: {e}")))?,
            headers,
            body: None,
        },
        (false, Some(status)) => Outcome::failure(status, headers, read_body(&a.body)?),
        (false, None) => return Err(Error::InvalidInput("give --success or --status N".into())),
    };
    let found = match a.request {
        Some(r) => Some(find_request(ctx, r)?),
        None => None,
    };
    let engine = ctx.engine()?;
    let (account, model) = match (found, &a.account, &a.model) {
        (Some((acct, model)), _, _) => (acct, model),
        (None, Some(acct), Some(model)) => (engine.resolve(acct)?, model.clone()),
        _ => {
            return Err(Error::InvalidInput(
                "give --request ID, or --account ID --model M".into(),
            ))
        }
    };
    let at = a.at.unwrap_or_else(|| engine.now());
    let r = engine.report_for(account, &model, a.request, None, outcome, at, None)?;
    engine.flush_blocking()?;
    if ctx.json {
        ctx.print_json(
            &json!({"account": account, "model": model, "error": r.error.as_ref().map(|e| e.kind),
            "block": r.block, "refresh_due": r.refresh_due}),
        );
    } else {
        match (&r.error, &r.block) {
            (None, _) => println!("recorded success"),
            (Some(e), Some(b)) => println!(
                "{}: blocked {} ({:?}) until {}",
                e.kind.as_str(),
                b.reason.as_str(),
                b.scope,
                format_ts(b.until)
            ),
            (Some(e), None) => println!("{}: no block", e.kind.as_str()),
        }
    }
    Ok(0)
}

/// The (account, model) a request was leased for, from its `selected` event.
fn find_request(ctx: &Ctx, request: RequestId) -> Result<(AccountId, String)> {
    let conn = store::open_read_only(&ctx.db)?;
    let mut found = None;
    store::read::for_each_event(&conn, 0, None, Unknown::Skip, |rec| {
        if let Event::Selected(e) = rec.event {
            if e.request == request {
                found = Some((e.account, e.model.to_string()));
            }
        }
        Ok(())
    })?;
    found.ok_or_else(|| Error::InvalidInput(format!("no selected event for request {request}")))
}

fn resolve_all(state: &crate::state::State, names: &[String]) -> Result<Vec<AccountId>> {
    names
        .iter()
        .map(|n| crate::status::resolve_account(state, n))
        .collect()
}

#[derive(Args, Debug)]
pub struct ClearArgs {
    pub account: String,
    #[arg(long)]
    pub model: Option<String>,
}

pub fn clear(ctx: &Ctx, a: ClearArgs) -> Result<i32> {
    let engine = ctx.engine()?;
    engine.clear(engine.resolve(&a.account)?, a.model.as_deref())?;
    engine.flush_blocking()?;
    Ok(0)
}

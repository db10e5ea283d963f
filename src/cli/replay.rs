//! `rotor replay`: the human timeline (optionally one account's, up to a seq or time),
//! `--verify` (every logged decision recomputed; exit 1 at the first that differs) and
//! `--explain REQUEST`, on a SQLite file or a fleet's log writer by writer. The replaying
//! itself is the library's `replay`; this file opens the log read-only and prints.

use clap::Args;
use serde_json::json;

#[cfg(feature = "postgres")]
use super::inspect::fleet_log;
use super::inspect::fold_read_only;
use super::{output, Ctx};
use crate::event::{BlockReason, EventRecord};
use crate::ids::{AccountId, RequestId};
use crate::replay;
use crate::state::State;
#[cfg(feature = "postgres")]
use crate::store::Unknown;
use crate::time::{format_ts, parse_ts};
use crate::{Error, Result};

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// Stop at this seq or time (RFC 3339).
    #[arg(long, value_name = "SEQ|TIME")]
    pub until: Option<String>,
    /// Only events of this account (id or label).
    #[arg(long)]
    pub account: Option<String>,
    /// Explain the decision for one request: every candidate, and why the chosen one won.
    #[arg(long, value_name = "REQUEST")]
    pub explain: Option<RequestId>,
    /// Recompute every logged decision; exit 1 at the first that differs.
    #[arg(long)]
    pub verify: bool,
    /// Skip events this rotor cannot read (with a warning) instead of stopping.
    #[arg(long)]
    pub skip_unknown: bool,
}

pub fn replay(ctx: &Ctx, a: ReplayArgs) -> Result<i32> {
    #[cfg(feature = "postgres")]
    if a.verify || a.explain.is_some() {
        let unknown = if a.skip_unknown {
            Unknown::Skip
        } else {
            Unknown::Fail
        };
        if let Some(mut events) = fleet_log(ctx, unknown)? {
            if let Some(u) = &a.until {
                let until = until_filter(u)?;
                events.retain(|e| until(&e.record));
            }
            return match a.explain {
                Some(req) => {
                    let ex = replay::fleet::explain_fleet(&events, req).ok_or_else(|| {
                        Error::InvalidInput(format!("no decision for request {req} in the log"))
                    })?;
                    print_explanation(ctx, &ex)?;
                    Ok(0)
                }
                None => verify_fleet(ctx, &events),
            };
        }
    }
    let (full, mut records) = fold_read_only(ctx, a.skip_unknown)?;
    if let Some(u) = &a.until {
        let until = until_filter(u)?;
        records.retain(|r| until(r));
    }
    if let Some(req) = a.explain {
        let ex = replay::explain(&records, req).ok_or_else(|| {
            Error::InvalidInput(format!("no decision for request {req} in the log"))
        })?;
        print_explanation(ctx, &ex)?;
        return Ok(0);
    }
    if a.verify {
        return verify(ctx, &records);
    }
    let only: Option<AccountId> = a
        .account
        .as_deref()
        .map(|s| crate::status::resolve_account(&full, s))
        .transpose()?;
    let mut state = State::default();
    let mut rows = Vec::new();
    for rec in &records {
        if only.is_none() || rec.event.account() == only {
            if ctx.json {
                rows.push(
                    json!({"seq": rec.seq, "at": format_ts(rec.at), "kind": rec.event.kind(),
                    "account": rec.event.account(), "text": replay::timeline_text(&state, rec)}),
                );
            } else {
                out!("{}", replay::timeline_line(&state, rec));
            }
        }
        state.apply(rec);
    }
    if ctx.json {
        ctx.print_json(&rows)?;
    }
    Ok(0)
}

/// Keeps the records a `--until` names.
type Keep = Box<dyn Fn(&EventRecord) -> bool>;

/// `--until SEQ|TIME` as a filter of records.
fn until_filter(u: &str) -> Result<Keep> {
    Ok(match u.parse::<u64>() {
        Ok(seq) => Box::new(move |r: &EventRecord| r.seq <= seq),
        Err(_) => {
            let t = parse_ts(u)?;
            Box::new(move |r: &EventRecord| r.at <= t)
        }
    })
}

fn print_explanation(ctx: &Ctx, ex: &replay::Explanation) -> Result<()> {
    if ctx.json {
        ctx.print_json(ex)
    } else {
        output::text(&explain_text(ex))
    }
}

/// `replay --verify` on a fleet's log: every writer's decisions, each from the order that
/// writer applied the log in; exit 1 naming the first that differs and its writer.
#[cfg(feature = "postgres")]
fn verify_fleet(ctx: &Ctx, events: &[crate::store::postgres::LogEvent]) -> Result<i32> {
    let writers = replay::fleet::writers(events).len();
    match replay::fleet::verify_fleet(events, ctx.config.probe.after.0) {
        Ok(n) => {
            if ctx.json {
                ctx.print_json(&json!({"verified": true, "decisions": n, "writers": writers}))?;
            } else {
                out!("verified {n} decisions of {writers} writers: each is reproduced by the events its writer had applied before it");
            }
            Ok(0)
        }
        Err(f) => {
            let writer = f.writer.map_or("(none)".to_string(), |w| w.to_string());
            report_mismatch(ctx, &f.mismatch, Some(&writer))
        }
    }
}

/// `replay --verify`: exit 0 when every logged decision is reproduced, else 1 naming the first
/// that is not.
fn verify(ctx: &Ctx, records: &[EventRecord]) -> Result<i32> {
    match replay::verify(records, ctx.config.probe.after.0) {
        Ok(n) => {
            if ctx.json {
                ctx.print_json(&json!({"verified": true, "decisions": n}))?;
            } else {
                out!("verified {n} decisions: every one is reproduced by the events before it");
            }
            Ok(0)
        }
        Err(m) => report_mismatch(ctx, &m, None),
    }
}

/// The first decision `replay --verify` could not reproduce, on stdout as JSON or on stderr
/// in words, naming its writer on a fleet's log; exit 1.
fn report_mismatch(ctx: &Ctx, m: &replay::Mismatch, writer: Option<&str>) -> Result<i32> {
    if ctx.json {
        let mut doc = json!({"verified": false, "seq": m.seq, "request": m.request,
            "logged": m.logged, "recomputed": m.recomputed});
        if let Some(w) = writer {
            doc["writer"] = json!(w);
        }
        ctx.print_json(&doc)?;
    } else {
        let by = writer.map(|w| format!(", writer {w}")).unwrap_or_default();
        output::stderr_line(format_args!(
            "rotor: decision at seq {} (request {}{by}) differs: logged {}, recomputed {}",
            m.seq, m.request, m.logged, m.recomputed
        ));
    }
    Ok(1)
}

/// The human form of an explanation.
pub fn explain_text(ex: &replay::Explanation) -> String {
    let mut out = format!(
        "request {} at {}: {}/{}\n",
        ex.request,
        format_ts(ex.at),
        ex.provider,
        ex.model
    );
    if let Some(w) = ex.writer {
        out.push_str(&format!("decided by instance {w}\n"));
    }
    for c in &ex.candidates {
        let mark = if Some(c.account) == ex.chosen {
            "->"
        } else {
            "  "
        };
        let state = match (c.reason, c.until, &c.excluded_by) {
            (None, _, _) => "eligible".to_string(),
            (Some(BlockReason::Excluded), _, Some(p)) => format!(
                "excluded: tried earlier in this request (attempt {}, request {}, failed {})",
                p.attempt, p.request, p.failed
            ),
            (Some(BlockReason::Excluded), _, None) => {
                "excluded by the caller (already tried elsewhere)".to_string()
            }
            (Some(BlockReason::Parked), _, _) => {
                "parked: weight 0, never chosen under weighted".to_string()
            }
            (Some(r), Some(t), _) => format!("{} until {}", r.as_str(), format_ts(t)),
            (Some(r), None, _) => format!("{} (until something changes it)", r.as_str()),
        };
        out += &format!("{mark} tier {} {:<20} {state}\n", c.tier, c.label);
    }
    out += &format!("why: {}\n", ex.why);
    out
}

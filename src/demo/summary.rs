//! What `rotor demo` prints after the run: counts read back from the log it wrote (rotations,
//! blocks by reason, refreshes, selections per account), rotor's own latency per request, the
//! health table, and the `replay --explain` command for one interesting request. Lines stay
//! within 100 columns (long names end in an ellipsis), apart from file paths.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use super::log::label_of;
use super::run::DemoRun;
use crate::event::{Event, EventRecord};
use crate::ids::RequestId;
use crate::state::State;
use crate::status::fit;
use crate::store::{self, Unknown};
use crate::Result;

#[derive(Debug, Serialize)]
pub struct DemoSummary {
    pub requests: usize,
    pub served: usize,
    pub failed: usize,
    pub no_account: usize,
    pub events: u64,
    /// Retries that moved a request to another account after a failure.
    pub rotations: usize,
    pub blocks_by_reason: BTreeMap<String, usize>,
    pub refreshes_succeeded: usize,
    pub refreshes_failed: usize,
    pub selections_per_account: BTreeMap<String, usize>,
    pub overhead_p50_us: f64,
    pub overhead_p99_us: f64,
    pub interesting_request: Option<RequestId>,
    pub db: String,
    /// On a `postgres://` log: who saw what, instance by instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fleet: Option<super::fleet::FleetSummary>,
}

/// Reads the demo's log back once every engine is closed: the summary and the health table
/// at the end of the run. Must not be called on a tokio runtime thread (a fleet's log is read
/// through a runtime of its own).
pub fn report(db: &Path, run: &DemoRun) -> Result<(DemoSummary, String)> {
    #[cfg(feature = "postgres")]
    if let Some(url) = db
        .to_str()
        .filter(|s| crate::store::postgres::is_postgres_url(s))
    {
        let events = store::postgres::read_log(url, Unknown::Fail)?;
        let records: Vec<EventRecord> = events.iter().map(|e| e.record.clone()).collect();
        let state = State::fold(&records);
        let mut s = summarize(&records, &state, run, super::fleet::shown_url(url));
        s.fleet = Some(super::fleet_log::summarize(&events, &state, run));
        return Ok((s, table(&state, run)));
    }
    let records = store::read::all_events(&store::open_read_only(db)?, Unknown::Fail)?;
    let state = State::fold(&records);
    let s = summarize(&records, &state, run, db.display().to_string());
    Ok((s, table(&state, run)))
}

/// The health table as the run left it (at the simulated time of its last request).
fn table(state: &State, run: &DemoRun) -> String {
    let at = run.ended_at.unwrap_or_else(chrono::Utc::now);
    crate::status::render(&crate::status::status(state, at))
}

/// Counts what happened in the log (`records`, in seq order, folded into `state`).
pub fn summarize(records: &[EventRecord], state: &State, run: &DemoRun, db: String) -> DemoSummary {
    let mut s = DemoSummary {
        requests: run.served + run.failed + run.no_account,
        served: run.served,
        failed: run.failed,
        no_account: run.no_account,
        events: 0,
        rotations: 0,
        blocks_by_reason: BTreeMap::new(),
        refreshes_succeeded: 0,
        refreshes_failed: 0,
        selections_per_account: BTreeMap::new(),
        overhead_p50_us: percentile(&run.overhead_ns, 0.50),
        overhead_p99_us: percentile(&run.overhead_ns, 0.99),
        interesting_request: None,
        db,
        fleet: None,
    };
    // The most telling decision: a probe, else a retry that skipped blocked accounts.
    let mut best: (u8, Option<RequestId>) = (0, None);
    for rec in records {
        s.events += 1;
        match &rec.event {
            Event::Selected(e) => {
                *s.selections_per_account
                    .entry(label_of(state, e.account))
                    .or_default() += 1;
                if !e.excluded.is_empty() {
                    s.rotations += 1;
                }
                let score = if e.probe {
                    3
                } else if !e.excluded.is_empty() && !e.skipped.is_empty() {
                    2
                } else if !e.skipped.is_empty() {
                    1
                } else {
                    0
                };
                if score > best.0 {
                    best = (score, Some(e.request));
                }
            }
            Event::RequestFailed(e) => {
                if let Some(b) = &e.block {
                    *s.blocks_by_reason
                        .entry(b.reason.as_str().to_string())
                        .or_default() += 1;
                }
            }
            Event::AccountDisabled { reason, .. } => {
                let reason = serde_json::to_value(reason).ok();
                let reason = reason.as_ref().and_then(|r| r.as_str()).unwrap_or("manual");
                *s.blocks_by_reason
                    .entry(format!("disabled: {reason}"))
                    .or_default() += 1;
            }
            Event::RefreshSucceeded(_) => s.refreshes_succeeded += 1,
            Event::RefreshFailed(_) => s.refreshes_failed += 1,
            _ => {}
        }
    }
    s.interesting_request = best.1;
    s
}

fn percentile(sorted: &[u64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1000.0
}

/// The human report.
pub fn render(s: &DemoSummary, status_table: &str) -> String {
    let mut out = String::new();
    let db = shell_word(&s.db);
    let _ = writeln!(
        out,
        "requests      {} ({} served, {} failed after retries, {} with no account available)",
        s.requests, s.served, s.failed, s.no_account
    );
    let _ = writeln!(
        out,
        "rotations     {} retries moved to another account",
        s.rotations
    );
    let _ = writeln!(
        out,
        "refreshes     {} succeeded, {} failed",
        s.refreshes_succeeded, s.refreshes_failed
    );
    let _ = writeln!(
        out,
        "rotor latency p50 {:.1} µs, p99 {:.1} µs per request (select + report)",
        s.overhead_p50_us, s.overhead_p99_us
    );
    let _ = writeln!(out, "events        {} in {}", s.events, s.db);
    if let Some(f) = &s.fleet {
        super::fleet::render(f, &db, &mut out);
    }
    // Names are cut so every line fits 100 columns, like the status table.
    let _ = writeln!(out, "\nblocks by reason:");
    for (reason, n) in &s.blocks_by_reason {
        let _ = writeln!(out, "  {:<40} {n}", fit(reason, 40));
    }
    let _ = writeln!(out, "\nselections per account:");
    for (label, n) in &s.selections_per_account {
        let _ = writeln!(out, "  {:<40} {n}", fit(label, 40));
    }
    let _ = writeln!(out, "\nhealth now:\n{status_table}");
    if let Some(r) = s.interesting_request {
        let _ = writeln!(
            out,
            "Why did one request go where it went? Ask the log:\n  rotor --db {db} replay --explain {r}"
        );
    }
    let _ = writeln!(
        out,
        "Check every decision replays exactly:\n  rotor --db {db} replay --verify"
    );
    out
}

/// `s` as one shell word: as it is when plain, else in single quotes (a URL's `?` and `&`).
fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

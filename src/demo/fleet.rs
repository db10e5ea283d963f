//! The fleet demo (`rotor demo --db postgres://...`): two engines, two instances of one fleet,
//! share the run. Here: the fleet's part of the report (its types and its lines). Reading it out of the log is `fleet_log`'s, driving the
//! requests `run`'s; the counts common to both logs are `summary`'s.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::run::Tally;
use crate::ids::RequestId;
use crate::status::fit;

/// What the fleet's log says about each instance and what they shared.
#[derive(Debug, Serialize)]
pub struct FleetSummary {
    /// The instances, named A, B, ... in the order they joined.
    pub instances: Vec<InstanceSummary>,
    /// Selections that passed over an account for a failure only another instance had seen
    /// (the block came to the selecting instance through the shared log).
    pub shared_skips: usize,
    /// The first of them, spelled out.
    pub example: Option<SharedSkip>,
    /// Per OAuth account with refresh activity: token requests against results in the log.
    pub refreshes: Vec<AccountRefreshes>,
}

/// One instance of the fleet.
#[derive(Debug, Serialize)]
pub struct InstanceSummary {
    pub name: String,
    /// Its writer id, as `replay --explain` names it.
    pub writer: Option<uuid::Uuid>,
    /// What it answered the requests routed to it.
    #[serde(flatten)]
    pub requests: Tally,
    /// Events it wrote.
    pub events: u64,
    /// Failures it saw that put a block in force.
    pub blocks: usize,
    /// Its selections that skipped an account for another instance's failure.
    pub skipped_for_others: usize,
    /// Token refreshes it ran (succeeded or failed).
    pub refreshes: usize,
}

/// A selection on one instance that skipped an account blocked by the other's failure.
#[derive(Clone, Debug, Serialize)]
pub struct SharedSkip {
    pub account: String,
    pub reason: String,
    pub failed_on: String,
    pub failure_seq: u64,
    pub skipped_on: String,
    pub selection_seq: u64,
    pub request: RequestId,
}

/// The refreshes of one OAuth account.
#[derive(Debug, Serialize)]
pub struct AccountRefreshes {
    pub account: String,
    /// Requests the (fake) token endpoint received for it, granted or refused.
    pub token_requests: u64,
    /// Refresh results in the log: one per token request when the fleet refreshes once.
    pub succeeded: usize,
    pub failed: usize,
    /// Credential generations whose refresh came due on more than one instance.
    pub due_on_several: usize,
    /// Who refreshed: instance name and generation written, in log order.
    pub refreshed_by: Vec<(String, u64)>,
}

/// `url` as the report shows it in commands to try: as given, with a password masked.
pub fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("PASSWORD"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// The fleet's lines of the report (`db`: the log as commands name it). Within 100 columns.
pub fn render(f: &FleetSummary, db: &str, out: &mut String) {
    let _ = writeln!(
        out,
        "fleet         {} instances on the one log, the requests split between them",
        f.instances.len()
    );
    for i in &f.instances {
        let writer = i.writer.map_or_else(|| "-".into(), |w| w.to_string());
        let r = &i.requests;
        let _ = writeln!(out, "  instance {}    writer {writer}", i.name);
        let _ = writeln!(
            out,
            "    {} requests ({} served, {} failed, {} none available), {} events written",
            r.served + r.failed + r.no_account,
            r.served,
            r.failed,
            r.no_account,
            i.events
        );
        let _ = writeln!(
            out,
            "    {} blocks put in force, {} token refreshes, {} skips for the other's failures",
            i.blocks, i.refreshes, i.skipped_for_others
        );
    }
    let _ = writeln!(
        out,
        "shared health {} selections passed over an account for a failure only the other \
         instance saw",
        f.shared_skips
    );
    if let Some(x) = &f.example {
        let _ = writeln!(
            out,
            "  e.g. {} got {} on {} (seq {}); {} then skipped {} (seq {}):",
            x.failed_on,
            x.reason,
            fit(&x.account, 20),
            x.failure_seq,
            x.skipped_on,
            fit(&x.account, 20),
            x.selection_seq
        );
        let _ = writeln!(out, "  rotor --db {db} replay --explain {}", x.request);
    }
    let asked: u64 = f.refreshes.iter().map(|a| a.token_requests).sum();
    let results: usize = f.refreshes.iter().map(|a| a.succeeded + a.failed).sum();
    let several: usize = f.refreshes.iter().map(|a| a.due_on_several).sum();
    let _ = writeln!(
        out,
        "one refresh   {} for {results} refresh results in the log; due on both instances {several}x",
        plural(asked, "token request")
    );
    for a in &f.refreshes {
        let mut line = format!(
            "  {:<16} {}",
            fit(&a.account, 16),
            plural(a.token_requests, "token request")
        );
        if !a.refreshed_by.is_empty() {
            let mut by: BTreeMap<&str, u64> = BTreeMap::new();
            for (who, _) in &a.refreshed_by {
                *by.entry(who).or_default() += 1;
            }
            let by: Vec<String> = by.iter().map(|(who, n)| format!("{n} by {who}")).collect();
            let generations = plural(a.refreshed_by.len() as u64, "new generation");
            line += &format!(", {generations} ({})", by.join(", "));
        }
        if a.failed > 0 {
            line += &format!(", {} failed", a.failed);
        }
        let _ = writeln!(out, "{line}");
    }
}

/// "1 token request", "2 token requests".
fn plural(n: u64, what: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{n} {what}{s}")
}

//! The fleet demo (`rotor demo --db postgres://...`): two engines, two instances of one fleet,
//! share the run. Here: the check that the database holds no log yet, and what the log says
//! instance by instance (who wrote what, who passed over an account for a failure only the
//! other had seen, which refreshes came due on both and ran once), with its report lines.
//! Driving the requests is `run`'s; the counts common to both logs are `summary`'s.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;

use serde::Serialize;

use super::run::{DemoRun, Tally};
use crate::ids::RequestId;
use crate::status::fit;
#[cfg(feature = "postgres")]
use crate::{
    event::{Event, RequestFailed, Skip},
    ids::{AccountId, Model},
    parse::Scope,
    time::Timestamp,
    vocab::BlockSet,
};

/// How many engines the fleet demo runs on the one database.
pub const INSTANCES: usize = 2;

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

/// Checks that `url` holds no rotor log yet (making its schema when empty): the demo writes
/// into a new database only, never over a log someone keeps.
#[cfg(feature = "postgres")]
pub async fn prepare_log(url: &str) -> crate::Result<()> {
    use crate::store::postgres::{PgOptions, PgStore};
    let store = PgStore::open(url, PgOptions::default()).await?;
    let events = store.last_seq().await?;
    if events > 0 {
        return Err(crate::Error::InvalidInput(format!(
            "{}: already holds a rotor log ({events} events); the demo writes only into a \
             database with no log yet. Create an empty one (e.g. `createdb rotor_demo`) and \
             pass its URL",
            store.describe()
        )));
    }
    Ok(())
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

/// Reads the fleet's story out of its log (`events` in seq order, folded into `state`).
#[cfg(feature = "postgres")]
pub fn summarize(
    events: &[crate::store::postgres::LogEvent],
    state: &crate::state::State,
    run: &DemoRun,
) -> FleetSummary {
    let writers = crate::replay::fleet::writers(events);
    let name = |w: &Option<uuid::Uuid>| {
        let i = writers.iter().position(|x| x == w).unwrap_or(0);
        char::from(b'A' + (i % 26) as u8).to_string()
    };
    let mut instances: Vec<InstanceSummary> = writers
        .iter()
        .enumerate()
        .map(|(i, w)| InstanceSummary {
            name: name(w),
            writer: *w,
            requests: run.per_instance.get(i).copied().unwrap_or_default(),
            events: 0,
            blocks: 0,
            skipped_for_others: 0,
            refreshes: 0,
        })
        .collect();
    let mut causes = Causes::default();
    let mut due: BTreeMap<(AccountId, u64), BTreeSet<usize>> = BTreeMap::new();
    let mut refreshes: BTreeMap<AccountId, AccountRefreshes> = BTreeMap::new();
    let (mut shared_skips, mut example) = (0, None);
    for e in events {
        let me = writers.iter().position(|w| *w == e.writer).unwrap_or(0);
        instances[me].events += 1;
        let seq = e.record.seq;
        match &e.record.event {
            Event::RequestFailed(f) => {
                if let Some(b) = &f.block {
                    instances[me].blocks += 1;
                    causes.failed(me, seq, f, b);
                }
            }
            Event::Selected(s) => {
                let seen = e.seen.unwrap_or(0);
                for skip in &s.skipped {
                    let owed = causes.owed(me, seen, e.record.at, &s.model, skip);
                    let Some((failure_seq, other)) = owed else {
                        continue;
                    };
                    shared_skips += 1;
                    instances[me].skipped_for_others += 1;
                    // The first, preferring a 429: the case a newcomer knows.
                    let rate_limit = skip.reason.as_str() == "rate_limit";
                    if example
                        .as_ref()
                        .is_none_or(|x: &SharedSkip| rate_limit && x.reason != "rate_limit")
                    {
                        example = Some(SharedSkip {
                            account: super::summary::label_of(state, skip.account),
                            reason: skip.reason.as_str().to_string(),
                            failed_on: instances[other].name.clone(),
                            failure_seq,
                            skipped_on: instances[me].name.clone(),
                            selection_seq: seq,
                            request: s.request,
                        });
                    }
                }
            }
            Event::RefreshDue {
                account,
                generation: Some(g),
                ..
            } => {
                due.entry((*account, *g)).or_default().insert(me);
                refreshes_of(&mut refreshes, state, *account);
            }
            Event::RefreshSucceeded(r) => {
                instances[me].refreshes += 1;
                let a = refreshes_of(&mut refreshes, state, r.account);
                a.succeeded += 1;
                a.refreshed_by
                    .push((instances[me].name.clone(), r.generation));
            }
            Event::RefreshFailed(r) => {
                instances[me].refreshes += 1;
                refreshes_of(&mut refreshes, state, r.account).failed += 1;
            }
            _ => {}
        }
    }
    for ((account, _), _) in due.iter().filter(|(_, on)| on.len() > 1) {
        refreshes_of(&mut refreshes, state, *account).due_on_several += 1;
    }
    for a in refreshes.values_mut() {
        let asked = run.fakes.accounts.iter().filter(|f| f.label == a.account);
        a.token_requests = asked.map(|f| f.refreshes + f.refresh_rejected).sum();
    }
    let mut refreshes: Vec<AccountRefreshes> = refreshes.into_values().collect();
    refreshes.sort_by(|a, b| a.account.cmp(&b.account));
    FleetSummary {
        instances,
        shared_skips,
        example,
        refreshes,
    }
}

/// Whose failures hold which account, to tell a skip an instance owes to another's failure
/// from one its own failures explain.
#[cfg(feature = "postgres")]
#[derive(Default)]
struct Causes {
    /// The failures that set a block, by (account, until): a skip names its block's until.
    by_until: HashMap<(AccountId, Timestamp), Vec<(u64, usize)>>,
    /// When each instance's own blocks end at the latest, by (instance, account, model; `None`
    /// for the whole account).
    own_until: HashMap<(usize, AccountId, Option<Model>), Timestamp>,
}

#[cfg(feature = "postgres")]
impl Causes {
    /// Instance `me` logged failure `f` (at `seq`), which put block `b` in force.
    fn failed(&mut self, me: usize, seq: u64, f: &RequestFailed, b: &BlockSet) {
        self.by_until
            .entry((f.account, b.until))
            .or_default()
            .push((seq, me));
        let model = (b.scope == Scope::Model).then(|| f.model.clone());
        let until = self
            .own_until
            .entry((me, f.account, model))
            .or_insert(b.until);
        *until = (*until).max(b.until);
    }

    /// The other instance's failure (seq, instance) that a skip made by `me` at `at` for
    /// `model` is owed to: its block came from there, had been applied on `me` (`seen`), and
    /// none of `me`'s own blocks would have held the account then.
    fn owed(
        &self,
        me: usize,
        seen: u64,
        at: Timestamp,
        model: &Model,
        skip: &Skip,
    ) -> Option<(u64, usize)> {
        let own = |m: Option<Model>| {
            self.own_until
                .get(&(me, skip.account, m))
                .is_some_and(|u| *u > at)
        };
        if own(None) || own(Some(model.clone())) {
            return None;
        }
        let failures = self.by_until.get(&(skip.account, skip.until?))?;
        failures
            .iter()
            .find(|(seq, w)| *w != me && *seq <= seen)
            .copied()
    }
}

/// The refresh record of `account`, made on first mention.
#[cfg(feature = "postgres")]
fn refreshes_of<'a>(
    refreshes: &'a mut BTreeMap<crate::ids::AccountId, AccountRefreshes>,
    state: &crate::state::State,
    account: crate::ids::AccountId,
) -> &'a mut AccountRefreshes {
    refreshes
        .entry(account)
        .or_insert_with(|| AccountRefreshes {
            account: super::summary::label_of(state, account),
            token_requests: 0,
            succeeded: 0,
            failed: 0,
            due_on_several: 0,
            refreshed_by: Vec::new(),
        })
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

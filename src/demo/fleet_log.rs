//! What a fleet demo's log says instance by instance (`summarize`): who wrote what, which
//! selections passed over an account for a failure only the other instance had seen (`Causes`
//! tells those from skips an instance's own failures explain), and which refreshes came due on
//! both and ran once. The report's types and lines are `fleet`'s. Feature `postgres` only.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::fleet::{AccountRefreshes, FleetSummary, InstanceSummary, SharedSkip};
use super::log::label_of;
use super::run::DemoRun;
use crate::event::{Event, RequestFailed, Skip};
use crate::ids::{AccountId, Model};
use crate::parse::Scope;
use crate::state::State;
use crate::store::postgres::LogEvent;
use crate::time::Timestamp;
use crate::vocab::BlockSet;

/// Reads the fleet's story out of its log (`events` in seq order, folded into `state`).
pub fn summarize(events: &[LogEvent], state: &State, run: &DemoRun) -> FleetSummary {
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
                            account: label_of(state, skip.account),
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
#[derive(Default)]
struct Causes {
    /// The failures that set a block, by (account, until): a skip names its block's until.
    by_until: HashMap<(AccountId, Timestamp), Vec<(u64, usize)>>,
    /// When each instance's own blocks end at the latest, by (instance, account, model; `None`
    /// for the whole account).
    own_until: HashMap<(usize, AccountId, Option<Model>), Timestamp>,
}

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
fn refreshes_of<'a>(
    refreshes: &'a mut BTreeMap<AccountId, AccountRefreshes>,
    state: &State,
    account: AccountId,
) -> &'a mut AccountRefreshes {
    refreshes
        .entry(account)
        .or_insert_with(|| AccountRefreshes {
            account: label_of(state, account),
            token_requests: 0,
            succeeded: 0,
            failed: 0,
            due_on_several: 0,
            refreshed_by: Vec::new(),
        })
}

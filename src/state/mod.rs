//! Projections: the state every decision reads, rebuilt by folding events with the pure
//! [`State::apply`]. No clock, IO or randomness here: time comes from each event's `at`.
//! Block durations are decided at report time (`rules`) and arrive on the events.

mod account;
pub mod rules;
mod selector;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

pub use account::{Account, AccountStatus, Block, ModelHealth, RefreshState, Unavailable};
pub use selector::SelectorState;

use crate::event::*;
use crate::ids::{AccountId, Provider};
use crate::parse::Scope;
use crate::time::Timestamp;

/// Every projection rotor keeps.
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct State {
    pub accounts: HashMap<AccountId, Account>,
    /// Per provider, account ids ordered by (priority, order of addition): tiers are runs.
    pub order: HashMap<Provider, Vec<AccountId>>,
    /// Per provider, the priority tiers as `(priority, start, end)` ranges of `order`.
    pub tiers: HashMap<Provider, Vec<(u32, usize, usize)>>,
    /// Each account's index in its provider's `order`.
    pub position: HashMap<AccountId, usize>,
    pub selector: SelectorState,
    /// The seq of the last event applied.
    pub last_seq: u64,
    added: u64,
}

impl State {
    /// Folds a whole log.
    pub fn fold<'a>(records: impl IntoIterator<Item = &'a EventRecord>) -> State {
        let mut s = State::default();
        for r in records {
            s.apply(r);
        }
        s
    }

    /// Applies one stored event.
    pub fn apply(&mut self, rec: &EventRecord) {
        self.apply_event(rec.at, &rec.event);
        self.last_seq = rec.seq;
    }

    /// The accounts of `provider` in rotation order (priority, then order of addition).
    pub fn provider_accounts(&self, provider: Provider) -> impl Iterator<Item = &Account> {
        self.order
            .get(&provider)
            .into_iter()
            .flatten()
            .filter_map(|id| self.accounts.get(id))
    }

    /// Applies one event at time `at`. Events naming unknown accounts change nothing.
    pub fn apply_event(&mut self, at: Timestamp, event: &Event) {
        match event {
            Event::AccountAdded(e) => self.add_account(e),
            Event::AccountUpdated(e) => {
                let Some(a) = self.accounts.get_mut(&e.account) else {
                    return;
                };
                if let Some(l) = &e.label {
                    a.label = l.clone();
                }
                if let Some(w) = e.weight {
                    a.weight = w;
                }
                if let Some(m) = &e.models {
                    a.models = m.clone();
                }
                if let Some(f) = &e.fingerprint {
                    a.fingerprint = f.clone();
                    a.refresh = RefreshState::default();
                }
                if e.expires_at.is_some() {
                    a.expires_at = e.expires_at;
                }
                if let Some(g) = e.generation {
                    a.generation = g;
                }
                let provider = a.provider;
                if let Some(p) = e.priority {
                    a.priority = p;
                    self.reorder(provider);
                }
            }
            Event::AccountRemoved { account } => {
                if let Some(a) = self.accounts.remove(account) {
                    if let Some(o) = self.order.get_mut(&a.provider) {
                        o.retain(|id| id != account);
                    }
                    self.position.remove(account);
                    self.reorder(a.provider);
                    self.selector.forget_account(*account);
                }
            }
            Event::AccountDisabled { account, reason } => {
                if let Some(a) = self.accounts.get_mut(account) {
                    a.status = AccountStatus::Disabled(*reason);
                }
            }
            Event::AccountEnabled { account } => {
                if let Some(a) = self.accounts.get_mut(account) {
                    a.status = AccountStatus::Active;
                    a.refresh = RefreshState::default();
                }
            }
            Event::Selected(e) => self.apply_selected(at, e),
            Event::NoAccount(_) => {}
            Event::RequestSucceeded(e) => {
                let Some(a) = self.accounts.get_mut(&e.account) else {
                    return;
                };
                if a.account_block
                    .as_ref()
                    .is_some_and(|b| is_probe(b, e.request))
                {
                    a.account_block = None;
                    a.quota_level = 0;
                }
                let h = a.health.entry(e.model.clone()).or_default();
                h.block = None;
                h.consecutive_failures = 0;
                h.quota_level = 0;
                a.quota.on_success(at, &e.model, e.usage.as_ref());
                for o in &e.quota {
                    a.quota.on_observation(at, o);
                }
            }
            Event::RequestFailed(e) => {
                let Some(a) = self.accounts.get_mut(&e.account) else {
                    return;
                };
                let h = a.health.entry(e.model.clone()).or_default();
                h.consecutive_failures += 1;
                h.failures += 1;
                if let Some(b) = &e.block {
                    match b.scope {
                        Scope::Model => {
                            if b.reason == BlockReason::QuotaExceeded {
                                h.quota_level = b.level;
                            }
                            merge_block(&mut h.block, b, at, e.request);
                        }
                        Scope::Account => {
                            if b.reason == BlockReason::QuotaExceeded {
                                a.quota_level = b.level;
                            }
                            merge_block(&mut a.account_block, b, at, e.request);
                        }
                    }
                }
                release_probe(a, e.request);
                if e.error.kind == crate::parse::ErrorKind::QuotaExceeded {
                    let reset = crate::quota::quota_reset(at, &e.error);
                    a.quota.on_quota_error(at, &e.model, e.error.scope, reset);
                }
                for o in &e.quota {
                    a.quota.on_observation(at, o);
                }
            }
            Event::RequestCancelled {
                account, request, ..
            } => {
                if let Some(a) = self.accounts.get_mut(account) {
                    release_probe(a, *request);
                }
            }
            Event::QuotaObserved(e) => {
                if let Some(a) = self.accounts.get_mut(&e.account) {
                    a.quota.on_observation(at, &e.observation);
                }
            }
            Event::RefreshDue { account, why, .. } => {
                if let Some(a) = self.accounts.get_mut(account) {
                    a.refresh.in_flight = true;
                    a.refresh.blocking |= *why == RefreshWhy::On401;
                }
            }
            Event::RefreshSucceeded(e) => {
                let Some(a) = self.accounts.get_mut(&e.account) else {
                    return;
                };
                a.refresh = RefreshState::default();
                a.expires_at = e.expires_at;
                a.generation = e.generation;
                a.fingerprint = e.fingerprint.clone();
                if !e.identity.is_empty() {
                    a.identity = e.identity.clone();
                }
                if a.account_block
                    .as_ref()
                    .is_some_and(|b| b.reason == BlockReason::Authentication)
                {
                    a.account_block = None;
                }
            }
            Event::RefreshFailed(e) => {
                let Some(a) = self.accounts.get_mut(&e.account) else {
                    return;
                };
                let was_blocking = a.refresh.blocking;
                a.refresh.in_flight = false;
                a.refresh.blocking = false;
                a.refresh.consecutive_failures += 1;
                a.refresh.next_attempt_at = e.next_attempt_at;
                a.refresh.last_error = Some(e.message.clone());
                // A 401 proved the token dead: keep it out until the next attempt.
                if was_blocking {
                    let until = e.next_attempt_at.unwrap_or(at);
                    let b = BlockSet {
                        scope: Scope::Account,
                        reason: BlockReason::Authentication,
                        until,
                        level: 0,
                    };
                    merge_block(&mut a.account_block, &b, at, None);
                }
            }
            Event::StateCleared { account, model } => {
                let Some(a) = self.accounts.get_mut(account) else {
                    return;
                };
                a.quota.on_cleared(model.as_ref());
                match model {
                    Some(m) => {
                        if let Some(h) = a.health.get_mut(&**m) {
                            h.block = None;
                            h.consecutive_failures = 0;
                            h.quota_level = 0;
                        }
                    }
                    None => {
                        a.account_block = None;
                        a.quota_level = 0;
                        for h in a.health.values_mut() {
                            h.block = None;
                            h.consecutive_failures = 0;
                            h.quota_level = 0;
                        }
                    }
                }
            }
        }
    }

    fn add_account(&mut self, e: &AccountAdded) {
        self.added += 1;
        let account = Account {
            id: e.account,
            provider: e.provider,
            label: e.label.clone(),
            priority: e.priority,
            weight: e.weight,
            models: e.models.clone(),
            credential: e.credential,
            fingerprint: e.fingerprint.clone(),
            expires_at: e.expires_at,
            generation: 1,
            identity: e.identity.clone(),
            status: AccountStatus::Active,
            added_seq: self.added,
            account_block: None,
            quota_level: 0,
            health: Default::default(),
            refresh: RefreshState::default(),
            // Window lengths are a fold input: the defaults, so every replay agrees.
            quota: crate::quota::AccountQuota::new(
                e.provider,
                &crate::quota::QuotaSettings::default(),
            ),
        };
        self.accounts.insert(e.account, account);
        self.order.entry(e.provider).or_default().push(e.account);
        self.reorder(e.provider);
    }

    fn reorder(&mut self, provider: Provider) {
        let accounts = &self.accounts;
        let Some(o) = self.order.get_mut(&provider) else {
            return;
        };
        o.sort_by_key(|id| accounts.get(id).map(|a| (a.priority, a.added_seq)));
        let mut tiers: Vec<(u32, usize, usize)> = Vec::new();
        for (i, id) in o.iter().enumerate() {
            self.position.insert(*id, i);
            let p = accounts.get(id).map_or(u32::MAX, |a| a.priority);
            match tiers.last_mut() {
                Some(t) if t.0 == p => t.2 = i + 1,
                _ => tiers.push((p, i, i + 1)),
            }
        }
        self.tiers.insert(provider, tiers);
    }

    fn apply_selected(&mut self, at: Timestamp, e: &Selected) {
        self.selector.set_cursor(e.provider, &e.model, e.account);
        if let Some(s) = &e.session {
            self.selector.sessions.insert(s.clone(), e.account);
        }
        if e.strategy == crate::select::Strategy::Weighted && !e.probe {
            // The candidates were the tier's accounts allowing the model, less those skipped.
            let candidates: Vec<(AccountId, u32)> = self
                .provider_accounts(e.provider)
                .filter(|a| a.priority == e.tier && a.allows(&e.model))
                .filter(|a| !e.skipped.iter().any(|s| s.account == a.id))
                .map(|a| (a.id, a.weight))
                .collect();
            self.selector
                .weighted_step(e.provider, &e.model, &candidates, e.account);
        }
        let Some(a) = self.accounts.get_mut(&e.account) else {
            return;
        };
        let h = a.health.entry(e.model.clone()).or_default();
        h.requests += 1;
        if e.probe {
            let probe = Some((e.request, at));
            match a.account_block.as_mut().filter(|b| b.in_force(at)) {
                Some(b) => b.probe = probe,
                None => {
                    if let Some(b) = h.block.as_mut() {
                        b.probe = probe;
                    }
                }
            }
        }
    }
}

fn is_probe(b: &Block, request: Option<crate::ids::RequestId>) -> bool {
    request.is_some() && b.probe.map(|(r, _)| r) == request
}

/// Puts a new block in force without ever shortening one already in force. A failed probe
/// renews the block (it begins again now, so the next probe waits a full `probe.after`).
fn merge_block(
    slot: &mut Option<Block>,
    new: &BlockSet,
    at: Timestamp,
    request: Option<crate::ids::RequestId>,
) {
    match slot {
        Some(old) if old.in_force(at) => {
            if is_probe(old, request) {
                old.since = at;
                old.probe = None;
            }
            if new.until > old.until {
                old.until = new.until;
                old.reason = new.reason;
            }
        }
        _ => {
            *slot = Some(Block {
                reason: new.reason,
                since: at,
                until: new.until,
                probe: None,
            })
        }
    }
}

fn release_probe(a: &mut Account, request: Option<crate::ids::RequestId>) {
    if request.is_none() {
        return;
    }
    if let Some(b) = a.account_block.as_mut() {
        if is_probe(b, request) {
            b.probe = None;
        }
    }
    for h in a.health.values_mut() {
        if let Some(b) = h.block.as_mut() {
            if is_probe(b, request) {
                b.probe = None;
            }
        }
    }
}

//! Projections: the state every decision reads, rebuilt by folding events with the pure
//! [`State::apply`]. Plain data (no locks): the live engine keeps the selector's memory behind
//! its own locks and folds into it with `State::apply_event_with`. No clock, IO or randomness
//! here: time comes from each event's `at`. Blocks are decided at report time (`block::decide`)
//! and arrive on the events; the fold puts them in force and lifts them with `block`'s merge
//! and lift.

mod account;
mod outcome;
pub(crate) mod selected;
mod selector;
mod sessions;

// Fx hashing: these maps are keyed by ids and names rotor itself issues, read on every `select`.
use rustc_hash::FxHashMap as HashMap;

use serde::{Deserialize, Serialize};

// Read-only data for an embedder (what `Engine::state` hands out); the fold's machinery (the
// selector's cells, the session shards) stays in the crate.
pub use crate::block::Block;
pub use account::{Account, AccountStatus, ModelHealth, RefreshState, Unavailable};
pub use selector::{KeySelector, SelectorState};
pub use sessions::{Sessions, SESSION_IDLE};

pub(crate) use selector::SelectorCells;
pub(crate) use sessions::{SessionShard, SHARDS as SESSION_SHARDS};

use crate::event::*;
use crate::ids::{AccountId, Provider};
use crate::time::Timestamp;

/// Every projection rotor keeps.
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct State {
    /// Every account ever added and not removed, by id.
    pub accounts: HashMap<AccountId, Account>,
    /// Per provider, account ids ordered by (priority, order of addition): tiers are runs.
    pub order: HashMap<Provider, Vec<AccountId>>,
    /// Per provider, the priority tiers as `(priority, start, end)` ranges of `order`.
    pub tiers: HashMap<Provider, Vec<(u32, usize, usize)>>,
    /// Each account's index in its provider's `order`.
    pub position: HashMap<AccountId, usize>,
    /// What the strategies and sessions remember between selections.
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

    /// [`State::apply_event`] with the selector's memory kept in `cells` rather than in
    /// `self.selector` (the live engine keeps it behind per-key locks): the same fold code.
    pub(crate) fn apply_event_with(
        &mut self,
        cells: &mut impl SelectorCells,
        at: Timestamp,
        event: &Event,
    ) {
        match event {
            Event::Selected(e) => selected::apply(&mut self.accounts, &self.order, cells, at, e),
            Event::AccountRemoved { account } => {
                self.apply_event(at, event);
                cells.forget_account(*account);
            }
            // A new weight starts the account's smooth weighted round robin afresh: credit
            // earned (or owed) under the old weight would skew the new split.
            Event::AccountUpdated(e) if e.weight.is_some() => {
                self.apply_event(at, event);
                cells.forget_credit(e.account);
            }
            _ => self.apply_event(at, event),
        }
    }

    /// Applies one stored event, as its writer's own (`own`) or as another instance's of a
    /// fleet. The selector's cursors, weights and session map are each instance's own: another
    /// writer's `selected` event counts its lease and marks its probe, and moves nothing else.
    pub fn apply_as(&mut self, rec: &EventRecord, own: bool) {
        if own {
            self.apply_event(rec.at, &rec.event);
        } else {
            let mut selector = std::mem::take(&mut self.selector);
            self.apply_foreign_event_with(&mut selector, rec.at, &rec.event);
            self.selector = selector;
        }
        self.last_seq = rec.seq;
    }

    /// `State::apply_event_with` for an event another instance of a fleet made.
    pub(crate) fn apply_foreign_event_with(
        &mut self,
        cells: &mut impl SelectorCells,
        at: Timestamp,
        event: &Event,
    ) {
        match event {
            Event::Selected(e) => selected::apply_foreign(&mut self.accounts, cells, at, e),
            _ => self.apply_event_with(cells, at, event),
        }
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
                if let Some(on) = e.cooldown {
                    a.cooldown_off = !on;
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
                if e.weight.is_some() {
                    SelectorCells::forget_credit(&mut self.selector, e.account);
                }
            }
            Event::AccountRemoved { account } => {
                if let Some(a) = self.accounts.remove(account) {
                    if let Some(o) = self.order.get_mut(&a.provider) {
                        o.retain(|id| id != account);
                    }
                    self.position.remove(account);
                    self.reorder(a.provider);
                    SelectorCells::forget_account(&mut self.selector, *account);
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
            Event::Selected(e) => {
                selected::apply(&mut self.accounts, &self.order, &mut self.selector, at, e)
            }
            Event::NoAccount(_) | Event::InstanceStarted { .. } => {}
            Event::RequestSucceeded(e) => {
                if let Some(a) = self.accounts.get_mut(&e.account) {
                    outcome::succeeded(a, at, e);
                }
            }
            Event::RequestFailed(e) => {
                if let Some(a) = self.accounts.get_mut(&e.account) {
                    outcome::failed(a, at, e);
                }
            }
            Event::RequestCancelled {
                account, request, ..
            } => {
                if let Some(a) = self.accounts.get_mut(account) {
                    outcome::release_probe(a, *request);
                }
            }
            Event::QuotaObserved(e) => {
                if let Some(a) = self.accounts.get_mut(&e.account) {
                    a.quota.on_observation(at, &e.observation);
                }
            }
            Event::RefreshDue {
                account,
                why,
                generation,
                ..
            } => {
                if let Some(a) = self
                    .accounts
                    .get_mut(account)
                    .filter(|a| generation.is_none_or(|g| g >= a.generation))
                {
                    a.refresh.in_flight = true;
                    a.refresh.blocking |= *why == RefreshWhy::On401;
                }
            }
            Event::RefreshSucceeded(e) => {
                if let Some(a) = self.accounts.get_mut(&e.account) {
                    outcome::refresh_succeeded(a, e);
                }
            }
            Event::RefreshFailed(e) => {
                if let Some(a) = self.accounts.get_mut(&e.account) {
                    outcome::refresh_failed(a, at, e);
                }
            }
            Event::StateCleared {
                account,
                model,
                account_wide,
            } => {
                if let Some(a) = self.accounts.get_mut(account) {
                    outcome::cleared(a, at, model, *account_wide);
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
            account_stretches: Default::default(),
            quota_level: 0,
            health: Default::default(),
            refresh: RefreshState::default(),
            // Window lengths are a fold input: the defaults, so every replay agrees.
            quota: crate::quota::AccountQuota::new(e.provider, &quota_settings(e)),
            cooldown_off: false,
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
}

/// Quota window settings of a new account: the built-in defaults, with the window recorded on
/// its `account_added` event (from configuration at the time) when there is one.
fn quota_settings(e: &AccountAdded) -> crate::quota::QuotaSettings {
    let settings = crate::quota::QuotaSettings::default();
    match e.quota_window_s {
        Some(s) => settings.with_window(e.provider, std::time::Duration::from_secs(s)),
        None => settings,
    }
}

//! Projections: the state every decision reads, rebuilt by folding events with the pure
//! [`State::apply`]. Plain data (no locks): the live engine keeps the selector's memory behind
//! its own locks and folds into it with `State::apply_event_with`. No clock, IO or randomness:
//! time comes from each event's `at`. Here the dispatch; the accounts and their rotation order
//! fold in `roster.rs`, selections in `selected.rs`, outcomes (blocks as decided at report time,
//! put in force and lifted with `block`'s merge and lift) in `outcome.rs`.
mod account;
mod outcome;
mod roster;
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
    /// What the strategies and sessions remember between selections.
    pub selector: SelectorState,
    /// The seq of the last event applied.
    pub last_seq: u64,
    added: u64,
    /// Per provider, the slot its next account takes.
    next_slot: HashMap<Provider, u32>,
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
                let slot = self.accounts.get(account).map(|a| a.slot);
                self.apply_event(at, event);
                if let Some(slot) = slot {
                    cells.forget_account(*account, slot);
                }
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

    /// Leases of `account` for (provider, model) so far, as the selector memory here counts
    /// them (a live engine keeps its own: read them from [`Engine::state`](crate::Engine::state)).
    pub fn leased(&self, provider: Provider, model: &str, account: AccountId) -> u64 {
        let slot = self.accounts.get(&account).map(|a| a.slot);
        let key = self.selector.key(provider, model);
        key.zip(slot).map_or(0, |(k, slot)| k.leased(slot))
    }

    /// Applies one event at time `at`. Events naming unknown accounts change nothing.
    pub fn apply_event(&mut self, at: Timestamp, event: &Event) {
        match event {
            Event::AccountAdded(e) => self.add_account(e),
            Event::AccountUpdated(e) => self.update_account(e),
            Event::AccountRemoved { account } => self.remove_account(account),
            Event::AccountDisabled { account, reason } => self.disable_account(account, reason),
            Event::AccountEnabled { account } => self.enable_account(account),
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
}

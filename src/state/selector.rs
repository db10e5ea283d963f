//! The selector's own projection, plain data: per (provider, model) key the round-robin cursor,
//! the smooth-weighted-round-robin weights and each account's lease count; and the
//! session-affinity map (`sessions.rs`). Folded from `selected` events only (`selected.rs`), so
//! a replay reproduces every decision. The live engine keeps the same values behind per-key
//! locks on its side (`engine/live.rs`); `SelectorCells` lets one fold write to either.

// Fx hashing: these maps are keyed by ids and names rotor itself issues, read on every `select`.
use rustc_hash::FxHashMap as HashMap;

use serde::{Deserialize, Serialize};

use super::sessions::{SessionShard, Sessions};
use crate::ids::{AccountId, Model, Provider};

/// What the strategies remember about one (provider, model).
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct KeySelector {
    /// Last account chosen: round robin continues after it.
    pub cursor: Option<AccountId>,
    /// Smooth weighted round robin: current weight per candidate.
    pub weights: HashMap<AccountId, i64>,
    /// Leases so far per account (`least_used` spreads concurrent picks by it).
    pub leased: LeaseCounts,
}

/// Leases so far per account of one (provider, model), indexed by the account's
/// [`slot`](super::Account::slot). A dense array rather than a map: every selection bumps one
/// count, and round robin bumps them in rotation order, so the next count is usually on the
/// cache line the last one was (a hashed map took a cache miss per `select`).
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LeaseCounts(Vec<u64>);

impl LeaseCounts {
    /// Leases of the account in `slot` (0 when never leased).
    pub fn get(&self, slot: u32) -> u64 {
        self.0.get(slot as usize).copied().unwrap_or(0)
    }

    /// Counts one more lease of the account in `slot`.
    pub fn bump(&mut self, slot: u32) {
        let i = slot as usize;
        if i >= self.0.len() {
            self.0.resize(i + 1, 0);
        }
        self.0[i] += 1;
    }

    /// Forgets the account in `slot` (removed; its slot is never reused).
    pub fn clear(&mut self, slot: u32) {
        if let Some(n) = self.0.get_mut(slot as usize) {
            *n = 0;
        }
    }

    /// Leases of every account.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
}

impl KeySelector {
    /// The account's current smooth-weighted-round-robin weight (0 when never seen).
    pub fn weight(&self, account: AccountId) -> i64 {
        self.weights.get(&account).copied().unwrap_or(0)
    }

    /// How many times the account in `slot` was leased for this key.
    pub fn leased(&self, slot: u32) -> u64 {
        self.leased.get(slot)
    }

    /// Moves the cursor to `chosen`; with `weighted` candidates, also takes one smooth
    /// weighted round-robin step: every candidate gains its weight, the chosen one pays the
    /// total. Deterministic; over a full cycle each gets picks in proportion to weight.
    pub fn advance(&mut self, chosen: AccountId, weighted: Option<&[(AccountId, u32)]>) {
        self.cursor = Some(chosen);
        if let Some(candidates) = weighted {
            let total: i64 = candidates.iter().map(|(_, wt)| *wt as i64).sum();
            for (id, wt) in candidates {
                *self.weights.entry(*id).or_insert(0) += *wt as i64;
            }
            *self.weights.entry(chosen).or_insert(0) -= total;
        }
    }

    /// Drops what the key remembers about a removed account (in `slot`).
    pub fn forget(&mut self, account: AccountId, slot: u32) {
        self.weights.remove(&account);
        self.leased.clear(slot);
    }

    /// Drops `account`'s weighted-round-robin credit: a new weight starts afresh.
    pub fn forget_credit(&mut self, account: AccountId) {
        self.weights.remove(&account);
    }
}

/// Where the selector's memory is written by the fold of a `selected` or `account_removed`
/// event: in [`State`](super::State) itself, or on the live engine's side behind its locks
/// (written through `&mut`, so without locking). Both go through the same fold code.
pub trait SelectorCells {
    /// The key's memory (created on first use) and, for a session, its shard.
    fn cells_mut(
        &mut self,
        provider: Provider,
        model: &Model,
        session: Option<&str>,
    ) -> (&mut KeySelector, Option<&mut SessionShard>);

    /// Forgets a removed account (in `slot`) everywhere.
    fn forget_account(&mut self, account: AccountId, slot: u32);

    /// Forgets an account's weighted-round-robin credit on every key (its weight changed).
    fn forget_credit(&mut self, account: AccountId);
}

/// What selection remembers between requests: per (provider, model) and per session.
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct SelectorState {
    /// Per provider and model, what the strategies remember.
    pub keys: HashMap<Provider, HashMap<Model, KeySelector>>,
    /// Session key → the account that served it last.
    pub sessions: Sessions,
}

impl SelectorState {
    /// The memory of one (provider, model), if it was ever selected for.
    pub fn key(&self, provider: Provider, model: &str) -> Option<&KeySelector> {
        self.keys.get(&provider)?.get(model)
    }

    /// The account last chosen for (provider, model), where round-robin goes on from.
    pub fn cursor(&self, provider: Provider, model: &str) -> Option<AccountId> {
        self.key(provider, model)?.cursor
    }

    /// The account's current weighted-round-robin weight for (provider, model).
    pub fn current_weight(&self, provider: Provider, model: &str, account: AccountId) -> i64 {
        self.key(provider, model).map_or(0, |k| k.weight(account))
    }
}

impl SelectorCells for SelectorState {
    fn cells_mut(
        &mut self,
        provider: Provider,
        model: &Model,
        session: Option<&str>,
    ) -> (&mut KeySelector, Option<&mut SessionShard>) {
        let key = self
            .keys
            .entry(provider)
            .or_default()
            .entry(model.clone())
            .or_default();
        (key, session.map(|s| self.sessions.shard_mut(s)))
    }

    fn forget_account(&mut self, account: AccountId, slot: u32) {
        self.sessions.forget(account);
        for key in self.keys.values_mut().flat_map(|m| m.values_mut()) {
            key.forget(account, slot);
        }
    }

    fn forget_credit(&mut self, account: AccountId) {
        for key in self.keys.values_mut().flat_map(|m| m.values_mut()) {
            key.forget_credit(account);
        }
    }
}

//! The selector's own projection: per (provider, model) key the round-robin cursor and the
//! smooth-weighted-round-robin weights, each key behind its own small lock so selections of
//! different models commit side by side; and the session-affinity map (`sessions.rs`). Folded from `selected`
//! events only, so a replay reproduces every decision.

// Fx hashing: these maps are keyed by ids and names rotor itself issues, read on every `select`.
use rustc_hash::FxHashMap as HashMap;

use serde::{Deserialize, Serialize};

use super::cell::Locked;
use crate::ids::{AccountId, Model, Provider};

/// What the strategies remember about one (provider, model).
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct KeySelector {
    /// Last account chosen: round robin continues after it.
    pub cursor: Option<AccountId>,
    /// Smooth weighted round robin: current weight per candidate.
    pub weights: HashMap<AccountId, i64>,
}

impl KeySelector {
    pub fn weight(&self, account: AccountId) -> i64 {
        self.weights.get(&account).copied().unwrap_or(0)
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
}

#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct SelectorState {
    /// Per provider and model, what the strategies remember.
    pub keys: HashMap<Provider, HashMap<Model, Locked<KeySelector>>>,
    /// Session key → the account that served it last.
    pub sessions: super::sessions::Sessions,
}

impl SelectorState {
    /// The key's cell, with the interned model name.
    pub fn key(&self, provider: Provider, model: &str) -> Option<(&Model, &Locked<KeySelector>)> {
        self.keys.get(&provider)?.get_key_value(model)
    }

    /// The key's cell, created on first use.
    pub fn key_mut(&mut self, provider: Provider, model: &Model) -> &mut KeySelector {
        // A refcount bump on the interned name; only the fold and the slow path come here.
        self.keys
            .entry(provider)
            .or_default()
            .entry(model.clone())
            .or_default()
            .get_mut()
    }

    pub fn cursor(&self, provider: Provider, model: &str) -> Option<AccountId> {
        self.key(provider, model)?.1.lock().cursor
    }

    pub fn current_weight(&self, provider: Provider, model: &str, account: AccountId) -> i64 {
        self.key(provider, model)
            .map_or(0, |(_, k)| k.lock().weight(account))
    }

    pub fn forget_account(&mut self, account: AccountId) {
        self.sessions.forget(account);
        self.forget_weights(account);
    }

    /// Drops `account`'s weighted-round-robin credit on every key.
    pub fn forget_weights(&mut self, account: AccountId) {
        for models in self.keys.values_mut() {
            for key in models.values_mut() {
                key.get_mut().weights.remove(&account);
            }
        }
    }
}

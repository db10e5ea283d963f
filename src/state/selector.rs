//! The selector's own projection: round-robin cursors and smooth-weighted-round-robin weights
//! per (provider, model), and the session-affinity map. Folded from `selected` events only, so
//! a replay reproduces every decision.

// Fx hashing: these maps are keyed by ids and names rotor itself issues, read on every `select`.
use rustc_hash::FxHashMap as HashMap;

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, Model, Provider};

#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct SelectorState {
    /// Last account chosen per (provider, model): round robin continues after it.
    pub cursors: HashMap<Provider, HashMap<Model, AccountId>>,
    /// Smooth weighted round robin: current weight per candidate.
    pub weights: HashMap<Provider, HashMap<Model, HashMap<AccountId, i64>>>,
    /// Session key → the account that served it last.
    /// Keys are chosen by callers (often from end-user conversations), so this map keeps
    /// std's SipHash, which resists hash flooding.
    pub sessions: std::collections::HashMap<String, AccountId>,
}

impl SelectorState {
    pub fn cursor(&self, provider: Provider, model: &str) -> Option<AccountId> {
        self.cursors.get(&provider)?.get(model).copied()
    }

    pub fn current_weight(&self, provider: Provider, model: &str, account: AccountId) -> i64 {
        self.weights
            .get(&provider)
            .and_then(|m| m.get(model))
            .and_then(|w| w.get(&account))
            .copied()
            .unwrap_or(0)
    }

    pub fn set_cursor(&mut self, provider: Provider, model: &Model, account: AccountId) {
        let models = self.cursors.entry(provider).or_default();
        match models.get_mut(&**model) {
            Some(slot) => *slot = account,
            None => {
                models.insert(model.clone(), account);
            }
        }
    }

    /// One smooth-weighted-round-robin step: every candidate gains its weight, the chosen one
    /// pays the total. Deterministic; over a full cycle each gets picks in proportion to weight.
    pub fn weighted_step(
        &mut self,
        provider: Provider,
        model: &Model,
        candidates: &[(AccountId, u32)],
        chosen: AccountId,
    ) {
        let w = self
            .weights
            .entry(provider)
            .or_default()
            .entry(model.clone())
            .or_default();
        let total: i64 = candidates.iter().map(|(_, wt)| *wt as i64).sum();
        for (id, wt) in candidates {
            *w.entry(*id).or_insert(0) += *wt as i64;
        }
        *w.entry(chosen).or_insert(0) -= total;
    }

    pub fn forget_account(&mut self, account: AccountId) {
        self.sessions.retain(|_, a| *a != account);
        for models in self.weights.values_mut() {
            for w in models.values_mut() {
                w.remove(&account);
            }
        }
    }
}

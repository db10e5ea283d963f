//! The roster: the fold of an account's own lifecycle (added, updated, removed, disabled,
//! enabled) and the rotation order it defines per provider: accounts by (priority, order of
//! addition), the priority tiers as runs of that order, each account's position. What happens
//! to an account's requests and refreshes is `outcome.rs`'s; selections are `selected.rs`'s.

use super::{Account, AccountStatus, RefreshState, SelectorCells, State};
use crate::event::{AccountAdded, AccountUpdated, DisableReason};
use crate::ids::{AccountId, Provider};

impl State {
    /// `account_added`: a new account at the end of its priority tier.
    pub(super) fn add_account(&mut self, e: &AccountAdded) {
        self.added += 1;
        let next = self.next_slot.entry(e.provider).or_insert(0);
        let slot = *next;
        *next += 1;
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
            slot,
            position: 0,
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

    /// `account_updated`: each setting it carries replaces the account's.
    pub(super) fn update_account(&mut self, e: &AccountUpdated) {
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

    /// `account_removed`: gone from its provider's order, tiers and the selector's memory.
    pub(super) fn remove_account(&mut self, account: &AccountId) {
        if let Some(a) = self.accounts.remove(account) {
            if let Some(o) = self.order.get_mut(&a.provider) {
                o.retain(|id| id != account);
            }
            self.reorder(a.provider);
            SelectorCells::forget_account(&mut self.selector, *account, a.slot);
        }
    }

    /// `account_disabled`: skipped by every selection until enabled again.
    pub(super) fn disable_account(&mut self, account: &AccountId, reason: &DisableReason) {
        if let Some(a) = self.accounts.get_mut(account) {
            a.status = AccountStatus::Disabled(*reason);
        }
    }

    /// `account_enabled`: active again, its refresh history forgotten.
    pub(super) fn enable_account(&mut self, account: &AccountId) {
        if let Some(a) = self.accounts.get_mut(account) {
            a.status = AccountStatus::Active;
            a.refresh = RefreshState::default();
        }
    }

    /// Sorts `provider`'s accounts by (priority, order of addition) and recomputes its tiers and
    /// every account's position.
    fn reorder(&mut self, provider: Provider) {
        let accounts = &mut self.accounts;
        let Some(o) = self.order.get_mut(&provider) else {
            return;
        };
        o.sort_by_key(|id| accounts.get(id).map(|a| (a.priority, a.added_seq)));
        let mut tiers: Vec<(u32, usize, usize)> = Vec::new();
        for (i, id) in o.iter().enumerate() {
            let p = accounts.get_mut(id).map_or(u32::MAX, |a| {
                a.position = i;
                a.priority
            });
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

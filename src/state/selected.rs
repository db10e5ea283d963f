//! The fold of `selected` events: the (provider, model) key's cursor and weights, the lease
//! count, session affinity and half-open probes. `commit_selected` is the part `select` also
//! commits on its own under the shared lock (`engine/hot.rs`); the fold calls it too, so the
//! live projections and a replay can never disagree. Other events fold in `mod.rs`.

use super::{Account, KeySelector, ModelHealth, State};
use crate::event::Selected;
use crate::ids::AccountId;
use crate::time::Timestamp;

impl State {
    pub(super) fn apply_selected(&mut self, at: Timestamp, e: &Selected) {
        // A session that stays on its account is affinity, not a strategy decision: it leaves
        // the round-robin cursor and the weights alone, so sessions do not skew the split of
        // the other traffic. (The decision kept it exactly when the session's previous account
        // is the chosen one: a strategy can never pick it otherwise, as it was unavailable.)
        let sticky = !e.probe
            && e.session
                .as_ref()
                .is_some_and(|s| self.selector.sessions.get(s, at) == Some(e.account));
        // The structure first (the key's cell, the (account, model) health), then the shared
        // step that `select` also commits on its own from `&self`.
        self.selector.key_mut(e.provider, &e.model);
        if let Some(a) = self.accounts.get_mut(&e.account) {
            a.health.entry(e.model.clone()).or_default();
        }
        if let Some((_, key)) = self.selector.key(e.provider, &e.model) {
            let health = self.health(e);
            self.commit_selected(&mut key.lock(), health, e, sticky);
        }
        if let Some(s) = &e.session {
            self.selector.sessions.remember(s, e.account, at);
        }
        if e.probe {
            if let Some(a) = self.accounts.get_mut(&e.account) {
                mark_probe(a, at, e);
            }
        }
    }

    /// What every selection changes once its key's cell and (account, model) `health` exist:
    /// the cursor and weights advance (unless a session kept its account) and the lease count
    /// grows. Needs only `&self` and the key's lock, so `select` commits it while other
    /// threads read; the fold comes here too, so both always agree.
    pub(crate) fn commit_selected(
        &self,
        key: &mut KeySelector,
        health: Option<&ModelHealth>,
        e: &Selected,
        sticky: bool,
    ) {
        if !sticky {
            if e.strategy == crate::vocab::Strategy::Weighted && !e.probe {
                // The candidates were the tier's accounts allowing the model, less those skipped.
                let candidates: Vec<(AccountId, u32)> = self
                    .provider_accounts(e.provider)
                    .filter(|a| a.priority == e.tier && a.allows(&e.model))
                    .filter(|a| !e.skipped.iter().any(|s| s.account == a.id))
                    .map(|a| (a.id, a.weight))
                    .collect();
                key.advance(e.account, Some(&candidates));
            } else {
                key.advance(e.account, None);
            }
        }
        if let Some(h) = health {
            h.requests.bump();
        }
    }

    /// The (account, model) health a selection leases.
    pub(crate) fn health(&self, e: &Selected) -> Option<&ModelHealth> {
        self.accounts.get(&e.account)?.health.get(&*e.model)
    }
}

/// The probe belongs to the block `Account::unavailable` reported (the longer one when both
/// are in force), so that block shows it and takes no second probe.
fn mark_probe(a: &mut Account, at: Timestamp, e: &Selected) {
    let probe = Some((e.request, at));
    let acct_until = a
        .account_block
        .as_ref()
        .filter(|b| b.in_force(at))
        .map(|b| b.until);
    let Some(h) = a.health.get_mut(&*e.model) else {
        return;
    };
    let model_until = h.block.as_ref().filter(|b| b.in_force(at)).map(|b| b.until);
    let on_model = match (acct_until, model_until) {
        (Some(au), Some(mu)) => mu > au,
        (None, Some(_)) => true,
        _ => false,
    };
    let slot = if on_model {
        h.block.as_mut()
    } else {
        a.account_block.as_mut()
    };
    if let Some(b) = slot {
        b.probe = probe;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{AccountAdded, CredentialKind, Event};
    use crate::ids::{Model, Provider, RequestId};
    use crate::select::{decide, Policy, SelectOpts, Strategy};

    fn with_accounts(weights: &[u32]) -> State {
        let mut s = State::default();
        for (i, w) in weights.iter().enumerate() {
            let added = Event::AccountAdded(AccountAdded {
                account: AccountId(uuid::Uuid::from_u128(i as u128 + 1)),
                provider: Provider::Openai,
                label: format!("a{i}"),
                priority: 0,
                weight: *w,
                models: None,
                credential: CredentialKind::ApiKey,
                fingerprint: "000000000000".into(),
                expires_at: None,
                identity: Default::default(),
                quota_window_s: None,
            });
            s.apply_event(Timestamp::default(), &added);
        }
        s
    }

    /// What `select` does under the shared lock, on a state whose structure exists.
    fn commit_shared(s: &State, e: &Selected) {
        let (_, key) = s.selector.key(e.provider, &e.model).expect("key exists");
        s.commit_selected(&mut key.lock(), s.health(e), e, false);
    }

    #[test]
    fn a_selection_committed_from_a_shared_reference_equals_the_fold() {
        for strategy in [
            Strategy::RoundRobin,
            Strategy::Weighted,
            Strategy::LeastUsed,
        ] {
            // Given three accounts, every (account, model) already leased once by the fold
            let mut folded = with_accounts(&[1, 2, 3]);
            let model: Model = "gpt-4o".into();
            let policy = Policy {
                strategy,
                probe_after: std::time::Duration::from_secs(30),
                cooldown_disabled: false,
            };
            let opts = SelectOpts::default();
            let at = Timestamp::default();
            let selected = |s: &State| {
                let c = decide(s, Provider::Openai, &model, &opts, at, policy)
                    .expect("an account is free");
                Selected {
                    request: RequestId::new_v7(),
                    provider: Provider::Openai,
                    model: model.clone(),
                    asked_model: None,
                    account: c.account,
                    generation: Some(1),
                    strategy,
                    tier: c.tier,
                    probe: false,
                    session: None,
                    excluded: vec![],
                    skipped: c.skipped,
                    cooldown_disabled: false,
                    cooldown_ignored: None,
                }
            };
            for _ in 0..3 {
                let e = selected(&folded);
                folded.apply_event(at, &Event::Selected(e));
            }
            let shared = folded.clone();
            // When six more selections are folded on one copy and committed from `&State` on
            // the other
            let mut picks = Vec::new();
            for _ in 0..6 {
                let e = selected(&folded);
                commit_shared(&shared, &e);
                picks.push(e.account);
                folded.apply_event(at, &Event::Selected(e));
            }
            // Then both hold the same cursor, weights and lease counts, and the strategy spread
            // the picks over more than one account
            assert!(shared == folded, "{strategy:?}");
            picks.sort();
            picks.dedup();
            assert!(picks.len() > 1, "{strategy:?}: {picks:?}");
        }
    }
}

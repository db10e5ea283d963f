//! The fold of `selected` events, in one place: [`commit`] is what every selection changes in
//! the selector's memory (the key's cursor and weights, its lease count, the session's account),
//! the one function both the fold and the live engine's shared-lock path (`engine/select.rs`)
//! call; [`apply`] adds what only an exclusive holder may change (a key or an (account, model)
//! seen for the first time, a half-open probe's mark). Other events fold in `mod.rs`.

use super::selector::{KeySelector, SelectorCells};
use super::sessions::SessionShard;
use super::Account;
use crate::event::Selected;
use crate::ids::{AccountId, Provider};
use crate::time::Timestamp;

// Fx hashing, as in `State`.
use rustc_hash::FxHashMap as HashMap;

/// Folds one `selected` event into the accounts and the selector memory `cells`.
pub(crate) fn apply(
    accounts: &mut HashMap<AccountId, Account>,
    order: &HashMap<Provider, Vec<AccountId>>,
    cells: &mut impl SelectorCells,
    at: Timestamp,
    e: &Selected,
) {
    let weighted = weighted_candidates(accounts, order, e);
    let slot = accounts.get_mut(&e.account).map(|a| {
        a.health.entry(e.model.clone()).or_default();
        a.slot
    });
    let (key, shard) = cells.cells_mut(e.provider, &e.model, e.session.as_deref());
    commit(key, shard, at, e, slot, weighted.as_deref());
    if e.probe {
        if let Some(a) = accounts.get_mut(&e.account) {
            mark_probe(a, at, e);
        }
    }
}

/// Folds another fleet instance's `selected` event: the (account, model) health exists and the
/// lease is counted, and a probe marks its block (the fleet sends one probe into a block, not
/// one per instance); this instance's cursor, weights and sessions stay as they were.
pub(crate) fn apply_foreign(
    accounts: &mut HashMap<AccountId, Account>,
    cells: &mut impl SelectorCells,
    at: Timestamp,
    e: &Selected,
) {
    let Some(a) = accounts.get_mut(&e.account) else {
        return;
    };
    a.health.entry(e.model.clone()).or_default();
    if e.probe {
        mark_probe(a, at, e);
    }
    let (key, _) = cells.cells_mut(e.provider, &e.model, None);
    key.leased.bump(a.slot);
}

/// What every selection changes once its key exists: the cursor and weights advance (unless a
/// session stayed on its account), the account's lease count grows, and the session (if any)
/// moves to the account. `shard` is the session's shard; `slot` the account's
/// ([`Account::slot`]; `None` for an account the projections do not hold, whose lease is not
/// counted); `weighted` the candidates of a weighted choice ([`weighted_candidates`]).
pub fn commit(
    key: &mut KeySelector,
    shard: Option<&mut SessionShard>,
    at: Timestamp,
    e: &Selected,
    slot: Option<u32>,
    weighted: Option<&[(AccountId, u32)]>,
) {
    let session = e.session.as_deref().zip(shard);
    // A session that stays on its account is affinity, not a strategy decision: it leaves the
    // round-robin cursor and the weights alone, so sessions do not skew the split of the other
    // traffic. (The decision kept it exactly when the session's previous account is the chosen
    // one: a strategy can never pick it otherwise, as it was unavailable.)
    let sticky = !e.probe
        && session
            .as_ref()
            .is_some_and(|(s, shard)| shard.get(s, at) == Some(e.account));
    if !sticky {
        key.advance(e.account, weighted);
    }
    if let Some(slot) = slot {
        key.leased.bump(slot);
    }
    // Every request of a session keeps it alive.
    if let Some((s, shard)) = session {
        shard.remember(s, e.account, at);
    }
}

/// The candidates a weighted (non-probe) choice was made among: the tier's accounts allowing
/// the model, less those skipped. `None` for any other selection.
pub fn weighted_candidates(
    accounts: &HashMap<AccountId, Account>,
    order: &HashMap<Provider, Vec<AccountId>>,
    e: &Selected,
) -> Option<Vec<(AccountId, u32)>> {
    if e.strategy != crate::vocab::Strategy::Weighted || e.probe {
        return None;
    }
    let candidates = order
        .get(&e.provider)
        .into_iter()
        .flatten()
        .filter_map(|id| accounts.get(id))
        .filter(|a| a.priority == e.tier && a.allows(&e.model))
        .filter(|a| !e.skipped.iter().any(|s| s.account == a.id))
        .map(|a| (a.id, a.weight))
        .collect();
    Some(candidates)
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
    use crate::ids::{Model, RequestId};
    use crate::select::{decide, Policy, SelectOpts, Strategy};
    use crate::state::{SelectorState, State};

    fn id(n: u128) -> AccountId {
        AccountId(uuid::Uuid::from_u128(n))
    }

    /// `account_added` for account `id(n)` of OpenAI.
    fn added(n: u128, weight: u32) -> Event {
        Event::AccountAdded(AccountAdded {
            account: id(n),
            provider: Provider::Openai,
            label: format!("a{n}"),
            priority: 0,
            weight,
            models: None,
            credential: CredentialKind::ApiKey,
            fingerprint: "000000000000".into(),
            expires_at: None,
            identity: Default::default(),
            quota_window_s: None,
        })
    }

    /// A plain (no session, nothing skipped) selection of `account` for `gpt-4o`.
    fn selected(account: AccountId, strategy: Strategy) -> Selected {
        Selected {
            request: RequestId::new_v7(),
            provider: Provider::Openai,
            model: "gpt-4o".into(),
            asked_model: None,
            account,
            generation: Some(1),
            strategy,
            tier: 0,
            probe: false,
            session: None,
            excluded: vec![],
            skipped: vec![],
            cooldown_disabled: false,
            cooldown_ignored: None,
        }
    }

    fn with_accounts(weights: &[u32]) -> State {
        let mut s = State::default();
        for (i, w) in weights.iter().enumerate() {
            s.apply_event(Timestamp::default(), &added(i as u128 + 1, *w));
        }
        s
    }

    #[test]
    fn a_selection_folded_with_the_selector_kept_elsewhere_equals_the_fold() {
        for strategy in [
            Strategy::RoundRobin,
            Strategy::Weighted,
            Strategy::LeastUsed,
        ] {
            // Given three accounts, and a second copy whose selector memory is kept apart (as
            // the live engine keeps it behind its locks)
            let mut folded = with_accounts(&[1, 2, 3]);
            let mut apart = folded.clone();
            let mut cells = SelectorState::default();
            let model: Model = "gpt-4o".into();
            let policy = Policy {
                strategy,
                probe_after: std::time::Duration::from_secs(30),
                cooldown_disabled: false,
            };
            let at = Timestamp::default();
            // When nine selections of one session and of none are decided on the fold and
            // applied to both copies
            let mut picks = Vec::new();
            for i in 0..9 {
                let opts = SelectOpts {
                    session: (i % 3 == 0).then(|| "conv".to_string()),
                    ..Default::default()
                };
                let c = decide(&folded, Provider::Openai, &model, &opts, at, policy)
                    .expect("an account is free");
                let e = Event::Selected(Selected {
                    tier: c.tier,
                    session: opts.session.clone(),
                    skipped: c.skipped,
                    ..selected(c.account, strategy)
                });
                picks.push(c.account);
                folded.apply_event(at, &e);
                apart.apply_event_with(&mut cells, at, &e);
            }
            // Then the memory kept apart is the fold's, and the strategy spread the picks over
            // more than one account, each lease counted
            apart.selector = cells;
            assert!(apart == folded, "{strategy:?}");
            let key = folded.selector.key(Provider::Openai, "gpt-4o").unwrap();
            assert_eq!(key.leased.total(), 9, "{strategy:?}");
            picks.sort();
            picks.dedup();
            assert!(picks.len() > 1, "{strategy:?}: {picks:?}");
        }
    }

    #[test]
    fn lease_counts_follow_the_account_not_its_place_and_go_with_it() {
        // Given two accounts, the first leased twice and the second once
        let mut s = with_accounts(&[1, 1]);
        let (first, second, third) = (id(1), id(2), id(3));
        let at = Timestamp::default();
        for a in [first, first, second] {
            s.apply_event(at, &Event::Selected(selected(a, Strategy::RoundRobin)));
        }
        let leased = |s: &State, a| s.leased(Provider::Openai, "gpt-4o", a);
        assert_eq!(leased(&s, first), 2);
        assert_eq!(leased(&s, second), 1);
        // When the first is removed and a third added
        s.apply_event(at, &Event::AccountRemoved { account: first });
        assert_eq!(leased(&s, first), 0);
        s.apply_event(at, &added(3, 1));
        // Then the second keeps its count and the newcomer starts from none, in a slot of its own
        assert_eq!(leased(&s, second), 1);
        assert_eq!(leased(&s, third), 0);
        assert_eq!(s.accounts[&third].slot, 2);
    }
}

//! The decision itself: candidates, priority tiers, the strategy inside the first tier that has
//! a candidate, session affinity; when none is available, the half-open probe or the refusal
//! (`probe.rs`). Cooldowns switched off (for all, or for one account) let a candidate through
//! its blocks, and the choice names the block it looked past; weight 0 parks an account under
//! `weighted`. Pure: a function of the projections, the options and `now`.
use super::probe::{probe_or_refuse, Passed};
use super::types::{Choice, Policy, Recall, Refusal, SelectOpts};
use super::Strategy;
use crate::event::{CooldownOff, IgnoredBlock, Skip};
use crate::ids::{AccountId, Provider};
use crate::quota::rank::account_quota_key;
use crate::state::{Account, KeySelector, State, Unavailable};
use crate::time::Timestamp;
use crate::vocab::BlockReason;

/// Decides which account of `provider` serves `model` at `now`.
pub fn decide(
    state: &State,
    provider: Provider,
    model: &str,
    opts: &SelectOpts,
    now: Timestamp,
    policy: Policy,
) -> Result<Choice, Refusal> {
    let recall = Recall {
        key: state.selector.key(provider, model),
        session: opts
            .session
            .as_deref()
            .and_then(|s| state.selector.sessions.get(s, now)),
    };
    decide_with(state, recall, provider, model, opts, now, policy)
}

/// [`decide`] with what the selector remembers already in hand: `select` holds the key's (and
/// the session's) lock from the decision until the decision is recorded.
pub fn decide_with(
    state: &State,
    recall: Recall<'_>,
    provider: Provider,
    model: &str,
    opts: &SelectOpts,
    now: Timestamp,
    policy: Policy,
) -> Result<Choice, Refusal> {
    let key = recall.key;
    let order: &[AccountId] = state.order.get(&provider).map_or(&[], |v| v.as_slice());
    // Whose switch turned this account's cooldowns off, if any.
    let cooldown_off = |a: &Account| {
        if policy.cooldown_disabled {
            Some(CooldownOff::Config)
        } else {
            a.cooldown_off.then_some(CooldownOff::Account)
        }
    };
    let check = |a: &Account| -> Option<Unavailable> {
        if opts.exclude.contains(&a.id) {
            return Some(Unavailable {
                reason: BlockReason::Excluded,
                until: None,
                since: None,
                probing: false,
            });
        }
        let cooling = || a.cooling(model, now).filter(|_| cooldown_off(a).is_none());
        a.held(now).or_else(cooling)
    };
    let ignored = |a: &Account| {
        let by = cooldown_off(a)?;
        a.cooling(model, now).map(|u| IgnoredBlock {
            reason: u.reason,
            until: u.until,
            by,
        })
    };
    // A weight-0 account is parked under `weighted`: never a candidate, not even a skip.
    let weighted = policy.strategy == Strategy::Weighted;
    let serves = |a: &Account| a.allows(model) && !(weighted && a.weight == 0);
    let chose = |a: &Account, tier: u32, skipped: Vec<Skip>| Choice {
        account: a.id,
        tier,
        probe: false,
        skipped,
        cooldown_ignored: ignored(a),
    };

    if let Some(id) = recall.session.filter(|_| opts.session.is_some()) {
        if let Some(a) = state.accounts.get(&id) {
            if a.provider == provider && serves(a) && check(a).is_none() {
                return Ok(chose(a, a.priority, Vec::new()));
            }
        }
    }

    let mut skipped: Vec<Passed> = Vec::new();
    let tiers = state.tiers.get(&provider).map_or(&[][..], |v| v.as_slice());
    for &(tier, start, end) in tiers {
        let accounts = &order[start.min(order.len())..end.min(order.len())];
        let mut skip = |a: &Account, u: Unavailable| {
            skipped.push((
                Skip {
                    account: a.id,
                    reason: u.reason,
                    until: u.until,
                },
                u.since,
                u.probing,
                tier,
            ))
        };
        let chosen = match policy.strategy {
            Strategy::RoundRobin => {
                let first = cursor_start(state, key, start, end);
                walk(state, accounts, first, &serves, &check, &mut skip)
            }
            Strategy::FillFirst => walk(state, accounts, 0, &serves, &check, &mut skip),
            Strategy::QuotaAware => {
                // Most remaining quota, then soonest reset; ties (and accounts with no quota
                // facts) go in round-robin order after the cursor.
                let n = accounts.len();
                let first = cursor_start(state, key, start, end);
                let mut best = None;
                for (i, id) in accounts.iter().enumerate() {
                    let Some(a) = state.accounts.get(id) else {
                        continue;
                    };
                    if !serves(a) {
                        continue;
                    }
                    if let Some(u) = check(a) {
                        skip(a, u);
                        continue;
                    }
                    let key = account_quota_key(
                        &a.quota,
                        model,
                        now,
                        (i + n - first % n.max(1)) % n.max(1),
                    );
                    if best.as_ref().is_none_or(|(k, _)| key < *k) {
                        best = Some((key, a));
                    }
                }
                best.map(|(_, a)| a)
            }
            Strategy::Weighted | Strategy::LeastUsed => {
                let mut best: Option<(&Account, i64)> = None;
                for a in accounts.iter().filter_map(|id| state.accounts.get(id)) {
                    if !serves(a) {
                        continue;
                    }
                    if let Some(u) = check(a) {
                        skip(a, u);
                        continue;
                    }
                    let score = if policy.strategy == Strategy::Weighted {
                        key.map_or(0, |k| k.weight(a.id)) + a.weight as i64
                    } else {
                        {
                            // Requests served in the quota window first, then every lease so
                            // far, so concurrent picks spread before any report comes back.
                            let served = a.quota.requests_in_window(now, model).min(1 << 30) as i64;
                            let leased = key.map_or(0, |k| k.leased(a.slot)).min(1 << 30) as i64;
                            -((served << 31) + leased)
                        }
                    };
                    if best.is_none_or(|(_, s)| score > s) {
                        best = Some((a, score));
                    }
                }
                best.map(|(a, _)| a)
            }
        };
        if let Some(a) = chosen {
            return Ok(chose(a, tier, skipped.into_iter().map(|s| s.0).collect()));
        }
    }

    probe_or_refuse(state, model, now, policy, skipped)
}

/// Index in the tier `[start, end)` just after the last account chosen for the key.
fn cursor_start(state: &State, key: Option<&KeySelector>, start: usize, end: usize) -> usize {
    key.and_then(|k| k.cursor)
        .and_then(|c| state.accounts.get(&c))
        .map(|a| a.position)
        .filter(|&p| p >= start && p < end)
        .map_or(0, |p| p - start + 1)
}

/// Walks the tier as a ring from `first`, returning the first available account that
/// `serves` the model and reporting every unavailable one it passes.
fn walk<'s>(
    state: &'s State,
    accounts: &[AccountId],
    first: usize,
    serves: &impl Fn(&Account) -> bool,
    check: &impl Fn(&Account) -> Option<Unavailable>,
    skip: &mut impl FnMut(&Account, Unavailable),
) -> Option<&'s Account> {
    let n = accounts.len();
    for k in 0..n {
        let Some(a) = state.accounts.get(&accounts[(first + k) % n]) else {
            continue;
        };
        if !serves(a) {
            continue;
        }
        match check(a) {
            None => return Some(a),
            Some(u) => skip(a, u),
        }
    }
    None
}

//! When no candidate is available: one half-open probe of a block old enough (the lowest tier
//! first, then the block that ends soonest), unless a probe of it is still out; else the
//! refusal, with the earliest time a skipped account frees up. Walking the tiers is
//! `decide.rs`'s.

use super::types::{Choice, Policy, Refusal};
use crate::event::Skip;
use crate::ids::AccountId;
use crate::state::State;
use crate::time::{add, Timestamp};
use crate::vocab::BlockReason;

/// A candidate the walk passed: the skip it records, when its block began, whether the block
/// has a probe out, and the account's tier.
pub(super) type Passed = (Skip, Option<Timestamp>, bool, u32);

/// A probe of one of the `skipped` accounts, or the refusal.
pub(super) fn probe_or_refuse(
    state: &State,
    model: &str,
    now: Timestamp,
    policy: Policy,
    mut skipped: Vec<Passed>,
) -> Result<Choice, Refusal> {
    // Nothing available: a block that is old enough may take one half-open probe, unless
    // another probe is out. A probe whose outcome never came back (the caller crashed or lost
    // it) stops holding the block after `probe.after`, so a lost report cannot wedge it.
    let probe_out = |id: AccountId| {
        state.accounts.get(&id).is_some_and(|a| {
            let acct = a.account_block.iter();
            let model_block = a.health.get(model).and_then(|h| h.block.as_ref());
            acct.chain(model_block)
                .filter(|b| b.in_force(now))
                .filter_map(|b| b.probe)
                .any(|(_, leased)| add(leased, policy.probe_after) > now)
        })
    };
    let probe = skipped
        .iter()
        .enumerate()
        .filter(|(_, (s, since, probing, _))| {
            !(*probing && probe_out(s.account))
                && s.reason != BlockReason::Excluded
                && s.until.is_some()
                && since.is_some_and(|t| add(t, policy.probe_after) <= now)
        })
        .min_by_key(|(_, (s, _, _, tier))| (*tier, s.until));
    if let Some((i, _)) = probe {
        let (chosen, _, _, tier) = skipped.remove(i);
        return Ok(Choice {
            account: chosen.account,
            tier,
            probe: true,
            skipped: skipped.into_iter().map(|s| s.0).collect(),
            cooldown_ignored: None,
        });
    }
    let earliest_at = skipped
        .iter()
        .filter(|s| s.0.reason != BlockReason::Excluded)
        .filter_map(|s| s.0.until)
        .min();
    Err(Refusal {
        earliest_at,
        skipped: skipped.into_iter().map(|s| s.0).collect(),
    })
}

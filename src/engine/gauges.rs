//! The metrics that describe the projections rather than a call: accounts by status and blocks
//! in force, by provider. Computed on demand ([`Engine::record_gauges`]: the scheduler calls it
//! each tick, `rotor serve` before each scrape), never on the request path.

use rustc_hash::FxHashMap;

use super::Engine;
use crate::event::BlockReason;
use crate::ids::{AccountId, Provider};
use crate::metrics::{ACCOUNTS, BLOCKS};
use crate::time::Timestamp;

impl Engine {
    /// Sets the `rotor_accounts` and `rotor_blocks_in_force` gauges to the projections at `now`.
    /// A series that was set before and has no account left in it is set to 0, not dropped.
    pub fn record_gauges(&self, now: Timestamp) {
        let mut accounts: FxHashMap<(Provider, &'static str), u64> = FxHashMap::default();
        let mut blocks: FxHashMap<(Provider, BlockReason), u64> = FxHashMap::default();
        self.with_state(|s| {
            for a in s.accounts.values() {
                *accounts.entry((a.provider, a.status.as_str())).or_default() += 1;
                let refreshing = a.refresh.in_flight
                    && (a.refresh.blocking || a.expires_at.is_some_and(|t| t <= now));
                if refreshing {
                    *blocks
                        .entry((a.provider, BlockReason::Refreshing))
                        .or_default() += 1;
                }
                let in_force = a
                    .account_block
                    .iter()
                    .chain(a.health.values().filter_map(|h| h.block.as_ref()));
                for b in in_force.filter(|b| b.in_force(now)) {
                    *blocks.entry((a.provider, b.reason)).or_default() += 1;
                }
            }
        });
        let mut seen = self.inner.gauges_seen.lock();
        for (p, status) in seen.accounts.iter() {
            accounts.entry((*p, status)).or_default();
        }
        for (p, reason) in seen.blocks.iter() {
            blocks.entry((*p, *reason)).or_default();
        }
        for (&(p, status), &n) in &accounts {
            metrics::gauge!(ACCOUNTS, "provider" => p.as_str(), "status" => status).set(n as f64);
            seen.accounts.insert((p, status));
        }
        for (&(p, reason), &n) in &blocks {
            metrics::gauge!(BLOCKS, "provider" => p.as_str(), "reason" => reason.as_str())
                .set(n as f64);
            seen.blocks.insert((p, reason));
        }
    }

    /// The provider of an account (`None` once removed).
    pub(crate) fn provider_of(&self, account: AccountId) -> Option<Provider> {
        self.with_state(|s| s.accounts.get(&account).map(|a| a.provider))
    }
}

/// Gauge series set so far, so one that empties is set to 0 rather than left at its old value.
#[derive(Default)]
pub(crate) struct GaugesSeen {
    accounts: rustc_hash::FxHashSet<(Provider, &'static str)>,
    blocks: rustc_hash::FxHashSet<(Provider, BlockReason)>,
}

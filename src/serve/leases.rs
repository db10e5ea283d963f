//! Leases handed out over HTTP and not yet reported, so `POST /v1/report` needs only the request
//! id. An in-memory cache in 16 locked shards; what it no longer holds (evicted, or leased before
//! a restart) is found in the log by the request index (`logread::find_request`), so a lease
//! stays reportable for as long as its `selected` event exists.

use std::time::Duration;

use parking_lot::Mutex;
use rustc_hash::FxHashMap;

use crate::ids::{AccountId, Model, RequestId};
use crate::time::Timestamp;
use crate::Lease;

const SHARDS: usize = 16;
/// Leases kept per shard before the oldest are dropped to the log lookup.
const SHARD_CAP: usize = 16_384;
/// Unreported leases older than this are dropped from memory by [`Leases::sweep`].
pub const KEEP: Duration = Duration::from_secs(3600);

/// What a report needs from its lease.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub account: AccountId,
    pub model: Model,
    /// Credential generation leased (unknown for a lease found in the log).
    pub generation: Option<u64>,
    pub issued_at: Timestamp,
}

impl From<&Lease> for Pending {
    fn from(l: &Lease) -> Self {
        Pending {
            account: l.account,
            model: l.model.clone(),
            generation: Some(l.generation),
            issued_at: l.issued_at,
        }
    }
}

/// A lease in memory: waiting for its report, or being reported right now (a second report
/// arriving meanwhile is refused rather than recorded twice).
#[derive(Clone, Debug)]
enum Slot {
    Pending(Pending),
    Reporting(Timestamp),
}

impl Slot {
    fn issued_at(&self) -> Timestamp {
        match self {
            Slot::Pending(p) => p.issued_at,
            Slot::Reporting(t) => *t,
        }
    }
}

/// What [`Leases::take`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Take {
    Pending(Pending),
    /// Another report of this request is being recorded.
    Reporting,
    /// Not in memory: ask the log.
    Missing,
}

#[derive(Default)]
pub struct Leases {
    shards: [Mutex<FxHashMap<RequestId, Slot>>; SHARDS],
}

impl Leases {
    fn shard(&self, r: RequestId) -> &Mutex<FxHashMap<RequestId, Slot>> {
        // UUIDv7's low bits are random: a fair spread over the shards.
        &self.shards[(r.0.as_u128() as usize) % SHARDS]
    }

    pub fn insert(&self, request: RequestId, pending: Pending) {
        let mut shard = self.shard(request).lock();
        if shard.len() >= SHARD_CAP {
            // A caller that never reports: keep the newest half in memory, the rest stay
            // reportable through the log.
            let mut times: Vec<Timestamp> = shard.values().map(Slot::issued_at).collect();
            let (_, median, _) = times.select_nth_unstable(SHARD_CAP / 2);
            let cut = *median;
            shard.retain(|_, s| s.issued_at() > cut);
        }
        shard.insert(request, Slot::Pending(pending));
    }

    /// Takes the lease for reporting; it stays marked until [`Leases::reported`].
    pub fn take(&self, request: RequestId) -> Take {
        let mut shard = self.shard(request).lock();
        match shard.get_mut(&request) {
            None => Take::Missing,
            Some(Slot::Reporting(_)) => Take::Reporting,
            Some(slot) => {
                let at = slot.issued_at();
                match std::mem::replace(slot, Slot::Reporting(at)) {
                    Slot::Pending(p) => Take::Pending(p),
                    Slot::Reporting(_) => Take::Reporting,
                }
            }
        }
    }

    /// The report of `request` is recorded (or failed): forget it; the log answers from now on.
    pub fn reported(&self, request: RequestId) {
        self.shard(request).lock().remove(&request);
    }

    /// Drops leases issued before `cutoff`; returns how many.
    pub fn sweep(&self, cutoff: Timestamp) -> usize {
        let mut dropped = 0;
        for shard in &self.shards {
            let mut s = shard.lock();
            let before = s.len();
            s.retain(|_, slot| slot.issued_at() >= cutoff);
            dropped += before - s.len();
        }
        dropped
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len()).sum()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_ts;

    fn pending(at: &str) -> Pending {
        Pending {
            account: AccountId::new_random(),
            model: Model::from("m"),
            generation: Some(1),
            issued_at: parse_ts(at).unwrap(),
        }
    }

    #[test]
    fn a_lease_is_taken_once_and_old_ones_are_swept() {
        let leases = Leases::default();
        let (old, new) = (RequestId::new_v7(), RequestId::new_v7());
        leases.insert(old, pending("2026-01-01T00:00:00Z"));
        leases.insert(new, pending("2026-01-01T02:00:00Z"));
        assert_eq!(leases.sweep(parse_ts("2026-01-01T01:00:00Z").unwrap()), 1);
        assert_eq!(leases.take(old), Take::Missing);
        assert!(matches!(leases.take(new), Take::Pending(_)));
        assert_eq!(
            leases.take(new),
            Take::Reporting,
            "a report racing the first is refused"
        );
        leases.reported(new);
        assert_eq!(leases.take(new), Take::Missing, "then the log answers");
        assert!(leases.is_empty());
    }

    #[test]
    fn a_full_shard_keeps_its_newest_half() {
        let leases = Leases::default();
        let t0 = parse_ts("2026-01-01T00:00:00Z").unwrap();
        let mut ids = Vec::new();
        // Fill one shard: ids whose low bits pick shard 0.
        while ids.len() <= SHARD_CAP {
            let r = RequestId::new_v7();
            if (r.0.as_u128() as usize).is_multiple_of(SHARDS) {
                let mut p = pending("2026-01-01T00:00:00Z");
                p.issued_at = t0 + chrono::Duration::milliseconds(ids.len() as i64);
                leases.insert(r, p);
                ids.push(r);
            }
        }
        let kept = leases.len();
        assert!(kept <= SHARD_CAP / 2 + 1, "{kept}");
        assert!(
            matches!(leases.take(*ids.last().unwrap()), Take::Pending(_)),
            "the newest stays"
        );
        assert_eq!(
            leases.take(ids[0]),
            Take::Missing,
            "the oldest went to the log"
        );
    }
}

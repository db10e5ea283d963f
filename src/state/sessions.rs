//! Session affinity: session key → the account that served it last, split over shards so the
//! live engine can give each shard its own lock and commit selections of different sessions
//! side by side (`engine/live.rs`); here the shards are plain data. A session idle for
//! [`SESSION_IDLE`] is forgotten, so the map does not grow with traffic.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ids::AccountId;
use crate::time::{add, Timestamp};

pub const SHARDS: usize = 16;

/// Affinity outlives no provider's prompt cache (Anthropic's longest lasts an hour): after
/// this long without a request, a session is placed afresh. A constant, not configuration,
/// because it is a fold input: every replay must agree on it.
pub const SESSION_IDLE: Duration = Duration::from_secs(3600);

/// Where a session went last, and when.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Affinity {
    pub account: AccountId,
    pub at: Timestamp,
}

/// One shard. Keys are chosen by callers (often from end-user conversations), so the map keeps
/// std's randomly keyed SipHash, which resists hash flooding.
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct SessionShard {
    map: HashMap<String, Affinity>,
    /// Idle sessions are swept when the map grows past this (then set to twice what is left),
    /// so sweeping costs O(1) per insert; lookups ignore idle entries, so when the sweep runs
    /// never changes a decision.
    sweep_at: usize,
}

impl SessionShard {
    /// The account `session` was last served by, unless it has been idle too long at `now`.
    pub fn get(&self, session: &str, now: Timestamp) -> Option<AccountId> {
        self.map
            .get(session)
            .filter(|a| add(a.at, SESSION_IDLE) > now)
            .map(|a| a.account)
    }

    /// Records that `session` was served by `account` at `at`.
    pub fn remember(&mut self, session: &str, account: AccountId, at: Timestamp) {
        let seen = Affinity { account, at };
        match self.map.get_mut(session) {
            Some(slot) => *slot = seen,
            None => {
                self.map.insert(session.to_owned(), seen);
            }
        }
        if self.map.len() > self.sweep_at {
            self.map.retain(|_, a| add(a.at, SESSION_IDLE) > at);
            self.sweep_at = (2 * self.map.len()).max(64);
        }
    }

    /// Forgets every session served by `account`.
    pub fn forget(&mut self, account: AccountId) {
        self.map.retain(|_, a| a.account != account);
    }

    /// Sessions held, idle ones not yet swept included.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct Sessions {
    shards: [SessionShard; SHARDS],
}

impl Sessions {
    /// The index of the shard that holds `session`. Chosen by SipHash with fixed keys, so a
    /// session lands in the same shard in the live engine and in every fold (crafted keys could
    /// crowd one shard: that costs parallelism, never correctness).
    pub fn shard_index(session: &str) -> usize {
        #[allow(deprecated)] // SipHasher is the fixed-key SipHash this needs; it is not going away.
        let mut h = std::hash::SipHasher::new();
        session.hash(&mut h);
        (h.finish() % SHARDS as u64) as usize
    }

    pub fn shard_mut(&mut self, session: &str) -> &mut SessionShard {
        &mut self.shards[Self::shard_index(session)]
    }

    /// The shards in order, and back: the live engine puts each behind its own lock.
    pub fn into_shards(self) -> [SessionShard; SHARDS] {
        self.shards
    }

    pub fn from_shards(shards: [SessionShard; SHARDS]) -> Self {
        Sessions { shards }
    }

    /// The account `session` was last served by, if it has not been idle too long at `now`.
    pub fn get(&self, session: &str, now: Timestamp) -> Option<AccountId> {
        self.shards[Self::shard_index(session)].get(session, now)
    }

    pub fn remember(&mut self, session: &str, account: AccountId, at: Timestamp) {
        self.shard_mut(session).remember(session, account, at);
    }

    /// Forgets every session served by `account`.
    pub fn forget(&mut self, account: AccountId) {
        for shard in &mut self.shards {
            shard.forget(account);
        }
    }

    /// Sessions held, idle ones not yet swept included.
    pub fn len(&self) -> usize {
        self.shards.iter().map(SessionShard::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_ts;

    fn t(s: &str) -> Timestamp {
        parse_ts(&format!("2026-01-01T{s}Z")).unwrap()
    }

    #[test]
    fn sessions_spread_over_shards_and_round_trip_into_the_same_shards() {
        let mut s = Sessions::default();
        let (a, b) = (
            AccountId(uuid::Uuid::from_u128(1)),
            AccountId(uuid::Uuid::from_u128(2)),
        );
        for i in 0..100 {
            s.remember(
                &format!("conv-{i}"),
                if i % 2 == 0 { a } else { b },
                t("00:00:00"),
            );
        }
        let used = s.shards.iter().filter(|x| !x.is_empty()).count();
        assert!(used > SHARDS / 2, "{used} shards used");
        let back: Sessions = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        s.forget(a);
        let now = t("00:30:00");
        assert_eq!(
            (s.len(), s.get("conv-1", now), s.get("conv-0", now)),
            (50, Some(b), None)
        );
    }

    #[test]
    fn an_idle_session_is_forgotten_and_swept_as_new_ones_arrive() {
        // Given a session served at 00:00
        let mut s = Sessions::default();
        let a = AccountId(uuid::Uuid::from_u128(1));
        s.remember("old", a, t("00:00:00"));
        // Then it keeps its account for an hour of idleness, and not one instant more
        assert_eq!(s.get("old", t("00:59:59")), Some(a));
        assert_eq!(s.get("old", t("01:00:00")), None);
        // When thousands of other sessions arrive two hours later
        for i in 0..5_000 {
            s.remember(&format!("new-{i}"), a, t("02:00:00"));
        }
        // Then the idle one is gone from memory, not just ignored
        assert_eq!(s.len(), 5_000);
    }
}

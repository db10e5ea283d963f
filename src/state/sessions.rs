//! Session affinity: session key → the account that served it last, split over shards that
//! each have their own lock, so selections of different sessions commit side by side (see
//! `engine/hot.rs`). The fold writes through `&mut` without locking. Serialized as one map.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::cell::Locked;
use crate::ids::AccountId;

const SHARDS: usize = 16;

/// One shard: keys are chosen by callers (often from end-user conversations), so the map keeps
/// std's randomly keyed SipHash, which resists hash flooding.
pub type SessionShard = HashMap<String, AccountId>;

#[derive(Clone, PartialEq, Debug, Default)]
pub struct Sessions {
    shards: [Locked<SessionShard>; SHARDS],
}

impl Sessions {
    /// The shard that holds `session`. Chosen by SipHash with fixed keys, so a session lands in
    /// the same shard in the live projections and in every fold (crafted keys could crowd one
    /// shard: that costs parallelism, never correctness).
    pub fn shard(&self, session: &str) -> &Locked<SessionShard> {
        &self.shards[Self::index(session)]
    }

    fn index(session: &str) -> usize {
        #[allow(deprecated)] // SipHasher is the fixed-key SipHash this needs; it is not going away.
        let mut h = std::hash::SipHasher::new();
        session.hash(&mut h);
        (h.finish() % SHARDS as u64) as usize
    }

    /// The account `session` was last served by.
    pub fn get(&self, session: &str) -> Option<AccountId> {
        self.shard(session).lock().get(session).copied()
    }

    pub fn insert(&mut self, session: String, account: AccountId) {
        self.shards[Self::index(&session)]
            .get_mut()
            .insert(session, account);
    }

    /// Forgets every session served by `account`.
    pub fn forget(&mut self, account: AccountId) {
        for shard in &mut self.shards {
            shard.get_mut().retain(|_, a| *a != account);
        }
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Serialize for Sessions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let guards: Vec<_> = self.shards.iter().map(|x| x.lock()).collect();
        s.collect_map(guards.iter().flat_map(|g| g.iter()))
    }
}

impl<'de> Deserialize<'de> for Sessions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let all = SessionShard::deserialize(d)?;
        let mut sessions = Sessions::default();
        for (session, account) in all {
            sessions.insert(session, account);
        }
        Ok(sessions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_spread_over_shards_and_round_trip_as_one_map() {
        let mut s = Sessions::default();
        let (a, b) = (
            AccountId(uuid::Uuid::from_u128(1)),
            AccountId(uuid::Uuid::from_u128(2)),
        );
        for i in 0..100 {
            s.insert(format!("conv-{i}"), if i % 2 == 0 { a } else { b });
        }
        let used = s.shards.iter().filter(|x| !x.lock().is_empty()).count();
        assert!(used > SHARDS / 2, "{used} shards used");
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json.as_object().map(|m| m.len()), Some(100));
        let back: Sessions = serde_json::from_value(json).unwrap();
        assert_eq!(back, s, "the same session lands in the same shard again");
        s.forget(a);
        assert_eq!(
            (s.len(), s.get("conv-1"), s.get("conv-0")),
            (50, Some(b), None)
        );
    }
}

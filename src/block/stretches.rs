//! The blocks one slot (an account, or one of its models) has been given, kept so that the
//! order in which they and the successes that lift them are applied does not matter: instances
//! of a fleet apply the same events in different orders and must end up agreeing. A block
//! merges by latest `until`; a success lifts the blocks that began before its lease, and one
//! that arrives later having begun before such a lease is lifted as it arrives. The block in
//! force is the head: the one that ends last.

use serde::{Deserialize, Serialize};

use crate::ids::RequestId;
use crate::time::Timestamp;
use crate::vocab::BlockReason;

/// When a block began, or a lift's lease was issued: a time, then the request.
type Mark = (Timestamp, Option<RequestId>);

/// One failure's block: from its failure's time to its end, with the quota backoff level the
/// failure reached.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Stretch {
    pub since: Timestamp,
    pub until: Timestamp,
    pub reason: BlockReason,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub level: u32,
    /// The failed request: between a failure and a success's lease in the same millisecond,
    /// the request ids (UUIDv7, issued in order) say which came first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestId>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Stretch {
    /// Outlasts `other` under every lift `other` survives: began no earlier, ends no earlier
    /// (between equal times, the greater reason and level stand, so the choice is the same in
    /// every order).
    fn covers(&self, other: &Stretch) -> bool {
        self.since >= other.since
            && self.until >= other.until
            && (self.since, self.until) != (other.since, other.until)
            || (self.since, self.until) == (other.since, other.until)
                && (self.reason, self.level, self.request)
                    >= (other.reason, other.level, other.request)
    }

    fn began(&self) -> Mark {
        (self.since, self.request)
    }
}

/// A slot's blocks: none covers another; none ended before another began (it can no longer
/// matter); none began before `lifted_before`.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct Stretches {
    /// By `since`, ascending; so by `until`, descending: the first is the head.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    items: Vec<Stretch>,
    /// A success leased at this time (or a person's clear just after it) lifted every block
    /// that began before it, including those applied after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lifted_before: Option<Mark>,
    /// A success at this time dropped every block over by then, including those applied
    /// after it: they no longer hold the slot nor its backoff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ended_by: Option<Timestamp>,
}

impl Stretches {
    /// The block that ends last (`None`: nothing holds the slot, in force or not).
    pub fn head(&self) -> Option<&Stretch> {
        self.items.first()
    }

    /// The highest quota backoff level among the blocks not lifted.
    pub fn level(&self) -> u32 {
        self.items.iter().map(|s| s.level).max().unwrap_or(0)
    }

    /// Adds a failure's block. False when it changes nothing: it began by a lift, ended by a
    /// success, or another block covers it or began after it ended.
    pub fn add(&mut self, new: Stretch) -> bool {
        if self.lifted_before.is_some_and(|t| new.began() < t)
            || self.ended_by.is_some_and(|t| new.until <= t)
            || self.items.iter().any(|s| s.covers(&new))
            || self.items.iter().any(|s| s.since >= new.until)
        {
            return false;
        }
        self.items.retain(|s| !new.covers(s) && new.since < s.until);
        let at = self.items.partition_point(|s| s.since <= new.since);
        self.items.insert(at, new);
        true
    }

    /// Lifts every block that began before the lease of `request` at `t` (a success), now and
    /// later. In the lease's very millisecond, a failure of a request issued after it is news
    /// that request could not have known: it stays.
    pub fn lift_before(&mut self, t: Timestamp, request: Option<RequestId>) {
        let mark = (t, request);
        // The items begin in ascending order: those lifted are a prefix.
        let lifted = self.items.partition_point(|s| s.began() < mark);
        self.items.drain(..lifted);
        if self.lifted_before.is_none_or(|l| l < mark) {
            self.lifted_before = Some(mark);
        }
    }

    /// Lifts every block that began by `t` (a person's clear at `t`, a probe's success leased
    /// at `t`), now and later.
    pub fn lift_through(&mut self, t: Timestamp) {
        self.lift_before(
            crate::time::add(t, std::time::Duration::from_millis(1)),
            None,
        );
    }

    /// Drops the blocks that ended by `at` (a success at `at`), now and later.
    pub fn drop_ended(&mut self, at: Timestamp) {
        // The items end in descending order: those over are a suffix.
        let holding = self.items.partition_point(|s| s.until > at);
        self.items.truncate(holding);
        if self.ended_by.is_none_or(|e| e < at) {
            self.ended_by = Some(at);
        }
    }

    /// Lifts the blocks of `reason` (a refresh lifts an authentication block).
    pub fn lift_reason(&mut self, reason: BlockReason) {
        self.items.retain(|s| s.reason != reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_ts;
    use crate::vocab::ErrorKind;

    fn t(s: u32) -> Timestamp {
        parse_ts("2026-01-01T00:00:00Z").unwrap() + chrono::Duration::seconds(s as i64)
    }

    fn st(since: u32, until: u32, reason: BlockReason) -> Stretch {
        Stretch {
            since: t(since),
            until: t(until),
            reason,
            level: 0,
            request: None,
        }
    }

    #[derive(Clone, Copy, Debug)]
    enum Op {
        Add(Stretch),
        Lift(u32),
        Ended(u32),
    }

    fn run(ops: &[Op]) -> Stretches {
        let mut s = Stretches::default();
        for op in ops {
            match *op {
                Op::Add(x) => {
                    s.add(x);
                }
                Op::Lift(at) => s.lift_before(t(at), None),
                Op::Ended(at) => s.drop_ended(t(at)),
            }
        }
        s
    }

    fn permutations(ops: &[Op]) -> Vec<Vec<Op>> {
        if ops.len() <= 1 {
            return vec![ops.to_vec()];
        }
        let mut out = Vec::new();
        for i in 0..ops.len() {
            let mut rest = ops.to_vec();
            let first = rest.remove(i);
            for mut p in permutations(&rest) {
                p.insert(0, first);
                out.push(p);
            }
        }
        out
    }

    const RATE_LIMIT: BlockReason = BlockReason::Error(ErrorKind::RateLimit);
    const OVERLOADED: BlockReason = BlockReason::Error(ErrorKind::Overloaded);
    const TRANSIENT: BlockReason = BlockReason::Error(ErrorKind::Transient);

    #[test]
    fn every_order_of_blocks_and_lifts_gives_the_same_slot() {
        let cases: Vec<Vec<Op>> = vec![
            // A long block, a short later one, a success leased between them.
            vec![
                Op::Add(st(1, 100, RATE_LIMIT)),
                Op::Add(st(4, 10, OVERLOADED)),
                Op::Lift(3),
            ],
            // Two blocks, the later one longer; a lift after both.
            vec![
                Op::Add(st(1, 101, RATE_LIMIT)),
                Op::Add(st(2, 12, RATE_LIMIT)),
                Op::Add(st(5, 300, TRANSIENT)),
                Op::Lift(4),
            ],
            // Equal times, different reasons; an expired block and a later one.
            vec![
                Op::Add(st(1, 10, RATE_LIMIT)),
                Op::Add(st(1, 10, OVERLOADED)),
                Op::Add(st(20, 30, TRANSIENT)),
                Op::Lift(15),
                Op::Lift(2),
            ],
            // Successes that drop what ended, beside lifts.
            vec![
                Op::Add(st(1, 10, RATE_LIMIT)),
                Op::Add(st(3, 50, OVERLOADED)),
                Op::Ended(12),
                Op::Add(st(11, 12, TRANSIENT)),
                Op::Lift(2),
            ],
        ];
        for ops in cases {
            let want = run(&ops);
            for p in permutations(&ops) {
                assert_eq!(run(&p), want, "{ops:?} applied as {p:?}");
            }
        }
    }

    #[test]
    fn the_head_is_the_latest_end_and_a_lift_spares_what_began_after_the_lease() {
        let mut s = Stretches::default();
        assert!(s.add(st(1, 100, RATE_LIMIT)));
        assert!(s.add(st(4, 10, OVERLOADED)));
        // A shorter later block never pulls the end earlier.
        assert_eq!(s.head().map(|h| (h.since, h.until)), Some((t(1), t(100))));
        // A success leased at 3 lifts the first, not the one that began at 4.
        s.lift_before(t(3), None);
        assert_eq!(
            s.head().map(|h| (h.since, h.reason)),
            Some((t(4), OVERLOADED))
        );
        // A block that began before that lease, applied only now, is lifted as it arrives.
        assert!(!s.add(st(2, 500, RATE_LIMIT)));
        assert_eq!(s.head().map(|h| h.until), Some(t(10)));
    }
}

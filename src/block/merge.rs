//! Putting a decided block in force: never shorten one already in force (a failed probe renews
//! it from now), and let a burst of in-flight quota failures escalate the backoff once, not once
//! per request, keeping the `until` its first failure set. Lifting lives in `lift`.

use super::stretches::Stretch;
use super::{Block, Slot};
use crate::ids::RequestId;
use crate::time::Timestamp;
use crate::vocab::{BlockReason, BlockSet, ErrorKind};

/// Where the account stands on quota backoff, for each scope a quota error may hold.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Standing {
    pub account: QuotaStanding,
    pub model: QuotaStanding,
}

/// One scope's quota backoff level, and until when a quota block is in force there now (`None`:
/// no quota block is).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct QuotaStanding {
    pub level: u32,
    pub open_until: Option<Timestamp>,
}

/// The quota backoff level after one more quota error: one up, unless a quota block is already
/// in force at that scope (the requests of one burst were all in flight before it).
pub fn next_quota_level(s: QuotaStanding) -> u32 {
    if s.open_until.is_some() {
        s.level.max(1)
    } else {
        s.level + 1
    }
}

/// The end of the quota block in force in this slot at `at`, if one is.
pub fn open_quota_until(block: &Option<Block>, at: Timestamp) -> Option<Timestamp> {
    block
        .as_ref()
        .filter(|b| b.in_force(at) && b.reason == BlockReason::Error(ErrorKind::QuotaExceeded))
        .map(|b| b.until)
}

/// Records a failure's block in its slot, whatever else the slot holds and in whatever order
/// the failures arrive: the block in force is the one that ends last, so a later, shorter wait
/// never pulls it earlier, and the quota level is the highest one reached. A failed probe renews
/// its block: it begins again now (the next probe waits a full `probe.after`) and lasts at least
/// as long as before.
pub fn put(mut slot: Slot<'_>, new: &BlockSet, at: Timestamp, request: Option<RequestId>) {
    let renewed = match slot.block.as_mut() {
        Some(b) if b.is_probe(request) => {
            b.probe = None;
            Some(b.until)
        }
        _ => None,
    };
    slot.stretches.add(Stretch {
        since: at,
        until: renewed.map_or(new.until, |u| u.max(new.until)),
        reason: new.reason,
        level: new.level,
        request,
    });
    slot.settle();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::OwnedSlot;
    use crate::time::parse_ts;
    use crate::vocab::Scope;

    fn t(s: &str) -> Timestamp {
        parse_ts(&format!("2026-01-01T{s}Z")).unwrap()
    }

    fn set(reason: BlockReason, until: &str) -> BlockSet {
        BlockSet {
            scope: Scope::Model,
            reason,
            until: t(until),
            level: 0,
        }
    }

    #[test]
    fn a_shorter_wait_never_pulls_a_block_in_force_earlier() {
        // Given a block until 00:10
        let mut slot = OwnedSlot::default();
        put(
            slot.slot(),
            &set(BlockReason::Error(ErrorKind::QuotaExceeded), "00:10:00"),
            t("00:00:00"),
            None,
        );
        // When a later failure states a wait until 00:01
        put(
            slot.slot(),
            &set(BlockReason::Error(ErrorKind::RateLimit), "00:01:00"),
            t("00:00:30"),
            None,
        );
        // Then the block still ends at 00:10, for the first reason, begun at 00:00
        let b = slot.block.unwrap();
        assert_eq!(
            (b.until, b.reason, b.since),
            (
                t("00:10:00"),
                BlockReason::Error(ErrorKind::QuotaExceeded),
                t("00:00:00")
            )
        );
    }

    #[test]
    fn a_longer_wait_extends_and_an_expired_block_is_replaced() {
        let mut slot = OwnedSlot::default();
        put(
            slot.slot(),
            &set(BlockReason::Error(ErrorKind::RateLimit), "00:01:00"),
            t("00:00:00"),
            None,
        );
        put(
            slot.slot(),
            &set(BlockReason::Error(ErrorKind::QuotaExceeded), "00:30:00"),
            t("00:00:10"),
            None,
        );
        assert_eq!(slot.block.as_ref().unwrap().until, t("00:30:00"));
        assert_eq!(
            slot.block.as_ref().unwrap().reason,
            BlockReason::Error(ErrorKind::QuotaExceeded)
        );
        // After it expired, a new failure starts a new block that begins now.
        put(
            slot.slot(),
            &set(BlockReason::Error(ErrorKind::Overloaded), "00:31:00"),
            t("00:30:30"),
            None,
        );
        let b = slot.block.unwrap();
        assert_eq!(
            (b.since, b.until, b.reason),
            (
                t("00:30:30"),
                t("00:31:00"),
                BlockReason::Error(ErrorKind::Overloaded)
            )
        );
    }

    #[test]
    fn a_failed_probe_renews_the_block_from_now() {
        let probe = RequestId(uuid::Uuid::from_u128(7));
        let mut slot = OwnedSlot::default();
        put(
            slot.slot(),
            &set(BlockReason::Error(ErrorKind::QuotaExceeded), "02:00:00"),
            t("00:00:00"),
            None,
        );
        slot.block.as_mut().unwrap().probe = Some((probe, t("00:20:00")));
        // When the probe fails
        put(
            slot.slot(),
            &set(BlockReason::Error(ErrorKind::QuotaExceeded), "00:25:00"),
            t("00:20:05"),
            Some(probe),
        );
        // Then the block begins again now (the next probe waits a full probe.after), no probe
        // is in flight, and the longer until stays.
        let b = slot.block.unwrap();
        assert_eq!(
            (b.since, b.probe, b.until),
            (t("00:20:05"), None, t("02:00:00"))
        );
    }
}

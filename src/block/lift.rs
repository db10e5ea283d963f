//! What takes a block away. A success lifts the model's block, but NOT an account-scope block
//! (only a probe's own success lifts the block it probed); a success leased before the model's
//! block began leaves that block too. A refresh lifts an authentication block; a person's clear
//! lifts what it names; a probe that ends without a verdict frees its block for the next one.

use super::{Block, Slot};
use crate::ids::RequestId;
use crate::time::Timestamp;
use crate::vocab::{BlockReason, ErrorKind};

/// A request succeeded at `at` after `latency_ms` (absent: a report with no lease, counted as
/// fresh, leased at `at`). Lifts the model's blocks that began before the lease (one that began
/// later was news the request could not have known: it stays), and the account's only when this
/// request was the probe sent into it; blocks over by `at` no longer hold either backoff. Each
/// rule holds whatever order the success and the failures are applied in (`stretches`).
pub fn on_success(
    mut account: Slot<'_>,
    mut model: Slot<'_>,
    at: Timestamp,
    request: Option<RequestId>,
    latency_ms: Option<u64>,
) {
    let leased = latency_ms
        .and_then(|ms| at.checked_sub_signed(chrono::Duration::milliseconds(ms as i64)))
        .unwrap_or(at);
    // An account-scope block is about the whole account: one model's success says nothing
    // about it, unless this request was the probe sent into it.
    if let Some(b) = account.block.as_mut().filter(|b| b.is_probe(request)) {
        b.probe = None;
        account.stretches.lift_through(leased);
    }
    account.stretches.drop_ended(at);
    account.settle();
    // A probe's success answers for the whole slot as of its lease, the probed block included.
    match model.block.as_mut().filter(|b| b.is_probe(request)) {
        Some(b) => {
            b.probe = None;
            model.stretches.lift_through(leased);
        }
        None => model.stretches.lift_before(leased, request),
    }
    model.stretches.drop_ended(at);
    model.settle();
}

/// A new credential generation: an authentication block is lifted, any other stays.
pub fn on_refresh(mut account: Slot<'_>) {
    account
        .stretches
        .lift_reason(BlockReason::Error(ErrorKind::Authentication));
    account.settle();
}

/// A probe ended without a verdict on its block (cancelled, or failed elsewhere): the block
/// may take the next probe.
pub fn release_probe(block: &mut Option<Block>, request: Option<RequestId>) {
    if let Some(b) = block.as_mut() {
        if b.is_probe(request) {
            b.probe = None;
        }
    }
}

/// A person cleared this slot at `at`: its blocks and its backoff are gone, and a failure from
/// before the clear that arrives later (from another instance of a fleet) is gone as well.
pub fn clear(mut slot: Slot<'_>, at: Timestamp) {
    slot.stretches.lift_through(at);
    if let Some(b) = slot.block.as_mut() {
        b.probe = None;
    }
    slot.settle();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::{merge, OwnedSlot};
    use crate::time::parse_ts;
    use crate::vocab::{BlockSet, Scope};

    fn t(s: &str) -> Timestamp {
        parse_ts(&format!("2026-01-01T{s}Z")).unwrap()
    }

    /// A slot holding a billing block from `since` to `until` at quota level `level`.
    fn blocked(since: &str, until: &str, level: u32) -> OwnedSlot {
        let mut s = OwnedSlot::default();
        let set = BlockSet {
            scope: Scope::Model,
            reason: BlockReason::Error(ErrorKind::Billing),
            until: t(until),
            level,
        };
        merge::put(s.slot(), &set, t(since), None);
        s
    }

    #[test]
    fn a_success_lifts_the_model_block_but_not_the_account_block() {
        let (mut account, mut model) = (
            blocked("00:00:00", "01:00:00", 2),
            blocked("00:00:00", "01:00:00", 3),
        );
        on_success(
            account.slot(),
            model.slot(),
            t("00:10:00"),
            None,
            Some(1_000),
        );
        assert_eq!((model.block, model.quota_level), (None, 0));
        assert_eq!((account.block.is_some(), account.quota_level), (true, 2));
    }

    #[test]
    fn a_probe_success_lifts_the_account_block_it_probed() {
        let probe = RequestId(uuid::Uuid::from_u128(9));
        let mut account = blocked("00:00:00", "01:00:00", 2);
        account.block.as_mut().unwrap().probe = Some((probe, t("00:20:00")));
        let mut model = OwnedSlot::default();
        on_success(
            account.slot(),
            model.slot(),
            t("00:20:01"),
            Some(probe),
            Some(1_000),
        );
        assert_eq!((account.block, account.quota_level), (None, 0));
    }

    #[test]
    fn a_success_leased_before_the_model_block_leaves_it() {
        let (mut account, mut model) = (OwnedSlot::default(), blocked("00:10:00", "01:00:00", 1));
        on_success(
            account.slot(),
            model.slot(),
            t("00:10:05"),
            None,
            Some(60_000),
        );
        assert_eq!((model.block.is_some(), model.quota_level), (true, 1));
    }

    #[test]
    fn a_block_from_before_a_success_lease_is_lifted_even_when_applied_after_it() {
        // Another instance's failure at 00:10 arrives after a success leased at 00:11.
        let (mut account, mut model) = (OwnedSlot::default(), OwnedSlot::default());
        on_success(
            account.slot(),
            model.slot(),
            t("00:11:01"),
            None,
            Some(1_000),
        );
        let set = BlockSet {
            scope: Scope::Model,
            reason: BlockReason::Error(ErrorKind::RateLimit),
            until: t("00:15:00"),
            level: 0,
        };
        merge::put(model.slot(), &set, t("00:10:00"), None);
        assert_eq!(
            model.block, None,
            "as if it had been applied first, then lifted"
        );
    }
}

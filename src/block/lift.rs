//! What takes a block away. A success lifts the model's block, but NOT an account-scope block
//! (only a probe's own success lifts the block it probed); a success leased before the model's
//! block began leaves that block too. A refresh lifts an authentication block; a person's clear
//! lifts what it names; a probe that ends without a verdict frees its block for the next one.

use super::{Block, Slot};
use crate::ids::RequestId;
use crate::time::Timestamp;
use crate::vocab::{BlockReason, ErrorKind};

/// A request succeeded at `at` after `latency_ms` (absent: a report with no lease, counted as
/// fresh). Lifts the model's block and restarts both backoffs where no block holds them.
pub fn on_success(
    account: Slot<'_>,
    model: Slot<'_>,
    at: Timestamp,
    request: Option<RequestId>,
    latency_ms: Option<u64>,
) {
    // An account-scope block is about the whole account: one model's success says nothing
    // about it, unless this request was the probe sent into it.
    if account.block.as_ref().is_some_and(|b| b.is_probe(request)) {
        *account.block = None;
    }
    // The account-wide backoff restarts once no account block is in force: a success inside
    // one (a request leased before it) says nothing about it.
    if account.block.as_ref().is_none_or(|b| !b.in_force(at)) {
        *account.quota_level = 0;
    }
    // A request leased before the model's block began was in flight when the provider said
    // stop: its success says nothing about the block, which stays. Later requests (only
    // probes can be leased into a block) clear it.
    let leased =
        latency_ms.and_then(|ms| at.checked_sub_signed(chrono::Duration::milliseconds(ms as i64)));
    let keep = model.block.as_ref().is_some_and(|b| {
        b.in_force(at) && !b.is_probe(request) && leased.is_some_and(|t| t < b.since)
    });
    if !keep {
        *model.block = None;
        *model.quota_level = 0;
    }
}

/// A new credential generation: an authentication block is lifted, any other stays.
pub fn on_refresh(account_block: &mut Option<Block>) {
    let auth = BlockReason::Error(ErrorKind::Authentication);
    if account_block.as_ref().is_some_and(|b| b.reason == auth) {
        *account_block = None;
    }
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

/// A person cleared this slot: its block and its backoff are gone.
pub fn clear(slot: Slot<'_>) {
    *slot.block = None;
    *slot.quota_level = 0;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_ts;

    fn t(s: &str) -> Timestamp {
        parse_ts(&format!("2026-01-01T{s}Z")).unwrap()
    }

    fn block(since: &str, until: &str) -> Option<Block> {
        Some(Block {
            reason: BlockReason::Error(ErrorKind::Billing),
            since: t(since),
            until: t(until),
            probe: None,
        })
    }

    #[test]
    fn a_success_lifts_the_model_block_but_not_the_account_block() {
        let (mut account, mut model) =
            (block("00:00:00", "01:00:00"), block("00:00:00", "01:00:00"));
        let (mut account_level, mut model_level) = (2, 3);
        on_success(
            Slot {
                block: &mut account,
                quota_level: &mut account_level,
            },
            Slot {
                block: &mut model,
                quota_level: &mut model_level,
            },
            t("00:10:00"),
            None,
            Some(1_000),
        );
        assert_eq!((model, model_level), (None, 0));
        assert_eq!((account.is_some(), account_level), (true, 2));
    }

    #[test]
    fn a_probe_success_lifts_the_account_block_it_probed() {
        let probe = RequestId(uuid::Uuid::from_u128(9));
        let mut account = block("00:00:00", "01:00:00");
        account.as_mut().unwrap().probe = Some((probe, t("00:20:00")));
        let (mut account_level, mut model, mut model_level) = (2, None, 0);
        on_success(
            Slot {
                block: &mut account,
                quota_level: &mut account_level,
            },
            Slot {
                block: &mut model,
                quota_level: &mut model_level,
            },
            t("00:20:01"),
            Some(probe),
            Some(1_000),
        );
        assert_eq!((account, account_level), (None, 0));
    }

    #[test]
    fn a_success_leased_before_the_model_block_leaves_it() {
        let (mut account, mut model) = (None, block("00:10:00", "01:00:00"));
        let (mut account_level, mut model_level) = (0, 1);
        on_success(
            Slot {
                block: &mut account,
                quota_level: &mut account_level,
            },
            Slot {
                block: &mut model,
                quota_level: &mut model_level,
            },
            t("00:10:05"),
            None,
            Some(60_000),
        );
        assert_eq!((model.is_some(), model_level), (true, 1));
    }
}

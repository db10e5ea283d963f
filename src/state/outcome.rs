//! Folding what happened to one account: request outcomes (success, failure with its recorded
//! block), refresh results and manual clears, plus the block arithmetic they share (merge
//! without shortening, probes). Selection bookkeeping and account settings stay in `mod.rs`.

use super::{Account, Block, RefreshState};
use crate::event::*;
use crate::ids::{Model, RequestId};
use crate::parse::Scope;
use crate::time::Timestamp;

/// `request_succeeded`: clears the model block (unless the request predates it), resets
/// counters and backoff, counts usage and observations into quota.
pub(super) fn succeeded(a: &mut Account, at: Timestamp, e: &RequestSucceeded) {
    if a.account_block
        .as_ref()
        .is_some_and(|b| is_probe(b, e.request))
    {
        a.account_block = None;
    }
    // The account-wide backoff restarts once no account block is in force: a
    // success inside one (a request leased before it) says nothing about it.
    if a.account_block.as_ref().is_none_or(|b| !b.in_force(at)) {
        a.quota_level = 0;
    }
    // A request leased before the model's block began was in flight when the
    // provider said stop: its success says nothing about the block, which stays.
    // Later requests (only probes can be leased into a block) clear it. Without a
    // latency (a report with no lease) the success counts as fresh.
    let leased = e
        .latency_ms
        .and_then(|ms| at.checked_sub_signed(chrono::Duration::milliseconds(ms as i64)));
    let h = a.health.entry(e.model.clone()).or_default();
    let keep = h.block.as_ref().is_some_and(|b| {
        b.in_force(at) && !is_probe(b, e.request) && leased.is_some_and(|t| t < b.since)
    });
    if !keep {
        h.block = None;
        h.quota_level = 0;
    }
    h.consecutive_failures = 0;
    a.quota.on_success(at, &e.model, e.usage.as_ref());
    for o in &e.quota {
        a.quota.on_observation(at, o);
    }
}

/// `request_failed`: counts the failure and puts the recorded block in force, never
/// shortening one already in force; a quota error is a sample for quota learning.
pub(super) fn failed(a: &mut Account, at: Timestamp, e: &RequestFailed) {
    let h = a.health.entry(e.model.clone()).or_default();
    h.consecutive_failures += 1;
    h.failures += 1;
    if let Some(b) = &e.block {
        match b.scope {
            Scope::Model => {
                if b.reason == BlockReason::QuotaExceeded {
                    h.quota_level = b.level;
                }
                merge_block(&mut h.block, b, at, e.request);
            }
            Scope::Account => {
                if b.reason == BlockReason::QuotaExceeded {
                    a.quota_level = b.level;
                }
                merge_block(&mut a.account_block, b, at, e.request);
            }
        }
    }
    release_probe(a, e.request);
    if e.error.kind == crate::parse::ErrorKind::QuotaExceeded {
        let reset = crate::quota::quota_reset(at, &e.error);
        a.quota.on_quota_error(at, &e.model, e.error.scope, reset);
    }
    for o in &e.quota {
        a.quota.on_observation(at, o);
    }
}

/// `refresh_succeeded`: the new credential generation; lifts an authentication block.
pub(super) fn refresh_succeeded(a: &mut Account, e: &RefreshSucceeded) {
    a.refresh = RefreshState::default();
    a.expires_at = e.expires_at;
    a.generation = e.generation;
    a.fingerprint = e.fingerprint.clone();
    if !e.identity.is_empty() {
        // A token endpoint never names the Cloud project: keep the one the account came with.
        let project_id = e
            .identity
            .project_id
            .clone()
            .or(a.identity.project_id.take());
        a.identity = e.identity.clone();
        a.identity.project_id = project_id;
    }
    if a.account_block
        .as_ref()
        .is_some_and(|b| b.reason == BlockReason::Authentication)
    {
        a.account_block = None;
    }
}

/// `refresh_failed`: backoff bookkeeping; a token a 401 proved dead stays blocked until the
/// next attempt.
pub(super) fn refresh_failed(a: &mut Account, at: Timestamp, e: &RefreshFailed) {
    let was_blocking = a.refresh.blocking;
    a.refresh.in_flight = false;
    a.refresh.blocking = false;
    a.refresh.consecutive_failures += 1;
    a.refresh.next_attempt_at = e.next_attempt_at;
    a.refresh.last_error = Some(e.message.to_string());
    // A 401 proved the token dead: keep it out until the next attempt.
    if was_blocking {
        let until = e.next_attempt_at.unwrap_or(at);
        let b = BlockSet {
            scope: Scope::Account,
            reason: BlockReason::Authentication,
            until,
            level: 0,
        };
        merge_block(&mut a.account_block, &b, at, None);
    }
}

/// `state_cleared`: a person lifted one model's block and quota state (with `account_wide`,
/// also the account's block and account-wide quota, which hold that model too), or all of the
/// account's. Other models' own blocks stay.
pub(super) fn cleared(a: &mut Account, model: &Option<Model>, account_wide: bool) {
    a.quota.on_cleared(model.as_ref(), account_wide);
    match model {
        Some(m) => {
            if let Some(h) = a.health.get_mut(&**m) {
                h.block = None;
                h.consecutive_failures = 0;
                h.quota_level = 0;
            }
            if account_wide {
                a.account_block = None;
                a.quota_level = 0;
            }
        }
        None => {
            a.account_block = None;
            a.quota_level = 0;
            for h in a.health.values_mut() {
                h.block = None;
                h.consecutive_failures = 0;
                h.quota_level = 0;
            }
        }
    }
}

pub(super) fn is_probe(b: &Block, request: Option<RequestId>) -> bool {
    request.is_some() && b.probe.map(|(r, _)| r) == request
}

/// Puts a new block in force without ever shortening one already in force. A failed probe
/// renews the block (it begins again now, so the next probe waits a full `probe.after`).
pub(super) fn merge_block(
    slot: &mut Option<Block>,
    new: &BlockSet,
    at: Timestamp,
    request: Option<RequestId>,
) {
    match slot {
        Some(old) if old.in_force(at) => {
            if is_probe(old, request) {
                old.since = at;
                old.probe = None;
            }
            if new.until > old.until {
                old.until = new.until;
                old.reason = new.reason;
            }
        }
        _ => {
            *slot = Some(Block {
                reason: new.reason,
                since: at,
                until: new.until,
                probe: None,
            })
        }
    }
}

pub(super) fn release_probe(a: &mut Account, request: Option<RequestId>) {
    if request.is_none() {
        return;
    }
    if let Some(b) = a.account_block.as_mut() {
        if is_probe(b, request) {
            b.probe = None;
        }
    }
    for h in a.health.values_mut() {
        if let Some(b) = h.block.as_mut() {
            if is_probe(b, request) {
                b.probe = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_ts;

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
        let mut slot = None;
        merge_block(
            &mut slot,
            &set(BlockReason::QuotaExceeded, "00:10:00"),
            t("00:00:00"),
            None,
        );
        // When a later failure states a wait until 00:01
        merge_block(
            &mut slot,
            &set(BlockReason::RateLimit, "00:01:00"),
            t("00:00:30"),
            None,
        );
        // Then the block still ends at 00:10, for the first reason, begun at 00:00
        let b = slot.unwrap();
        assert_eq!(
            (b.until, b.reason, b.since),
            (t("00:10:00"), BlockReason::QuotaExceeded, t("00:00:00"))
        );
    }

    #[test]
    fn a_longer_wait_extends_and_an_expired_block_is_replaced() {
        let mut slot = None;
        merge_block(
            &mut slot,
            &set(BlockReason::RateLimit, "00:01:00"),
            t("00:00:00"),
            None,
        );
        merge_block(
            &mut slot,
            &set(BlockReason::QuotaExceeded, "00:30:00"),
            t("00:00:10"),
            None,
        );
        assert_eq!(slot.as_ref().unwrap().until, t("00:30:00"));
        assert_eq!(slot.as_ref().unwrap().reason, BlockReason::QuotaExceeded);
        // After it expired, a new failure starts a new block that begins now.
        merge_block(
            &mut slot,
            &set(BlockReason::Overloaded, "00:31:00"),
            t("00:30:30"),
            None,
        );
        let b = slot.unwrap();
        assert_eq!(
            (b.since, b.until, b.reason),
            (t("00:30:30"), t("00:31:00"), BlockReason::Overloaded)
        );
    }

    #[test]
    fn a_failed_probe_renews_the_block_from_now() {
        let probe = RequestId(uuid::Uuid::from_u128(7));
        let mut slot = None;
        merge_block(
            &mut slot,
            &set(BlockReason::QuotaExceeded, "02:00:00"),
            t("00:00:00"),
            None,
        );
        slot.as_mut().unwrap().probe = Some((probe, t("00:20:00")));
        // When the probe fails
        merge_block(
            &mut slot,
            &set(BlockReason::QuotaExceeded, "00:25:00"),
            t("00:20:05"),
            Some(probe),
        );
        // Then the block begins again now (the next probe waits a full probe.after), no probe
        // is in flight, and the longer until stays.
        let b = slot.unwrap();
        assert_eq!(
            (b.since, b.probe, b.until),
            (t("00:20:05"), None, t("02:00:00"))
        );
    }
}

//! Folding what happened to one account: request outcomes (success, failure with its recorded
//! block), refresh results and manual clears. The block arithmetic they apply (merge, lift) is
//! `block`'s; the quota learning is `quota`'s. Selection bookkeeping is `selected.rs`'s, account
//! settings `roster.rs`'s.

use super::{Account, RefreshState};
use crate::block::{lift, merge, Slot};
use crate::event::*;
use crate::ids::{Model, RequestId};
use crate::time::Timestamp;
use crate::vocab::{ErrorKind, Scope};

/// `request_succeeded`: lifts what a success lifts (`block::lift::on_success`), resets the
/// failure count, counts usage and observations into quota.
pub(super) fn succeeded(a: &mut Account, at: Timestamp, e: &RequestSucceeded) {
    let h = a.health.entry(e.model.clone()).or_default();
    lift::on_success(
        Slot {
            block: &mut a.account_block,
            quota_level: &mut a.quota_level,
            stretches: &mut a.account_stretches,
        },
        h.slot(),
        at,
        e.request,
        e.latency_ms,
    );
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
        let slot = match b.scope {
            Scope::Model => h.slot(),
            Scope::Account => Slot {
                block: &mut a.account_block,
                quota_level: &mut a.quota_level,
                stretches: &mut a.account_stretches,
            },
        };
        merge::put(slot, b, at, e.request);
    }
    release_probe(a, e.request);
    if e.error.kind == ErrorKind::QuotaExceeded {
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
    lift::on_refresh(account_slot(a));
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
        let b = crate::block::decide::dead_token(e.next_attempt_at, at);
        merge::put(account_slot(a), &b, at, None);
    }
}

/// `state_cleared`: a person lifted one model's block and quota state (with `account_wide`,
/// also the account's block and account-wide quota, which hold that model too), or all of the
/// account's. Other models' own blocks stay.
pub(super) fn cleared(a: &mut Account, at: Timestamp, model: &Option<Model>, account_wide: bool) {
    a.quota.on_cleared(model.as_ref(), account_wide);
    match model {
        Some(m) => {
            if let Some(h) = a.health.get_mut(&**m) {
                lift::clear(h.slot(), at);
                h.consecutive_failures = 0;
            }
            if account_wide {
                lift::clear(account_slot(a), at);
            }
        }
        None => {
            lift::clear(account_slot(a), at);
            for h in a.health.values_mut() {
                lift::clear(h.slot(), at);
                h.consecutive_failures = 0;
            }
        }
    }
}

/// The account-wide block slot.
fn account_slot(a: &mut Account) -> Slot<'_> {
    Slot {
        block: &mut a.account_block,
        quota_level: &mut a.quota_level,
        stretches: &mut a.account_stretches,
    }
}

/// A request ended without a verdict on the block it probed: free that block for the next probe.
pub(super) fn release_probe(a: &mut Account, request: Option<RequestId>) {
    if request.is_none() {
        return;
    }
    lift::release_probe(&mut a.account_block, request);
    for h in a.health.values_mut() {
        lift::release_probe(&mut h.block, request);
    }
}

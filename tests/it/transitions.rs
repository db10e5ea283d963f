//! SPEC §5 state transitions, given/when/then on a manual clock: what a success, a failure, a
//! cancel or a network error does to blocks, counters and the quota backoff. Failures whose kind
//! the status alone cannot tell are reported pre-classified (`report_error`); probes live in
//! `probes`.

use std::time::Duration;

use rotor::event::BlockReason;
use rotor::parse::{ErrorKind, Headers, Scope};
use rotor::time::{Clock, ManualClock};
use rotor::{Engine, Outcome, Provider, SelectOpts};

use super::common::*;

const P: Provider = Provider::Openai;
const M: &str = "gpt-4o";

fn until_of(e: &Engine, id: rotor::AccountId, model: &str, now: rotor::time::Timestamp) -> Option<(BlockReason, rotor::time::Timestamp)> {
    e.with_state(|s| s.accounts[&id].unavailable(model, now).map(|u| (u.reason, u.until.unwrap())))
}

fn ra(secs: &str) -> Headers {
    [("retry-after", secs)].into_iter().collect()
}

#[test]
fn a_success_clears_the_model_block_and_resets_the_counters() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["a"])[..] else { unreachable!() };
    // Given two requests in flight on a, the first fails with a 429
    let (l1, l2) = (lease(&e, P, M), lease(&e, P, M));
    e.report(&l1, Outcome::failure(429, ra("60"), "")).unwrap();
    assert!(until_of(&e, a, M, clock.now()).is_some());
    // When the second succeeds, then the block and the consecutive failures are gone
    e.report(&l2, Outcome::success()).unwrap();
    assert_eq!(until_of(&e, a, M, clock.now()), None);
    e.with_state(|s| assert_eq!(s.accounts[&a].health[M].consecutive_failures, 0));
}

#[test]
fn a_model_scope_failure_blocks_one_model_and_an_account_scope_one_every_model() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["a"])[..] else { unreachable!() };
    // 429 with no hint: rate_limit, model scope, 5 s default
    e.report(&lease(&e, P, M), Outcome::failure(429, Headers::new(), "")).unwrap();
    assert_eq!(until_of(&e, a, M, clock.now()), Some((BlockReason::RateLimit, t("2026-01-01T00:00:05Z"))));
    assert_eq!(until_of(&e, a, "gpt-4o-mini", clock.now()), None);
    // 401 on an API key: authentication, account scope, 30 min
    e.report(&lease(&e, P, "gpt-4o-mini"), Outcome::failure(401, Headers::new(), "")).unwrap();
    for m in [M, "gpt-4o-mini", "o3"] {
        assert_eq!(until_of(&e, a, m, clock.now()), Some((BlockReason::Authentication, t("2026-01-01T00:30:00Z"))), "{m}");
    }
}

#[test]
fn a_later_shorter_wait_never_shortens_a_block_in_force() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["a"])[..] else { unreachable!() };
    let (l1, l2) = (lease(&e, P, M), lease(&e, P, M));
    e.report(&l1, Outcome::failure(429, ra("120"), "")).unwrap();
    clock.advance(Duration::from_secs(5));
    e.report(&l2, Outcome::failure(429, ra("10"), "")).unwrap();
    assert_eq!(until_of(&e, a, M, clock.now()).unwrap().1, t("2026-01-01T00:02:00Z"));
}

#[test]
fn waits_below_cooldown_min_are_raised_to_it() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["a"])[..] else { unreachable!() };
    let h: Headers = [("retry-after-ms", "200")].into_iter().collect();
    e.report(&lease(&e, P, M), Outcome::failure(429, h, "")).unwrap();
    assert_eq!(until_of(&e, a, M, clock.now()).unwrap().1, t("2026-01-01T00:00:01Z"));
}

#[test]
fn quota_backoff_doubles_from_one_second_to_a_thirty_minute_cap_and_a_success_resets_it() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["a"])[..] else { unreachable!() };
    let quota = perr(ErrorKind::QuotaExceeded, Scope::Model);
    let mut waits = vec![];
    for _ in 0..13 {
        let r = e.report_error(&lease(&e, P, M), quota.clone()).unwrap();
        let b = r.block.unwrap();
        waits.push((b.until - clock.now()).num_seconds());
        clock.set(b.until);
    }
    assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1800, 1800]);
    e.report(&lease(&e, P, M), Outcome::success()).unwrap();
    let b = e.report_error(&lease(&e, P, M), quota).unwrap().block.unwrap();
    assert_eq!((b.until - clock.now()).num_seconds(), 1);
    e.with_state(|s| assert_eq!(s.accounts[&a].health[M].quota_level, 1));
}

#[test]
fn ten_concurrent_quota_failures_raise_the_backoff_level_once() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["a"])[..] else { unreachable!() };
    // Given 10 leases issued on one account before any answer
    let leases: Vec<_> = (0..10).map(|_| lease(&e, P, M)).collect();
    // When all 10 come back quota_exceeded (the provider answers them over 300 ms)
    let quota = perr(ErrorKind::QuotaExceeded, Scope::Model);
    for l in &leases {
        e.report_error(l, quota.clone()).unwrap();
        clock.advance(Duration::from_millis(30));
    }
    // Then the level is 1 and the block is the level-1 wait (1 s after the last answer),
    // not 2^9 s
    e.with_state(|s| assert_eq!(s.accounts[&a].health[M].quota_level, 1));
    assert_eq!(until_of(&e, a, M, clock.now()).unwrap().1, t("2026-01-01T00:00:01.270Z"));
    // And the next failure after the block ended escalates to level 2
    clock.set(t("2026-01-01T00:00:01.270Z"));
    let b = e.report_error(&lease(&e, P, M), quota).unwrap().block.unwrap();
    assert_eq!((b.level, b.until), (2, t("2026-01-01T00:00:03.270Z")));
}

#[test]
fn an_account_quota_block_survives_a_success_on_another_model() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, Provider::Codex, &["a"])[..] else { unreachable!() };
    let other = lease(&e, Provider::Codex, "gpt-5-codex-mini");
    let mut q = perr(ErrorKind::QuotaExceeded, Scope::Account);
    q.retry_after_ms = Some(7_200_000);
    e.report_error(&lease(&e, Provider::Codex, "gpt-5"), q).unwrap();
    e.report(&other, Outcome::success()).unwrap();
    for m in ["gpt-5", "gpt-5-codex-mini"] {
        assert_eq!(until_of(&e, a, m, clock.now()), Some((BlockReason::QuotaExceeded, t("2026-01-01T02:00:00Z"))));
    }
}

#[test]
fn google_quota_errors_with_no_stated_wait_block_for_an_hour() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a, b] = add_keys(&e, Provider::Antigravity, &["a", "b"])[..] else { unreachable!() };
    let m = "gemini-3-pro";
    e.report_error(&lease(&e, Provider::Antigravity, m), perr(ErrorKind::QuotaExceeded, Scope::Model)).unwrap();
    assert_eq!(until_of(&e, a, m, clock.now()).unwrap().1, t("2026-01-01T01:00:00Z"));
    // A stated wait wins over the default
    let mut q = perr(ErrorKind::QuotaExceeded, Scope::Model);
    q.retry_after_ms = Some(34_500);
    e.report_error(&lease(&e, Provider::Antigravity, m), q).unwrap();
    assert_eq!(until_of(&e, b, m, clock.now()).unwrap().1, t("2026-01-01T00:00:34.500Z"));
}

#[test]
fn a_cancelled_request_blocks_nothing_and_a_network_error_is_transient_for_the_model() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["a"])[..] else { unreachable!() };
    let r = e.report(&lease(&e, P, M), Outcome::Cancelled).unwrap();
    assert_eq!((r.error, r.block), (None, None));
    assert_eq!(until_of(&e, a, M, clock.now()), None);
    e.with_state(|s| assert_eq!(s.accounts[&a].health[M].consecutive_failures, 0));

    let r = e.report(&lease(&e, P, M), Outcome::Network { message: "connection reset".into() }).unwrap();
    assert_eq!(r.error.unwrap().kind, ErrorKind::Transient);
    assert_eq!(until_of(&e, a, M, clock.now()), Some((BlockReason::Transient, t("2026-01-01T00:01:00Z"))));
    assert_eq!(until_of(&e, a, "o3", clock.now()), None);
}

#[test]
fn invalid_request_changes_only_the_counters() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["a"])[..] else { unreachable!() };
    let before = e.with_state(|s| s.accounts[&a].health.get(M).map(|h| h.block.clone()));
    let r = e.report(&lease(&e, P, M), Outcome::failure(400, Headers::new(), "{}")).unwrap();
    assert_eq!(r.error.unwrap().kind, ErrorKind::InvalidRequest);
    assert_eq!(r.block, None);
    e.with_state(|s| {
        let h = &s.accounts[&a].health[M];
        assert_eq!((h.consecutive_failures, h.failures, h.quota_level), (1, 1, 0));
        assert_eq!(before.flatten(), h.block.clone());
    });
    assert!(e.select(P, M, &SelectOpts::default()).is_ok());
}

#[test]
fn clear_lifts_a_block_at_once() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["a"])[..] else { unreachable!() };
    e.report(&lease(&e, P, M), Outcome::failure(402, Headers::new(), "")).unwrap();
    assert_eq!(until_of(&e, a, M, clock.now()).unwrap().0, BlockReason::Billing);
    e.clear(a, None).unwrap();
    assert_eq!(lease(&e, P, M).account, a);
}

#[test]
fn authentication_permission_and_billing_are_always_account_wide() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let ids = add_keys(&e, P, &["a", "b", "c"]);
    for kind in [ErrorKind::Authentication, ErrorKind::Permission, ErrorKind::Billing] {
        // Even when a parser says "model", the block covers every model.
        let l = lease(&e, P, M);
        let b = e.report_error(&l, perr(kind, Scope::Model)).unwrap().block.unwrap();
        assert_eq!(b.scope, Scope::Account, "{kind:?}");
        assert!(until_of(&e, l.account, "another-model", clock.now()).is_some());
    }
    assert!(e.select(P, "another-model", &SelectOpts::default()).is_err());
    let _ = ids;
}

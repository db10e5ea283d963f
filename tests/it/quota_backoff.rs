//! Quota rules, given/when/then on a manual clock: the backoff 1 s x 2^(n-1) capped at
//! 30 min and reset by a success, one escalation per open block under concurrent failures (which
//! keep the first failure's `until`), account-wide windows, and Google's 1 h default. Failures
//! are reported pre-classified.

use std::time::Duration;

use rotor::event::BlockReason;
use rotor::parse::{ErrorKind, Scope};
use rotor::time::{Clock, ManualClock};
use rotor::{Outcome, Provider};

use super::common::*;

const P: Provider = Provider::Openai;
const M: &str = "gpt-4o";

#[test]
fn quota_backoff_doubles_from_one_second_to_a_thirty_minute_cap_and_a_success_resets_it() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["a"])[..] else {
        unreachable!()
    };
    let quota = perr(ErrorKind::QuotaExceeded, Scope::Model);
    let mut waits = vec![];
    for _ in 0..13 {
        let r = e.report_error(&lease(&e, P, M), quota.clone()).unwrap();
        let b = r.block.unwrap();
        waits.push((b.until - clock.now()).num_seconds());
        clock.set(b.until);
    }
    assert_eq!(
        waits,
        [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1800, 1800]
    );
    e.report(&lease(&e, P, M), Outcome::success()).unwrap();
    let b = e
        .report_error(&lease(&e, P, M), quota)
        .unwrap()
        .block
        .unwrap();
    assert_eq!((b.until - clock.now()).num_seconds(), 1);
    e.with_state(|s| assert_eq!(s.accounts[&a].health[M].quota_level, 1));
}

#[test]
fn ten_concurrent_quota_failures_raise_the_backoff_level_once() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["a"])[..] else {
        unreachable!()
    };
    // Given 10 leases issued on one account before any answer
    let leases: Vec<_> = (0..10).map(|_| lease(&e, P, M)).collect();
    // When all 10 come back quota_exceeded (the provider answers them over 300 ms)
    let quota = perr(ErrorKind::QuotaExceeded, Scope::Model);
    for l in &leases {
        e.report_error(l, quota.clone()).unwrap();
        clock.advance(Duration::from_millis(30));
    }
    // Then the level is 1 and the block is the first failure's level-1 wait: the later
    // answers of the burst neither escalate (2^9 s) nor push `until` on (1 s after the last)
    e.with_state(|s| assert_eq!(s.accounts[&a].health[M].quota_level, 1));
    assert_eq!(
        until_of(&e, a, M, clock.now()).unwrap().1,
        t("2026-01-01T00:00:01Z")
    );
    // And the next failure after the block ended escalates to level 2
    clock.set(t("2026-01-01T00:00:01Z"));
    let b = e
        .report_error(&lease(&e, P, M), quota)
        .unwrap()
        .block
        .unwrap();
    assert_eq!((b.level, b.until), (2, t("2026-01-01T00:00:03Z")));
}

#[test]
fn a_burst_on_an_account_window_keeps_the_first_failures_until_and_a_stated_wait_still_counts() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, Provider::Codex, &["a"])[..] else {
        unreachable!()
    };
    // Given three requests in flight on two models of one Codex account
    let leases = [
        lease(&e, Provider::Codex, "gpt-5"),
        lease(&e, Provider::Codex, "gpt-5-codex"),
        lease(&e, Provider::Codex, "gpt-5"),
    ];
    // When the first two come back as the account's window used up, with no stated reset
    let quota = perr(ErrorKind::QuotaExceeded, Scope::Account);
    let first = e.report_error(&leases[0], quota.clone()).unwrap().block;
    clock.advance(Duration::from_millis(400));
    let second = e.report_error(&leases[1], quota.clone()).unwrap().block;
    // Then the second records the block as the first left it: level 1, until 1 s after the
    // first failure (not after the second)
    let until = t("2026-01-01T00:00:01Z");
    assert_eq!(first.as_ref().map(|b| (b.level, b.until)), Some((1, until)));
    assert_eq!(
        second.as_ref().map(|b| (b.level, b.until)),
        Some((1, until))
    );
    e.with_state(|s| assert_eq!(s.accounts[&a].quota_level, 1));
    // And a wait the provider states still applies inside the window, without escalating
    let mut stated = quota;
    stated.retry_after_ms = Some(10_000);
    let third = e.report_error(&leases[2], stated).unwrap().block.unwrap();
    assert_eq!(
        (third.level, third.until),
        (1, t("2026-01-01T00:00:10.400Z"))
    );
    assert_eq!(
        until_of(&e, a, "gpt-5-codex", clock.now()).map(|(_, u)| u),
        Some(t("2026-01-01T00:00:10.400Z"))
    );
}

#[test]
fn an_account_quota_block_survives_a_success_on_another_model() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, Provider::Codex, &["a"])[..] else {
        unreachable!()
    };
    let other = lease(&e, Provider::Codex, "gpt-5-codex-mini");
    let mut q = perr(ErrorKind::QuotaExceeded, Scope::Account);
    q.retry_after_ms = Some(7_200_000);
    e.report_error(&lease(&e, Provider::Codex, "gpt-5"), q)
        .unwrap();
    e.report(&other, Outcome::success()).unwrap();
    for m in ["gpt-5", "gpt-5-codex-mini"] {
        assert_eq!(
            until_of(&e, a, m, clock.now()),
            Some((
                BlockReason::Error(ErrorKind::QuotaExceeded),
                t("2026-01-01T02:00:00Z")
            ))
        );
    }
}

#[test]
fn google_quota_errors_with_no_stated_wait_block_for_an_hour() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a, b] = add_keys(&e, Provider::Antigravity, &["a", "b"])[..] else {
        unreachable!()
    };
    let m = "gemini-3-pro";
    e.report_error(
        &lease(&e, Provider::Antigravity, m),
        perr(ErrorKind::QuotaExceeded, Scope::Model),
    )
    .unwrap();
    assert_eq!(
        until_of(&e, a, m, clock.now()).unwrap().1,
        t("2026-01-01T01:00:00Z")
    );
    // A stated wait wins over the default
    let mut q = perr(ErrorKind::QuotaExceeded, Scope::Model);
    q.retry_after_ms = Some(34_500);
    e.report_error(&lease(&e, Provider::Antigravity, m), q)
        .unwrap();
    assert_eq!(
        until_of(&e, b, m, clock.now()).unwrap().1,
        t("2026-01-01T00:00:34.500Z")
    );
}

//! State transitions, given/when/then on a manual clock: what a success, a failure, a
//! cancel or a network error does to blocks and counters (quota rules: `quota_backoff`). Failures whose kind
//! the status alone cannot tell are reported pre-classified (`report_error`); probes live in
//! `probes`.

use std::time::Duration;

use rotor::event::BlockReason;
use rotor::parse::{ErrorKind, Headers, Scope};
use rotor::time::{Clock, ManualClock};
use rotor::{Outcome, Provider, SelectOpts};

use super::common::*;

const P: Provider = Provider::Openai;
const M: &str = "gpt-4o";

fn ra(secs: &str) -> Headers {
    [("retry-after", secs)].into_iter().collect()
}

#[test]
fn a_success_clears_the_model_block_and_resets_the_counters() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["a"])[..] else {
        unreachable!()
    };
    // Given a 429 for 60 s on a
    e.report(&lease(&e, P, M), Outcome::failure(429, ra("60"), ""))
        .unwrap();
    assert!(until_of(&e, a, M, clock.now()).is_some());
    // When a success is reported for (a, model) with no lease (a proxy, `rotor report`)
    clock.advance(Duration::from_secs(5));
    e.report_for(rotor::ReportFor::new(a, M, clock.now()), Outcome::success())
        .unwrap();
    // Then the block and the consecutive failures are gone
    assert_eq!(until_of(&e, a, M, clock.now()), None);
    e.with_state(|s| assert_eq!(s.accounts[&a].health[M].consecutive_failures, 0));
}

#[test]
fn a_success_of_a_request_leased_before_the_block_leaves_it_in_force() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["a"])[..] else {
        unreachable!()
    };
    // Given two requests in flight on a; a second later the first comes back 429 for 60 s
    let (l1, l2) = (lease(&e, P, M), lease(&e, P, M));
    clock.advance(Duration::from_secs(1));
    e.report(&l1, Outcome::failure(429, ra("60"), "")).unwrap();
    // When the second, sent before the provider said stop, succeeds
    clock.advance(Duration::from_secs(1));
    e.report(&l2, Outcome::success()).unwrap();
    // Then the block stands (only the failure streak is reset)
    assert_eq!(
        until_of(&e, a, M, clock.now()),
        Some((
            BlockReason::Error(ErrorKind::RateLimit),
            t("2026-01-01T00:01:01Z")
        ))
    );
    e.with_state(|s| assert_eq!(s.accounts[&a].health[M].consecutive_failures, 0));
}

#[test]
fn a_model_scope_failure_blocks_one_model_and_an_account_scope_one_every_model() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["a"])[..] else {
        unreachable!()
    };
    // 429 with no hint: rate_limit, model scope, 5 s default
    e.report(&lease(&e, P, M), Outcome::failure(429, Headers::new(), ""))
        .unwrap();
    assert_eq!(
        until_of(&e, a, M, clock.now()),
        Some((
            BlockReason::Error(ErrorKind::RateLimit),
            t("2026-01-01T00:00:05Z")
        ))
    );
    assert_eq!(until_of(&e, a, "gpt-4o-mini", clock.now()), None);
    // 401 on an API key: authentication, account scope, 30 min
    e.report(
        &lease(&e, P, "gpt-4o-mini"),
        Outcome::failure(401, Headers::new(), ""),
    )
    .unwrap();
    for m in [M, "gpt-4o-mini", "o3"] {
        assert_eq!(
            until_of(&e, a, m, clock.now()),
            Some((
                BlockReason::Error(ErrorKind::Authentication),
                t("2026-01-01T00:30:00Z")
            )),
            "{m}"
        );
    }
}

#[test]
fn a_later_shorter_wait_never_shortens_a_block_in_force() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["a"])[..] else {
        unreachable!()
    };
    let (l1, l2) = (lease(&e, P, M), lease(&e, P, M));
    e.report(&l1, Outcome::failure(429, ra("120"), "")).unwrap();
    clock.advance(Duration::from_secs(5));
    e.report(&l2, Outcome::failure(429, ra("10"), "")).unwrap();
    assert_eq!(
        until_of(&e, a, M, clock.now()).unwrap().1,
        t("2026-01-01T00:02:00Z")
    );
}

#[test]
fn waits_below_cooldown_min_are_raised_to_it() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["a"])[..] else {
        unreachable!()
    };
    let h: Headers = [("retry-after-ms", "200")].into_iter().collect();
    e.report(&lease(&e, P, M), Outcome::failure(429, h, ""))
        .unwrap();
    assert_eq!(
        until_of(&e, a, M, clock.now()).unwrap().1,
        t("2026-01-01T00:00:01Z")
    );
}

#[test]
fn a_cancelled_request_blocks_nothing_and_a_network_error_is_transient_for_the_model() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["a"])[..] else {
        unreachable!()
    };
    let r = e.report(&lease(&e, P, M), Outcome::Cancelled).unwrap();
    assert_eq!((r.error, r.block), (None, None));
    assert_eq!(until_of(&e, a, M, clock.now()), None);
    e.with_state(|s| assert_eq!(s.accounts[&a].health[M].consecutive_failures, 0));

    let r = e
        .report(
            &lease(&e, P, M),
            Outcome::Network {
                message: "connection reset".into(),
            },
        )
        .unwrap();
    assert_eq!(r.error.unwrap().kind, ErrorKind::Transient);
    assert_eq!(
        until_of(&e, a, M, clock.now()),
        Some((
            BlockReason::Error(ErrorKind::Transient),
            t("2026-01-01T00:01:00Z")
        ))
    );
    assert_eq!(until_of(&e, a, "o3", clock.now()), None);
}

#[test]
fn invalid_request_changes_only_the_counters() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["a"])[..] else {
        unreachable!()
    };
    let before = e.with_state(|s| s.accounts[&a].health.get(M).map(|h| h.block.clone()));
    let r = e
        .report(
            &lease(&e, P, M),
            Outcome::failure(400, Headers::new(), "{}"),
        )
        .unwrap();
    assert_eq!(r.error.unwrap().kind, ErrorKind::InvalidRequest);
    assert_eq!(r.block, None);
    e.with_state(|s| {
        let h = &s.accounts[&a].health[M];
        assert_eq!(
            (h.consecutive_failures, h.failures, h.quota_level),
            (1, 1, 0)
        );
        assert_eq!(before.flatten(), h.block.clone());
    });
    assert!(e.select(P, M, &SelectOpts::default()).is_ok());
}

#[test]
fn clear_lifts_a_block_at_once() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["a"])[..] else {
        unreachable!()
    };
    e.report(&lease(&e, P, M), Outcome::failure(402, Headers::new(), ""))
        .unwrap();
    assert_eq!(
        until_of(&e, a, M, clock.now()).unwrap().0,
        BlockReason::Error(ErrorKind::Billing)
    );
    e.clear(a, None).unwrap();
    assert_eq!(lease(&e, P, M).account, a);
}

#[test]
fn authentication_permission_and_billing_are_always_account_wide() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let ids = add_keys(&e, P, &["a", "b", "c"]);
    for kind in [
        ErrorKind::Authentication,
        ErrorKind::Permission,
        ErrorKind::Billing,
    ] {
        // Even when a parser says "model", the block covers every model.
        let l = lease(&e, P, M);
        let b = e
            .report_error(&l, perr(kind, Scope::Model))
            .unwrap()
            .block
            .unwrap();
        assert_eq!(b.scope, Scope::Account, "{kind:?}");
        assert!(until_of(&e, l.account, "another-model", clock.now()).is_some());
    }
    assert!(e
        .select(P, "another-model", &SelectOpts::default())
        .is_err());
    let _ = ids;
}

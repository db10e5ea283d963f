//! Stale blocks, given/when/then: a block older than `probe.after` takes one half-open
//! probe at a time when nothing else is available; success clears it, failure renews it.

use std::time::Duration;

use rotor::parse::Headers;
use rotor::time::{Clock, ManualClock};
use rotor::{Outcome, Provider, SelectOpts};

use super::common::*;

const P: Provider = Provider::Openai;
const M: &str = "gpt-4o";

/// One account billing-blocked (account scope, 24 h) at T0.
fn blocked() -> (ManualClock, rotor::Engine, rotor::AccountId) {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["a"])[..] else {
        unreachable!()
    };
    e.report(&lease(&e, P, M), Outcome::failure(402, Headers::new(), ""))
        .unwrap();
    (clock, e, a)
}

#[test]
fn no_probe_before_probe_after_then_exactly_one_at_a_time() {
    let (clock, e, a) = blocked();
    clock.advance(Duration::from_secs(15 * 60 - 1));
    assert!(
        e.select(P, M, &SelectOpts::default()).is_err(),
        "too early to probe"
    );
    clock.advance(Duration::from_secs(1));
    let probe = lease(&e, P, M);
    assert_eq!((probe.account, probe.probe), (a, true));
    // A second request while the probe is out gets no account.
    let no = e.select(P, M, &SelectOpts::default()).unwrap_err();
    assert_eq!(no.earliest_at, Some(t("2026-01-02T00:00:00Z")));
}

#[test]
fn a_successful_probe_clears_the_block() {
    let (clock, e, a) = blocked();
    clock.advance(Duration::from_secs(15 * 60));
    let probe = lease(&e, P, M);
    e.report(&probe, Outcome::success()).unwrap();
    let next = lease(&e, P, M);
    assert_eq!((next.account, next.probe), (a, false));
    assert_eq!(
        e.with_state(|s| s.accounts[&a].unavailable(M, clock.now())),
        None
    );
}

#[test]
fn a_failed_probe_renews_the_block_and_the_next_probe_waits_a_full_period() {
    let (clock, e, _a) = blocked();
    clock.advance(Duration::from_secs(15 * 60));
    let probe = lease(&e, P, M);
    e.report(&probe, Outcome::failure(402, Headers::new(), ""))
        .unwrap();
    // Renewed: never shortened, and half-open again only 15 min after the failed probe.
    clock.advance(Duration::from_secs(14 * 60));
    let no = e.select(P, M, &SelectOpts::default()).unwrap_err();
    assert_eq!(
        no.earliest_at,
        Some(t("2026-01-02T00:15:00Z")),
        "extended by the probe's own 24 h"
    );
    clock.advance(Duration::from_secs(60));
    assert!(lease(&e, P, M).probe);
}

#[test]
fn a_cancelled_probe_frees_the_slot_for_another() {
    let (clock, e, _a) = blocked();
    clock.advance(Duration::from_secs(15 * 60));
    let probe = lease(&e, P, M);
    e.report(&probe, Outcome::Cancelled).unwrap();
    assert!(lease(&e, P, M).probe);
}

#[test]
fn probes_are_taken_only_when_no_other_candidate_exists() {
    let (clock, e, a) = blocked();
    let [b] = add_keys(&e, P, &["b"])[..] else {
        unreachable!()
    };
    clock.advance(Duration::from_secs(3600));
    for _ in 0..3 {
        let l = lease(&e, P, M);
        assert_eq!((l.account, l.probe), (b, false));
    }
    let _ = a;
}

#[test]
fn a_probe_whose_outcome_never_comes_back_stops_holding_the_block_after_probe_after() {
    let (clock, e, a) = blocked();
    clock.advance(Duration::from_secs(15 * 60));
    let lost = lease(&e, P, M);
    assert!(lost.probe);
    clock.advance(Duration::from_secs(15 * 60 - 1));
    assert!(
        e.select(P, M, &SelectOpts::default()).is_err(),
        "still held by the lost probe"
    );
    clock.advance(Duration::from_secs(1));
    let next = lease(&e, P, M);
    assert_eq!((next.account, next.probe), (a, true));
    // The late report of the lost probe is harmless; the new probe's success clears the block.
    e.report(&lost, Outcome::failure(500, Headers::new(), ""))
        .unwrap();
    e.report(&next, Outcome::success()).unwrap();
    assert_eq!(
        e.with_state(|s| s.accounts[&a].unavailable(M, clock.now())),
        None
    );
}

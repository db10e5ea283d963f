//! Selection, given/when/then on a manual clock: every strategy, priority tiers,
//! session affinity and its failover, and `NoAccount` with the earliest time anything frees.
//! Blocks here come from real 429s with `retry-after`; the block rules are in `transitions`.

use std::time::Duration;

use rotor::event::{BlockReason, ErrorKind};
use rotor::parse::Headers;
use rotor::time::ManualClock;
use rotor::{Engine, NewAccount, Outcome, Provider, SelectOpts, Strategy};

use super::common::*;

const P: Provider = Provider::Openai;
const M: &str = "gpt-4o";

/// Leases an account and fails it with a 429 stating `secs` seconds.
fn block_for(e: &Engine, want: rotor::AccountId, secs: u64) {
    let opts = SelectOpts::default();
    for _ in 0..64 {
        let l = e.select(P, M, &opts).unwrap();
        if l.account == want {
            let h: Headers = [("retry-after", secs.to_string())].into_iter().collect();
            e.report(&l, Outcome::failure(429, h, "")).unwrap();
            return;
        }
        e.report(&l, Outcome::Cancelled).unwrap();
    }
    panic!("account never leased");
}

/// A weighted pair: `heavy` (weight 3) and `light` (weight 1), in that order.
fn heavy_and_light(e: &Engine) -> (rotor::AccountId, rotor::AccountId) {
    let mut heavy = NewAccount::api_key(P, "heavy", "sk-test-heavy-0123456789abcdef");
    heavy.weight = 3;
    let heavy = e.add_account(heavy).unwrap();
    let light = NewAccount::api_key(P, "light", "sk-test-light-0123456789abcdef");
    (heavy, e.add_account(light).unwrap())
}

fn picks(e: &Engine, n: usize) -> Vec<rotor::AccountId> {
    (0..n).map(|_| lease(e, P, M).account).collect()
}

#[test]
fn round_robin_skips_a_blocked_account_and_keeps_its_turn_order() {
    // Given three accounts in round robin, b blocked for 10 s
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, with_strategy(Strategy::RoundRobin));
    let [a, b, c] = add_keys(&e, P, &["a", "b", "c"])[..] else {
        unreachable!()
    };
    block_for(&e, b, 10);
    // When selecting, then b is skipped and a, c alternate
    let got = picks(&e, 4);
    assert!(!got.contains(&b), "{got:?}");
    assert!(got.windows(2).all(|w| w[0] != w[1]));
    // When the block ends, then b gets its turn again within one cycle
    clock.advance(Duration::from_secs(10));
    assert!(picks(&e, 3).contains(&b));
    let _ = (a, c);
}

#[test]
fn fill_first_stays_on_the_first_until_it_is_blocked() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, with_strategy(Strategy::FillFirst));
    let ids = add_keys(&e, P, &["a", "b", "c"]);
    assert_eq!(picks(&e, 5), vec![ids[0]; 5]);
    block_for(&e, ids[0], 30);
    assert_eq!(picks(&e, 3), vec![ids[1]; 3]);
    clock.advance(Duration::from_secs(30));
    assert_eq!(
        picks(&e, 2),
        vec![ids[0]; 2],
        "back on the first once it frees"
    );
}

#[test]
fn least_used_picks_the_account_with_the_fewest_requests() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, with_strategy(Strategy::LeastUsed));
    let ids = add_keys(&e, P, &["a", "b", "c"]);
    // Given equal use, each gets one before any gets two
    let first = picks(&e, 3);
    let mut sorted = first.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 3, "{first:?}");
    // Given a blocked for a while, b and c take the load
    block_for(&e, ids[0], 60);
    picks(&e, 6);
    clock.advance(Duration::from_secs(60));
    // Then a, now least used, is picked until it catches up
    assert_eq!(picks(&e, 3), vec![ids[0]; 3]);
}

#[test]
fn weighted_splits_exactly_three_to_one_over_forty_picks() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, with_strategy(Strategy::Weighted));
    let (heavy, light) = heavy_and_light(&e);
    let got = picks(&e, 40);
    assert_eq!(got.iter().filter(|a| **a == heavy).count(), 30);
    assert_eq!(got.iter().filter(|a| **a == light).count(), 10);
    // Smooth: the light account is interleaved, never starved for a run of 4+.
    assert_eq!(&got[..4], &[heavy, heavy, light, heavy]);
    assert!(got
        .chunks(4)
        .all(|c| c.iter().filter(|a| **a == light).count() == 1));
}

#[test]
fn a_lower_tier_is_used_only_when_every_account_of_the_first_is_blocked() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let ids = add_keys(&e, P, &["a", "b"]);
    let mut spare = NewAccount::api_key(P, "spare", "sk-test-spare-0123456789abcdef");
    spare.priority = 1;
    let spare = e.add_account(spare).unwrap();
    assert!(
        !picks(&e, 4).contains(&spare),
        "tier 1 unused while tier 0 has a candidate"
    );
    block_for(&e, ids[0], 20);
    assert!(!picks(&e, 2).contains(&spare));
    block_for(&e, ids[1], 40);
    let l = lease(&e, P, M);
    assert_eq!((l.account, l.probe), (spare, false));
    clock.advance(Duration::from_secs(20));
    assert_eq!(
        lease(&e, P, M).account,
        ids[0],
        "back to tier 0 as soon as one frees"
    );
}

#[test]
fn a_session_keeps_its_account_and_moves_only_when_it_is_blocked() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let ids = add_keys(&e, P, &["a", "b", "c"]);
    let s = SelectOpts {
        session: Some("conv-1".into()),
        ..Default::default()
    };
    let first = e.select(P, M, &s).unwrap().account;
    // Other traffic moves the cursor; the session stays.
    for _ in 0..4 {
        picks(&e, 1);
        assert_eq!(e.select(P, M, &s).unwrap().account, first);
    }
    // When its account is blocked, the session fails over and stays on the new account,
    // even after the old one frees (the prompt cache now lives there).
    block_for(&e, first, 30);
    let moved = e.select(P, M, &s).unwrap().account;
    assert_ne!(moved, first);
    clock.advance(Duration::from_secs(30));
    assert_eq!(e.select(P, M, &s).unwrap().account, moved);
    assert!(ids.contains(&moved));
}

#[test]
fn a_session_idle_for_an_hour_is_placed_afresh() {
    // Given a session on account a, kept alive by a request every 50 minutes
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    add_keys(&e, P, &["a", "b", "c"]);
    let s = SelectOpts {
        session: Some("conv-1".into()),
        ..Default::default()
    };
    let first = e.select(P, M, &s).unwrap().account;
    for _ in 0..3 {
        clock.advance(Duration::from_secs(50 * 60));
        picks(&e, 1);
        assert_eq!(e.select(P, M, &s).unwrap().account, first, "still warm");
    }
    // When it then stays idle for an hour while other traffic moves the cursor past a
    clock.advance(rotor::state::SESSION_IDLE);
    picks(&e, 1);
    // Then it goes where round robin goes, not back to a
    let next = e.select(P, M, &s).unwrap().account;
    assert_ne!(next, first);
    // And the session now lives on that account
    let state = e.state();
    assert_eq!(state.selector.sessions.get("conv-1", e.now()), Some(next));
}

#[test]
fn no_account_names_the_earliest_time_and_every_skip_reason() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let ids = add_keys(&e, P, &["a", "b"]);
    block_for(&e, ids[0], 30);
    block_for(&e, ids[1], 10);
    let no = e.select(P, M, &SelectOpts::default()).unwrap_err();
    assert_eq!(no.earliest_at, Some(t("2026-01-01T00:00:10Z")));
    assert_eq!(no.skipped.len(), 2);
    assert!(no
        .skipped
        .iter()
        .all(|s| s.reason == BlockReason::Error(ErrorKind::RateLimit)));
    // Excluded accounts say why, but never make up an earliest time.
    clock.advance(Duration::from_secs(10));
    let ex = SelectOpts {
        exclude: vec![ids[1]],
        ..Default::default()
    };
    let no = e.select(P, M, &ex).unwrap_err();
    assert_eq!(no.earliest_at, Some(t("2026-01-01T00:00:30Z")));
    assert!(no
        .skipped
        .iter()
        .any(|s| s.account == ids[1] && s.reason == BlockReason::Excluded));
}

#[test]
fn sticky_session_picks_do_not_skew_the_rotation_of_other_traffic() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, with_strategy(Strategy::Weighted));
    let (heavy, light) = heavy_and_light(&e);
    let s = SelectOpts {
        session: Some("conv".into()),
        ..Default::default()
    };
    let mut plain = vec![];
    for _ in 0..40 {
        plain.push(lease(&e, P, M).account);
        e.select(P, M, &s).unwrap();
    }
    assert_eq!(plain.iter().filter(|a| **a == heavy).count(), 30);
    assert_eq!(plain.iter().filter(|a| **a == light).count(), 10);

    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let ids = add_keys(&e, P, &["a", "b", "c"]);
    // The session's first pick is the strategy's (a); staying on a afterwards moves nothing.
    assert_eq!(e.select(P, M, &s).unwrap().account, ids[0]);
    let mut rr = vec![];
    for _ in 0..6 {
        rr.push(lease(&e, P, M).account);
        assert_eq!(e.select(P, M, &s).unwrap().account, ids[0]);
    }
    assert_eq!(rr, [ids[1], ids[2], ids[0], ids[1], ids[2], ids[0]]);
}

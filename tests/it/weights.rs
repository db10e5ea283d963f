//! Weights as the peers' users rely on them: weight 0 parks an account under `weighted` (never
//! chosen, even when it is the only one left), other strategies ignore weights, and a negative
//! weight is refused as an input error by the CLI (the library's weights are unsigned, and
//! `rotor serve` refuses one in `serve_errors`).

use rotor::time::ManualClock;
use rotor::{NewAccount, Provider, SelectOpts, Strategy};

use super::common::*;

const P: Provider = Provider::Openai;
const M: &str = "gpt-4o";

fn weighted(e: &rotor::Engine, label: &str, weight: u32) -> rotor::AccountId {
    let mut a = NewAccount::api_key(P, label, &format!("sk-test-{label}-0123456789abcdef0123"));
    a.weight = weight;
    e.add_account(a).unwrap()
}

#[test]
fn weight_zero_is_never_chosen_under_weighted() {
    // Given a parked account (weight 0) between two weight-1 accounts
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, with_strategy(Strategy::Weighted));
    let a = weighted(&e, "a", 1);
    let parked = weighted(&e, "parked", 0);
    let b = weighted(&e, "b", 1);
    // When selecting many times
    let got: Vec<_> = (0..50).map(|_| lease(&e, P, M).account).collect();
    // Then the parked account never serves, and the other two share evenly
    assert!(!got.contains(&parked), "{got:?}");
    assert_eq!(got.iter().filter(|x| **x == a).count(), 25);
    assert_eq!(got.iter().filter(|x| **x == b).count(), 25);
    // And the weight is kept as given, not raised to 1
    assert_eq!(e.with_state(|s| s.accounts[&parked].weight), 0);
}

#[test]
fn a_parked_account_is_not_chosen_even_when_it_is_the_last_one() {
    // Given only a parked account under weighted
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, with_strategy(Strategy::Weighted));
    weighted(&e, "parked", 0);
    // Then there is no account for the request
    let no = e.select(P, M, &SelectOpts::default()).unwrap_err();
    assert_eq!(no.earliest_at, None, "{no:?}");
    // And the same account is chosen under round robin, which has no weights
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, with_strategy(Strategy::RoundRobin));
    let parked = weighted(&e, "parked", 0);
    assert_eq!(lease(&e, P, M).account, parked);
}

#[test]
fn a_weighted_log_with_a_parked_account_replays_and_verifies() {
    // Given a weighted log where a parked account was passed over and then was alone
    let (_dir, db) = temp_db();
    let clock = ManualClock::at(T0);
    let e = engine_with(&db, &clock, with_strategy(Strategy::Weighted));
    let a = weighted(&e, "a", 1);
    weighted(&e, "parked", 0);
    for _ in 0..3 {
        lease(&e, P, M);
    }
    e.remove_account(a).unwrap();
    assert!(e.select(P, M, &SelectOpts::default()).is_err());
    e.flush_blocking().unwrap();
    drop(e);
    // Then replay --verify (with no configuration naming the strategy) reproduces every decision
    let o = rotor(&db, &["--json", "replay", "--verify"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(json(&o)["decisions"], 4);
}

#[test]
fn the_cli_refuses_a_negative_weight_with_a_clear_message() {
    let (_dir, db) = temp_db();
    add_key_account(&db, "openai", "a");
    for args in [
        &[
            "account",
            "add",
            "--provider",
            "openai",
            "--label",
            "b",
            "--api-key-env",
            "K",
            "--weight",
            "-1",
        ][..],
        &["account", "update", "a", "--weight", "-3"][..],
        &["account", "import", "auth.json", "--weight", "-1"][..],
    ] {
        let o = rotor_env(&db, args, &[("K", "sk-test-cli-b-0123456789abcdef")]);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {o:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("weight") && err.contains("0 or more"),
            "{args:?}: {err}"
        );
    }
    // Nothing was recorded by the refused commands
    let o = rotor(&db, &["--json", "account", "list"]);
    let rows = json(&o);
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows[0]["weight"], 1);
    // And weight 0 is accepted
    let o = rotor(&db, &["--json", "account", "update", "a", "--weight", "0"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(
        json(&rotor(&db, &["--json", "account", "list"]))[0]["weight"],
        0
    );
}

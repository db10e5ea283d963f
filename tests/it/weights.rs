//! Weights as the peers' users rely on them: weight 0 parks an account under `weighted` (never
//! chosen, even when it is the only one left), other strategies ignore weights, and a negative
//! weight is refused as an input error by the CLI (the library's weights are unsigned, and
//! `rotor serve` refuses one in `serve_errors`); `replay --explain` calls a parked account
//! parked, never eligible.

use rotor::time::ManualClock;
use rotor::{NewAccount, Provider, SelectOpts, Strategy};
use serde_json::Value;

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

#[test]
fn replay_explain_calls_a_parked_account_parked_not_eligible() {
    // Given a weighted configuration, accounts a and b, and b parked by the CLI
    let (dir, db) = temp_db();
    let conf = dir.path().join("weighted.toml");
    std::fs::write(&conf, "strategy = \"weighted\"\n").unwrap();
    let conf = conf.display().to_string();
    add_key_account(&db, "openai", "a");
    add_key_account(&db, "openai", "b");
    let o = rotor(&db, &["account", "update", "b", "--weight", "0"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let select = || {
        rotor(
            &db,
            &[
                "--config",
                &conf,
                "--json",
                "select",
                "--provider",
                "openai",
                "--model",
                M,
            ],
        )
    };
    // When a request is placed and explained (without the configuration)
    let o = select();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let request = json(&o)["request"].as_str().unwrap().to_string();
    let explain = |request: &str| {
        let o = rotor(&db, &["--json", "replay", "--explain", request]);
        assert_eq!(o.status.code(), Some(0), "{o:?}");
        json(&o)
    };
    let ex = explain(&request);
    // Then b is no eligible candidate but parked, as select decided, and a alone is scored
    let b = ex["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["label"] == "b")
        .unwrap()
        .clone();
    assert_eq!(
        (&b["eligible"], &b["reason"]),
        (&Value::Bool(false), &Value::from("parked")),
        "{ex}"
    );
    let why = ex["why"].as_str().unwrap();
    assert!(why.contains("b is parked (weight 0"), "{why}");
    assert!(!why.contains("b +"), "a parked account has no score: {why}");
    let text = stdout(&rotor(&db, &["replay", "--explain", &request]));
    let line = text.lines().find(|l| l.contains(" b ")).unwrap();
    assert!(line.contains("parked: weight 0"), "{text}");
    // When a is rate limited and nothing is left, the refusal says b is parked too
    let o = rotor(
        &db,
        &[
            "report",
            "--request",
            &request,
            "--status",
            "429",
            "--header",
            "retry-after: 600",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(select().status.code(), Some(3));
    let refused = records(&db)
        .into_iter()
        .find_map(|r| match r.event {
            rotor::event::Event::NoAccount(n) => Some(n.request.to_string()),
            _ => None,
        })
        .unwrap();
    let ex = explain(&refused);
    assert!(ex["why"].as_str().unwrap().contains("b is parked"), "{ex}");
    assert_eq!(ex["candidates"][1]["reason"], "parked", "{ex}");
}

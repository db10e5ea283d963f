//! Live changes to an account on a log in use: `rotor account update ID [--label] [--priority]
//! [--weight] [--models | --all-models] [--no-cooldown | --cooldown]` records `account_updated`
//! with the changed fields only, takes effect on the next `select`, and a weight change resets
//! that account's weighted-round-robin credit.

use std::path::Path;

use rotor::time::ManualClock;
use rotor::{AccountChanges, NewAccount, Provider, Strategy};
use serde_json::json;

use super::common::*;

const P: Provider = Provider::Openai;
const M: &str = "gpt-4o";

fn select_label(db: &Path, model: &str) -> String {
    let o = rotor(
        db,
        &["--json", "select", "--provider", "openai", "--model", model],
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    json(&o)["label"].as_str().unwrap().to_string()
}

#[test]
fn account_update_changes_settings_effective_on_the_next_select() {
    // Given a and b in tier 0
    let (_dir, db) = temp_db();
    add_key_account(&db, "openai", "a");
    add_key_account(&db, "openai", "b");
    // When b is renamed and moved to tier 1 with weight 3 and an allow-list
    let o = rotor(
        &db,
        &[
            "--json",
            "account",
            "update",
            "b",
            "--label",
            "bee",
            "--priority",
            "1",
            "--weight",
            "3",
            "--models",
            "gpt-4o,gpt-4o-mini",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    // Then the answer is the account as it is now
    let row = json(&o);
    assert_eq!(
        (
            &row["label"],
            &row["priority"],
            &row["weight"],
            &row["models"],
            &row["cooldown"]
        ),
        (
            &json!("bee"),
            &json!(1),
            &json!(3),
            &json!(["gpt-4o", "gpt-4o-mini"]),
            &json!(true)
        )
    );
    // And the log records the changed fields only
    let update = &logged(&db, "account_updated")[0];
    let mut keys: Vec<_> = update.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["account", "kind", "label", "models", "priority", "weight"]
    );
    // And the next selections use tier 0 first
    assert_eq!(select_label(&db, M), "a");
    assert_eq!(select_label(&db, M), "a");
    // When a's allow-list leaves gpt-4o out, bee (tier 1) serves gpt-4o
    let o = rotor(&db, &["account", "update", "a", "--models", "gpt-4o-mini"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(select_label(&db, M), "bee");
    // When a allows every model again, a serves it again
    let o = rotor(&db, &["account", "update", "a", "--all-models"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(select_label(&db, M), "a");
    // And the timeline says what changed, and replay --verify reproduces every decision
    let timeline = stdout(&rotor(&db, &["replay"]));
    assert!(
        timeline.contains("bee") && timeline.contains("weight 3"),
        "{timeline}"
    );
    let o = rotor(&db, &["--json", "replay", "--verify"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(json(&o)["decisions"], 4);
}

#[test]
fn account_update_refuses_what_it_cannot_do_and_records_nothing() {
    let (_dir, db) = temp_db();
    add_key_account(&db, "openai", "a");
    add_key_account(&db, "openai", "b");
    for (args, words) in [
        (
            &["account", "update", "nobody", "--weight", "2"][..],
            "nobody",
        ),
        (&["account", "update", "a"][..], "nothing to change"),
        (&["account", "update", "a", "--label", "b"][..], "already"),
        (&["account", "update", "a", "--label", " "][..], "label"),
        (
            &["account", "update", "a", "--cooldown", "--no-cooldown"][..],
            "cannot be used with",
        ),
        (
            &["account", "update", "a", "--models", "x", "--all-models"][..],
            "cannot be used with",
        ),
    ] {
        let o = rotor(&db, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {o:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(words), "{args:?}: {err}");
    }
    assert!(logged(&db, "account_updated").is_empty());
}

#[test]
fn a_weight_change_resets_that_accounts_weighted_credit() {
    // Given a (weight 5) and b (weight 1) under weighted, after three picks of a
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, with_strategy(Strategy::Weighted));
    let key = |l: &str| format!("sk-test-{l}-0123456789abcdef0123");
    let mut a = NewAccount::api_key(P, "a", &key("a"));
    a.weight = 5;
    let a = e.add_account(a).unwrap();
    let b = e
        .add_account(NewAccount::api_key(P, "b", &key("b")))
        .unwrap();
    let picks = |n| (0..n).map(|_| lease(&e, P, M).account).collect::<Vec<_>>();
    assert_eq!(picks(3), vec![a, a, a]);
    // (b has earned a credit of 3: kept, it would be chosen next)
    // When b's weight becomes 2
    let change = AccountChanges {
        weight: Some(2),
        ..Default::default()
    };
    e.change_account(b, change).unwrap();
    // Then b starts from no credit: smooth weighted round robin over 5:2 from a's credit of -3
    assert_eq!(picks(3), vec![a, b, a]);
    assert_eq!(e.with_state(|s| s.accounts[&b].weight), 2);
}

#[test]
fn a_label_change_through_the_library_refuses_a_taken_label() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a, _b] = add_keys(&e, P, &["a", "b"])[..] else {
        unreachable!()
    };
    let change = AccountChanges {
        label: Some("b".into()),
        ..Default::default()
    };
    let err = e.change_account(a, change).unwrap_err().to_string();
    assert!(err.contains("already"), "{err}");
    let nothing = AccountChanges::default();
    assert!(
        e.change_account(a, nothing).is_err(),
        "an empty change is refused"
    );
}

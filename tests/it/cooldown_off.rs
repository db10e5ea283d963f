//! Cooldowns switched off, globally (`cooldown.disabled = true`) or per account (`account update
//! --no-cooldown`): failures are still classified and logged with the block they would have
//! put in force, nothing is skipped for it, and `selected` says which block it looked past and
//! why. The switch is recorded on the events, so `replay --verify` needs no configuration.

use rotor::parse::Headers;
use rotor::time::ManualClock;
use rotor::{Config, Outcome, Provider, SelectOpts};
use serde_json::Value;

use super::common::*;

const P: Provider = Provider::Openai;
const M: &str = "gpt-4o";

fn rate_limited(secs: u64) -> Outcome {
    let h: Headers = [("retry-after", secs.to_string())].into_iter().collect();
    Outcome::failure(
        429,
        h,
        r#"{"error":{"type":"rate_limit_error","message":"slow down"}}"#,
    )
}

#[test]
fn with_cooldowns_disabled_a_rate_limited_account_keeps_its_turn() {
    // Given cooldowns disabled in configuration and two accounts in round robin
    let (_dir, db) = temp_db();
    let clock = ManualClock::at(T0);
    let cfg = Config::from_toml("[cooldown]\ndisabled = true\n").unwrap();
    let e = engine_with(&db, &clock, cfg);
    let [a, b] = add_keys(&e, P, &["a", "b"])[..] else {
        unreachable!()
    };
    // When a is rate limited for ten minutes
    let l = lease(&e, P, M);
    assert_eq!(l.account, a);
    let r = e.report(&l, rate_limited(600)).unwrap();
    // Then the failure is classified and the block it would have caused is reported
    assert_eq!(r.error.as_ref().unwrap().kind.as_str(), "rate_limit");
    assert_eq!(r.block.as_ref().unwrap().until, t("2026-01-01T00:10:00Z"));
    // And a keeps its turn in the rotation
    let got: Vec<_> = (0..4).map(|_| lease(&e, P, M).account).collect();
    assert_eq!(got, vec![b, a, b, a]);
    e.flush_blocking().unwrap();
    // And the log holds the classified failure with its block, and each selection of a says
    // which block it looked past and that the configuration switched cooldowns off
    let failed = &logged(&db, "request_failed")[0];
    assert_eq!(failed["error"]["kind"], "rate_limit");
    assert_eq!(failed["block"]["reason"], "rate_limit");
    let selected = logged(&db, "selected");
    assert!(
        selected.iter().all(|s| s["cooldown_disabled"] == true),
        "{selected:?}"
    );
    let of_a: Vec<_> = selected
        .iter()
        .filter(|s| s["account"] == a.to_string())
        .skip(1)
        .collect();
    assert_eq!(of_a.len(), 2);
    for s in of_a {
        let ignored = &s["cooldown_ignored"];
        assert_eq!(ignored["reason"], "rate_limit", "{s}");
        assert_eq!(ignored["until"], "2026-01-01T00:10:00.000Z", "{s}");
        assert_eq!(ignored["by"], "config", "{s}");
    }
    // And the selections of b, which looked past nothing, say nothing
    let of_b = selected.iter().filter(|s| s["account"] == b.to_string());
    assert!(of_b.clone().all(|s| s.get("cooldown_ignored").is_none()));
    drop(e);
    // And replay --verify reproduces every decision without the configuration
    let o = rotor(&db, &["--json", "replay", "--verify"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(json(&o)["decisions"], 5);
}

#[test]
fn with_cooldowns_on_the_same_failure_blocks() {
    // The control: the default configuration skips the rate-limited account.
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Config::default());
    let [a, b] = add_keys(&e, P, &["a", "b"])[..] else {
        unreachable!()
    };
    let l = lease(&e, P, M);
    assert_eq!(l.account, a);
    e.report(&l, rate_limited(600)).unwrap();
    let got: Vec<_> = (0..3).map(|_| lease(&e, P, M).account).collect();
    assert_eq!(got, vec![b, b, b]);
}

#[test]
fn cooldowns_off_for_one_account_leave_the_others_blocking() {
    // Given a and b, with cooldowns off for a only
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Config::default());
    let [a, b] = add_keys(&e, P, &["a", "b"])[..] else {
        unreachable!()
    };
    let off = rotor::AccountChanges {
        cooldown: Some(false),
        ..Default::default()
    };
    e.change_account(a, off).unwrap();
    // When both are rate limited
    for _ in 0..2 {
        let l = lease(&e, P, M);
        e.report(&l, rate_limited(600)).unwrap();
    }
    // Then only a is still chosen
    let got: Vec<_> = (0..3).map(|_| lease(&e, P, M).account).collect();
    assert_eq!(got, vec![a, a, a]);
    // When its cooldowns are switched back on, its block (still in force) holds it too
    let on = rotor::AccountChanges {
        cooldown: Some(true),
        ..Default::default()
    };
    e.change_account(a, on).unwrap();
    let no = e.select(P, M, &SelectOpts::default()).unwrap_err();
    assert_eq!(no.skipped.len(), 2, "{no:?}");
    let _ = b;
}

#[test]
fn the_cli_switches_one_accounts_cooldowns_off_and_on_and_replay_verifies() {
    // Given a and b added by the CLI, a's cooldowns switched off
    let (_dir, db) = temp_db();
    add_key_account(&db, "openai", "a");
    add_key_account(&db, "openai", "b");
    let o = rotor(&db, &["--json", "account", "update", "a", "--no-cooldown"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(json(&o)["cooldown"], false);
    let select = || {
        let o = rotor(
            &db,
            &["--json", "select", "--provider", "openai", "--model", M],
        );
        assert_eq!(o.status.code(), Some(0), "{o:?}");
        json(&o)["label"].as_str().unwrap().to_string()
    };
    // When a and b are both rate limited for ten minutes
    for label in ["a", "b"] {
        let o = rotor(
            &db,
            &[
                "report",
                "--account",
                label,
                "--model",
                M,
                "--status",
                "429",
                "--header",
                "retry-after: 600",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{o:?}");
    }
    // Then a still serves, and its selection says it looked past a block because of the account
    assert_eq!(select(), "a");
    let last = logged(&db, "selected").pop().unwrap();
    assert_eq!(last["cooldown_ignored"]["by"], "account", "{last}");
    assert_eq!(last["cooldown_ignored"]["reason"], "rate_limit", "{last}");
    // And account list shows the switch
    let rows = json(&rotor(&db, &["--json", "account", "list"]));
    let a_row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["label"] == "a")
        .unwrap();
    assert_eq!(a_row["cooldown"], false, "{a_row}");
    // When a's cooldowns are back on, nothing is available
    let o = rotor(&db, &["--json", "account", "update", "a", "--cooldown"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let o = rotor(
        &db,
        &["--json", "select", "--provider", "openai", "--model", M],
    );
    assert_eq!(o.status.code(), Some(3), "{o:?}");
    // And the update events carry the switch, and replay --verify agrees with every decision
    let updates: Vec<_> = logged(&db, "account_updated")
        .into_iter()
        .map(|u| u["cooldown"].clone())
        .collect();
    assert_eq!(updates, vec![Value::Bool(false), Value::Bool(true)]);
    let o = rotor(&db, &["--json", "replay", "--verify"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(json(&o)["decisions"], 2);
}

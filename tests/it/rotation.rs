//! Round robin and per-model blocks through the public API and the CLI (issue: foundation).

use std::time::Duration;

use rotor::parse::Headers;
use rotor::time::ManualClock;
use rotor::{Outcome, Provider, SelectOpts};

use super::common::*;

#[test]
fn round_robin_gives_each_account_in_turn() {
    let clock = ManualClock::at(T0);
    let (_d, db) = temp_db();
    let e = engine_at(&db, &clock);
    let ids = add_keys(&e, Provider::Openai, &["a", "b", "c"]);
    let picks: Vec<_> = (0..6)
        .map(|_| {
            e.select(Provider::Openai, "gpt-4o", &SelectOpts::default())
                .unwrap()
                .account
        })
        .collect();
    assert_eq!(picks, [ids[0], ids[1], ids[2], ids[0], ids[1], ids[2]]);
}

#[test]
fn a_429_with_retry_after_blocks_one_model_of_one_account_until_then() {
    let clock = ManualClock::at(T0);
    let (_d, db) = temp_db();
    let e = engine_at(&db, &clock);
    let ids = add_keys(&e, Provider::Openai, &["a", "b", "c"]);
    let lease = e
        .select(Provider::Openai, "gpt-4o", &SelectOpts::default())
        .unwrap();
    assert_eq!(lease.account, ids[0]);
    let headers: Headers = [("retry-after", "120")].into_iter().collect();
    e.report(&lease, Outcome::failure(429, headers, ""))
        .unwrap();

    // Blocked for gpt-4o: rotation skips it, for the whole 120 s.
    for _ in 0..4 {
        let l = e
            .select(Provider::Openai, "gpt-4o", &SelectOpts::default())
            .unwrap();
        assert_ne!(l.account, ids[0]);
    }
    // Not blocked for another model.
    let other = e
        .select(Provider::Openai, "gpt-4o-mini", &SelectOpts::default())
        .unwrap();
    assert_eq!(other.account, ids[0]);

    let status = rotor::status::status(&e.state(), clock_now(&clock));
    let a = &status.accounts[0];
    assert_eq!(a.blocks.len(), 1);
    assert_eq!(a.blocks[0].model.as_deref(), Some("gpt-4o"));
    assert_eq!(a.blocks[0].until, Some(t("2026-01-01T00:02:00Z")));

    clock.advance(Duration::from_secs(119));
    let picks: Vec<_> = (0..3)
        .map(|_| {
            e.select(Provider::Openai, "gpt-4o", &SelectOpts::default())
                .unwrap()
                .account
        })
        .collect();
    assert!(!picks.contains(&ids[0]));
    clock.advance(Duration::from_secs(1));
    let picks: Vec<_> = (0..3)
        .map(|_| {
            e.select(Provider::Openai, "gpt-4o", &SelectOpts::default())
                .unwrap()
                .account
        })
        .collect();
    assert!(
        picks.contains(&ids[0]),
        "selectable again once the block ends"
    );
}

fn clock_now(c: &ManualClock) -> rotor::time::Timestamp {
    use rotor::time::Clock;
    c.now()
}

#[test]
fn cli_shows_the_block_in_status_and_lifts_it_after_until() {
    let (_d, db) = temp_db();
    let env = [
        ("KEY_A", "sk-test-a-0123456789abcdef"),
        ("KEY_B", "sk-test-b-0123456789abcdef"),
        ("KEY_C", "sk-test-c-0123456789abcdef"),
    ];
    for l in ["a", "b", "c"] {
        let var = format!("KEY_{}", l.to_uppercase());
        let o = rotor_env(
            &db,
            &[
                "account",
                "add",
                "--provider",
                "openai",
                "--label",
                l,
                "--api-key-env",
                &var,
                "--json",
            ],
            &env,
        );
        assert!(o.status.success(), "{o:?}");
        assert_eq!(json(&o)["label"], l);
    }
    let sel = |at: &str| {
        json(&rotor(
            &db,
            &[
                "select",
                "--provider",
                "openai",
                "--model",
                "gpt-4o",
                "--at",
                at,
                "--json",
            ],
        ))
    };
    let labels: Vec<_> = (0..3)
        .map(|_| sel(T0)["label"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(labels, ["a", "b", "c"]);

    let o = rotor(
        &db,
        &[
            "report",
            "--account",
            "a",
            "--model",
            "gpt-4o",
            "--status",
            "429",
            "--header",
            "Retry-After: 120",
            "--at",
            T0,
        ],
    );
    assert!(o.status.success(), "{o:?}");

    let st = json(&rotor(
        &db,
        &["status", "--json", "--at", "2026-01-01T00:01:00Z"],
    ));
    let a = st["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["label"] == "a")
        .unwrap();
    assert_eq!(
        a["blocks"],
        serde_json::json!([{"model": "gpt-4o", "reason": "rate_limit", "until": "2026-01-01T00:02:00.000Z"}])
    );

    // Inside the block: a is skipped; b and c alternate.
    let inside: Vec<_> = (0..4)
        .map(|_| {
            sel("2026-01-01T00:01:00Z")["label"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(!inside.contains(&"a".to_string()), "{inside:?}");
    // After it: a is back, and the status lists no block.
    let after: Vec<_> = (0..3)
        .map(|_| {
            sel("2026-01-01T00:02:00Z")["label"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(after.contains(&"a".to_string()), "{after:?}");
    let st = json(&rotor(
        &db,
        &["status", "--json", "--at", "2026-01-01T00:02:00Z"],
    ));
    assert!(st["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["blocks"].as_array().unwrap().is_empty()));
}

#[test]
fn cli_exit_3_and_earliest_at_when_every_account_is_blocked() {
    let (_d, db) = temp_db();
    let o = rotor_env(
        &db,
        &[
            "account",
            "add",
            "--provider",
            "claude",
            "--label",
            "solo",
            "--api-key-env",
            "K",
        ],
        &[("K", "sk-ant-api03-test-0123456789")],
    );
    assert!(o.status.success());
    rotor(
        &db,
        &[
            "report",
            "--account",
            "solo",
            "--model",
            "opus",
            "--status",
            "429",
            "--header",
            "retry-after: 30",
            "--at",
            T0,
        ],
    );
    let o = rotor(
        &db,
        &[
            "select",
            "--provider",
            "claude",
            "--model",
            "opus",
            "--at",
            T0,
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(3));
    let v = json(&o);
    assert_eq!(v["error"], "no_account");
    assert_eq!(v["earliest_at"], "2026-01-01T00:00:30.000Z");
    assert_eq!(v["skipped"][0]["reason"], "rate_limit");
}

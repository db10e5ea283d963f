//! An OAuth account whose access token has expired is not a candidate: `select` skips it as
//! `expired` and asks for its refresh (`refresh_due{why: expired}`, run at once on a tokio
//! runtime, else left to the scheduler); it serves again once a refresh succeeds. An account
//! that can never be refreshed (no refresh token, or no refresher configured for its provider)
//! says so in `status` and `account list` (`cannot_refresh`), and selecting past it asks nothing.

use std::time::Duration;

use rotor::event::RefreshWhy;
use rotor::time::{add, ManualClock};
use rotor::{Config, NewAccount, Provider, SelectOpts};
use serde_json::Value;

use super::common::*;
use super::fake_oauth::FakeOAuth;
use super::refresh_engine::{add_claude, engine};

const C: Provider = Provider::Claude;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_skipped_refreshed_and_then_serves_again() {
    // Given "soon" whose token expires a minute after T0, and "later" good for a day
    let fake = FakeOAuth::start().await;
    let (_dir, db) = temp_db();
    let clock = ManualClock::at(T0);
    let e = engine(&db, &clock, &fake, Config::default());
    let (soon, _) = add_claude(&e, &fake, "soon", Duration::from_secs(60));
    let (later, _) = add_claude(&e, &fake, "later", Duration::from_secs(86_400));
    // When two minutes pass and a request is placed
    clock.advance(Duration::from_secs(120));
    let l = e.select(C, "opus", &SelectOpts::default()).unwrap();
    // Then "later" serves, and the decision records "soon" skipped as expired
    assert_eq!(l.account, later);
    e.flush().await.unwrap();
    let selected = logged(&db, "selected");
    let skipped = &selected.last().unwrap()["skipped"];
    assert_eq!(skipped[0]["account"], soon.to_string(), "{skipped}");
    assert_eq!(skipped[0]["reason"], "expired", "{skipped}");
    // And the selection asked for that refresh
    let due = logged(&db, "refresh_due");
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(
        (&due[0]["account"], &due[0]["why"]),
        (&Value::from(soon.to_string()), &Value::from("expired"))
    );
    // When the refresh it started ends (joined here, so exactly one runs)
    e.refresh_now(soon, RefreshWhy::Expired).await.unwrap();
    assert_eq!(fake.requests(C), 1);
    assert_eq!(e.with_state(|s| s.accounts[&soon].generation), 2);
    // Then "soon" serves again
    let got: Vec<_> = (0..2)
        .map(|_| e.select(C, "opus", &SelectOpts::default()).unwrap().account)
        .collect();
    assert!(got.contains(&soon), "{got:?}");
}

#[test]
fn without_a_runtime_the_refresh_is_asked_once_and_left_to_the_scheduler() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt.block_on(FakeOAuth::start());
    let (_dir, db) = temp_db();
    let clock = ManualClock::at(T0);
    let e = engine(&db, &clock, &fake, Config::default());
    let (soon, _) = add_claude(&e, &fake, "soon", Duration::from_secs(60));
    clock.advance(Duration::from_secs(61));
    // When the only account has expired, nothing is available, and no time is promised
    let no = e.select(C, "opus", &SelectOpts::default()).unwrap_err();
    assert_eq!(no.earliest_at, None, "{no:?}");
    assert_eq!(no.skipped.len(), 1, "{no:?}");
    // And selecting again does not ask a second time
    assert!(e.select(C, "opus", &SelectOpts::default()).is_err());
    e.flush_blocking().unwrap();
    let due = logged(&db, "refresh_due");
    assert_eq!(due.len(), 1, "{due:?}");
    // And the scheduler's next pass runs it, after which the account serves
    assert_eq!(
        e.due_for_refresh(add(t(T0), Duration::from_secs(61))).due,
        vec![soon]
    );
    rt.block_on(e.refresh_due(RefreshWhy::Scheduled));
    assert_eq!(
        e.select(C, "opus", &SelectOpts::default()).unwrap().account,
        soon
    );
}

#[test]
fn an_expired_token_that_cannot_be_refreshed_is_skipped_without_asking() {
    // Given a Claude account with no refresh token, expired at T0
    let (_dir, db) = temp_db();
    let clock = ManualClock::at(T0);
    let e = engine_with(&db, &clock, Config::default());
    let stuck = NewAccount::oauth(
        C,
        "stuck",
        "sk-ant-oat01-test-stuck-0123456789",
        None,
        Some(t(T0)),
    );
    e.add_account(stuck).unwrap();
    // When a request is placed
    let no = e.select(C, "opus", &SelectOpts::default()).unwrap_err();
    // Then it is skipped as expired, and no refresh is asked for (none could run)
    assert_eq!(
        serde_json::to_value(no.skipped[0].reason).unwrap(),
        "expired"
    );
    e.flush_blocking().unwrap();
    assert!(logged(&db, "refresh_due").is_empty());
}

#[test]
fn status_and_account_list_name_accounts_that_can_never_be_refreshed() {
    // Given an expired Claude token without a refresh token, a Claude token with one, an
    // Antigravity token with one but no Antigravity client configured, and an API key
    let (_dir, db) = temp_db();
    let conf = add_refreshability_mix(&db, "2025-06-01T00:00:00Z");
    // Then account list says which can never be refreshed, and why
    let rows = json(&rotor(
        &db,
        &["--config", &conf, "--json", "account", "list"],
    ));
    let why = |rows: &Value, label: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["label"] == label)
            .unwrap()["cannot_refresh"]
            .clone()
    };
    assert!(
        why(&rows, "stuck")
            .as_str()
            .unwrap()
            .contains("no refresh token"),
        "{rows}"
    );
    assert!(
        why(&rows, "ag").as_str().unwrap().contains("antigravity"),
        "{rows}"
    );
    assert_eq!(why(&rows, "fine"), Value::Null);
    assert_eq!(
        why(&rows, "key"),
        Value::Null,
        "an API key needs no refresh"
    );
    // And status says the same, and shows the expired token as holding the whole account
    let view = json(&rotor(&db, &["--config", &conf, "--json", "status"]));
    let accounts = &view["accounts"];
    assert!(
        why(accounts, "stuck")
            .as_str()
            .unwrap()
            .contains("no refresh token"),
        "{view}"
    );
    let stuck = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["label"] == "stuck")
        .unwrap();
    assert_eq!(stuck["blocks"][0]["reason"], "expired", "{stuck}");
    assert_eq!(stuck["blocks"][0]["model"], Value::Null, "{stuck}");
    // And the human forms say it in words
    let list = stdout(&rotor(&db, &["--config", &conf, "account", "list"]));
    let line = list.lines().find(|l| l.contains("stuck")).unwrap();
    assert!(line.contains("cannot refresh"), "{list}");
    let table = stdout(&rotor(&db, &["--config", &conf, "status"]));
    assert!(table.contains("cannot refresh"), "{table}");
    // And selecting Claude passes over the expired one
    let o = rotor(
        &db,
        &[
            "--json",
            "select",
            "--provider",
            "claude",
            "--model",
            "opus",
        ],
    );
    assert_eq!(json(&o)["label"], "fine");
}

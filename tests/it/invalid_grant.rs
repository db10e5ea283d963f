//! `invalid_grant` reported by a provider's API (not its token endpoint): authentication at
//! account scope. On an OAuth account the grant behind it is dead, so the account is disabled as
//! `needs_reauth` at once (no refresh is asked for: it would meet the same dead grant); an
//! API-key account is only blocked for the authentication cooldown. Library and CLI.

use std::time::Duration;

use rotor::event::{DisableReason, Event};
use rotor::parse::{ErrorKind, Headers, Scope};
use rotor::state::AccountStatus;
use rotor::time::{add, ManualClock};
use rotor::{NewAccount, Outcome, Provider, SelectOpts};

use super::common::*;

const P: Provider = Provider::Antigravity;
const M: &str = "gemini-3-pro-preview";
/// As CLIProxyAPI's Antigravity executor reports it (its conductor tests).
const INVALID_GRANT: &str = r#"{"type":"error","error":{"type":"invalid_request_error","message":"{\"error\":\"invalid_grant\"}"}}"#;

fn oauth(label: &str) -> NewAccount {
    let refresh = format!("1//refresh-{label}-0123456789abcdef");
    NewAccount::oauth(
        P,
        label,
        &format!("ya29.access-{label}-0123456789abcdef"),
        Some(refresh.as_str()),
        Some(add(t(T0), Duration::from_secs(3600))),
    )
}

#[test]
fn invalid_grant_from_the_api_sends_an_oauth_account_to_re_authentication() {
    let (_dir, db) = temp_db();
    let clock = ManualClock::at(T0);
    let e = engine_at(&db, &clock);
    let dead = e.add_account(oauth("dead")).unwrap();
    // Given a request leased to the only OAuth account
    let l = lease(&e, P, M);
    let live = e.add_account(oauth("live")).unwrap();
    // When the API answers 400 invalid_grant
    let r = e
        .report(&l, Outcome::failure(400, Headers::new(), INVALID_GRANT))
        .unwrap();
    // Then it is authentication at account scope, and no refresh is asked for
    let err = r.error.unwrap();
    assert_eq!(
        (err.kind, err.scope, r.refresh_due),
        (ErrorKind::Authentication, Scope::Account, false)
    );
    // And the account waits for a new sign-in, the other serves
    e.with_state(|s| {
        assert_eq!(
            s.accounts[&dead].status,
            AccountStatus::Disabled(DisableReason::NeedsReauth)
        )
    });
    for _ in 0..3 {
        assert_eq!(lease(&e, P, M).account, live);
    }
    // And the log says so after the failure: account_disabled{needs_reauth}, no refresh_due
    e.flush_blocking().unwrap();
    let after: Vec<Event> = records(&db)
        .into_iter()
        .map(|r| r.event)
        .skip_while(|ev| !matches!(ev, Event::RequestFailed(_)))
        .collect();
    assert!(
        matches!(
            after.get(1),
            Some(Event::AccountDisabled {
                reason: DisableReason::NeedsReauth,
                ..
            })
        ),
        "{after:#?}"
    );
    assert!(!after
        .iter()
        .any(|ev| matches!(ev, Event::RefreshDue { .. })));
}

#[test]
fn invalid_grant_on_an_api_key_account_is_an_authentication_block() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["key"])[..] else {
        unreachable!()
    };
    let r = e
        .report(
            &lease(&e, P, M),
            Outcome::failure(400, Headers::new(), INVALID_GRANT),
        )
        .unwrap();
    let b = r.block.unwrap();
    assert_eq!(
        (b.scope, b.reason.as_str(), b.until),
        (Scope::Account, "authentication", t("2026-01-01T00:30:00Z"))
    );
    e.with_state(|s| assert_eq!(s.accounts[&a].status, AccountStatus::Active));
    assert!(e
        .select(P, "gemini-3-flash", &SelectOpts::default())
        .is_err());
}

#[test]
fn rotor_report_of_invalid_grant_lists_the_account_as_needs_reauth() {
    let (dir, db) = temp_db();
    let add = [
        "account",
        "add",
        "--provider",
        "antigravity",
        "--label",
        "g",
        "--access-token",
        "ya29.cli-access-0123456789abcdef",
        "--refresh-token",
        "1//cli-refresh-0123456789abcdef",
        "--expires-at",
        "2030-01-01T00:00:00Z",
    ];
    assert!(rotor(&db, &add).status.success());
    let body = dir.path().join("body.json");
    std::fs::write(&body, INVALID_GRANT).unwrap();
    let o = rotor(
        &db,
        &[
            "--json",
            "report",
            "--account",
            "g",
            "--model",
            M,
            "--status",
            "400",
            "--body",
            body.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{o:?}");
    let v = json(&o);
    assert_eq!(
        (&v["error"], &v["refresh_due"]),
        (
            &serde_json::json!("authentication"),
            &serde_json::json!(false)
        )
    );
    let list = json(&rotor(&db, &["--json", "account", "list"]));
    assert_eq!(list[0]["status"], "needs_reauth", "{list}");
}

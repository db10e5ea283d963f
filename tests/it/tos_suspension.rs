//! A Terms-of-Service suspension reported by the API disables the account for good
//! (`account_disabled{permission}`, recorded right after the failure; no refresh asked for, not
//! even on OAuth), while an ordinary permission error only blocks it. Library and CLI.

use rotor::event::{DisableReason, Event};
use rotor::parse::{ErrorKind, Headers, Scope};
use rotor::state::AccountStatus;
use rotor::time::ManualClock;
use rotor::{NewAccount, Outcome, Provider};

use super::common::*;

const P: Provider = Provider::Antigravity;
const M: &str = "gemini-3-pro-preview";
/// Google's answer to an account suspended for a Terms-of-Service violation (corpus case
/// `antigravity/tos-violation`).
const TOS_403: &str = r#"{"error":{"code":403,"message":"This service has been disabled in this account for violation of Terms of Service. Please submit an appeal to continue using this product.","status":"PERMISSION_DENIED"}}"#;
/// A 403 that is only about what the caller may do.
const PLAIN_403: &str = r#"{"error":{"code":403,"message":"The caller does not have permission","status":"PERMISSION_DENIED"}}"#;

#[test]
fn a_terms_of_service_suspension_disables_the_oauth_account_as_permission() {
    let (_dir, db) = temp_db();
    let clock = ManualClock::at(T0);
    let e = engine_at(&db, &clock);
    let suspended = e
        .add_account(NewAccount::oauth(
            P,
            "suspended",
            "ya29.access-suspended-0123456789abcdef",
            Some("1//refresh-suspended-0123456789abcdef"),
            None,
        ))
        .unwrap();
    // Given a request leased to the only account
    let l = lease(&e, P, M);
    let [other] = add_keys(&e, P, &["other"])[..] else {
        unreachable!()
    };
    // When the API says it was suspended for a Terms-of-Service violation
    let r = e
        .report(&l, Outcome::failure(403, Headers::new(), TOS_403))
        .unwrap();
    // Then it is a permission error of the account that disables it, with no refresh asked for
    let err = r.error.unwrap();
    assert_eq!(
        (err.kind, err.scope, err.disables_account, r.refresh_due),
        (ErrorKind::Permission, Scope::Account, true, false)
    );
    e.with_state(|s| {
        assert_eq!(
            s.accounts[&suspended].status,
            AccountStatus::Disabled(DisableReason::Permission)
        )
    });
    for _ in 0..3 {
        assert_eq!(lease(&e, P, M).account, other);
    }
    // And the log records account_disabled{permission} right after the failure
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
                account,
                reason: DisableReason::Permission,
            }) if *account == suspended
        ),
        "{after:#?}"
    );
}

#[test]
fn an_ordinary_permission_error_blocks_the_account_without_disabling_it() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [a] = add_keys(&e, P, &["a"])[..] else {
        unreachable!()
    };
    let r = e
        .report(
            &lease(&e, P, M),
            Outcome::failure(403, Headers::new(), PLAIN_403),
        )
        .unwrap();
    let err = r.error.unwrap();
    assert_eq!(
        (err.kind, err.disables_account),
        (ErrorKind::Permission, false)
    );
    assert_eq!(r.block.map(|b| b.scope), Some(Scope::Account));
    e.with_state(|s| assert_eq!(s.accounts[&a].status, AccountStatus::Active));
}

#[test]
fn rotor_report_of_a_suspension_disables_the_account_for_permission() {
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
    ];
    assert!(rotor(&db, &add).status.success());
    let body = dir.path().join("body.json");
    std::fs::write(&body, TOS_403).unwrap();
    let report = [
        "--json",
        "report",
        "--account",
        "g",
        "--model",
        M,
        "--status",
        "403",
        "--body",
        body.to_str().unwrap(),
    ];
    let o = rotor(&db, &report);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(json(&o)["error"], "permission");
    let list = json(&rotor(&db, &["--json", "account", "list"]));
    assert_eq!(list[0]["status"], "disabled", "{list}");
    let disabled: Vec<_> = records(&db)
        .into_iter()
        .filter_map(|r| match r.event {
            Event::AccountDisabled { reason, .. } => Some(reason),
            _ => None,
        })
        .collect();
    assert_eq!(disabled, [DisableReason::Permission]);
}

//! `rotor report --network-error connect|timeout|reset` and `rotor report --cancelled`: the
//! outcomes with no HTTP status, from the CLI. A network error is `transient` (the account
//! cools down briefly); a cancelled request is no fault of the account and blocks nothing.

use std::path::Path;

use serde_json::Value;

use super::common::*;

const M: &str = "gpt-4o";

fn select(db: &Path) -> Value {
    let o = rotor(
        db,
        &[
            "--json",
            "select",
            "--provider",
            "openai",
            "--model",
            M,
            "--at",
            T0,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    json(&o)
}

#[test]
fn each_network_error_is_a_transient_failure_that_cools_the_account_down() {
    for kind in ["connect", "timeout", "reset"] {
        // Given one account leased for a request
        let (_dir, db) = temp_db();
        add_key_account(&db, "openai", "a");
        let request = select(&db)["request"].as_str().unwrap().to_string();
        // When the request ends in a network error
        let o = rotor(
            &db,
            &[
                "--json",
                "report",
                "--request",
                &request,
                "--network-error",
                kind,
                "--at",
                T0,
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{kind}: {o:?}");
        // Then it is a transient failure with the transient cooldown (1 min by default)
        let r = json(&o);
        assert_eq!(r["error"], "transient", "{kind}: {r}");
        assert_eq!(r["block"]["reason"], "transient", "{kind}: {r}");
        assert_eq!(
            r["block"]["until"], "2026-01-01T00:01:00.000Z",
            "{kind}: {r}"
        );
        // And the log says which network error it was, with no HTTP status
        let failed = &logged(&db, "request_failed")[0];
        assert_eq!(failed["request"], request.as_str());
        assert_eq!(failed["error"]["status"], Value::Null, "{failed}");
        let message = failed["error"]["message"].as_str().unwrap();
        assert!(message.contains(kind), "{kind}: {message}");
        // And the account is skipped until then
        let o = rotor(
            &db,
            &[
                "--json",
                "select",
                "--provider",
                "openai",
                "--model",
                M,
                "--at",
                T0,
            ],
        );
        assert_eq!(o.status.code(), Some(3), "{o:?}");
    }
}

#[test]
fn a_cancelled_request_blocks_nothing() {
    // Given one account leased for a request
    let (_dir, db) = temp_db();
    add_key_account(&db, "openai", "a");
    let request = select(&db)["request"].as_str().unwrap().to_string();
    // When the caller gave up on it
    let o = rotor(
        &db,
        &[
            "--json",
            "report",
            "--request",
            &request,
            "--cancelled",
            "--at",
            T0,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let r = json(&o);
    assert_eq!(
        (&r["error"], &r["block"], &r["cancelled"]),
        (&Value::Null, &Value::Null, &Value::Bool(true)),
        "{r}"
    );
    // Then the log records a cancel, and the account is chosen again at once
    assert_eq!(
        logged(&db, "request_cancelled")[0]["request"],
        request.as_str()
    );
    assert!(logged(&db, "request_failed").is_empty());
    assert_eq!(select(&db)["label"], "a");
    // And a request is reported once, whatever the outcome
    let o = rotor(
        &db,
        &["report", "--request", &request, "--network-error", "reset"],
    );
    assert_eq!(o.status.code(), Some(2), "{o:?}");
}

#[test]
fn outcomes_are_exclusive_and_network_errors_are_named() {
    let (_dir, db) = temp_db();
    add_key_account(&db, "openai", "a");
    let request = select(&db)["request"].as_str().unwrap().to_string();
    for args in [
        &["--network-error", "dns"][..],
        &["--network-error", "timeout", "--status", "500"][..],
        &["--cancelled", "--success"][..],
        &["--cancelled", "--network-error", "reset"][..],
    ] {
        let mut full = vec!["report", "--request", &request];
        full.extend_from_slice(args);
        let o = rotor(&db, &full);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {o:?}");
    }
    // The refused reports recorded nothing, so the request can still be reported
    let o = rotor(
        &db,
        &[
            "report",
            "--request",
            &request,
            "--network-error",
            "connect",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let err = String::from_utf8_lossy(
        &rotor(
            &db,
            &["report", "--request", &request, "--network-error", "dns"],
        )
        .stderr,
    )
    .to_string();
    assert!(
        err.contains("connect") && err.contains("timeout") && err.contains("reset"),
        "{err}"
    );
}

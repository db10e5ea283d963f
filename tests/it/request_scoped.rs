//! Errors that belong to the request, not the account, block nothing: a Codex "item not
//! persisted" 404, a policy refusal a gateway wrapped in a 502 and an OpenAI-compatible 401 about
//! a parameter leave the account selectable, through the library and `rotor report`; a 404 about
//! the model, beside them, still blocks that model.

use rotor::parse::{ErrorKind, Headers};
use rotor::time::{Clock, ManualClock};
use rotor::{Outcome, Provider};

use super::common::*;

const ITEM_NOT_PERSISTED: &str = r#"{"error":{"message":"Item with id 'rs_0b5f3eb6f51f175c0169ca74e4a85881998539920821603a74' not found. Items are not persisted when `store` is set to false. Try again with `store` set to true, or remove this item from your input.","type":"invalid_request_error","param":"input","code":null}}"#;
const CYBER_POLICY_502: &str = r#"{"error":{"type":"invalid_request","code":"cyber_policy","message":"This content was flagged for possible cybersecurity risk."}}"#;
const PARAMETER_401: &str =
    r#"{"error":{"message":"Invalid request parameter","type":"invalid_request_error"}}"#;

#[test]
fn request_scoped_failures_block_nothing_and_a_model_404_still_does() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, Default::default());
    let [codex] = add_keys(&e, Provider::Codex, &["c"])[..] else {
        unreachable!()
    };
    let [openai] = add_keys(&e, Provider::Openai, &["o"])[..] else {
        unreachable!()
    };
    let cases = [
        (
            Provider::Codex,
            codex,
            "gpt-5-codex",
            404,
            ITEM_NOT_PERSISTED,
        ),
        (Provider::Codex, codex, "gpt-5-codex", 502, CYBER_POLICY_502),
        (Provider::Openai, openai, "gpt-4o", 401, PARAMETER_401),
    ];
    for (provider, account, model, status, body) in cases {
        // Given the only account of its provider
        let l = lease(&e, provider, model);
        assert_eq!(l.account, account);
        // When the provider answers with an error about the request itself
        let r = e
            .report(&l, Outcome::failure(status, Headers::new(), body))
            .unwrap();
        // Then it is classified as the caller's, puts no block in force and asks no refresh
        let kind = r.error.as_ref().map(|e| e.kind);
        assert_eq!(kind, Some(ErrorKind::InvalidRequest), "{status} {body}");
        assert_eq!((r.block, r.refresh_due), (None, false), "{status} {body}");
        assert_eq!(until_of(&e, account, model, clock.now()), None);
        // And the next request is leased to the same account
        assert_eq!(lease(&e, provider, model).account, account);
    }
    // A 404 about the model itself still blocks that model (for 12 h).
    let l = lease(&e, Provider::Openai, "gpt-9");
    let body = r#"{"error":{"message":"The model `gpt-9` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}"#;
    e.report(&l, Outcome::failure(404, Headers::new(), body))
        .unwrap();
    assert_eq!(
        until_of(&e, openai, "gpt-9", clock.now()).map(|(r, u)| (r.as_str(), u)),
        Some(("not_found", t("2026-01-01T12:00:00Z")))
    );
}

#[test]
fn rotor_report_of_a_wrapped_policy_refusal_blocks_nothing() {
    let (dir, db) = temp_db();
    add_key_account(&db, "codex", "c");
    let body = dir.path().join("body.json");
    std::fs::write(&body, CYBER_POLICY_502).unwrap();
    let o = rotor(
        &db,
        &[
            "--json",
            "report",
            "--account",
            "c",
            "--model",
            "gpt-5-codex",
            "--status",
            "502",
            "--body",
            body.to_str().unwrap(),
            "--at",
            T0,
        ],
    );
    assert!(o.status.success(), "{o:?}");
    let v = json(&o);
    assert_eq!(
        (&v["error"], &v["block"]),
        (
            &serde_json::json!("invalid_request"),
            &serde_json::Value::Null
        )
    );
    let st = json(&rotor(&db, &["status", "--json", "--at", T0]));
    assert_eq!(st["accounts"][0]["blocks"], serde_json::json!([]));
}

//! `rotor report` and `rotor classify` classify through the provider parsers: a Codex
//! `usage_limit_reached` blocks the whole account until `resets_at`; a Google
//! `RESOURCE_EXHAUSTED` with `retryDelay` blocks one model for that long.

use super::common::*;

fn blocks(db: &std::path::Path, at: &str, label: &str) -> serde_json::Value {
    let st = json(&rotor(db, &["status", "--json", "--at", at]));
    st["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["label"] == label)
        .unwrap()["blocks"]
        .clone()
}

#[test]
fn codex_usage_limit_blocks_the_whole_account_until_resets_at() {
    let (dir, db) = temp_db();
    add_key_account(&db, "codex", "plus");
    add_key_account(&db, "codex", "pro");
    let body = dir.path().join("body.json");
    // resets_at = 2026-01-01T03:00:00Z
    std::fs::write(&body, r#"{"error":{"type":"usage_limit_reached","message":"The usage limit has been reached","plan_type":"plus","resets_at":1767236400}}"#).unwrap();
    let o = rotor(
        &db,
        &[
            "report",
            "--account",
            "plus",
            "--model",
            "gpt-5-codex",
            "--status",
            "429",
            "--body",
            body.to_str().unwrap(),
            "--at",
            T0,
        ],
    );
    assert!(o.status.success(), "{o:?}");
    assert_eq!(
        blocks(&db, "2026-01-01T01:00:00Z", "plus"),
        serde_json::json!([{"model": null, "reason": "quota_exceeded", "until": "2026-01-01T03:00:00.000Z"}])
    );
    // Every model of that account is skipped; the other account serves, turn after turn.
    for model in ["gpt-5-codex", "gpt-5", "gpt-5-codex", "gpt-5"] {
        let v = json(&rotor(
            &db,
            &[
                "select",
                "--provider",
                "codex",
                "--model",
                model,
                "--at",
                "2026-01-01T02:59:59Z",
                "--json",
            ],
        ));
        assert_eq!(v["label"], "pro", "{model}");
    }
    assert_eq!(
        blocks(&db, "2026-01-01T03:00:00Z", "plus"),
        serde_json::json!([])
    );
}

#[test]
fn google_retry_delay_blocks_one_model_for_that_long() {
    let (dir, db) = temp_db();
    add_key_account(&db, "antigravity", "g1");
    let body = dir.path().join("body.json");
    std::fs::write(&body, r#"{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED","domain":"cloudcode-pa.googleapis.com"},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"34.5s"}]}}"#).unwrap();
    let o = rotor(
        &db,
        &[
            "report",
            "--account",
            "g1",
            "--model",
            "gemini-2.5-pro",
            "--status",
            "429",
            "--body",
            body.to_str().unwrap(),
            "--at",
            T0,
        ],
    );
    assert!(o.status.success(), "{o:?}");
    assert_eq!(
        blocks(&db, T0, "g1"),
        serde_json::json!([{"model": "gemini-2.5-pro", "reason": "rate_limit", "until": "2026-01-01T00:00:34.500Z"}])
    );
    let v = json(&rotor(
        &db,
        &[
            "select",
            "--provider",
            "antigravity",
            "--model",
            "gemini-2.5-flash",
            "--at",
            T0,
            "--json",
        ],
    ));
    assert_eq!(v["label"], "g1", "another model is not blocked");
    let o = rotor(
        &db,
        &[
            "select",
            "--provider",
            "antigravity",
            "--model",
            "gemini-2.5-pro",
            "--at",
            T0,
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(3));
}

#[test]
fn classify_prints_the_spec_fields_relative_to_at() {
    let (dir, db) = temp_db();
    let body = dir.path().join("b.json");
    std::fs::write(&body, r#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}"#).unwrap();
    let o = rotor(
        &db,
        &[
            "classify",
            "--provider",
            "claude",
            "--status",
            "429",
            "--header",
            "retry-after: 30",
            "--body",
            body.to_str().unwrap(),
            "--at",
            T0,
            "--json",
        ],
    );
    assert!(o.status.success(), "{o:?}");
    assert_eq!(
        json(&o),
        serde_json::json!({"kind": "rate_limit", "scope": "model", "retry_after_s": 30, "reset_at": "2026-01-01T00:00:30.000Z",
            "retryable": true, "code": "rate_limit_error",
            "message": "Number of request tokens has exceeded your per-minute rate limit"})
    );
    assert!(!db.exists(), "classify needs no log and creates none");
    let o = rotor(&db, &["classify", "--provider", "nope", "--status", "429"]);
    assert_eq!(o.status.code(), Some(2));
}

//! Property: whatever a credential file holds (generated CLIProxyAPI, Codex CLI and Claude Code
//! shapes with hostile values: huge or negative numbers, absurd dates, empty strings, wrong
//! types), importing it never panics, and every event it writes decodes back from the log.

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::common::*;

/// A value of any JSON type, biased to the edges a reader trips on.
fn hostile_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop_oneof![
            Just(i64::MAX),
            Just(i64::MIN),
            Just(0),
            Just(253_402_300_799_999)
        ]
        .prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        "[a-zA-Z0-9._@:+-]{0,40}".prop_map(Value::String),
        prop_oneof![
            Just("9999-12-31T23:59:59-01:00"),
            Just("0000-01-01T00:00:00+01:00"),
            Just("2026-03-01T12:00:00.000500Z"),
            Just(""),
            Just("   "),
            Just("eyJhbGciOiJub25lIn0.eyJleHAiOjk5OTk5OTk5OTk5OX0.x"),
        ]
        .prop_map(|s| Value::String(s.into())),
    ]
}

/// An object with some of `keys`, each holding a hostile value.
fn object(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    proptest::collection::vec((proptest::sample::select(keys), hostile_value()), 0..8).prop_map(
        |pairs| {
            let map: Map<String, Value> =
                pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            Value::Object(map)
        },
    )
}

const CLIPROXY: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "expired",
    "expire",
    "timestamp",
    "expires_in",
    "email",
    "account_id",
    "project_id",
];
const CLAUDE_CODE: &[&str] = &[
    "accessToken",
    "refreshToken",
    "expiresAt",
    "subscriptionType",
];
const CODEX: &[&str] = &["access_token", "refresh_token", "id_token", "account_id"];

fn credential_file() -> impl Strategy<Value = Value> {
    let kinds =
        proptest::sample::select(&["claude", "codex", "antigravity", "gemini", "qwen", ""][..]);
    // Half the files hold a usable token, so their other fields reach the account's event.
    let token = proptest::option::of(Just("tok-FAKE-0123456789"));
    prop_oneof![
        (object(CLIPROXY), kinds, token.clone()).prop_map(|(mut o, kind, token)| {
            o["type"] = json!(kind);
            if let Some(t) = token {
                o["access_token"] = json!(t);
            }
            o
        }),
        (object(CLAUDE_CODE), token).prop_map(|(mut o, token)| {
            if let Some(t) = token {
                o["accessToken"] = json!(t);
            }
            json!({ "claudeAiOauth": o })
        }),
        (object(CODEX), hostile_value())
            .prop_map(|(o, key)| json!({"tokens": o, "OPENAI_API_KEY": key})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_credential_file_imports_or_is_refused_and_its_events_decode(file in credential_file()) {
        let (dir, db) = temp_db();
        let path = dir.path().join("auth.json");
        std::fs::write(&path, file.to_string()).unwrap();
        let e = rotor::Engine::open(&db).unwrap();
        if let Ok(found) = rotor::import::read_import_paths(&[path]) {
            for f in &found {
                if let rotor::import::Found::Credential { credential, .. } = f {
                    let _ = e.import_credential(credential, 0, 1);
                }
            }
        }
        e.flush_blocking().unwrap();
        drop(e);
        let conn = rotor::store::open_read_only(&db).unwrap();
        let read = rotor::store::read::all_events(&conn, rotor::store::Unknown::Fail);
        prop_assert!(read.is_ok(), "{file}: {:?}", read.err());
    }
}

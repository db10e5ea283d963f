//! A log written with every peer-parity setting (a weighted strategy, a model alias and a
//! reasoning-effort variant, a `[[rules]]` rule that decided a failure, one account's cooldowns
//! switched off, account updates) is verified by `rotor replay --verify` with no configuration
//! at all: everything a decision depended on is on its events.

use serde_json::Value;

use super::common::*;

/// What the log was written with.
const CONFIG: &str = r#"
strategy = "weighted"
[model_alias]
fast = "gpt-4o"
[model_variants]
suffixes = ["-high"]
[[rules]]
name = "gateway busy"
provider = "openai"
status = 400
message = "gateway busy"
kind = "rate_limit"
wait = "10m"
"#;

/// A 400 the parser alone calls the request's fault (it would block nothing).
const BUSY: &str =
    r#"{"error":{"message":"The gateway busy signal was raised","type":"invalid_request_error"}}"#;

#[test]
fn a_log_with_aliases_rules_cooldowns_off_and_updates_verifies_without_its_config() {
    // Given a log written under that configuration: a, b, c; a's weight raised, c's cooldowns off
    let (dir, db) = temp_db();
    let conf = dir.path().join("parity.toml");
    std::fs::write(&conf, CONFIG).unwrap();
    let conf = conf.display().to_string();
    let body = dir.path().join("busy.json");
    std::fs::write(&body, BUSY).unwrap();
    let body = body.display().to_string();
    let run = |args: &[&str], code: i32| {
        let mut full = vec!["--config", &conf, "--json"];
        full.extend_from_slice(args);
        let o = rotor(&db, &full);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {o:?}");
        o
    };
    for label in ["a", "b", "c"] {
        add_key_account(&db, "openai", label);
    }
    run(&["account", "update", "a", "--weight", "3"], 0);
    run(&["account", "update", "c", "--no-cooldown"], 0);
    let select =
        |model: &str, code: i32| run(&["select", "--provider", "openai", "--model", model], code);
    // When three requests are placed, the weights share them out (round robin would not)
    let labels: Vec<Value> = (0..3)
        .map(|_| json(&select("gpt-4o", 0))["label"].clone())
        .collect();
    assert_eq!(labels, ["a", "b", "a"]);
    // When a request asked by its alias fails with what the rule turns into a rate limit
    let lease = json(&select("fast", 0));
    let request = lease["request"].as_str().unwrap();
    run(
        &[
            "report",
            "--request",
            request,
            "--status",
            "400",
            "--body",
            &body,
        ],
        0,
    );
    // And the other accounts fail the same way
    for label in ["a", "b", "c"].into_iter().filter(|l| *l != lease["label"]) {
        let failed = [
            "report",
            "--account",
            label,
            "--model",
            "gpt-4o",
            "--status",
            "400",
            "--body",
            &body,
        ];
        run(&failed, 0);
    }
    // Then c alone serves, by the alias, the variant and the model's own name
    for model in ["fast", "gpt-4o-high", "gpt-4o"] {
        assert_eq!(json(&select(model, 0))["label"], "c");
    }
    // And with c's cooldowns back on, nothing is left
    run(&["account", "update", "c", "--cooldown"], 0);
    select("fast", 3);
    // And the log holds each of those facts
    let failed = logged(&db, "request_failed");
    assert_eq!(failed.len(), 3, "{failed:?}");
    for f in &failed {
        assert_eq!(f["rule"]["name"], "gateway busy", "{f}");
        assert_eq!(f["error"]["kind"], "rate_limit", "{f}");
    }
    let selected = logged(&db, "selected");
    assert_eq!(selected[3]["asked_model"], "fast", "{}", selected[3]);
    assert_eq!(selected[5]["asked_model"], "gpt-4o-high", "{}", selected[5]);
    assert!(selected.iter().all(|s| s["model"] == "gpt-4o"));
    assert!(selected.iter().all(|s| s["strategy"] == "weighted"));
    assert_eq!(
        selected[6]["cooldown_ignored"]["by"], "account",
        "{}",
        selected[6]
    );
    assert_eq!(logged(&db, "account_updated").len(), 3);
    assert_eq!(logged(&db, "no_account").len(), 1);
    // When the log is verified with no configuration (no --config, no rotor.toml beside it)
    assert!(!dir.path().join("rotor.toml").exists());
    let o = rotor(&db, &["--json", "replay", "--verify"]);
    // Then every decision is reproduced
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(json(&o)["decisions"], 8, "{}", stdout(&o));
    // And explain tells the story of the last lease without it too
    let last = selected[6]["request"].as_str().unwrap();
    let o = rotor(&db, &["--json", "replay", "--explain", last]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let why = json(&o)["why"].as_str().unwrap().to_string();
    assert!(
        why.contains("weighted picked c") && why.contains("cooldowns were off for this account"),
        "{why}"
    );
}

//! `[[rules]]` in the configuration: a rule matches provider / status / code / message text and
//! sets the kind, scope or wait of a failure before its block is decided. The rule that matched
//! is recorded on the `request_failed` event, so the log replays (and `replay --verify`
//! verifies) without the configuration that wrote it. Bad rules are config errors naming the key.

use rotor::event::Event;
use rotor::parse::{ErrorKind, Headers, Scope};
use rotor::time::{Clock, ManualClock};
use rotor::{Config, Outcome, Provider};

use super::common::*;

pub const CAPACITY_RULE: &str = r#"
[[rules]]
name = "gateway capacity"
provider = "openai"
status = 400
message = "at capacity"
kind = "rate_limit"
wait = "10s"
"#;
/// A gateway's 400 that the built-in parser calls the caller's fault.
pub const CAPACITY_400: &str = r#"{"error":{"message":"The model gpt-4o is at capacity right now, try later.","type":"invalid_request_error","param":null,"code":null}}"#;

fn failure(status: u16, body: &str) -> Outcome {
    Outcome::failure(status, Headers::new(), body.to_string())
}

/// The `rule` recorded on the last `request_failed` event of the log at `db`.
fn recorded_rule(db: &std::path::Path) -> serde_json::Value {
    let failed = records(db)
        .into_iter()
        .rev()
        .find_map(|r| match r.event {
            Event::RequestFailed(f) => Some(f),
            _ => None,
        })
        .expect("a request_failed event");
    serde_json::to_value(&failed).unwrap()["rule"].clone()
}

#[test]
fn a_rule_makes_a_gateways_capacity_400_a_ten_second_rate_limit_that_replays_without_it() {
    let (_dir, db) = temp_db();
    let clock = ManualClock::at(T0);
    let cfg = Config::from_toml(CAPACITY_RULE).unwrap();
    let (a, b) = {
        let e = engine_with(&db, &clock, cfg);
        let [a, b] = add_keys(&e, Provider::Openai, &["a", "b"])[..] else {
            unreachable!()
        };
        // Given a request on a
        let l = lease(&e, Provider::Openai, "gpt-4o");
        assert_eq!(l.account, a);
        // When the gateway answers its capacity 400
        let r = e.report(&l, failure(400, CAPACITY_400)).unwrap();
        // Then the rule made it a retryable model-scope rate_limit blocked for 10 s
        let err = r.error.unwrap();
        assert_eq!(
            (err.kind, err.scope, err.retryable),
            (ErrorKind::RateLimit, Scope::Model, true)
        );
        let block = r.block.unwrap();
        assert_eq!(
            (block.reason.as_str(), block.until),
            ("rate_limit", t("2026-01-01T00:00:10Z"))
        );
        assert_eq!(lease(&e, Provider::Openai, "gpt-4o").account, b);
        e.flush_blocking().unwrap();
        (a, b)
    };
    // And the event names the rule
    let rule = recorded_rule(&db);
    assert_eq!(
        (&rule["index"], &rule["name"]),
        (
            &serde_json::json!(0),
            &serde_json::json!("gateway capacity")
        ),
        "{rule}"
    );
    // And the log, reopened with no rules at all, has the same block
    let e = engine_at(&db, &clock);
    assert_eq!(
        until_of(&e, a, "gpt-4o", clock.now()).map(|(r, u)| (r.as_str(), u)),
        Some(("rate_limit", t("2026-01-01T00:00:10Z")))
    );
    assert_eq!(until_of(&e, b, "gpt-4o", clock.now()), None);
    // Without the rule the same answer is the caller's fault and blocks nothing.
    let r = e
        .report(
            &lease(&e, Provider::Openai, "gpt-4o"),
            failure(400, CAPACITY_400),
        )
        .unwrap();
    assert_eq!(
        (r.error.map(|e| e.kind), r.block),
        (Some(ErrorKind::InvalidRequest), None)
    );
}

#[test]
fn a_rule_makes_one_404_request_scoped_and_leaves_other_404s_and_providers_alone() {
    let cfg = Config::from_toml(
        r#"
[[rules]]
provider = "codex"
status = 404
message = "conversation not found"
kind = "invalid_request"
"#,
    )
    .unwrap();
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, cfg);
    let [c] = add_keys(&e, Provider::Codex, &["c"])[..] else {
        unreachable!()
    };
    let [o] = add_keys(&e, Provider::Openai, &["o"])[..] else {
        unreachable!()
    };
    let scoped = r#"{"detail":"Conversation not found"}"#;
    // The matching 404 blocks nothing...
    let r = e
        .report(&lease(&e, Provider::Codex, "gpt-5"), failure(404, scoped))
        .unwrap();
    assert_eq!(
        (r.error.map(|e| e.kind), r.block),
        (Some(ErrorKind::InvalidRequest), None)
    );
    assert_eq!(until_of(&e, c, "gpt-5", clock.now()), None);
    // ...another Codex 404 still blocks the model...
    e.report(
        &lease(&e, Provider::Codex, "gpt-5"),
        failure(404, r#"{"detail":"Not Found"}"#),
    )
    .unwrap();
    assert_eq!(
        until_of(&e, c, "gpt-5", clock.now()).map(|(r, _)| r.as_str()),
        Some("not_found")
    );
    // ...and the same words from another provider are not the rule's business.
    e.report(&lease(&e, Provider::Openai, "gpt-4o"), failure(404, scoped))
        .unwrap();
    assert_eq!(
        until_of(&e, o, "gpt-4o", clock.now()).map(|(r, _)| r.as_str()),
        Some("not_found")
    );
}

#[test]
fn a_rule_can_widen_the_scope_and_match_on_the_code() {
    let cfg = Config::from_toml(
        r#"
[[rules]]
provider = "glm"
code = "1302"
scope = "account"
wait = "2m"
"#,
    )
    .unwrap();
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, cfg);
    let [g] = add_keys(&e, Provider::Glm, &["g"])[..] else {
        unreachable!()
    };
    let body = r#"{"error":{"code":"1302","message":"您的账户已达到速率限制，请您控制请求频率"}}"#;
    let r = e
        .report(&lease(&e, Provider::Glm, "glm-4.6"), failure(429, body))
        .unwrap();
    let b = r.block.unwrap();
    assert_eq!(
        (b.scope, b.reason.as_str(), b.until),
        (Scope::Account, "rate_limit", t("2026-01-01T00:02:00Z"))
    );
    assert_eq!(
        until_of(&e, g, "glm-4.5-air", clock.now()).map(|(_, u)| u),
        Some(t("2026-01-01T00:02:00Z"))
    );
}

#[test]
fn rules_that_match_everything_set_nothing_or_name_no_kind_are_errors_naming_the_key() {
    let err = |text: &str| Config::from_toml(text).unwrap_err().to_string();
    let e = err("[[rules]]\nkind = \"rate_limit\"\n");
    assert!(e.contains("rules") && e.contains("match"), "{e}");
    let e = err("[[rules]]\nstatus = 404\n");
    assert!(e.contains("rules") && e.contains("sets nothing"), "{e}");
    let e = err("[[rules]]\nstatus = 404\nkind = \"slow\"\n");
    assert!(e.contains("`rules.kind`") && e.contains("slow"), "{e}");
    let e = err("[[rules]]\nstatus = 404\nscope = \"everything\"\n");
    assert!(e.contains("`rules.scope`"), "{e}");
    let e = err("[[rules]]\nstatus = 404\nwait = \"soon\"\n");
    assert!(e.contains("`rules.wait`") && e.contains("soon"), "{e}");
    let e = err("[[rules]]\nstatus = 404\nkind = \"invalid_request\"\nstatuz = 1\n");
    assert!(e.contains("statuz"), "{e}");
}

#[test]
fn cli_report_applies_the_rules_of_its_config_and_replay_verify_needs_none() {
    let (dir, db) = temp_db();
    let conf_dir = dir.path().join("conf");
    std::fs::create_dir(&conf_dir).unwrap();
    let conf = conf_dir.join("rules.toml");
    std::fs::write(&conf, CAPACITY_RULE).unwrap();
    let conf = conf.to_str().unwrap();
    for l in ["a", "b"] {
        add_key_account(&db, "openai", l);
    }
    let body = dir.path().join("body.json");
    std::fs::write(&body, CAPACITY_400).unwrap();
    let o = rotor(
        &db,
        &[
            "--config",
            conf,
            "--json",
            "report",
            "--account",
            "a",
            "--model",
            "gpt-4o",
            "--status",
            "400",
            "--body",
            body.to_str().unwrap(),
            "--at",
            T0,
        ],
    );
    assert!(o.status.success(), "{o:?}");
    let v = json(&o);
    assert_eq!(v["error"], "rate_limit", "{v}");
    assert_eq!(v["block"]["until"], "2026-01-01T00:00:10.000Z", "{v}");
    assert_eq!(recorded_rule(&db)["name"], "gateway capacity");
    // Decisions taken while the rule's block holds, then verified with no configuration.
    for at in ["2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z"] {
        let v = json(&rotor(
            &db,
            &[
                "--json",
                "select",
                "--provider",
                "openai",
                "--model",
                "gpt-4o",
                "--at",
                at,
            ],
        ));
        assert_eq!(v["label"], "b", "{v}");
    }
    let o = rotor(&db, &["replay", "--verify"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    // `classify` shows what a report would record, rule included.
    let v = json(&rotor(
        &db,
        &[
            "--config",
            conf,
            "--json",
            "classify",
            "--provider",
            "openai",
            "--status",
            "400",
            "--body",
            body.to_str().unwrap(),
            "--at",
            T0,
        ],
    ));
    assert_eq!(
        (&v["kind"], &v["retry_after_s"], &v["rule"]["parsed_kind"]),
        (
            &serde_json::json!("rate_limit"),
            &serde_json::json!(10),
            &serde_json::json!("invalid_request")
        ),
        "{v}"
    );
}

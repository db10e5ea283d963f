//! The hostile reset times of real reports, through the CLI: a Claude unified reset of 1e15, a
//! Codex `resets_at` of 1e15, Antigravity stamps past year 9999 and before year 0, `--at` at the
//! end of year 9999; afterwards every command still works. And a sub-millisecond reset is kept
//! live exactly as the log keeps it, so live decisions and a replay agree.

use rotor::parse::Headers;
use rotor::state::State;
use rotor::time::ManualClock;
use rotor::{Outcome, Provider};
use serde_json::json;

use super::common::*;

/// Runs `rotor --db db` with `args` (space-separated; no argument holds a space) and expects
/// exit 0.
fn ok(db: &std::path::Path, args: &str) -> std::process::Output {
    let args: Vec<&str> = args.split_whitespace().collect();
    let o = rotor(db, &args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

#[test]
fn the_hostile_reset_times_of_real_reports_leave_every_command_working() {
    let (dir, db) = temp_db();
    for (provider, label) in [
        ("claude", "c"),
        ("codex", "x"),
        ("antigravity", "g"),
        ("openai", "o"),
    ] {
        add_key_account(&db, provider, label);
    }
    let body = |name: &str, body: serde_json::Value| {
        let p = dir.path().join(name);
        std::fs::write(&p, body.to_string()).unwrap();
        p.display().to_string()
    };
    let codex = body(
        "codex.json",
        json!({"error": {"type": "usage_limit_reached", "message": "The usage limit has been reached",
            "resets_at": 1e15}}),
    );
    let google = |stamp: &str| {
        json!({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "Resource has been exhausted",
            "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "QUOTA_EXHAUSTED",
                "metadata": {"quotaResetTimeStamp": stamp}}]}})
    };
    let late = body("late.json", google("9999-12-31T23:59:59-01:00"));
    let early = body("early.json", google("0000-01-01T00:00:00+01:00"));
    let reports = [
        "--account c --model claude-sonnet-4-5 --status 429 \
         --header anthropic-ratelimit-unified-status:rejected \
         --header anthropic-ratelimit-unified-reset:1000000000000000"
            .to_string(),
        format!("--account x --model gpt-5-codex --status 429 --body {codex}"),
        format!("--account g --model gemini-3-pro --status 429 --body {late}"),
        format!("--account g --model gemini-2.5-flash --status 429 --body {early}"),
        "--account o --model gpt-4o --status 429 --header retry-after:3600 \
         --at 9999-12-31T23:59:00Z"
            .to_string(),
    ];
    for args in &reports {
        let o = ok(&db, &format!("report --json {args}"));
        // Every block is at most 8 days long (so in this decade), or ends with year 9999.
        let until = json(&o)["block"]["until"]
            .as_str()
            .unwrap_or("")
            .to_string();
        assert!(
            until.starts_with("20") || until == "9999-12-31T23:59:59.999Z",
            "{until}"
        );
    }
    // A time no event can hold is refused as typed.
    let o = rotor(
        &db,
        &[
            "report",
            "--account",
            "o",
            "--model",
            "gpt-4o",
            "--success",
            "--at",
            "0000-01-01T00:00:00+01:00",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("out of range"),
        "{o:?}"
    );

    for args in [
        "status",
        "status --json",
        "replay",
        "replay --verify",
        "events",
    ] {
        ok(&db, args);
    }
    ok(&db, "select --provider openai --model gpt-4o-mini");
    ok(
        &db,
        "select --provider claude --model claude-opus-4-1 --at 9999-12-31T23:59:59.999Z",
    );
    // A new writer opens the log and adds to it; the log still replays.
    add_key_account(&db, "openai", "o2");
    ok(&db, "replay --verify");
    assert!(records(&db).len() >= 12);
}

#[test]
fn a_sub_millisecond_reset_is_kept_live_exactly_as_the_log_keeps_it() {
    let (_d, db) = temp_db();
    let clock = ManualClock::at(T0);
    let e = engine_at(&db, &clock);
    let key = |l: &str| format!("sk-ant-{l}-0123456789abcdef");
    let first = e
        .add_account(rotor::NewAccount::api_key(
            Provider::Claude,
            "first",
            &key("first"),
        ))
        .unwrap();
    let mut backup = rotor::NewAccount::api_key(Provider::Claude, "backup", &key("backup"));
    backup.priority = 1;
    e.add_account(backup).unwrap();
    let l = lease(&e, Provider::Claude, "claude-sonnet-4-5");
    assert_eq!(l.account, first);
    let h: Headers = [
        ("anthropic-ratelimit-unified-status", "rejected"),
        (
            "anthropic-ratelimit-unified-reset",
            "2026-01-01T00:00:05.000500Z",
        ),
    ]
    .into_iter()
    .collect();
    let body = r#"{"type":"error","error":{"type":"rate_limit_error","message":"limit reached"}}"#;
    e.report(&l, Outcome::failure(429, h, body)).unwrap();
    // The log keeps the reset as 00:00:05.000, so at that instant the first account is free
    // again: the live engine must decide exactly as a replay of the log will.
    clock.set(t("2026-01-01T00:00:05Z"));
    let next = lease(&e, Provider::Claude, "claude-sonnet-4-5");
    e.flush_blocking().unwrap();
    assert_eq!(next.account, first);
    assert_eq!(e.state(), State::fold(&records(&db)));
    drop(e);
    let o = rotor(&db, &["replay", "--verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

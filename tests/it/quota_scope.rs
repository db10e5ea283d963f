//! Quota observations keep the scope the provider meant, through the CLI: OpenAI's per-model
//! `x-ratelimit-*` headers bind only the model that was served, Codex's primary window binds the
//! whole account; `clear --model` lifts everything that model's skip depends on; and `status`
//! says, for every (account, model), exactly what `select` does.

use std::path::Path;

use serde_json::Value;

use super::common::*;

const AT: &str = "2026-01-01T00:01:00Z";

fn add_openai(db: &Path, label: &str) {
    let key = format!("sk-test-{label}-quota-scope-0123456789");
    let o = rotor_env(
        db,
        &[
            "account",
            "add",
            "--provider",
            "openai",
            "--label",
            label,
            "--api-key-env",
            "KEY",
        ],
        &[("KEY", key.as_str())],
    );
    assert!(o.status.success(), "{o:?}");
}

fn add_codex(db: &Path, label: &str) {
    let o = rotor(
        db,
        &[
            "account",
            "add",
            "--provider",
            "codex",
            "--label",
            label,
            "--access-token",
            "codex-access-quota-scope-0123456789",
            "--refresh-token",
            "codex-refresh-quota-scope-0123456789",
            "--expires-at",
            "2030-01-01T00:00:00Z",
        ],
    );
    assert!(o.status.success(), "{o:?}");
}

/// `rotor report` for (account, model) at T0 with `extra` arguments; must succeed.
fn report(db: &Path, account: &str, model: &str, extra: &[&str]) {
    let mut args = vec!["report", "--account", account, "--model", model, "--at", T0];
    args.extend_from_slice(extra);
    let o = rotor(db, &args);
    assert!(o.status.success(), "{o:?}");
}

/// OpenAI's 429 for gpt-4o with the headers it always sends: requests used up for 6 minutes.
fn openai_429(db: &Path, account: &str) {
    let body = db.with_file_name("429.json");
    std::fs::write(
        &body,
        r#"{"error":{"message":"Rate limit reached for gpt-4o in organization org-x on requests per day (RPD): Limit 10000, Used 10000, Requested 1.","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#,
    )
    .unwrap();
    let mut args = vec!["--status", "429", "--body", body.to_str().unwrap()];
    for h in [
        "x-ratelimit-limit-requests: 10000",
        "x-ratelimit-remaining-requests: 0",
        "x-ratelimit-reset-requests: 6m0s",
        "x-ratelimit-limit-tokens: 30000000",
        "x-ratelimit-remaining-tokens: 29999000",
        "x-ratelimit-reset-tokens: 2ms",
    ] {
        args.extend(["--header", h]);
    }
    report(db, account, "gpt-4o", &args);
}

/// `select --dry-run` at `AT`: `None` when an account is leased, else the first skip's
/// (reason, until).
fn dry_select(db: &Path, provider: &str, model: &str) -> Option<(String, Value)> {
    let o = rotor(
        db,
        &[
            "select",
            "--provider",
            provider,
            "--model",
            model,
            "--at",
            AT,
            "--dry-run",
            "--json",
        ],
    );
    match o.status.code() {
        Some(0) => None,
        Some(3) => {
            let skip = &json(&o)["skipped"][0];
            Some((
                skip["reason"].as_str().unwrap().to_string(),
                skip["until"].clone(),
            ))
        }
        _ => panic!("{o:?}"),
    }
}

fn status_json(db: &Path) -> Value {
    let o = rotor(db, &["status", "--at", AT, "--json"]);
    assert!(o.status.success(), "{o:?}");
    json(&o)
}

/// What `status` says of (`label`, `model`): its skip entry for the model, else the account's
/// own block (model null), else nothing (available).
fn status_says(status: &Value, label: &str, model: &str) -> Option<(String, Value)> {
    let account = status["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["label"] == label)
        .unwrap();
    let of = |v: &Value| {
        (
            v["reason"].as_str().unwrap().to_string(),
            v["until"].clone(),
        )
    };
    let skipped = account["skipped"].as_array().into_iter().flatten();
    let blocks = account["blocks"].as_array().into_iter().flatten();
    skipped
        .clone()
        .find(|s| s["model"] == model)
        .map(of)
        .or_else(|| blocks.clone().find(|b| b["model"].is_null()).map(of))
}

/// For every model: `status` names the skip `select` makes (reason and until), or none.
fn assert_status_agrees_with_select(db: &Path, provider: &str, label: &str, models: &[&str]) {
    let status = status_json(db);
    for m in models {
        assert_eq!(
            status_says(&status, label, m),
            dry_select(db, provider, m),
            "status vs select for ({label}, {m}): {status:#}"
        );
    }
}

#[test]
fn an_openai_429_with_per_model_headers_blocks_that_model_only() {
    let (_d, db) = temp_db();
    add_openai(&db, "a");
    openai_429(&db, "a");
    // gpt-4o waits out the stated 6 minutes; the account's other models are not its limit.
    assert_eq!(
        dry_select(&db, "openai", "gpt-4o"),
        Some(("rate_limit".into(), "2026-01-01T00:06:00.000Z".into()))
    );
    assert_eq!(dry_select(&db, "openai", "gpt-4o-mini"), None);
    // The observation is recorded on the model it belongs to.
    let failed = records(&db)
        .into_iter()
        .find(|r| r.event.kind() == "request_failed")
        .unwrap();
    let data = serde_json::to_value(&failed.event).unwrap();
    let quota = data["quota"].as_array().unwrap();
    assert_eq!(quota.len(), 2, "{data:#}");
    assert!(quota.iter().all(|o| o["model"] == "gpt-4o"), "{data:#}");
    assert_status_agrees_with_select(&db, "openai", "a", &["gpt-4o", "gpt-4o-mini"]);
}

#[test]
fn a_success_that_uses_up_a_models_window_is_a_predicted_skip_status_shows() {
    let (_d, db) = temp_db();
    add_openai(&db, "a");
    let mut args = vec!["--success"];
    for h in [
        "x-ratelimit-limit-requests: 500",
        "x-ratelimit-remaining-requests: 0",
        "x-ratelimit-reset-requests: 2m30s",
    ] {
        args.extend(["--header", h]);
    }
    report(&db, "a", "o3", &args);
    assert_eq!(
        dry_select(&db, "openai", "o3"),
        Some(("quota_predicted".into(), "2026-01-01T00:02:30.000Z".into()))
    );
    assert_eq!(dry_select(&db, "openai", "gpt-4o"), None);
    assert_status_agrees_with_select(&db, "openai", "a", &["o3", "gpt-4o"]);
    let table = stdout(&rotor(&db, &["status", "--at", AT]));
    let row = table.lines().find(|l| l.contains(" o3 ")).unwrap();
    assert!(row.contains("quota_predicted"), "{table}");
    assert!(table.contains("1/1 accounts available"), "{table}");
}

#[test]
fn an_account_wide_window_used_up_shows_as_the_accounts_skip_in_status() {
    let (_d, db) = temp_db();
    add_codex(&db, "c");
    let mut args = vec!["--success"];
    for h in [
        "x-codex-primary-used-percent: 100",
        "x-codex-primary-window-minutes: 300",
        "x-codex-primary-reset-after-seconds: 3600",
    ] {
        args.extend(["--header", h]);
    }
    report(&db, "c", "gpt-5", &args);
    // The ChatGPT plan's window is the account's: every model waits for its reset.
    let until: Value = "2026-01-01T01:00:00.000Z".into();
    for m in ["gpt-5", "gpt-5-codex"] {
        assert_eq!(
            dry_select(&db, "codex", m),
            Some(("quota_predicted".into(), until.clone()))
        );
    }
    assert_status_agrees_with_select(&db, "codex", "c", &["gpt-5", "gpt-5-codex"]);
    let table = stdout(&rotor(&db, &["status", "--at", AT]));
    let row = table.lines().find(|l| l.contains("(account)")).unwrap();
    assert!(row.contains("quota_predicted"), "{table}");
    assert!(table.contains("0/1 accounts available"), "{table}");
}

#[test]
fn clear_model_lifts_everything_that_models_skip_depends_on() {
    let (_d, db) = temp_db();
    // OpenAI: the model's block and its used-up window.
    add_openai(&db, "a");
    openai_429(&db, "a");
    report(
        &db,
        "a",
        "o3",
        &["--status", "429", "--header", "retry-after: 600"],
    );
    let o = rotor(&db, &["clear", "a", "--model", "gpt-4o"]);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(dry_select(&db, "openai", "gpt-4o"), None);
    // Another model's own block stays.
    assert_eq!(
        dry_select(&db, "openai", "o3").map(|s| s.0),
        Some("rate_limit".into())
    );
    assert_status_agrees_with_select(&db, "openai", "a", &["gpt-4o", "o3"]);

    // Codex: an account-wide window used up, then an account-wide usage limit. Clearing one
    // model lifts both (they hold that model), so the model is leased again.
    add_codex(&db, "c");
    let mut args = vec!["--success"];
    for h in [
        "x-codex-primary-used-percent: 100",
        "x-codex-primary-reset-after-seconds: 3600",
    ] {
        args.extend(["--header", h]);
    }
    report(&db, "c", "gpt-5", &args);
    let body = db.with_file_name("usage.json");
    std::fs::write(
        &body,
        r#"{"error":{"type":"usage_limit_reached","message":"The usage limit has been reached","resets_in_seconds":7200}}"#,
    )
    .unwrap();
    report(
        &db,
        "c",
        "gpt-5",
        &["--status", "429", "--body", body.to_str().unwrap()],
    );
    assert_eq!(
        dry_select(&db, "codex", "gpt-5-codex").map(|s| s.0),
        Some("quota_exceeded".into())
    );
    let o = rotor(&db, &["clear", "c", "--model", "gpt-5-codex"]);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(dry_select(&db, "codex", "gpt-5-codex"), None);
    assert_status_agrees_with_select(&db, "codex", "c", &["gpt-5", "gpt-5-codex"]);

    let o = rotor(&db, &["replay", "--verify"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
}

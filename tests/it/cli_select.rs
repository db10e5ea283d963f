//! The CLI side of selection: `rotor select` JSON and exit codes, `--dry-run`,
//! `--session` / `--exclude`, `rotor clear`, `replay --verify`, and configuration errors that
//! name the key (`--config` and `./rotor.toml`).

use std::path::Path;

use super::common::*;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn count_events(db: &Path) -> usize {
    records(db).len()
}

#[test]
fn select_prints_the_lease_fields_and_dry_run_records_nothing() {
    let (_d, db) = temp_db();
    add_key_account(&db, "openai", "a");
    add_key_account(&db, "openai", "b");
    let o = rotor(
        &db,
        &[
            "select",
            "--provider",
            "openai",
            "--model",
            "gpt-4o",
            "--json",
            "--at",
            T0,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let v = json(&o);
    for k in [
        "request", "account", "label", "provider", "model", "strategy",
    ] {
        assert!(!v[k].is_null(), "{k} missing in {v}");
    }
    assert_eq!(
        (
            v["label"].as_str(),
            v["provider"].as_str(),
            v["strategy"].as_str()
        ),
        (Some("a"), Some("openai"), Some("round_robin"))
    );

    let before = count_events(&db);
    let o = rotor(
        &db,
        &[
            "--json",
            "select",
            "--provider",
            "openai",
            "--model",
            "gpt-4o",
            "--dry-run",
        ],
    );
    assert_eq!(
        json(&o)["label"],
        "b",
        "a dry run decides like the next real select"
    );
    assert_eq!(count_events(&db), before, "and records nothing");
}

#[test]
fn select_honours_session_and_exclude_by_label() {
    let (_d, db) = temp_db();
    for l in ["a", "b", "c"] {
        add_key_account(&db, "claude", l);
    }
    let sel = |extra: &[&str]| {
        let mut args = vec![
            "select",
            "--provider",
            "claude",
            "--model",
            "opus",
            "--json",
        ];
        args.extend_from_slice(extra);
        json(&rotor(&db, &args))["label"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let first = sel(&["--session", "s1"]);
    sel(&[]);
    assert_eq!(sel(&["--session", "s1"]), first);
    let other = sel(&["--exclude", "a", "--exclude", "b"]);
    assert_eq!(other, "c");
}

#[test]
fn clear_lifts_a_block_and_unknown_accounts_are_usage_errors() {
    let (_d, db) = temp_db();
    add_key_account(&db, "glm", "solo");
    let select_glm = [
        "select",
        "--provider",
        "glm",
        "--model",
        "glm-4.6",
        "--at",
        T0,
        "--json",
    ];
    let o = rotor(
        &db,
        &[
            "report",
            "--account",
            "solo",
            "--model",
            "glm-4.6",
            "--status",
            "402",
            "--at",
            T0,
        ],
    );
    assert!(o.status.success(), "{o:?}");
    let o = rotor(&db, &select_glm);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(json(&o)["skipped"][0]["reason"], "billing");

    let o = rotor(&db, &["clear", "solo", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(json(&o)["cleared"], true);
    let o = rotor(&db, &select_glm);
    assert_eq!(o.status.code(), Some(0), "{o:?}");

    // A model-scope block cleared for that model only.
    rotor(
        &db,
        &[
            "report",
            "--account",
            "solo",
            "--model",
            "glm-4.6",
            "--status",
            "429",
            "--header",
            "retry-after: 600",
            "--at",
            T0,
        ],
    );
    rotor(
        &db,
        &[
            "report",
            "--account",
            "solo",
            "--model",
            "glm-4.5",
            "--status",
            "429",
            "--header",
            "retry-after: 600",
            "--at",
            T0,
        ],
    );
    let o = rotor(&db, &["clear", "solo", "--model", "glm-4.6"]);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(stdout(&o).trim(), "cleared glm-4.6 of solo");
    let code = |m: &str| {
        rotor(
            &db,
            &["select", "--provider", "glm", "--model", m, "--at", T0],
        )
        .status
        .code()
    };
    assert_eq!((code("glm-4.6"), code("glm-4.5")), (Some(0), Some(3)));

    let o = rotor(&db, &["clear", "nobody"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nobody"), "{}", stderr(&o));
    let o = rotor(&db, &["replay", "--verify"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
}

#[test]
fn config_errors_name_the_key_and_exit_2() {
    let (d, db) = temp_db();
    add_key_account(&db, "openai", "a");
    let bad = d.path().join("bad.toml");
    std::fs::write(&bad, "[retry]\nmax_attempts = 3\nmax_wiat = \"30s\"\n").unwrap();
    let o = rotor(
        &db,
        &[
            "select",
            "--provider",
            "openai",
            "--model",
            "m",
            "--config",
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`retry.max_wiat` (line 3)"),
        "{}",
        stderr(&o)
    );

    std::fs::write(&bad, "[cooldown]\nrate_limit = \"soon\"\n").unwrap();
    let o = rotor(&db, &["--config", bad.to_str().unwrap(), "status"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`cooldown.rate_limit`") && stderr(&o).contains("soon"),
        "{}",
        stderr(&o)
    );

    let o = rotor(&db, &["status", "--config", "/nonexistent/rotor.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("/nonexistent/rotor.toml"),
        "{}",
        stderr(&o)
    );

    // ./rotor.toml is read when present (the CLI runs in the db's folder).
    std::fs::write(d.path().join("rotor.toml"), "strategy = \"fastest\"\n").unwrap();
    let o = rotor(&db, &["select", "--provider", "openai", "--model", "m"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("rotor.toml: key `strategy`") && stderr(&o).contains("fastest"),
        "{}",
        stderr(&o)
    );
    std::fs::write(
        d.path().join("rotor.toml"),
        "strategy = \"weighted\"\n[probe]\nafter = \"5m\"\n",
    )
    .unwrap();
    let o = rotor(
        &db,
        &["select", "--provider", "openai", "--model", "m", "--json"],
    );
    assert_eq!(json(&o)["strategy"], "weighted");
}

//! What the CLI writes: output piped into a reader that stops early ends quietly, `replay` and
//! `replay --verify` print JSON under `--json`, messages use plain words rather than Rust
//! `Debug` names, and logging follows `ROTOR_LOG` (else `RUST_LOG`) without colour on a pipe.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

use rotor::{Engine, NewAccount, Outcome, Provider, SelectOpts};

use super::common::*;

/// A log with three accounts and `n` selections: its timeline is far longer than a pipe holds.
fn long_log(db: &Path, n: usize) {
    let e = Engine::open(db).unwrap();
    add_keys(&e, Provider::Openai, &["a", "b", "c"]);
    for _ in 0..n {
        let l = e
            .select(Provider::Openai, "gpt-4o", &SelectOpts::default())
            .unwrap();
        e.report(&l, Outcome::success()).unwrap();
    }
    e.flush_blocking().unwrap();
}

/// Runs rotor with stdout piped, reads `keep` bytes, closes the pipe, and waits.
fn run_into_closed_pipe(db: &Path, args: &[&str], keep: usize) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rotor"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("ROTOR_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut head = vec![0; keep];
    stdout.read_exact(&mut head).unwrap();
    drop(stdout);
    child.wait_with_output().unwrap()
}

#[test]
fn output_piped_into_head_ends_quietly() {
    let (_d, db) = temp_db();
    long_log(&db, 1500);
    for args in [
        &["replay"][..],
        &["replay", "--json"],
        &["events"],
        &["events", "--json"],
    ] {
        let o = run_into_closed_pipe(&db, args, 100);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?} wrote to stderr: {err}");
    }
}

#[test]
fn replay_and_verify_print_json_under_json() {
    let (_d, db) = temp_db();
    long_log(&db, 3);
    let o = rotor(&db, &["replay", "--json"]);
    assert!(o.status.success(), "{o:?}");
    let rows = json(&o);
    let rows = rows.as_array().unwrap();
    // Three accounts added, then three decisions and their outcomes.
    assert_eq!(rows.len(), 9, "{rows:?}");
    assert_eq!(rows[0]["kind"], "account_added");
    assert_eq!(rows[0]["seq"], 1);
    assert_eq!(rows[3]["kind"], "selected");
    assert!(rows[3]["text"].as_str().unwrap().contains("gpt-4o -> a"));

    let o = rotor(&db, &["replay", "--verify", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(
        json(&o),
        serde_json::json!({"verified": true, "decisions": 3})
    );
    // A tampered decision: still JSON, and exit 1.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (a, b): (String, String) = conn
        .query_row(
            "SELECT min(account), max(account) FROM events WHERE kind = 'account_added'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let seq: i64 = conn
        .query_row(
            "SELECT min(seq) FROM events WHERE kind = 'selected'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let data: String = conn
        .query_row("SELECT data FROM events WHERE seq = ?1", [seq], |r| {
            r.get(0)
        })
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&data).unwrap();
    let other = if v["account"] == a.as_str() { b } else { a };
    v["account"] = other.clone().into();
    conn.execute(
        "UPDATE events SET data = ?1, account = ?2 WHERE seq = ?3",
        rusqlite::params![v.to_string(), other, seq],
    )
    .unwrap();
    drop(conn);
    let o = rotor(&db, &["--json", "replay", "--verify"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let v = json(&o);
    assert_eq!(
        (v["verified"].as_bool(), v["seq"].as_i64()),
        (Some(false), Some(seq))
    );
    assert_eq!(v["logged"], other);
}

/// A `Debug` name that must never reach a person.
fn assert_plain(what: &str, text: &str) {
    for debug in [
        "(Model)",
        "(Account)",
        "ApiKey",
        "Oauth",
        "Some(",
        "None",
        "Network",
        "Manual",
        "NeedsReauth",
        "Scheduled",
        "On401",
    ] {
        assert!(!text.contains(debug), "{what} shows {debug:?}: {text}");
    }
}

#[test]
fn messages_use_plain_words() {
    let (dir, db) = temp_db();
    add_key_account(&db, "openai", "k");
    let o = rotor(&db, &["account", "disable", "k"]);
    assert!(o.status.success(), "{o:?}");
    let o = rotor(&db, &["account", "enable", "k"]);
    assert!(o.status.success(), "{o:?}");
    let report = [
        "report",
        "--account",
        "k",
        "--model",
        "gpt-4o",
        "--status",
        "429",
        "--header",
        "retry-after: 30",
        "--at",
        T0,
    ];
    let o = rotor(&db, &report);
    assert_eq!(
        stdout(&o),
        "rate_limit: gpt-4o blocked (rate_limit) until 2026-01-01T00:00:30.000Z\n"
    );
    let o = rotor(
        &db,
        &["classify", "--provider", "openai", "--status", "429"],
    );
    assert!(
        stdout(&o).starts_with("rate_limit (model scope, "),
        "{}",
        stdout(&o)
    );
    assert_plain("classify", &stdout(&o));
    let o = rotor(&db, &["replay"]);
    let timeline = stdout(&o);
    assert!(
        timeline.contains("(tier 0, weight 1, API key)"),
        "{timeline}"
    );
    assert!(timeline.contains("k disabled (by hand)"), "{timeline}");
    assert!(
        timeline.contains("; model blocked (rate_limit) until"),
        "{timeline}"
    );
    assert_plain("replay", &timeline);

    // A refresh that cannot reach its token endpoint: "network", not `Network`.
    let conf = dir.path().join("rotor.toml");
    std::fs::write(
        &conf,
        "[endpoints.claude]\ntoken_url = \"http://127.0.0.1:1/token\"\n",
    )
    .unwrap();
    let e = Engine::open(&db).unwrap();
    let oauth = NewAccount::oauth(
        Provider::Claude,
        "c",
        "sk-ant-oat01-test-access-0123456789",
        Some("sk-ant-ort01-test-refresh-0123456789"),
        None,
    );
    e.add_account(oauth).unwrap();
    drop(e);
    let conf = conf.display().to_string();
    let o = rotor(&db, &["--config", &conf, "refresh", "c"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(
        stdout(&o).starts_with("c: refresh failed (network): "),
        "{}",
        stdout(&o)
    );
    assert_plain("refresh", &stdout(&o));
}

/// rotor with `env` and no logging variables but these.
fn rotor_logging(db: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rotor"));
    cmd.arg("--db").arg(db).args(args);
    for var in ["ROTOR_DB", "ROTOR_LOG", "RUST_LOG", "NO_COLOR"] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    cmd.output().unwrap()
}

#[test]
fn logging_follows_rotor_log_else_rust_log_without_colour_on_a_pipe() {
    let (_d, db) = temp_db();
    let add = |label: &str, env: &[(&str, &str)]| {
        let args = [
            "account",
            "add",
            "--provider",
            "openai",
            "--label",
            label,
            "--api-key-env",
            "K",
        ];
        let key = format!("sk-test-{label}-0123456789abcdef");
        let mut all = vec![("K", key.as_str())];
        all.extend_from_slice(env);
        let o = rotor_logging(&db, &args, &all);
        assert!(o.status.success(), "{o:?}");
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let rust_log = add("a", &[("RUST_LOG", "debug")]);
    assert!(
        rust_log.contains("account added"),
        "RUST_LOG ignored: {rust_log}"
    );
    assert!(
        !rust_log.contains('\u{1b}'),
        "colour on a pipe: {rust_log:?}"
    );
    let both = add("b", &[("RUST_LOG", "debug"), ("ROTOR_LOG", "error")]);
    assert!(both.is_empty(), "ROTOR_LOG wins over RUST_LOG: {both}");
    let rotor_log = add("c", &[("ROTOR_LOG", "debug")]);
    assert!(rotor_log.contains("account added"), "{rotor_log}");
    assert!(
        !rotor_log.contains('\u{1b}'),
        "colour on a pipe: {rotor_log:?}"
    );
    assert_eq!(add("d", &[]), "", "quiet by default");

    let help = stdout(&rotor(&db, &["--help"]));
    assert!(
        help.contains("ROTOR_LOG") && help.contains("RUST_LOG"),
        "{help}"
    );
}

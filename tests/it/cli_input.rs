//! What the CLI accepts: a body is read up to 4 MiB and no further (file or stdin), an empty
//! `$ROTOR_DB` counts as unset, `account add` refuses a taken label, a key another account
//! holds and an empty or unset key variable, `--usage` is read in Anthropic's, OpenAI's and
//! Gemini's shapes (anything else refused), and a request is reported once. Refusals exit 2.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use super::common::*;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts exit 2 with a message containing `want`.
fn assert_refused(o: &std::process::Output, want: &str) {
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(
        stderr(o).contains(want),
        "wanted {want:?} in: {}",
        stderr(o)
    );
}

#[test]
fn a_body_is_read_up_to_4_mib_from_a_file_or_stdin() {
    let (dir, db) = temp_db();
    let big = dir.path().join("big.json");
    std::fs::write(&big, vec![b' '; 5 << 20]).unwrap();
    let big = big.display().to_string();
    let classify = [
        "classify",
        "--provider",
        "openai",
        "--status",
        "500",
        "--body",
    ];
    let o = rotor(&db, &[&classify[..], &[big.as_str()]].concat());
    assert_refused(&o, "larger than 4 MiB");
    add_key_account(&db, "openai", "k");
    let report = [
        "report",
        "--account",
        "k",
        "--model",
        "m",
        "--status",
        "500",
        "--body",
    ];
    let o = rotor(&db, &[&report[..], &[big.as_str()]].concat());
    assert_refused(&o, "larger than 4 MiB");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let failed: i64 = conn
        .query_row(
            "SELECT count(*) FROM events WHERE kind = 'request_failed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(failed, 0, "a refused body records nothing");
    drop(conn);

    // Standard input: refused once 4 MiB have been read, whatever follows.
    let mut child = Command::new(env!("CARGO_BIN_EXE_rotor"))
        .args(["--db", &db.display().to_string()])
        .args(classify)
        .arg("-")
        .env_remove("ROTOR_DB")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        let chunk = vec![b' '; 1 << 20];
        // rotor stops reading after 4 MiB: the pipe closes under the writer, which is fine.
        for _ in 0..64 {
            if stdin.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    let o = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert_refused(&o, "standard input: larger than 4 MiB");

    // Within the limit, a body is classified as usual.
    let ok = dir.path().join("ok.json");
    std::fs::write(&ok, r#"{"error":{"type":"server_error","message":"boom"}}"#).unwrap();
    let o = rotor(
        &db,
        &[&classify[..], &[ok.to_str().unwrap(), "--json"]].concat(),
    );
    assert_eq!(json(&o)["kind"], "transient", "{o:?}");
}

#[test]
fn an_empty_rotor_db_counts_as_unset() {
    let (dir, db) = temp_db();
    // With --db, the empty variable is not in the way.
    let o = rotor_env(
        &db,
        &[
            "account",
            "add",
            "--provider",
            "openai",
            "--label",
            "a",
            "--api-key-env",
            "K",
        ],
        &[("ROTOR_DB", ""), ("K", "sk-test-a-0123456789abcdef")],
    );
    assert!(o.status.success(), "{o:?}");
    // Without --db, the default ./rotor.db (the temp dir is the working directory).
    let o = Command::new(env!("CARGO_BIN_EXE_rotor"))
        .args(["--json", "account", "list"])
        .env("ROTOR_DB", "")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    assert_eq!(json(&o)[0]["label"], "a");
}

fn add(db: &Path, label: &str, key: &str) -> std::process::Output {
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
    rotor_env(db, &args, &[("K", key)])
}

#[test]
fn account_add_refuses_a_taken_label_a_held_key_and_an_empty_variable() {
    let (_d, db) = temp_db();
    assert!(add(&db, "a", "sk-test-a-0123456789abcdef").status.success());
    assert_refused(
        &add(&db, "a", "sk-test-other-0123456789ab"),
        "label \"a\" is already",
    );
    assert_refused(
        &add(&db, "b", "sk-test-a-0123456789abcdef"),
        "already the openai account \"a\"",
    );
    assert_refused(&add(&db, "c", ""), "environment variable K is empty");
    assert_refused(&add(&db, "d", "   "), "environment variable K is empty");
    let args = [
        "account",
        "add",
        "--provider",
        "openai",
        "--label",
        "e",
        "--api-key-env",
        "UNSET_VAR_FOR_ROTOR_TEST",
    ];
    assert_refused(&rotor(&db, &args), "UNSET_VAR_FOR_ROTOR_TEST is not set");
    let far = [
        "account",
        "add",
        "--provider",
        "claude",
        "--label",
        "far",
        "--access-token",
        "at-far",
        "--expires-at",
        "9999-12-31T23:59:59-01:00",
    ];
    assert_refused(&rotor(&db, &far), "time out of range");
    let list = json(&rotor(&db, &["--json", "account", "list"]));
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
}

/// The usage the last `request_succeeded` event recorded.
fn last_usage(db: &Path) -> serde_json::Value {
    let conn = rusqlite::Connection::open(db).unwrap();
    let data: String = conn
        .query_row(
            "SELECT data FROM events WHERE kind = 'request_succeeded' ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    serde_json::from_str::<serde_json::Value>(&data).unwrap()["usage"].clone()
}

#[test]
fn usage_is_read_in_the_shapes_of_anthropic_openai_and_gemini() {
    let (_d, db) = temp_db();
    add_key_account(&db, "openai", "k");
    let report = |usage: &str| {
        rotor(
            &db,
            &[
                "report",
                "--account",
                "k",
                "--model",
                "m",
                "--success",
                "--usage",
                usage,
            ],
        )
    };
    for (usage, want) in [
        (r#"{"input_tokens":10,"output_tokens":5}"#, (10, 5)),
        (
            r#"{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}"#,
            (12, 7),
        ),
        (
            r#"{"promptTokenCount":3,"candidatesTokenCount":4,"totalTokenCount":7}"#,
            (3, 4),
        ),
        (
            r#"{"usage":{"prompt_tokens":1,"completion_tokens":2}}"#,
            (1, 2),
        ),
    ] {
        let o = report(usage);
        assert!(o.status.success(), "{usage}: {o:?}");
        let u = last_usage(&db);
        assert_eq!(
            (u["input_tokens"].as_u64(), u["output_tokens"].as_u64()),
            (Some(want.0), Some(want.1)),
            "{usage}: {u}"
        );
    }
    for bad in [
        r#"{"tokens":5}"#,
        r#"{}"#,
        "[1,2]",
        r#"{"input_tokens":"ten"}"#,
    ] {
        assert_refused(&report(bad), "--usage names no token counts rotor knows");
    }
    assert_refused(&report("not json"), "--usage is not JSON");
}

#[test]
fn a_request_is_reported_once() {
    let (_d, db) = temp_db();
    add_key_account(&db, "openai", "k");
    let sel = json(&rotor(
        &db,
        &["--json", "select", "--provider", "openai", "--model", "m"],
    ));
    let request = sel["request"].as_str().unwrap().to_string();
    let o = rotor(&db, &["report", "--request", &request, "--status", "429"]);
    assert!(o.status.success(), "{o:?}");
    let o = rotor(&db, &["report", "--request", &request, "--success"]);
    assert_refused(&o, &format!("request {request} was already reported"));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let outcomes: i64 = conn
        .query_row(
            "SELECT count(*) FROM events WHERE request = ?1 AND kind LIKE 'request_%'",
            [&request],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(outcomes, 1);
}

#[test]
fn a_lease_is_reported_once_through_the_library() {
    let (_d, db) = temp_db();
    let e = rotor::Engine::open(&db).unwrap();
    add_keys(&e, rotor::Provider::Openai, &["a"]);
    let lease = lease(&e, rotor::Provider::Openai, "m");
    e.report(&lease, rotor::Outcome::success()).unwrap();
    let again = e.report(&lease.clone(), rotor::Outcome::success());
    assert!(
        matches!(again, Err(rotor::Error::AlreadyReported(r)) if r == lease.request),
        "{again:?}"
    );
    let err = rotor::parse::ParsedError::new(rotor::parse::ErrorKind::Transient, Some(500), "x");
    assert!(matches!(
        e.report_error(&lease, err),
        Err(rotor::Error::AlreadyReported(_))
    ));
    e.flush_blocking().unwrap();
    let outcomes = records(&db)
        .iter()
        .filter(|r| r.event.kind().starts_with("request_"))
        .count();
    assert_eq!(outcomes, 1);
    // Another lease of the same account is its own request.
    let next = super::common::lease(&e, rotor::Provider::Openai, "m");
    assert!(e.report(&next, rotor::Outcome::success()).is_ok());
}

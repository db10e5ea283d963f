//! Bad input never corrupts a log: a corrupt file, a SQLite file that is not rotor's, and a log
//! holding an event kind this binary does not know each give a clear error (exit 2 on the CLI)
//! and leave the file unchanged.

use rusqlite::Connection;

use super::common::*;
use rotor::{Engine, Error, Provider};

fn bytes(p: &std::path::Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

fn assert_refused(db: &std::path::Path, args: &[&str], needle: &str) {
    let o = rotor(db, args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(
        err.contains(needle),
        "{args:?}: stderr {err:?} lacks {needle:?}"
    );
}

#[test]
fn a_corrupt_file_is_refused_and_left_unchanged() {
    let (_d, db) = temp_db();
    let junk: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(&db, &junk).unwrap();
    for args in [
        &["status"][..],
        &["account", "list"],
        &["replay"],
        &["select", "--provider", "openai", "--model", "m"],
    ] {
        assert_refused(&db, args, "not a rotor log");
    }
    assert_eq!(bytes(&db), junk);
    assert!(matches!(Engine::open(&db), Err(Error::NotARotorLog { .. })));
    assert_eq!(bytes(&db), junk);
}

#[test]
fn a_foreign_sqlite_file_is_refused_and_left_unchanged() {
    let (_d, db) = temp_db();
    {
        let c = Connection::open(&db).unwrap();
        c.execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'ada');").unwrap();
    }
    let before = bytes(&db);
    assert_refused(&db, &["status"], "users");
    assert_refused(
        &db,
        &[
            "account",
            "add",
            "--provider",
            "openai",
            "--label",
            "x",
            "--api-key-env",
            "PATH",
        ],
        "not a rotor log",
    );
    assert_eq!(bytes(&db), before);
}

#[test]
fn an_unknown_event_kind_stops_replay_naming_seq_and_kind() {
    let (_d, db) = temp_db();
    {
        let e = Engine::open(&db).unwrap();
        add_keys(&e, Provider::Openai, &["a"]);
    }
    {
        let c = Connection::open(&db).unwrap();
        c.execute(
            "INSERT INTO events (at, kind, v, data) VALUES ('2026-01-01T00:00:00.000Z', 'account_teleported', 1, '{\"kind\":\"account_teleported\"}')",
            [],
        )
        .unwrap();
        c.execute(
            "INSERT INTO events (at, kind, v, data) VALUES ('2026-01-01T00:00:00.000Z', 'selected', 99, '{}')",
            [],
        )
        .unwrap();
    }
    let before = bytes(&db);
    assert_refused(
        &db,
        &["replay"],
        "seq 2: unknown kind \"account_teleported\"",
    );
    assert_refused(&db, &["status"], "account_teleported");
    assert_refused(
        &db,
        &["select", "--provider", "openai", "--model", "m"],
        "account_teleported",
    );
    match Engine::open(&db) {
        Err(Error::UnknownEvent { seq, kind, .. }) => {
            assert_eq!((seq, kind.as_str()), (2, "account_teleported"))
        }
        other => panic!("expected UnknownEvent, got {other:?}"),
    }
    assert_eq!(bytes(&db), before);
    // --skip-unknown reads past both (the newer version of a known kind too), with warnings.
    let o = rotor(&db, &["replay", "--skip-unknown"]);
    assert!(o.status.success(), "{o:?}");
    assert!(stdout(&o).contains("account_added"));
    assert_eq!(bytes(&db), before);
}

#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_log() {
    let (_d, db) = temp_db();
    let e = Engine::open(&db).unwrap();
    add_keys(&e, Provider::Openai, &["a"]);
    e.flush_blocking().unwrap();
    let o = rotor(&db, &["select", "--provider", "openai", "--model", "m"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("open for writing by another process")
            && err.contains(&format!("pid {}", std::process::id())),
        "{err}"
    );
    // Read-only commands work beside the writer.
    let o = rotor(&db, &["status", "--json"]);
    assert!(o.status.success());
    assert_eq!(json(&o)["accounts"][0]["label"], "a");
}

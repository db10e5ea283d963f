//! Only rotor's own log (or a new file) is ever written: a SQLite database another program made,
//! even one with its own `events` table and a `user_version`, is refused byte for byte
//! untouched by every command; a directory or an unusable path gets a message naming it and
//! leaves nothing behind.

use std::path::Path;

use rusqlite::Connection;

use super::common::*;
use rotor::{Engine, Error};

fn bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

/// Runs `rotor --db db args` from the nearest directory above `db` and expects exit 2 with a
/// message holding every needle.
fn refused(db: &Path, args: &[&str], needles: &[&str]) {
    let cwd = db.ancestors().skip(1).find(|p| p.is_dir()).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_rotor"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("ROTOR_DB")
        .env("K", "sk-test-foreign-0123456789abcdef")
        .current_dir(cwd)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    for needle in needles {
        assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
    }
}

/// Every kind of command: writers, and readers that must not write either.
const COMMANDS: &[&[&str]] = &[
    &[
        "account",
        "add",
        "--provider",
        "openai",
        "--label",
        "x",
        "--api-key-env",
        "K",
    ],
    &["select", "--provider", "openai", "--model", "gpt-4o"],
    &["report", "--account", "x", "--model", "gpt-4o", "--success"],
    &["clear", "x"],
    &["refresh"],
    &["status"],
    &["account", "list"],
    &["replay"],
    &["replay", "--verify"],
    &["events"],
];

fn siblings(db: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_foreign_database_with_an_events_table_and_user_version_is_refused_untouched() {
    let cases = [
        (1, "delete"),
        (1, "wal"),
        (3, "delete"),
        (4, "wal"),
        (99, "delete"),
    ];
    for (version, mode) in cases {
        let (_d, db) = temp_db();
        {
            let c = Connection::open(&db).unwrap();
            c.execute_batch(&format!(
                "PRAGMA journal_mode = {mode};
                 CREATE TABLE events (id INTEGER PRIMARY KEY, payload TEXT NOT NULL);
                 INSERT INTO events (payload) VALUES ('theirs');
                 PRAGMA user_version = {version};"
            ))
            .unwrap();
        }
        let before = bytes(&db);
        let files = siblings(&db);
        for args in COMMANDS {
            refused(&db, args, &["not a rotor log", &db.display().to_string()]);
        }
        match Engine::open(&db) {
            Err(Error::NotARotorLog { path, .. }) => assert_eq!(path, db),
            other => panic!("version {version}: expected NotARotorLog, got {other:?}"),
        }
        assert!(rotor::store::open_read_only(&db).is_err());
        // Not a byte changed, and nothing (no .lock, no -wal, no -shm) was made beside it.
        assert!(bytes(&db) == before, "version {version}: the file changed");
        assert_eq!(siblings(&db), files, "version {version}, {mode}");
        let c = Connection::open(&db).unwrap();
        let v: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        let found: String = c
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!((v, found.as_str()), (version, mode));
    }
}

#[test]
fn a_rotor_log_from_before_the_marker_still_opens_and_gains_it() {
    let (_d, db) = temp_db();
    {
        // What rotor wrote before the marker existed: migrations 1-3, user_version 3.
        let c = Connection::open(&db).unwrap();
        c.execute_batch(include_str!("../../schema/0001_events.sql"))
            .unwrap();
        c.execute_batch(include_str!("../../schema/0002_credentials.sql"))
            .unwrap();
        c.execute_batch(include_str!("../../schema/0003_checkpoints.sql"))
            .unwrap();
        c.execute_batch("PRAGMA user_version = 3").unwrap();
    }
    let before = bytes(&db);
    let o = rotor(&db, &["status"]);
    assert!(o.status.success(), "{o:?}");
    assert!(bytes(&db) == before, "a read-only command wrote to the log");
    add_key_account(&db, "openai", "a");
    let c = Connection::open(&db).unwrap();
    let v: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    let marker: String = c
        .query_row(
            "SELECT value FROM rotor_meta WHERE key = 'format'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!((v, marker.as_str()), (4, "rotor event log"));
}

#[test]
fn a_zero_byte_file_is_adopted_as_a_new_log() {
    let (_d, db) = temp_db();
    std::fs::write(&db, b"").unwrap();
    add_key_account(&db, "openai", "a");
    let o = rotor(&db, &["status", "--json"]);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(json(&o)["accounts"][0]["label"], "a");
}

#[test]
fn a_directory_path_is_named_as_such_and_no_lock_is_left() {
    let (dir, _) = temp_db();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    for args in COMMANDS {
        refused(
            &logs,
            args,
            &["is a directory", &logs.display().to_string()],
        );
    }
    assert!(matches!(Engine::open(&logs), Err(Error::InvalidInput(_))));
    assert!(!dir.path().join("logs.lock").exists());
    assert_eq!(std::fs::read_dir(&logs).unwrap().count(), 0);
}

#[test]
fn io_errors_name_the_path_they_happened_on() {
    let (dir, db) = temp_db();
    // A path under a regular file: the log cannot be created.
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "not a directory").unwrap();
    let under = file.join("rotor.db");
    refused(&under, COMMANDS[0], &[&under.display().to_string()]);
    refused(&under, &["status"], &[&under.display().to_string()]);
    // The log exists but its lock cannot be made.
    add_key_account(&db, "openai", "a");
    let lock = dir.path().join("rotor.db.lock");
    std::fs::remove_file(&lock).unwrap();
    std::fs::create_dir(&lock).unwrap();
    refused(&db, COMMANDS[1], &[&lock.display().to_string()]);
}

//! An `Error` with an underlying failure keeps it as its `source()`, typed, so an embedder can
//! downcast it (a SQLite error, a JSON error, an io error) instead of parsing a message; the
//! message still says everything on its own.

use std::error::Error as _;

use rusqlite::Connection;

use super::common::*;
use rotor::{Engine, Error, Provider};

#[test]
fn a_file_that_is_no_sqlite_database_keeps_sqlites_error_as_the_source() {
    let (_d, db) = temp_db();
    std::fs::write(&db, vec![0x5a_u8; 8192]).unwrap();
    let err = Engine::open(&db).expect_err("junk is refused");
    assert!(matches!(err, Error::NotARotorLog { .. }), "{err:?}");
    let source = err.source().expect("the cause is kept");
    let sqlite = source
        .downcast_ref::<rusqlite::Error>()
        .unwrap_or_else(|| panic!("not a rusqlite::Error: {source:?}"));
    assert!(err.to_string().ends_with(&sqlite.to_string()), "{err}");
}

#[tokio::test]
async fn an_event_whose_json_is_damaged_keeps_the_json_error_as_the_source() {
    let (_d, db) = temp_db();
    let e = Engine::open(&db).unwrap();
    add_keys(&e, Provider::Openai, &["a"]);
    e.close().await.unwrap();
    let conn = Connection::open(&db).unwrap();
    // Without a checkpoint the next open folds the log from seq 1, the damaged row included.
    conn.execute_batch(
        "DELETE FROM checkpoints; UPDATE events SET data = '{\"kind\":\"account_added\",' WHERE seq = 1",
    )
    .unwrap();
    drop(conn);

    let err = Engine::open(&db).expect_err("a damaged event is refused");
    let Error::CorruptEvent { seq, .. } = &err else {
        panic!("expected CorruptEvent, got {err:?}");
    };
    assert_eq!(*seq, 1);
    let json = err
        .source()
        .and_then(|s| s.downcast_ref::<serde_json::Error>())
        .unwrap_or_else(|| panic!("not a serde_json::Error: {:?}", err.source()));
    assert!(json.is_eof(), "{json}");
}

#[test]
fn a_log_in_a_missing_directory_names_the_file_and_keeps_the_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("no-such-dir").join("rotor.db");
    let err = Engine::open(&db).expect_err("no directory, no log");
    let Error::IoAt { path, source } = &err else {
        panic!("expected IoAt, got {err:?}");
    };
    assert!(path.starts_with(dir.path()), "{path:?}");
    assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
    let io = err
        .source()
        .unwrap()
        .downcast_ref::<std::io::Error>()
        .unwrap();
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    assert!(err.to_string().contains("no-such-dir"), "{err}");
}

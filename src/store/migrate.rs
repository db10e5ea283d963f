//! Schema migrations: the numbered files of `schema/`, applied in order and tracked with
//! `PRAGMA user_version`. Also the check that a file is a rotor log before anything is written.

use std::path::Path;

use rusqlite::Connection;

use crate::{Error, Result};

/// Every shipped migration, in order. A shipped file is never edited; new ones are appended.
pub const MIGRATIONS: [(&str, &str); 3] = [
    (
        "0001_events.sql",
        include_str!("../../schema/0001_events.sql"),
    ),
    (
        "0002_credentials.sql",
        include_str!("../../schema/0002_credentials.sql"),
    ),
    (
        "0003_checkpoints.sql",
        include_str!("../../schema/0003_checkpoints.sql"),
    ),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Reads the schema version, refusing files that are not SQLite, not rotor's, or too new.
/// Writes nothing, so a refused file is left exactly as it was.
pub fn check(conn: &Connection, path: &Path) -> Result<i64> {
    let not_ours = |why: String| Error::NotARotorLog {
        path: path.to_path_buf(),
        why,
    };
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| not_ours(e.to_string()))?;
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(|e| not_ours(e.to_string()))?;
    if version == 0 && !tables.is_empty() {
        return Err(not_ours(format!(
            "it holds other tables ({}) and no rotor schema",
            tables.join(", ")
        )));
    }
    if version > 0 && !tables.iter().any(|t| t == "events") {
        return Err(not_ours(format!(
            "user_version {version} but no events table"
        )));
    }
    if version > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(version)
}

/// Applies every migration newer than the file's version, each in its own transaction.
pub fn migrate(conn: &mut Connection, from: i64) -> Result<()> {
    for (i, (_, sql)) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    // An exported log has no credentials table; a writer needs one (empty).
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS credentials (account TEXT PRIMARY KEY, generation INTEGER NOT NULL, \
         secrets TEXT NOT NULL, expires_at TEXT NULL)",
    )?;
    Ok(())
}

/// The full schema as SQLite reports it, for snapshots and `sqlite3` users.
pub fn schema_sql(conn: &Connection) -> Result<String> {
    let mut stmt = conn
        .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type DESC, name")?;
    let rows: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows.join(";\n") + ";\n")
}

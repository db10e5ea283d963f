//! Schema migrations: the numbered files of `schema/`, applied in order and tracked with
//! `PRAGMA user_version`. Also the check that a file is a rotor log before anything is written:
//! rotor's marker row (from migration 4 on), or, in a log older than the marker, exactly
//! rotor's tables and columns of its version. Anything else is refused untouched.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

use crate::error::{Error, Result};

/// Every shipped migration, in order. A shipped file is never edited; new ones are appended.
pub const MIGRATIONS: [(&str, &str); 4] = [
    (
        "0001_events.sql",
        include_str!("../../schema/0001_events.sql"),
    ),
    // Also what a writer runs on an exported log, which has no credentials table.
    (
        "0002_credentials.sql",
        include_str!("../../schema/0002_credentials.sql"),
    ),
    (
        "0003_checkpoints.sql",
        include_str!("../../schema/0003_checkpoints.sql"),
    ),
    (
        "0004_rotor_meta.sql",
        include_str!("../../schema/0004_rotor_meta.sql"),
    ),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The first version whose logs carry the `rotor_meta` marker.
const MARKED_FROM: i64 = 4;

/// What the marker row says in every rotor log.
const FORMAT: &str = "rotor event log";

/// Reads the schema version, refusing files that are not SQLite, not rotor's, or too new.
/// Writes nothing, so a refused file is left exactly as it was. A new file (no tables, version
/// 0: empty, or zero bytes) passes with version 0.
pub fn check(conn: &Connection, path: &Path) -> Result<i64> {
    let not_ours = |why: String| Error::NotARotorLog {
        path: path.to_path_buf(),
        source: why.into(),
    };
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| super::not_ours(path, e))?;
    let tables = columns_of_tables(conn).map_err(|e| super::not_ours(path, e))?;
    if version == 0 && tables.is_empty() {
        return Ok(0);
    }
    if version == 0 {
        let names: Vec<&str> = tables.keys().map(String::as_str).collect();
        return Err(not_ours(format!(
            "it holds other tables ({}) and no rotor schema",
            names.join(", ")
        )));
    }
    let before_marker = (1..MARKED_FROM).contains(&version);
    if !before_marker {
        if !is_marked(conn) {
            return Err(not_ours(format!(
                "user_version {version} but no rotor marker (table rotor_meta): another \
                 program's database"
            )));
        }
        if version > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew {
                path: path.to_path_buf(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        return Ok(version);
    }
    // A log from before the marker: its tables must be exactly rotor's of that version (an
    // exported log lacks `credentials`).
    let expected = rotor_tables(version).map_err(|e| super::not_ours(path, e))?;
    let mut missing: Vec<&str> = Vec::new();
    for (name, columns) in &expected {
        match tables.get(name) {
            Some(found) if found == columns => {}
            Some(found) => {
                return Err(not_ours(format!(
                    "its table {name} has columns ({}), not rotor's ({})",
                    found.join(", "),
                    columns.join(", ")
                )))
            }
            None if name == "credentials" => {}
            None => missing.push(name),
        }
    }
    if !missing.is_empty() {
        return Err(not_ours(format!(
            "user_version {version} but no {} table",
            missing.join(", ")
        )));
    }
    let extra: Vec<&str> = tables
        .keys()
        .filter(|t| !expected.contains_key(*t))
        .map(String::as_str)
        .collect();
    if !extra.is_empty() {
        return Err(not_ours(format!(
            "it holds tables rotor does not make ({})",
            extra.join(", ")
        )));
    }
    Ok(version)
}

/// Whether the file carries rotor's marker row.
fn is_marked(conn: &Connection) -> bool {
    conn.query_row(
        "SELECT value FROM rotor_meta WHERE key = 'format'",
        [],
        |r| r.get::<_, String>(0),
    )
    .optional()
    .ok()
    .flatten()
    .is_some_and(|v| v == FORMAT)
}

/// Every table (but SQLite's own) with its column names in order.
fn columns_of_tables(conn: &Connection) -> rusqlite::Result<BTreeMap<String, Vec<String>>> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    names
        .into_iter()
        .map(|name| {
            let columns = conn
                .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?
                .query_map([&name], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok((name, columns))
        })
        .collect()
}

/// The tables rotor's migrations up to `version` make, built in memory from the same files.
fn rotor_tables(version: i64) -> rusqlite::Result<BTreeMap<String, Vec<String>>> {
    let conn = Connection::open_in_memory()?;
    for (_, sql) in MIGRATIONS.iter().take(version.max(0) as usize) {
        conn.execute_batch(sql)?;
    }
    columns_of_tables(&conn)
}

/// The `purpose` a log was made for (`demo` for `rotor demo`'s), if it says.
#[cfg(feature = "cli")]
pub fn purpose(conn: &Connection) -> Option<String> {
    conn.query_row(
        "SELECT value FROM rotor_meta WHERE key = 'purpose'",
        [],
        |r| r.get(0),
    )
    .optional()
    .ok()
    .flatten()
}

/// Records what a log was made for, in a log rotor has just migrated.
#[cfg(feature = "cli")]
pub fn set_purpose(conn: &Connection, purpose: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO rotor_meta (key, value) VALUES ('purpose', ?1)
         ON CONFLICT(key) DO UPDATE SET value = ?1",
        [purpose],
    )?;
    Ok(())
}

/// Applies every migration newer than the file's version, each in its own transaction.
pub fn migrate(conn: &mut Connection, from: i64) -> Result<()> {
    for (i, (_, sql)) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    // An exported log has no credentials table; a writer needs one (empty), made by the same
    // migration file as every other log's.
    let has_credentials: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'credentials')",
        [],
        |r| r.get(0),
    )?;
    if !has_credentials {
        conn.execute_batch(MIGRATIONS[1].1)?;
    }
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

//! The SQLite edge: opening a log for writing (lock, checks, migrations, WAL, mode 0600) or for
//! reading beside a running writer, and exporting a copy without secrets. Decoding rows is in
//! `read`, committing in `writer`, the row form both stores bind in `row`; the PostgreSQL log of
//! a fleet is `postgres`. Nothing here knows about projections.

mod decode;
mod lock;
mod migrate;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod read;
mod row;
mod writer;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

pub use lock::{lock_path, WriterLock};
pub use migrate::{schema_sql, SCHEMA_VERSION};
pub use read::{StoredCredential, Unknown};
pub use row::EventRow;
pub use writer::{CredentialWrite, EncodeCheckpoint, Writer, WriterHold, WriterThread};

use crate::{Error, Result};

/// Page cache of the writer's connection, as SQLite's `cache_size` pragma (negative: KiB).
pub const CACHE_SIZE_KIB: i64 = -32 * 1024;

/// A log opened for writing: the lock (file logs only) and the connection, ready to be read once
/// and then handed to the writer thread.
pub struct WritableLog {
    pub path: Option<PathBuf>,
    pub lock: Option<WriterLock>,
    pub conn: Connection,
}

/// Opens (creating when missing, mode 0600) a log for writing, holding it exclusively.
pub fn open_writable(path: &Path) -> Result<WritableLog> {
    create_private(path)?;
    let lock = lock::acquire(path)?;
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| not_ours(path, e))?;
    let version = migrate::check(&conn, path)?;
    // Only now, with the file known to be ours, does anything get written to it.
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(|e| not_ours(path, e))?;
    // NORMAL in WAL mode survives a killed process (the WAL is in the OS cache); only power
    // loss can drop the last commits.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // The (account, seq) index takes inserts at one point per account: with SQLite's default
    // 2 MiB page cache a large log's index pages fall out of it and every commit reads them
    // back. A bounded 32 MiB keeps them (the baseline of SPEC §10 uses the same setting).
    conn.pragma_update(None, "cache_size", CACHE_SIZE_KIB)?;
    migrate::migrate(&mut conn, version)?;
    Ok(WritableLog {
        path: Some(path.to_path_buf()),
        lock: Some(lock),
        conn,
    })
}

/// A private in-memory log (tests, dry runs): same schema, gone when the engine closes.
pub fn open_in_memory() -> Result<WritableLog> {
    let mut conn = Connection::open_in_memory()?;
    migrate::migrate(&mut conn, 0)?;
    Ok(WritableLog {
        path: None,
        lock: None,
        conn,
    })
}

/// Opens a log read-only; works beside a running writer (WAL gives a consistent snapshot).
pub fn open_read_only(path: &Path) -> Result<Connection> {
    if !path.exists() {
        return Err(Error::InvalidInput(format!(
            "{}: no such log (create one with `rotor account add`, or pass --db)",
            path.display()
        )));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| not_ours(path, e))?;
    migrate::check(&conn, path)?;
    Ok(conn)
}

/// Writes a copy of the log at `out` without the `credentials` table: safe for a bug report.
pub fn export(conn: &Connection, out: &Path) -> Result<u64> {
    if out.exists() {
        return Err(Error::InvalidInput(format!(
            "{} already exists; export never overwrites a file",
            out.display()
        )));
    }
    create_private(out)?;
    let mut dst = Connection::open(out)?;
    migrate::migrate(&mut dst, 0)?;
    dst.execute_batch("DROP TABLE credentials")?;
    let tx = dst.transaction()?;
    let mut n = 0u64;
    {
        let mut insert = tx.prepare(
            "INSERT INTO events (seq, at, kind, v, account, model, request, data) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
        )?;
        let mut stmt = conn.prepare(
            "SELECT seq, at, kind, v, account, model, request, data FROM events ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            insert.execute(rusqlite::params![
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, String>(7)?,
            ])?;
            n += 1;
        }
    }
    tx.commit()?;
    Ok(n)
}

fn not_ours(path: &Path, e: rusqlite::Error) -> Error {
    Error::NotARotorLog {
        path: path.to_path_buf(),
        why: e.to_string(),
    }
}

/// Creates `path` with mode 0600 when it does not exist yet; an existing file is not touched.
fn create_private(path: &Path) -> Result<()> {
    if path.exists() {
        return Ok(());
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::Io(e)),
    }
}

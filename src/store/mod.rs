//! The SQLite edge: opening a log for writing (checks, lock, migrations, WAL with full sync,
//! mode 0600) or for reading beside a running writer. Decoding rows is in `read`, committing in
//! `writer`, the row form both stores bind in `row`, the demo's own log in `demo_log`, a
//! shareable copy in `export` (identities by `pseudonym`); the PostgreSQL log of a fleet is
//! `postgres`, and `sink` is the one surface the engine records through on either. Nothing here
//! knows about projections.

mod decode;
// The demo's own log and `rotor export` are the binary's (feature `cli`).
#[cfg(feature = "cli")]
mod demo_log;
#[cfg(feature = "cli")]
mod export;
mod lock;
mod migrate;
// The PostgreSQL store is driven by the engine (`Engine::open` on a `postgres://` URL); it is
// reachable only for rotor's own tests and benches, which drive appends and claims directly.
#[cfg(feature = "postgres")]
#[doc(hidden)]
pub mod postgres;
#[cfg(feature = "cli")]
mod pseudonym;
pub mod read;
mod row;
// `LogSink::fleet` has no caller yet now that the sink is crate-private (it was public); kept
// for the fleet side rather than deleted from a file another change is editing.
#[allow(dead_code)]
mod sink;
mod writer;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

pub use read::Unknown;

#[cfg(feature = "cli")]
pub(crate) use demo_log::create_demo_log;
#[cfg(feature = "cli")]
pub(crate) use export::{export, Identities};
pub(crate) use lock::WriterLock;
pub(crate) use read::StoredCredential;
pub(crate) use sink::LogSink;
pub(crate) use writer::{EncodeCheckpoint, WriterHold};

// The write side, reachable only for rotor's own tests and benches (they write rows and
// credentials beneath the engine); an embedder writes through `Engine`.
#[doc(hidden)]
pub use migrate::schema_sql;
#[doc(hidden)]
pub use row::EventRow;
#[doc(hidden)]
pub use writer::{CredentialWrite, Writer};

use crate::error::{Error, Result};

/// Page cache of the writer's connection, as SQLite's `cache_size` pragma (negative: KiB).
pub(crate) const CACHE_SIZE_KIB: i64 = -32 * 1024;

/// A log opened for writing: the lock (file logs only) and the connection, ready to be read once
/// and then handed to the writer thread.
#[doc(hidden)]
pub struct WritableLog {
    /// The log file; `None` for an in-memory log.
    pub path: Option<PathBuf>,
    /// The writer lock, held while the log is open (file logs only).
    pub lock: Option<WriterLock>,
    /// The SQLite connection the writer thread will own.
    pub conn: Connection,
}

/// How the writer's connection syncs: every commit waits for the WAL to reach the disk
/// (`fsync`), so whatever a commit acknowledges (`flush`, a credential write) survives a power
/// cut or a kernel crash, not only a killed process. Group commit keeps it cheap: one sync per
/// batch, however many events the batch holds.
pub(crate) const SYNCHRONOUS: &str = "FULL";

/// Opens (creating when missing, mode 0600) a log for writing, holding it exclusively. Only a
/// rotor log or a new file (missing, zero bytes, or an empty SQLite database) is opened: any
/// other file is refused before anything, not even the `.lock` beside it, is written.
// Reached by rotor's own tests; an embedder opens a log with `Engine::open`.
#[doc(hidden)]
pub fn open_writable(path: &Path) -> Result<WritableLog> {
    refuse_directory(path)?;
    if path.exists() {
        // Checked before the lock file is made; checked again below, under the lock.
        migrate::check(&open_for_check(path)?, path)?;
    }
    create_private(path)?;
    let lock = lock::acquire(path)?;
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| not_ours(path, e))?;
    let version = migrate::check(&conn, path)?;
    // Only now, with the file known to be ours, does anything get written to it.
    let setup = |conn: &mut Connection| -> rusqlite::Result<()> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", SYNCHRONOUS)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // The (account, seq) index takes inserts at one point per account: with SQLite's
        // default 2 MiB page cache a large log's index pages fall out of it and every commit
        // reads them back. A bounded 32 MiB keeps them (the bench's baseline uses the same).
        conn.pragma_update(None, "cache_size", CACHE_SIZE_KIB)
    };
    setup(&mut conn).map_err(|e| sqlite_at(path, e))?;
    migrate::migrate(&mut conn, version).map_err(|e| match e {
        Error::Sqlite(e) => sqlite_at(path, e),
        e => e,
    })?;
    Ok(WritableLog {
        path: Some(path.to_path_buf()),
        lock: Some(lock),
        conn,
    })
}

/// A private in-memory log (tests, dry runs): same schema, gone when the engine closes.
pub(crate) fn open_in_memory() -> Result<WritableLog> {
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
    refuse_directory(path)?;
    if !path.exists() {
        return Err(Error::InvalidInput(format!(
            "{}: no such log (create one with `rotor account add`, or pass --db)",
            path.display()
        )));
    }
    // A file that is not rotor's is refused before a connection that could add `-wal` / `-shm`
    // files beside it is opened.
    migrate::check(&open_for_check(path)?, path)?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| not_ours(path, e))?;
    migrate::check(&conn, path)?;
    Ok(conn)
}

/// A connection to read a file's schema that writes nothing, neither to the file nor beside it.
/// SQLite reading a database in WAL mode makes `-wal` and `-shm` files, even read-only; with no
/// `-wal` there, the file alone holds everything, so it is opened `immutable` (no sidecar
/// files, no locks). With a `-wal` (a rotor log being written, or left by a crash) it is read
/// through the WAL, whose files already exist.
fn open_for_check(path: &Path) -> Result<Connection> {
    let read_only = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if Path::new(&wal).exists() {
        return Connection::open_with_flags(path, read_only).map_err(|e| not_ours(path, e));
    }
    let absolute = std::path::absolute(path).map_err(|e| io_at(path, e))?;
    let mut uri = url::Url::from_file_path(&absolute).map_err(|()| {
        Error::InvalidInput(format!("{}: cannot be named as a file URI", path.display()))
    })?;
    uri.set_query(Some("immutable=1"));
    Connection::open_with_flags(uri.as_str(), read_only | OpenFlags::SQLITE_OPEN_URI)
        .map_err(|e| not_ours(path, e))
}

/// A directory is no log: said plainly, before anything is created beside it.
fn refuse_directory(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Err(Error::InvalidInput(format!(
            "{}: is a directory; --db takes a file (for example {})",
            path.display(),
            path.join("rotor.db").display()
        )));
    }
    Ok(())
}

fn not_ours(path: &Path, e: rusqlite::Error) -> Error {
    Error::NotARotorLog {
        path: path.to_path_buf(),
        source: e.into(),
    }
}

/// A file system error, with the path it happened on.
pub(crate) fn io_at(path: &Path, e: std::io::Error) -> Error {
    Error::IoAt {
        path: path.to_path_buf(),
        source: e,
    }
}

/// A SQLite failure on a file rotor already knows to be its log (disk full, read-only file),
/// with the path it happened on.
fn sqlite_at(path: &Path, e: rusqlite::Error) -> Error {
    Error::SqliteAt {
        path: path.to_path_buf(),
        source: e,
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
        Err(e) => Err(io_at(path, e)),
    }
}

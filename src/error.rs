//! The crate's one error enum. Each variant names what failed and its doc says what to do.
//! `NoAccount` is not here: it is an expected answer of `select`, not a failure. A variant with
//! an underlying error keeps it as its `source()` (typed: downcast it), and its message repeats
//! it, so printing the error alone says everything.

use std::path::PathBuf;

/// An underlying error of another kind, kept whole as an [`Error`]'s `source()`; a plain message
/// where there is no error value (a check rotor made itself).
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can fail in rotor. New variants may come in any release: match the ones you
/// handle and keep a `_` arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bad input from the caller (CLI argument, id, time, header). Fix the input.
    #[error("{0}")]
    InvalidInput(String),
    /// The configuration file is wrong; the message names the key. Fix the file.
    #[error("config: {0}")]
    Config(String),
    /// The file is not a SQLite database (or is damaged). Point `--db` at a rotor log.
    #[error("{path}: not a rotor log: {source}")]
    NotARotorLog {
        /// The file (or, for PostgreSQL, the database URL without its password).
        path: PathBuf,
        /// What SQLite (or the schema check) said about it.
        #[source]
        source: Cause,
    },
    /// The log was written by a newer rotor. Upgrade this binary.
    #[error("{path}: log schema version {found} is newer than this rotor supports ({supported}); upgrade rotor")]
    SchemaTooNew {
        /// The log.
        path: PathBuf,
        /// The schema version the log is at.
        found: i64,
        /// The newest schema version this rotor knows.
        supported: i64,
    },
    /// An event this binary cannot read. Upgrade rotor, or replay with `--skip-unknown`.
    #[error("event seq {seq}: unknown kind {kind:?} version {version}; upgrade rotor or use --skip-unknown")]
    UnknownEvent {
        /// The event's position in the log.
        seq: u64,
        /// The kind name the row carries.
        kind: String,
        /// The event version the row carries.
        version: u32,
    },
    /// An event row whose JSON does not match its kind. The log was edited by hand or damaged.
    #[error("event seq {seq} ({kind}): cannot decode: {source}")]
    CorruptEvent {
        /// The event's position in the log.
        seq: u64,
        /// The kind name the row carries.
        kind: String,
        /// Why it does not decode (the JSON or timestamp error).
        #[source]
        source: Cause,
    },
    /// Another process holds the log for writing. Stop it, or use a read-only command.
    #[error("{path} is open for writing by another process{holder}; stop it or use a read-only command (status, replay, events, export)")]
    Locked {
        /// The log.
        path: PathBuf,
        /// Who holds it (pid and host, when the lock file says), already formatted.
        holder: String,
    },
    /// No account with that id or label.
    #[error("no account {0:?}")]
    UnknownAccount(String),
    /// SQLite failed. The message says how; the log is left as it was.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// File system failure reading or writing a file.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// File system failure on a file rotor names (the log, its lock, an export's output).
    #[error("io: {path}: {source}")]
    IoAt {
        /// The file.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// SQLite failed on a file already known to be a rotor log (disk full, read-only file);
    /// the log is left as it was.
    #[error("sqlite: {path}: {source}")]
    SqliteAt {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The engine's writer has stopped (closed, or its thread failed). Reopen the engine.
    #[error("the log writer has stopped: {0}")]
    WriterStopped(String),
    /// Token refresh could not run (missing endpoint, client secret, or no refresh token).
    #[error("refresh: {0}")]
    Refresh(String),
    /// A credential file could not be imported. The message names the file and what is wrong.
    #[error("import: {0}")]
    Import(String),
    /// The outcome of this request is already recorded; a request is reported once (a second
    /// report would count its failure or usage twice).
    #[error("request {0} was already reported; each request is reported once")]
    AlreadyReported(crate::ids::RequestId),
    /// PostgreSQL failed or could not be reached (`target` is the URL without its password).
    /// Check the server; nothing of the failed call was committed.
    #[cfg(feature = "postgres")]
    #[error("{target}: {source}")]
    Postgres {
        /// The database URL without its password.
        target: String,
        /// What the PostgreSQL client said.
        #[source]
        source: tokio_postgres::Error,
    },
    /// The connection to PostgreSQL was lost after a batch's COMMIT was sent, so whether it
    /// committed is unknown. Append the same batch again: the store finds out and never writes
    /// it twice.
    #[cfg(feature = "postgres")]
    #[error("{target}: the commit of {events} events is in doubt (connection lost); append the same batch again")]
    CommitInDoubt {
        /// The database URL without its password.
        target: String,
        /// How many events the batch held.
        events: usize,
    },
}

/// rotor's `Result`: [`Error`] unless said otherwise.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<crate::ids::InvalidId> for Error {
    fn from(e: crate::ids::InvalidId) -> Self {
        Error::InvalidInput(e.into_message())
    }
}

//! The crate's one error enum. Each variant names what failed and its doc says what to do.
//! `NoAccount` is not here: it is an expected answer of `select`, not a failure.

use std::path::PathBuf;

/// Everything that can fail in rotor.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input from the caller (CLI argument, id, time, header). Fix the input.
    #[error("{0}")]
    InvalidInput(String),
    /// The configuration file is wrong; the message names the key. Fix the file.
    #[error("config: {0}")]
    Config(String),
    /// The file is not a SQLite database (or is damaged). Point `--db` at a rotor log.
    #[error("{path}: not a rotor log: {why}")]
    NotARotorLog { path: PathBuf, why: String },
    /// The log was written by a newer rotor. Upgrade this binary.
    #[error("{path}: log schema version {found} is newer than this rotor supports ({supported}); upgrade rotor")]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    /// An event this binary cannot read. Upgrade rotor, or replay with `--skip-unknown`.
    #[error("event seq {seq}: unknown kind {kind:?} version {version}; upgrade rotor or use --skip-unknown")]
    UnknownEvent {
        seq: u64,
        kind: String,
        version: u32,
    },
    /// An event row whose JSON does not match its kind. The log was edited by hand or damaged.
    #[error("event seq {seq} ({kind}): cannot decode: {why}")]
    CorruptEvent { seq: u64, kind: String, why: String },
    /// Another process holds the log for writing. Stop it, or use a read-only command.
    #[error("{path} is open for writing by another process{holder}; stop it or use a read-only command (status, replay, events, export)")]
    Locked { path: PathBuf, holder: String },
    /// No account with that id or label.
    #[error("no account {0:?}")]
    UnknownAccount(String),
    /// SQLite failed. The message says how; the log is left as it was.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// File system failure reading or writing a file.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
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
        target: String,
        #[source]
        source: tokio_postgres::Error,
    },
    /// The connection to PostgreSQL was lost after a batch's COMMIT was sent, so whether it
    /// committed is unknown. Append the same batch again: the store finds out and never writes
    /// it twice.
    #[cfg(feature = "postgres")]
    #[error("{target}: the commit of {events} events is in doubt (connection lost); append the same batch again")]
    CommitInDoubt { target: String, events: usize },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

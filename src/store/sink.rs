//! Where the engine's recorder sends the events it has applied: the SQLite writer thread of a
//! single-process log, or a fleet instance's PostgreSQL writer. One surface for both (queue,
//! flush, checkpoint), so the engine records the same way on either; what differs is said here.

#[cfg(feature = "postgres")]
use std::sync::Arc;

#[cfg(feature = "postgres")]
use super::postgres::PgInstance;
use super::{CredentialWrite, EncodeCheckpoint, Writer, WriterHold};
#[cfg(feature = "postgres")]
use crate::error::Error;
use crate::error::Result;
use crate::event::Event;
use crate::time::Timestamp;

/// The log behind an engine.
#[derive(Clone)]
pub enum LogSink {
    /// The SQLite log's writer thread.
    Sqlite(Writer),
    /// This instance's writer on a fleet's PostgreSQL log.
    #[cfg(feature = "postgres")]
    Postgres(Arc<PgInstance>),
}

impl LogSink {
    /// A sink whose writer is gone: every call fails with `WriterStopped`.
    pub fn closed() -> LogSink {
        LogSink::Sqlite(Writer::closed())
    }

    /// Whether the log can take one more event: a fleet instance refuses events while the
    /// server is away and its queue is full. Asked before an event is applied.
    pub fn admit(&self) -> Result<()> {
        match self {
            LogSink::Sqlite(_) => Ok(()),
            #[cfg(feature = "postgres")]
            LogSink::Postgres(pg) => pg.admit(),
        }
    }

    /// Queues an event the engine has applied, made after applying the other writers' events
    /// up to `seen` (always 0 on SQLite, which has one writer).
    #[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
    pub fn append(
        &self,
        at: Timestamp,
        event: Event,
        seen: u64,
        cred: Option<CredentialWrite>,
    ) -> Result<()> {
        match self {
            LogSink::Sqlite(w) => w.append(at, event, cred),
            #[cfg(feature = "postgres")]
            LogSink::Postgres(pg) => pg.append(at, event, seen, cred),
        }
    }

    /// Resolves once everything queued before it is committed (and, on SQLite, synced).
    pub async fn flush(&self) -> Result<()> {
        match self {
            LogSink::Sqlite(w) => w.flush().await,
            #[cfg(feature = "postgres")]
            LogSink::Postgres(pg) => pg.flush().await,
        }
    }

    /// [`flush`](Self::flush) for a caller outside any async runtime: blocks until every
    /// queued event is durable (committed, on PostgreSQL).
    pub fn flush_blocking(&self) -> Result<()> {
        match self {
            LogSink::Sqlite(w) => w.flush_blocking(),
            #[cfg(feature = "postgres")]
            LogSink::Postgres(pg) => pg.flush_blocking(),
        }
    }

    /// Queues a checkpoint of the projections at `seq`. Only a SQLite log takes them: a fleet
    /// instance's projections hold its own selector memory and are not the fold of the log in
    /// seq order, so it writes none (a fleet log opens by folding from the newest checkpoint
    /// `rotor migrate` copied, or from seq 1).
    pub fn checkpoint(&self, seq: u64, encode: EncodeCheckpoint) -> Result<()> {
        match self {
            LogSink::Sqlite(w) => w.checkpoint(seq, encode),
            #[cfg(feature = "postgres")]
            LogSink::Postgres(_) => Ok(()),
        }
    }

    /// Whether checkpoints are written at all ([`LogSink::checkpoint`]).
    pub fn takes_checkpoints(&self) -> bool {
        matches!(self, LogSink::Sqlite(_))
    }

    /// Pauses committing (benchmarks of the hot path; SQLite only).
    pub fn hold(&self) -> Result<WriterHold> {
        match self {
            LogSink::Sqlite(w) => w.hold(),
            #[cfg(feature = "postgres")]
            LogSink::Postgres(_) => Err(Error::InvalidInput(
                "holding the writer is for benchmarks of a SQLite log".into(),
            )),
        }
    }

    /// The fleet instance behind this sink, if it is one.
    #[cfg(feature = "postgres")]
    pub fn fleet(&self) -> Option<&Arc<PgInstance>> {
        match self {
            LogSink::Postgres(pg) => Some(pg),
            LogSink::Sqlite(_) => None,
        }
    }
}

//! The single writer: a dedicated thread that owns the rusqlite connection and commits queued
//! events in batches (group commit). Callers enqueue without waiting for the disk; `flush`
//! resolves once everything enqueued before it is durable. Secrets ride in the same transaction.

use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};
use rusqlite::{params, Connection};
use tokio::sync::oneshot;

use crate::error::{Error, Result};
use crate::event::Event;
use crate::ids::AccountId;
use crate::secret::Secrets;
use crate::time::{format_ts, Timestamp};

/// Largest number of queued messages committed in one transaction.
const MAX_BATCH: usize = 8192;

/// A change to the `credentials` table, committed with the event that causes it.
#[derive(Clone, Debug)]
pub enum CredentialWrite {
    /// Store secrets as the account's generation `generation`.
    Put {
        /// The account the secrets belong to.
        account: AccountId,
        /// The credential generation they become.
        generation: u64,
        /// The secrets themselves.
        secrets: Secrets,
        /// When the access token expires; `None` for API keys or when unknown.
        expires_at: Option<Timestamp>,
    },
    /// Delete every credential of a removed account.
    Delete {
        /// The account removed.
        account: AccountId,
    },
}

/// Hands the writer a checkpoint's bytes when it reaches it in its queue, so the engine's lock
/// is held only for the copy of the projections, not for their encoding. `None`: it could not
/// be encoded.
pub type EncodeCheckpoint = Box<dyn Fn() -> Option<Vec<u8>> + Send>;

// Appends are nearly every message and stay unboxed; the rare credential change is boxed so
// each queued append stays small (a queue that runs ahead of the disk holds many).
#[allow(clippy::large_enum_variant)]
enum Msg {
    Append(Timestamp, Event, Option<Box<CredentialWrite>>),
    Flush(oneshot::Sender<Result<(), String>>),
    FlushSync(std::sync::mpsc::Sender<Result<(), String>>),
    Checkpoint(u64, EncodeCheckpoint),
    /// Stop taking messages until the sender side is dropped (see [`Writer::hold`]).
    Hold(std::sync::mpsc::Receiver<()>),
}

/// While alive, the writer thread commits nothing more: appends queue up in memory. Dropping
/// it lets the thread go on with the queue.
pub struct WriterHold {
    _release: std::sync::mpsc::Sender<()>,
}

/// Handle to the writer thread. Cloning shares the queue; dropping the last handle
/// commits what is queued and stops the thread.
#[derive(Clone)]
pub struct Writer {
    tx: Sender<Msg>,
}

/// The writer thread: its handle and its join handle.
pub struct WriterThread {
    /// The handle to queue appends with.
    pub handle: Writer,
    /// Joined once the last handle is dropped, to know everything was committed.
    pub join: JoinHandle<()>,
}

impl Writer {
    /// Starts the thread that owns `conn`.
    pub fn spawn(conn: Connection) -> Result<WriterThread> {
        let (tx, rx) = crossbeam_channel::unbounded();
        let join = std::thread::Builder::new()
            .name("rotor-writer".into())
            .spawn(move || run(conn, rx))?;
        Ok(WriterThread {
            handle: Writer { tx },
            join,
        })
    }

    /// A handle whose thread is gone: every call fails with `WriterStopped`.
    pub fn closed() -> Self {
        let (tx, _) = crossbeam_channel::unbounded();
        Writer { tx }
    }

    /// Queues an event (and its credential change). Never waits for the disk.
    pub fn append(&self, at: Timestamp, event: Event, cred: Option<CredentialWrite>) -> Result<()> {
        self.tx
            .send(Msg::Append(at, event, cred.map(Box::new)))
            .map_err(|_| Error::WriterStopped("the writer thread has exited".into()))
    }

    /// Queues a checkpoint row: the projection at `seq`, whose bytes `encode` gives.
    pub fn checkpoint(&self, seq: u64, encode: EncodeCheckpoint) -> Result<()> {
        self.tx
            .send(Msg::Checkpoint(seq, encode))
            .map_err(|_| Error::WriterStopped("the writer thread has exited".into()))
    }

    /// Pauses the thread once it has committed what is queued before this call. For
    /// benchmarks of the in-memory hot path, whose cores the writer would otherwise share.
    pub fn hold(&self) -> Result<WriterHold> {
        let (release, wait) = std::sync::mpsc::channel();
        self.tx
            .send(Msg::Hold(wait))
            .map_err(|_| Error::WriterStopped("the writer thread has exited".into()))?;
        Ok(WriterHold { _release: release })
    }

    /// Resolves once every event queued before this call is committed.
    pub async fn flush(&self) -> Result<()> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Msg::Flush(done))
            .map_err(|_| Error::WriterStopped("the writer thread has exited".into()))?;
        match wait.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Error::WriterStopped(e)),
            Err(_) => Err(Error::WriterStopped("the writer thread has exited".into())),
        }
    }

    /// Blocking flush, for synchronous callers (the CLI, `Drop`).
    pub fn flush_blocking(&self) -> Result<()> {
        let (done, wait) = std::sync::mpsc::channel();
        self.tx
            .send(Msg::FlushSync(done))
            .map_err(|_| Error::WriterStopped("the writer thread has exited".into()))?;
        match wait.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Error::WriterStopped(e)),
            Err(_) => Err(Error::WriterStopped("the writer thread has exited".into())),
        }
    }
}

fn run(mut conn: Connection, rx: Receiver<Msg>) {
    let mut batch = Vec::with_capacity(256);
    while let Ok(first) = rx.recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        let started = std::time::Instant::now();
        let result = commit(&mut conn, &batch).map_err(|e| e.to_string());
        let appended = match result {
            Ok(()) => batch
                .iter()
                .filter(|m| matches!(m, Msg::Append(..)))
                .count(),
            Err(_) => 0,
        };
        crate::metrics::record_commit(appended as u64, rx.len(), started.elapsed());
        tracing::trace!(
            messages = batch.len(),
            ok = result.is_ok(),
            "committed a batch"
        );
        if let Err(e) = &result {
            tracing::error!(error = %e, events = batch.len(), "committing events failed");
        }
        for msg in batch.drain(..) {
            match msg {
                Msg::Flush(done) => {
                    let _ = done.send(result.clone());
                }
                Msg::FlushSync(done) => {
                    let _ = done.send(result.clone());
                }
                // Returns (with an error) once the hold's sender is dropped.
                Msg::Hold(wait) => {
                    let _ = wait.recv();
                }
                _ => {}
            }
        }
    }
}

fn commit(conn: &mut Connection, batch: &[Msg]) -> Result<()> {
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO events (at, kind, v, account, model, request, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        let mut buf = Vec::with_capacity(512);
        // Ids are bound as text from stack buffers: no String per id per event.
        let (mut account_buf, mut request_buf) =
            (uuid::Uuid::encode_buffer(), uuid::Uuid::encode_buffer());
        for msg in batch {
            match msg {
                Msg::Append(at, event, cred) => {
                    buf.clear();
                    serde_json::to_writer(&mut buf, event)
                        .map_err(|e| Error::WriterStopped(format!("serializing an event: {e}")))?;
                    let data = std::str::from_utf8(&buf).unwrap_or("{}");
                    insert.execute(params![
                        format_ts(*at),
                        event.kind(),
                        event.version(),
                        event
                            .account()
                            .map(|a| &*a.0.hyphenated().encode_lower(&mut account_buf)),
                        event.model(),
                        event
                            .request()
                            .map(|r| &*r.0.hyphenated().encode_lower(&mut request_buf)),
                        data,
                    ])?;
                    if let Some(cred) = cred {
                        write_credential(&tx, cred)?;
                    }
                }
                Msg::Checkpoint(seq, encode) => {
                    // The engine numbers events itself; if a failed batch ever made it disagree
                    // with the log, a checkpoint at the wrong seq must not be stored.
                    let last: i64 =
                        tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0))?;
                    if last as u64 != *seq {
                        tracing::warn!(
                            seq,
                            last,
                            "skipping a checkpoint that is not at the log's end"
                        );
                        continue;
                    }
                    let Some(data) = encode() else {
                        tracing::warn!(seq, "serializing a checkpoint failed");
                        continue;
                    };
                    tx.execute(
                        "INSERT OR REPLACE INTO checkpoints (seq, data) VALUES (?1, ?2)",
                        params![*seq as i64, data],
                    )?;
                    // Only the newest is ever loaded; older ones would grow the file by a
                    // whole projection every CHECKPOINT_EVERY events.
                    tx.execute(
                        "DELETE FROM checkpoints WHERE seq < ?1",
                        params![*seq as i64],
                    )?;
                }
                Msg::Flush(_) | Msg::FlushSync(_) | Msg::Hold(_) => {}
            }
        }
    }
    tx.commit()?;
    Ok(())
}

fn write_credential(tx: &rusqlite::Transaction<'_>, cred: &CredentialWrite) -> Result<()> {
    match cred {
        CredentialWrite::Put {
            account,
            generation,
            secrets,
            expires_at,
        } => {
            let json = serde_json::to_string(secrets)
                .map_err(|e| Error::WriterStopped(format!("serializing credentials: {e}")))?;
            tx.execute(
                "INSERT INTO credentials (account, generation, secrets, expires_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(account) DO UPDATE SET generation = ?2, secrets = ?3, expires_at = ?4",
                params![account.to_string(), *generation as i64, json, expires_at.map(format_ts)],
            )?;
        }
        CredentialWrite::Delete { account } => {
            tx.execute(
                "DELETE FROM credentials WHERE account = ?1",
                params![account.to_string()],
            )?;
        }
    }
    Ok(())
}

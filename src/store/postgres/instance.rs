//! One engine's connection to a fleet log: a thread of its own running a small tokio runtime
//! that owns the [`PgStore`], reads the log whole when it opens, queues the engine's events (up
//! to a bound) for the writer that commits them in batches (`group_commit.rs`), and hosts the
//! follower of the other writers' events (`follow.rs`). The engine calls it from synchronous
//! code; nothing here knows about projections.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::{mpsc, oneshot};

use super::group_commit::{commit_loop, Msg, Queued};
use super::reachable::Reachable;
use super::{LogEvent, PgOptions, PgStore, READ_LIMIT};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::store::{CredentialWrite, StoredCredential, Unknown};
use crate::time::Timestamp;

/// Events queued and not yet committed beyond which new ones are refused: while the server is
/// away the queue holds what `report` and `select` recorded, and memory must stay bounded.
pub const MAX_QUEUED: usize = 100_000;

/// The log as it was when the instance opened it: the newest checkpoint, every event after it,
/// and the newest credential of each account.
pub struct Opened {
    /// The newest checkpoint: its seq and its serialized projections.
    pub checkpoint: Option<(u64, Vec<u8>)>,
    /// Every event after the checkpoint (after seq 0 without one), in seq order.
    pub events: Vec<LogEvent>,
    /// Each account's newest stored credential.
    pub credentials: std::collections::HashMap<crate::ids::AccountId, StoredCredential>,
}

/// Handle to the instance thread. Dropping it commits what is queued (within a grace period)
/// and stops the thread and its follower.
pub struct PgInstance {
    tx: mpsc::UnboundedSender<Msg>,
    queued: Arc<AtomicUsize>,
    pub(super) store: Arc<PgStore>,
    pub(super) runtime: tokio::runtime::Handle,
    pub(super) reachable: Arc<Reachable>,
    pub(super) stop: Arc<tokio::sync::Notify>,
    closing: Arc<AtomicBool>,
    join: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl PgInstance {
    /// Opens the log at `url` (migrating it), reads it whole, and starts the commit loop.
    pub fn open(url: &str, options: PgOptions, unknown: Unknown) -> Result<(PgInstance, Opened)> {
        let url = url.to_string();
        let (ready_tx, ready) = std::sync::mpsc::channel();
        let (tx, rx) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let reachable = Arc::new(Reachable::default());
        let closing = Arc::new(AtomicBool::new(false));
        let (q, r, c) = (queued.clone(), reachable.clone(), closing.clone());
        let join = std::thread::Builder::new()
            .name("rotor-postgres".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(Error::Io(e)));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let opened = async {
                        let store = Arc::new(PgStore::open(&url, options).await?);
                        let opened = read_all(&store, unknown).await?;
                        Ok::<_, Error>((store, opened))
                    }
                    .await;
                    let store = match opened {
                        Ok((store, opened)) => {
                            let handle = tokio::runtime::Handle::current();
                            let _ = ready_tx.send(Ok((store.clone(), handle, opened)));
                            store
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    commit_loop(&store, rx, &q, &r, &c).await;
                })
            })?;
        let (store, runtime, opened) = ready
            .recv()
            .map_err(|_| Error::WriterStopped("the PostgreSQL thread ended".into()))??;
        crate::metrics::record_log_reachable(true);
        Ok((
            PgInstance {
                tx,
                queued,
                store,
                runtime,
                reachable,
                stop: Default::default(),
                closing,
                join: Mutex::new(Some(join)),
            },
            opened,
        ))
    }

    /// This instance's writer id.
    pub fn writer(&self) -> uuid::Uuid {
        self.store.writer()
    }

    /// The log's URL without its password.
    pub fn describe(&self) -> &str {
        self.store.describe()
    }

    /// Whether the server answered the last attempt.
    pub fn reachable(&self) -> bool {
        self.reachable.is_up()
    }

    /// Refuses a new event when [`MAX_QUEUED`] are waiting for the server: checked before an
    /// event is applied, so the projections never hold an event the log will not get.
    pub fn admit(&self) -> Result<()> {
        let queued = self.queued.load(Ordering::Relaxed);
        if queued >= MAX_QUEUED {
            return Err(Error::WriterStopped(format!(
                "{}: unreachable with {queued} events waiting to be committed; refusing more until it is back",
                self.describe()
            )));
        }
        Ok(())
    }

    /// Queues an event (made after applying foreign events up to `seen`) and its credential
    /// change for the next batch. Never waits for the server.
    pub fn append(
        &self,
        at: Timestamp,
        event: Event,
        seen: u64,
        credential: Option<CredentialWrite>,
    ) -> Result<()> {
        self.queued.fetch_add(1, Ordering::Relaxed);
        let queued = Queued {
            at,
            event,
            seen,
            credential,
        };
        self.tx.send(Msg::Append(Box::new(queued))).map_err(|_| {
            self.queued.fetch_sub(1, Ordering::Relaxed);
            Error::WriterStopped("the PostgreSQL writer has stopped".into())
        })
    }

    /// Resolves once everything queued before it is committed (it waits while the server is
    /// away: only a commit acknowledges).
    pub async fn flush(&self) -> Result<()> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Msg::Flush(done))
            .map_err(|_| Error::WriterStopped("the PostgreSQL writer has stopped".into()))?;
        match wait.await {
            Ok(r) => r.map_err(Error::WriterStopped),
            Err(_) => Err(Error::WriterStopped(
                "the PostgreSQL writer has stopped".into(),
            )),
        }
    }

    /// [`PgInstance::flush`] for synchronous callers.
    pub fn flush_blocking(&self) -> Result<()> {
        let (done, wait) = std::sync::mpsc::channel();
        self.tx
            .send(Msg::FlushSync(done))
            .map_err(|_| Error::WriterStopped("the PostgreSQL writer has stopped".into()))?;
        match wait.recv() {
            Ok(r) => r.map_err(Error::WriterStopped),
            Err(_) => Err(Error::WriterStopped(
                "the PostgreSQL writer has stopped".into(),
            )),
        }
    }

    /// Runs `f` on the instance's runtime (where its connections live) and waits for it.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl std::future::Future<Output = T> + Send + 'static,
    ) -> Result<T> {
        self.runtime
            .spawn(f)
            .await
            .map_err(|e| Error::WriterStopped(format!("the PostgreSQL thread: {e}")))
    }

    /// Starts `f` on the instance's runtime without waiting for it.
    pub fn spawn(&self, f: impl std::future::Future<Output = ()> + Send + 'static) {
        self.runtime.spawn(f);
    }

    /// The store, for calls made through [`PgInstance::run`].
    pub fn store(&self) -> Arc<PgStore> {
        self.store.clone()
    }
}

impl Drop for PgInstance {
    fn drop(&mut self) {
        self.closing.store(true, Ordering::Relaxed);
        self.stop.notify_waiters();
        // Closing the queue ends the commit loop once it has committed what is queued.
        let (closed, _) = mpsc::unbounded_channel();
        drop(std::mem::replace(&mut self.tx, closed));
        if let Some(j) = self.join.lock().take() {
            let _ = j.join();
        }
    }
}

/// The newest checkpoint, every event after it and the credentials.
async fn read_all(store: &PgStore, unknown: Unknown) -> Result<Opened> {
    let checkpoint = store.latest_checkpoint(u64::MAX).await?;
    let mut after = checkpoint.as_ref().map_or(0, |(seq, _)| *seq);
    let mut events = Vec::new();
    loop {
        let page = store.events_after(after, READ_LIMIT, unknown).await?;
        match page.last() {
            Some(last) => after = last.record.seq,
            None => break,
        }
        events.extend(page);
    }
    let credentials = store.credentials().await?;
    Ok(Opened {
        checkpoint,
        events,
        credentials,
    })
}

//! The `Engine` handle services embed: open a log (newest checkpoint + folded tail), manage
//! accounts, `select` and `report` (in `hot.rs`), `execute` (in `execute.rs`), `flush` and
//! `close`. Cheap to clone; all clones share one state and one writer. Decisions live in
//! `select`, rules in `state::rules`.

mod accounts;
mod builder;
pub mod checkpoint;
mod execute;
mod gauges;
mod hot;
mod import;
mod lease;
mod refresh;
mod refresh_outcome;
mod refresh_skips;
mod refreshers;
mod report;
mod scheduler;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::{Mutex, RwLock};

pub use accounts::AccountChanges;
pub use builder::EngineBuilder;
pub use execute::{Attempt, ExecuteError};
pub use import::{ImportAction, ImportOptions};
pub use lease::{Lease, NewAccount, NoAccount, Outcome};
pub use refresh::{RefreshOutcome, RefreshSkip};
pub use refresh_skips::SkippedRefresh;
pub use report::Reported;
pub use scheduler::DueScan;

use crate::config::Config;
use crate::event::Event;
use crate::ids::AccountId;
use crate::secret::Secrets;
use crate::state::State;
use crate::store::{self, CredentialWrite, StoredCredential, Unknown, Writer, WriterLock};
use crate::time::{Clock, SystemClock, Timestamp};
use crate::Result;

/// Handle to one open log. Clone it freely; [`Engine::close`] (or dropping every clone) flushes.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    /// Shared by `select`'s fast path (which commits through the per-key cells inside),
    /// exclusive for every other event: see `hot.rs`.
    core: RwLock<Core>,
    /// A shared-lock selection crossed a checkpoint boundary: the next exclusive holder
    /// writes the checkpoint (a consistent one needs every other writer out).
    checkpoint_due: AtomicBool,
    writer: Writer,
    join: Mutex<Option<JoinHandle<()>>>,
    clock: Arc<dyn Clock>,
    config: Config,
    /// Jitter for `execute`'s waits; seedable so tests and demos are reproducible.
    jitter: Mutex<rand::rngs::StdRng>,
    refresh: refreshers::Refreshers,
    gauges_seen: Mutex<gauges::GaugesSeen>,
    path: Option<PathBuf>,
    _lock: Option<WriterLock>,
}

/// Projections and the live credentials, behind one read-write lock. Every event is applied
/// and queued for the writer while the lock is held, so the log's order is an order in which
/// the events could have been applied one by one: exclusive holders are totally ordered, and
/// the selections that share the lock touch disjoint state (one key's cell each) or are
/// ordered by that cell's lock. Replaying the log therefore reproduces every decision.
pub(crate) struct Core {
    pub state: State,
    pub creds: rustc_hash::FxHashMap<AccountId, Arc<StoredCredential>>,
    /// Seq of the newest checkpoint written or loaded (0: none), to checkpoint on close.
    pub checkpoint_seq: u64,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("path", &self.inner.path)
            .field("accounts", &self.inner.core.read().state.accounts.len())
            .finish()
    }
}

impl Engine {
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// Opens (or creates) the log at `path` with default configuration.
    pub fn open(path: impl AsRef<Path>) -> Result<Engine> {
        Self::builder().path(path).open()
    }

    /// A private in-memory engine.
    pub fn in_memory() -> Result<Engine> {
        Self::builder().open()
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// The engine clock's current time.
    pub fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// A consistent copy of the projections (for status, tests, and explanations): taken
    /// with the lock exclusive, so no selection is half committed in it.
    pub fn state(&self) -> State {
        self.inner.core.write().state.clone()
    }

    /// Runs `f` on the projections without copying them. Selections on other threads may
    /// commit to the per-key cells and lease counters while `f` runs; use [`Engine::state`]
    /// for a snapshot that must add up.
    pub fn with_state<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.inner.core.read().state)
    }

    /// Resolves an account by id or label.
    pub fn resolve(&self, id_or_label: &str) -> Result<AccountId> {
        self.with_state(|s| crate::status::resolve_account(s, id_or_label))
    }

    /// Resolves once everything recorded before this call is durable.
    pub async fn flush(&self) -> Result<()> {
        self.inner.writer.flush().await
    }

    /// Holds the log writer: events keep queueing in memory and nothing more is committed
    /// until the returned guard drops. Only for benchmarks of the in-memory hot path (the
    /// writer thread would otherwise take one of the cores it is measured on); `flush` waits.
    #[doc(hidden)]
    pub fn hold_writer(&self) -> Result<store::WriterHold> {
        self.inner.writer.hold()
    }

    /// [`Engine::flush`] for synchronous callers.
    pub fn flush_blocking(&self) -> Result<()> {
        self.inner.writer.flush_blocking()
    }

    /// Flushes and stops the writer. Other clones can no longer record events.
    pub async fn close(self) -> Result<()> {
        self.flush().await?;
        Ok(())
    }

    /// Applies `event` to the projections and queues it for the log, under the exclusive lock.
    pub(crate) fn record(
        &self,
        core: &mut Core,
        at: Timestamp,
        event: Event,
        cred: Option<CredentialWrite>,
    ) -> Result<()> {
        core.state.apply_event(at, &event);
        let seq = core.state.last_seq.bump();
        if let Some(CredentialWrite::Put {
            account,
            generation,
            secrets,
            expires_at,
        }) = &cred
        {
            core.creds.insert(
                *account,
                Arc::new(StoredCredential {
                    generation: *generation,
                    secrets: Arc::new(secrets.clone()),
                    expires_at: *expires_at,
                }),
            );
        }
        self.inner.writer.append(at, event, cred)?;
        let due = self.inner.checkpoint_due.swap(false, Ordering::Relaxed);
        if seq.is_multiple_of(checkpoint::CHECKPOINT_EVERY) || due {
            write_checkpoint(&self.inner.writer, core);
        }
        Ok(())
    }

    /// Queues an event whose effects the caller already committed under the shared lock
    /// (`select`'s fast path). A checkpoint boundary crossed here is left to
    /// [`Engine::checkpoint_if_due`].
    pub(crate) fn record_shared(&self, core: &Core, at: Timestamp, event: Event) -> Result<()> {
        let seq = core.state.last_seq.bump();
        if seq.is_multiple_of(checkpoint::CHECKPOINT_EVERY) {
            self.inner.checkpoint_due.store(true, Ordering::Relaxed);
        }
        self.inner.writer.append(at, event, None)
    }

    /// Writes the checkpoint a shared-lock selection asked for, if no one has yet.
    pub(crate) fn checkpoint_if_due(&self) {
        if self.inner.checkpoint_due.load(Ordering::Relaxed) {
            let mut core = self.inner.core.write();
            if self.inner.checkpoint_due.swap(false, Ordering::Relaxed) {
                write_checkpoint(&self.inner.writer, &mut core);
            }
        }
    }

    /// The current secrets of an account (for refreshers and leases).
    pub fn secrets(&self, account: AccountId) -> Option<(u64, Secrets)> {
        let core = self.inner.core.read();
        core.creds
            .get(&account)
            .map(|c| (c.generation, (*c.secrets).clone()))
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // A long tail since the last checkpoint is saved now, so the next open folds little.
        let core = self.core.get_mut();
        if core.state.last_seq.get() >= core.checkpoint_seq + checkpoint::CLOSE_MIN_TAIL {
            write_checkpoint(&self.writer, core);
        }
        // Close the queue and wait for the thread: it commits what is queued, then exits, so
        // the log is complete before the writer lock is released.
        drop(std::mem::replace(&mut self.writer, Writer::closed()));
        if let Some(j) = self.join.lock().take() {
            let _ = j.join();
        }
    }
}

/// Queues a checkpoint of the projections as they are after `core.state.last_seq`: copied
/// under the lock, serialized on a thread of its own (the writer, often the busiest thread,
/// only waits for the bytes when it reaches the checkpoint in its queue). A failure only costs
/// the next open some folding, so it is logged, not returned.
fn write_checkpoint(writer: &Writer, core: &mut Core) {
    let seq = core.state.last_seq.get();
    let state = core.state.clone();
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let encode = move || {
        let _ = tx.send(checkpoint::encode(&state));
    };
    let encoded: store::EncodeCheckpoint = match std::thread::Builder::new()
        .name("rotor-checkpoint".into())
        .spawn(encode)
    {
        Ok(_) => Box::new(move || rx.recv().ok().flatten()),
        Err(e) => {
            tracing::warn!(%e, seq, "no thread for a checkpoint: skipping it");
            return;
        }
    };
    match writer.checkpoint(seq, encoded) {
        Ok(()) => core.checkpoint_seq = seq,
        Err(e) => tracing::warn!(%e, seq, "queueing a checkpoint failed"),
    }
}

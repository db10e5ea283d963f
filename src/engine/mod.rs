//! The `Engine` handle services embed: open a log (newest checkpoint + folded tail), manage
//! accounts, `select` and `report` (in `hot.rs`), `execute` (in `execute.rs`), `flush` and
//! `close`. Cheap to clone; all clones share one state and one writer. Decisions live in
//! `select`, rules in `state::rules`.

mod accounts;
mod builder;
pub mod checkpoint;
mod execute;
mod hot;
mod import;
mod lease;
mod refresh;
mod refresh_outcome;
mod refreshers;
mod report;
mod scheduler;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use parking_lot::Mutex;

pub use builder::EngineBuilder;
pub use execute::{Attempt, ExecuteError};
pub use import::ImportAction;
pub use lease::{Lease, NewAccount, NoAccount, Outcome};
pub use refresh::{RefreshOutcome, RefreshSkip};
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
    core: Mutex<Core>,
    writer: Writer,
    join: Mutex<Option<JoinHandle<()>>>,
    clock: Arc<dyn Clock>,
    config: Config,
    /// Jitter for `execute`'s waits; seedable so tests and demos are reproducible.
    jitter: Mutex<rand::rngs::StdRng>,
    refresh: refreshers::Refreshers,
    path: Option<PathBuf>,
    _lock: Option<WriterLock>,
}

/// Everything behind the one lock: projections and the live credentials. Events are applied
/// and queued for the writer under this lock, so the log's order is the order of application.
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
            .field("accounts", &self.inner.core.lock().state.accounts.len())
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

    /// A copy of the projections (for status, tests, and explanations).
    pub fn state(&self) -> State {
        self.inner.core.lock().state.clone()
    }

    /// Runs `f` on the projections without copying them.
    pub fn with_state<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.inner.core.lock().state)
    }

    /// Resolves an account by id or label.
    pub fn resolve(&self, id_or_label: &str) -> Result<AccountId> {
        self.with_state(|s| crate::status::resolve_account(s, id_or_label))
    }

    /// Resolves once everything recorded before this call is durable.
    pub async fn flush(&self) -> Result<()> {
        self.inner.writer.flush().await
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

    /// Applies `event` to the projections and queues it for the log, under the core lock.
    pub(crate) fn record(
        &self,
        core: &mut Core,
        at: Timestamp,
        event: Event,
        cred: Option<CredentialWrite>,
    ) -> Result<()> {
        core.state.apply_event(at, &event);
        core.state.last_seq += 1;
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
        if core
            .state
            .last_seq
            .is_multiple_of(checkpoint::CHECKPOINT_EVERY)
        {
            write_checkpoint(&self.inner.writer, core);
        }
        Ok(())
    }

    /// The current secrets of an account (for refreshers and leases).
    pub fn secrets(&self, account: AccountId) -> Option<(u64, Secrets)> {
        let core = self.inner.core.lock();
        core.creds
            .get(&account)
            .map(|c| (c.generation, (*c.secrets).clone()))
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // A long tail since the last checkpoint is saved now, so the next open folds little.
        let core = self.core.get_mut();
        if core.state.last_seq >= core.checkpoint_seq + checkpoint::CLOSE_MIN_TAIL {
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

/// Queues a checkpoint of the projections as they are after `core.state.last_seq`. A failure
/// only costs the next open some folding, so it is logged, not returned.
fn write_checkpoint(writer: &Writer, core: &mut Core) {
    let seq = core.state.last_seq;
    match checkpoint::encode(&core.state).map(|bytes| writer.checkpoint(seq, bytes)) {
        Some(Ok(())) => core.checkpoint_seq = seq,
        Some(Err(e)) => tracing::warn!(%e, seq, "queueing a checkpoint failed"),
        None => tracing::warn!(seq, "serializing a checkpoint failed"),
    }
}

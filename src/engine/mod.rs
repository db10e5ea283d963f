//! The `Engine` handle services embed, a façade: open (`builder.rs`: newest checkpoint + folded
//! tail), accounts, `select` (`hot.rs`), `report` (`report/`), `execute`, refresh (`refresh/`),
//! `flush` and `close`. Every event goes through the recorder (`recorder.rs`: apply, queue,
//! checkpoint) into the live projections (`live.rs`). Cheap to clone; all clones share one
//! state and one writer. Decisions live in `select`, rules in `state::rules`.

mod accounts;
mod builder;
pub mod checkpoint;
mod execute;
#[cfg(feature = "postgres")]
mod fleet;
mod gauges;
mod hot;
mod import;
mod lease;
mod live;
mod recorder;
mod refresh;
mod report;
mod status;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use std::sync::atomic::AtomicBool;

use parking_lot::{Mutex, RwLock};

pub use accounts::AccountChanges;
pub use builder::EngineBuilder;
pub use execute::{Attempt, ExecuteError};
pub use import::{ImportAction, ImportOptions};
pub use lease::{Lease, NewAccount, NoAccount, Outcome};
pub use refresh::{DueScan, RefreshOutcome, RefreshSkip, SkippedRefresh};
pub use report::{ReportFor, Reported};

use crate::config::Config;
use crate::error::Result;
use crate::ids::AccountId;
use crate::secret::Secrets;
use crate::state::State;
use crate::store::{self, LogSink, Unknown, WriterLock};
use crate::time::{Clock, SystemClock, Timestamp};

/// Handle to one open log. Clone it freely; [`Engine::close`] (or dropping every clone) flushes.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    /// Shared by `select`'s fast path (which commits through the per-key cells inside),
    /// exclusive for every other event: see `hot.rs`.
    core: Arc<RwLock<Core>>,
    /// A shared-lock selection crossed a checkpoint boundary: the next exclusive holder
    /// writes the checkpoint (a consistent one needs every other writer out).
    checkpoint_due: AtomicBool,
    /// Where recorded events go: the SQLite writer thread, or a fleet instance's PostgreSQL
    /// writer (`fleet.rs`).
    sink: LogSink,
    /// The SQLite writer thread, joined on drop (a fleet instance joins its own).
    join: Mutex<Option<JoinHandle<()>>>,
    /// The fleet side of an engine on a PostgreSQL log: its instance and follower.
    #[cfg(feature = "postgres")]
    fleet: Option<fleet::Fleet>,
    clock: Arc<dyn Clock>,
    config: Config,
    /// Jitter for `execute`'s waits; seedable so tests and demos are reproducible.
    jitter: Mutex<rand::rngs::StdRng>,
    refresh: refresh::Refreshers,
    gauges_seen: Mutex<gauges::GaugesSeen>,
    path: Option<PathBuf>,
    _lock: Option<WriterLock>,
}

pub(crate) use live::Core;

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("path", &self.inner.path)
            .field("accounts", &self.inner.core.read().state.accounts.len())
            .finish()
    }
}

impl Engine {
    /// A builder to set the log path, configuration and clock before opening.
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

    /// The settings the engine runs with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The SQLite log's path; `None` for an in-memory engine.
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
        self.inner.core.write().snapshot()
    }

    /// Runs `f` on the projections without copying them, less the selector's memory (cursors,
    /// weights, lease counts, sessions: the engine keeps those behind locks of their own; read
    /// them from [`Engine::state`]). `last_seq` there may trail [`Engine::last_seq`].
    pub fn with_state<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.inner.core.read().state)
    }

    /// [`Engine::with_state`], with lease counts: `leased(provider, model, account)`.
    #[cfg(feature = "server")]
    pub(crate) fn with_leases<R>(
        &self,
        f: impl FnOnce(&State, &dyn Fn(crate::ids::Provider, &str, AccountId) -> u64) -> R,
    ) -> R {
        let core = self.inner.core.read();
        let state = &core.state;
        f(state, &|p, m, a| {
            let account = state.accounts.get(&a);
            account.map_or(0, |acc| core.selector.leased(p, m, acc.slot))
        })
    }

    /// The seq of the last event recorded.
    pub fn last_seq(&self) -> u64 {
        self.inner.core.read().last_seq()
    }

    /// Resolves an account by id or label.
    pub fn resolve(&self, id_or_label: &str) -> Result<AccountId> {
        self.with_state(|s| crate::status::resolve_account(s, id_or_label))
    }

    /// Resolves once everything recorded before this call is durable.
    pub async fn flush(&self) -> Result<()> {
        self.inner.sink.flush().await
    }

    /// Holds the log writer: events keep queueing in memory and nothing more is committed
    /// until the returned guard drops. Only for benchmarks of the in-memory hot path (the
    /// writer thread would otherwise take one of the cores it is measured on); `flush` waits.
    #[doc(hidden)]
    pub fn hold_writer(&self) -> Result<store::WriterHold> {
        self.inner.sink.hold()
    }

    /// [`Engine::flush`] for synchronous callers.
    pub fn flush_blocking(&self) -> Result<()> {
        self.inner.sink.flush_blocking()
    }

    /// Flushes everything recorded so far, then drops this handle. Other clones keep working;
    /// the writer stops (after committing its queue and, after a long tail, a checkpoint) when
    /// the last clone is dropped.
    pub async fn close(self) -> Result<()> {
        self.flush().await?;
        Ok(())
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
        let mut core = self.core.write();
        if self.sink.takes_checkpoints()
            && core.last_seq() >= core.checkpoint_seq + checkpoint::CLOSE_MIN_TAIL
        {
            recorder::write_checkpoint(&self.sink, &mut core);
        }
        drop(core);
        // Close the queue and wait for the thread: it commits what is queued, then exits, so
        // the log is complete before the writer lock is released.
        #[cfg(feature = "postgres")]
        drop(self.fleet.take());
        drop(std::mem::replace(&mut self.sink, LogSink::closed()));
        if let Some(j) = self.join.lock().take() {
            let _ = j.join();
        }
    }
}

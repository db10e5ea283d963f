//! The engine as one instance of a fleet on a PostgreSQL log: `open` (fold the log as it is,
//! start following the other writers, announce the instance), applying what the follower
//! brings under the engine's lock, `catch_up`, reachability. The refresh claim that makes one
//! refresh per account across the fleet is `refresh/claim.rs`. The store, the writer thread and
//! the follower are `store::postgres`; recording goes through the same `LogSink` as on SQLite.

use std::sync::Weak;

use super::*;
use crate::event::Event;
use crate::ids::AccountId;
use crate::store::postgres::{ApplyForeign, Follower, Foreign, LogEvent, PgInstance, PgOptions};

/// The fleet side of an engine: its instance (writer thread, store) and its follower.
pub(super) struct Fleet {
    pub pg: Arc<PgInstance>,
    pub follower: Follower,
}

/// Opens `url` as a new instance of its fleet.
pub(super) fn open(b: EngineBuilder, url: &str) -> Result<Engine> {
    let refresh = refresh::Refreshers::build(&b.config, b.endpoints, b.refreshers)?;
    let options = PgOptions {
        writer: uuid::Uuid::now_v7(),
        poll: b.config.postgres.poll.0,
        listen: b.config.postgres.listen,
    };
    let (pg, opened) = PgInstance::open(url, options, Unknown::Fail)?;
    let pg = Arc::new(pg);
    let state = fold_log(opened.checkpoint, &opened.events);
    let seen = opened
        .events
        .last()
        .map_or(state.last_seq, |e| e.record.seq);
    tracing::debug!(writer = %pg.writer(), seen, log = pg.describe(), "joined the fleet");
    let creds = opened.credentials.into_iter().collect();
    let mut core = Core::new(state, creds, 0);
    core.seen = seen;
    let core = Arc::new(RwLock::new(core));
    let follower = pg.follow(seen, Unknown::Fail, apply_into(Arc::downgrade(&core)));
    let engine = Engine {
        inner: Arc::new(Inner {
            core,
            checkpoint_due: Default::default(),
            sink: LogSink::Postgres(pg.clone()),
            join: Mutex::new(None),
            fleet: Some(Fleet { pg, follower }),
            clock: b.clock,
            config: b.config,
            jitter: Mutex::new(match b.jitter_seed {
                Some(seed) => rand::SeedableRng::seed_from_u64(seed),
                None => rand::SeedableRng::from_entropy(),
            }),
            refresh,
            gauges_seen: Default::default(),
            path: None,
            _lock: None,
        }),
    };
    let started = Event::InstanceStarted {
        host: host_name().into(),
        pid: std::process::id(),
    };
    {
        let mut core = engine.inner.core.write();
        let at = engine.now();
        engine.record(&mut core, at, started, None)?;
    }
    Ok(engine)
}

/// The log as a new instance folds it: the newest checkpoint (one `rotor migrate` copied; its
/// selector memory dropped, as every instance's is its own) and the events after it, all of
/// them other writers'.
fn fold_log(checkpoint: Option<(u64, Vec<u8>)>, events: &[LogEvent]) -> State {
    let from = checkpoint.and_then(|(seq, bytes)| checkpoint::decode(seq, &bytes));
    let mut state = match from {
        Some(mut s)
            if events
                .first()
                .is_none_or(|e| e.record.seq == s.last_seq + 1) =>
        {
            s.selector = Default::default();
            s
        }
        _ => State::default(),
    };
    let from = state.last_seq;
    for e in events.iter().filter(|e| e.record.seq > from) {
        state.apply_as(&e.record, false);
    }
    state
}

/// The follower's hand-off: other writers' events applied under the engine's lock, in seq
/// order, with the stored credentials of the accounts they changed. Holds the projections
/// weakly, so a follower never keeps a closed engine alive.
fn apply_into(core: Weak<RwLock<Core>>) -> ApplyForeign {
    Box::new(move |foreign: Foreign| {
        let Some(core) = core.upgrade() else {
            return;
        };
        let mut core = core.write();
        apply_foreign(&mut core, foreign);
    })
}

fn apply_foreign(core: &mut Core, foreign: Foreign) {
    let mut changed: Vec<AccountId> = Vec::new();
    for e in &foreign.events {
        core.apply_foreign(e.record.seq, e.record.at, &e.record.event);
        if let Some(a) = e.record.event.account() {
            changed.push(a);
        }
    }
    let Some(stored) = foreign.credentials else {
        return;
    };
    for account in changed {
        match stored.get(&account) {
            // An own generation not yet committed may be newer than what is stored: keep it.
            Some(c)
                if core
                    .creds
                    .get(&account)
                    .is_none_or(|mine| mine.generation <= c.generation) =>
            {
                core.creds.insert(account, c.clone());
            }
            None if !core.state.accounts.contains_key(&account) => {
                core.creds.remove(&account);
            }
            _ => {}
        }
    }
}

/// This machine's name, for `instance_started` (empty when the system does not say).
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_default()
}

impl Engine {
    /// On a fleet log: waits until every event other instances committed before this call
    /// has been applied here. On SQLite there is nothing to wait for.
    pub async fn catch_up(&self) -> Result<()> {
        let Some(fleet) = &self.inner.fleet else {
            return Ok(());
        };
        let target = fleet.pg.last_seq().await?;
        fleet.follower.reach(target).await
    }

    /// This instance's writer id on a fleet log (`None` on SQLite).
    pub fn writer_id(&self) -> Option<uuid::Uuid> {
        self.inner.fleet.as_ref().map(|f| f.pg.writer())
    }

    /// Whether the log answered the last attempt to reach it (always true on SQLite). While
    /// it does not, `select` answers from the last known state and reports queue.
    pub fn log_reachable(&self) -> bool {
        self.inner.fleet.as_ref().is_none_or(|f| f.pg.reachable())
    }

    /// The fleet instance behind this engine (for `rotor serve`'s reads of the log).
    pub fn fleet_instance(&self) -> Option<Arc<PgInstance>> {
        self.inner.fleet.as_ref().map(|f| f.pg.clone())
    }

    /// The fleet log's URL without its password (`None` on SQLite).
    pub fn log_url(&self) -> Option<&str> {
        self.inner.fleet.as_ref().map(|f| f.pg.describe())
    }

    /// Counts (and the instance warns about) a selection made while the log is unreachable.
    pub(super) fn note_stale_selection(&self) {
        if !self.log_reachable() {
            crate::metrics::record_stale_selection();
        }
    }
}

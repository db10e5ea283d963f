//! The live projections: the plain `State`, plus the selector's memory (per (provider, model)
//! key and per session shard, each behind its own small lock) and the seq counter kept here on
//! the engine side, so `select`'s shared-lock path can commit while other threads read. Every
//! exclusive holder folds through `State::apply_event_with`, the fold's own code; the
//! shared-lock path through `state::selected::commit`, the same function the fold calls.

use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use rustc_hash::FxHashMap;

use crate::event::Event;
use crate::ids::{AccountId, Model, Provider};
use crate::state::{KeySelector, SelectorCells, SelectorState, SessionShard, Sessions, State};
use crate::store::StoredCredential;
use crate::time::Timestamp;

/// Projections and the live credentials, behind the engine's one read-write lock. Every event
/// is applied and queued for the writer while the lock is held, so the log's order is an order
/// in which the events could have been applied one by one: exclusive holders are totally
/// ordered, and the selections that share the lock touch disjoint state (one key's cell each)
/// or are ordered by that cell's lock. Replaying the log therefore reproduces every decision.
pub(crate) struct Core {
    /// Everything but the selector's memory (kept empty here: it lives in `selector`), as of
    /// the last exclusive holder (`state.last_seq` may trail `seq`).
    pub state: State,
    pub selector: LiveSelector,
    /// Seq of the last event recorded (bumped by shared-lock selections too).
    seq: AtomicU64,
    /// Inline, not behind an `Arc` of their own: a lease clones the secrets' `Arc` straight
    /// from the map entry, one pointer fewer to chase on every `select`.
    pub creds: FxHashMap<AccountId, StoredCredential>,
    /// Seq of the newest checkpoint written or loaded (0: none), to checkpoint on close.
    pub checkpoint_seq: u64,
    /// On a fleet log, the highest seq of other writers' events applied (recorded as `seen`
    /// on every event this instance makes); 0 on SQLite.
    pub seen: u64,
}

impl Core {
    pub fn new(
        mut state: State,
        creds: FxHashMap<AccountId, StoredCredential>,
        checkpoint_seq: u64,
    ) -> Core {
        let selector = LiveSelector::from_plain(std::mem::take(&mut state.selector));
        Core {
            seq: AtomicU64::new(state.last_seq),
            state,
            selector,
            creds,
            checkpoint_seq,
            seen: 0,
        }
    }

    pub fn last_seq(&self) -> u64 {
        self.seq.load(Ordering::Relaxed)
    }

    /// Folds `event` (exclusive holder); returns its seq.
    pub fn apply(&mut self, at: Timestamp, event: &Event) -> u64 {
        self.state.apply_event_with(&mut self.selector, at, event);
        let seq = self.seq.get_mut();
        *seq += 1;
        self.state.last_seq = *seq;
        *seq
    }

    /// Folds an event another instance of a fleet wrote (its `seq` in the shared log): the
    /// selector's memory moves only for this instance's own selections.
    #[cfg(feature = "postgres")]
    pub fn apply_foreign(&mut self, seq: u64, at: Timestamp, event: &Event) {
        self.state
            .apply_foreign_event_with(&mut self.selector, at, event);
        self.seen = self.seen.max(seq);
    }

    /// Takes a seq for an event a shared-lock holder committed itself. Relaxed: every bump
    /// happens under the projection lock, so an exclusive holder sees every one.
    pub fn bump_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The whole projection as plain data. Consistent when taken under the exclusive lock.
    pub fn snapshot(&self) -> State {
        let mut state = self.state.clone();
        state.selector = self.selector.to_plain();
        state.last_seq = self.last_seq();
        state
    }
}

/// The selector's memory with a lock per (provider, model) key and per session shard.
pub(crate) struct LiveSelector {
    keys: FxHashMap<Provider, FxHashMap<Model, Mutex<KeySelector>>>,
    sessions: [Mutex<SessionShard>; crate::state::SESSION_SHARDS],
}

impl LiveSelector {
    fn from_plain(s: SelectorState) -> Self {
        let keys = s
            .keys
            .into_iter()
            .map(|(p, models)| {
                let models = models.into_iter().map(|(m, k)| (m, Mutex::new(k)));
                (p, models.collect())
            })
            .collect();
        LiveSelector {
            keys,
            sessions: s.sessions.into_shards().map(Mutex::new),
        }
    }

    fn to_plain(&self) -> SelectorState {
        let keys = self.keys.iter().map(|(p, models)| {
            let models = models.iter().map(|(m, k)| (m.clone(), k.lock().clone()));
            (*p, models.collect())
        });
        SelectorState {
            keys: keys.collect(),
            sessions: Sessions::from_shards(std::array::from_fn(|i| {
                self.sessions[i].lock().clone()
            })),
        }
    }

    /// The key's cell, with the interned model name.
    pub fn key(&self, provider: Provider, model: &str) -> Option<(&Model, &Mutex<KeySelector>)> {
        self.keys.get(&provider)?.get_key_value(model)
    }

    /// The cell of the shard that holds `session`.
    pub fn shard(&self, session: &str) -> &Mutex<SessionShard> {
        &self.sessions[Sessions::shard_index(session)]
    }

    /// Leases of the account in `slot` for (provider, model) so far (`rotor serve` lists
    /// them).
    #[cfg(feature = "server")]
    pub fn leased(&self, provider: Provider, model: &str, slot: u32) -> u64 {
        self.key(provider, model)
            .map_or(0, |(_, k)| k.lock().leased(slot))
    }
}

impl SelectorCells for LiveSelector {
    fn cells_mut(
        &mut self,
        provider: Provider,
        model: &Model,
        session: Option<&str>,
    ) -> (&mut KeySelector, Option<&mut SessionShard>) {
        // A refcount bump on the interned name; only exclusive holders come here.
        let key = self
            .keys
            .entry(provider)
            .or_default()
            .entry(model.clone())
            .or_default()
            .get_mut();
        let shard = session.map(|s| self.sessions[Sessions::shard_index(s)].get_mut());
        (key, shard)
    }

    fn forget_account(&mut self, account: AccountId, slot: u32) {
        for shard in &mut self.sessions {
            shard.get_mut().forget(account);
        }
        for key in self.keys.values_mut().flat_map(|m| m.values_mut()) {
            key.get_mut().forget(account, slot);
        }
    }

    fn forget_credit(&mut self, account: AccountId) {
        for key in self.keys.values_mut().flat_map(|m| m.values_mut()) {
            key.get_mut().forget_credit(account);
        }
    }
}

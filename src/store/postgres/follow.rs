//! Following the other writers of a fleet log: a task on the instance's runtime tails the log
//! (`seq > last`, woken by NOTIFY, polling regardless), hands every event another writer made to
//! the engine in seq order, with the newest credentials when one of them changes a credential,
//! and publishes how far it has read, so `Engine::catch_up` can wait for a given seq.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::instance::PgInstance;
use super::LogEvent;
use crate::error::Result;
use crate::event::Event;
use crate::ids::AccountId;
use crate::store::{StoredCredential, Unknown};

/// What the follower hands the engine: other writers' events in seq order, the seq read up to
/// (own events included), and the credentials as stored when one of the events changes one.
pub struct Foreign {
    /// Other writers' events, in seq order.
    pub events: Vec<LogEvent>,
    /// The highest seq read, own events included.
    pub through: u64,
    /// Every account's newest stored credential, when one of `events` changed one.
    pub credentials: Option<HashMap<AccountId, StoredCredential>>,
}

/// Receives what the follower read; runs on the instance's thread, so it must not block long.
pub type ApplyForeign = Box<dyn FnMut(Foreign) + Send>;

/// Whether applying `event` needs the account's current secrets.
fn changes_credential(event: &Event) -> bool {
    matches!(
        event,
        Event::AccountAdded(_)
            | Event::AccountUpdated(_)
            | Event::AccountRemoved { .. }
            | Event::RefreshSucceeded(_)
    )
}

impl PgInstance {
    /// Starts following the log after `after` (the last seq the engine folded at open). Events
    /// this instance wrote are skipped (the engine applied them when it made them).
    pub fn follow(&self, after: u64, unknown: Unknown, mut apply: ApplyForeign) -> Follower {
        let (read_tx, read) = watch::channel(after);
        let kick = Arc::new(tokio::sync::Notify::new());
        let (store, me) = (self.store.clone(), self.writer());
        let (reachable, stop, k) = (self.reachable.clone(), self.stop.clone(), kick.clone());
        self.runtime.spawn(async move {
            let mut tail = store.tail(after, unknown);
            loop {
                let woke = tokio::select! {
                    r = tail.next() => Some(r),
                    _ = k.notified() => None,
                    _ = stop.notified() => return,
                };
                let got = match woke {
                    Some(r) => r,
                    None => tail.read().await,
                };
                let events = match got {
                    Ok(events) => {
                        reachable.set(true, &"read the log");
                        events
                    }
                    Err(e) => {
                        reachable.set(false, &e);
                        tokio::time::sleep(Duration::from_millis(250)).await;
                        continue;
                    }
                };
                let through = tail.last();
                let events: Vec<LogEvent> = events
                    .into_iter()
                    .filter(|e| e.writer != Some(me))
                    .collect();
                let credentials = if events.iter().any(|e| changes_credential(&e.record.event)) {
                    // Read after the events: the row of every generation they name is there.
                    loop {
                        match store.credentials().await {
                            Ok(c) => break Some(c),
                            Err(e) => {
                                reachable.set(false, &e);
                                tokio::time::sleep(Duration::from_millis(250)).await;
                            }
                        }
                    }
                } else {
                    None
                };
                apply(Foreign {
                    events,
                    through,
                    credentials,
                });
                let _ = read_tx.send(through);
            }
        });
        Follower { read, kick }
    }

    /// The seq of the last event committed to the log (0 when empty), read now.
    pub async fn last_seq(&self) -> Result<u64> {
        let store = self.store.clone();
        self.run(async move { store.last_seq().await }).await?
    }
}

/// The engine's side of a running follower.
pub struct Follower {
    read: watch::Receiver<u64>,
    kick: Arc<tokio::sync::Notify>,
}

impl Follower {
    /// The seq the follower has read and handed over up to.
    pub fn through(&self) -> u64 {
        *self.read.borrow()
    }

    /// Waits until every event up to `seq` has been handed to the engine, asking the follower
    /// to read now rather than at its next poll.
    pub async fn reach(&self, seq: u64) -> Result<()> {
        let mut read = self.read.clone();
        self.kick.notify_one();
        read.wait_for(|through| *through >= seq)
            .await
            .map(|_| ())
            .map_err(|_| {
                crate::error::Error::WriterStopped("the PostgreSQL follower has stopped".into())
            })
    }
}

//! The writer of an instance: group commit. The engine's queued events are taken off the queue
//! in batches of up to `MAX_BATCH`, turned into rows here (off the engine's lock), and each batch
//! is appended until it lands: again while the server is away, the same batch after a commit in
//! doubt, given up only when the instance closes and the grace period passes. Flush waiters get
//! their batch's result. The handle the engine holds is `instance.rs`'s.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::reachable::Reachable;
use super::{Append, AppendOutcome, PgStore};
use crate::error::Error;
use crate::event::Event;
use crate::store::{CredentialWrite, EventRow};
use crate::time::Timestamp;

/// Largest batch committed in one transaction.
const MAX_BATCH: usize = 4096;
/// How long a closing instance keeps trying to commit what is queued before it gives up
/// (nothing it gives up was acknowledged by a flush).
const CLOSE_GRACE: Duration = Duration::from_secs(10);

/// An event as the engine queues it: serialized into its row on this thread, not under the
/// engine's lock.
pub(super) struct Queued {
    pub(super) at: Timestamp,
    pub(super) event: Event,
    pub(super) seen: u64,
    pub(super) credential: Option<CredentialWrite>,
}

/// What the engine sends the writer: an event to commit, or a wait for what is queued.
pub(super) enum Msg {
    Append(Box<Queued>),
    Flush(oneshot::Sender<Result<(), String>>),
    FlushSync(std::sync::mpsc::Sender<Result<(), String>>),
}

/// Takes batches off the queue and commits them, each until it lands.
pub(super) async fn commit_loop(
    store: &PgStore,
    mut rx: mpsc::UnboundedReceiver<Msg>,
    queued: &AtomicUsize,
    reachable: &Reachable,
    closing: &AtomicBool,
) {
    let mut msgs = Vec::with_capacity(256);
    while rx.recv_many(&mut msgs, MAX_BATCH).await > 0 {
        let mut batch = Vec::new();
        let mut waiters = Vec::new();
        for m in msgs.drain(..) {
            match m {
                Msg::Append(q) => {
                    let Queued {
                        at,
                        event,
                        seen,
                        credential,
                    } = *q;
                    batch.push(Append {
                        row: EventRow::new(at, &event),
                        seen: Some(seen),
                        credential,
                    });
                }
                other => waiters.push(other),
            }
        }
        let started = std::time::Instant::now();
        let result = commit_until_landed(store, &batch, reachable, closing).await;
        queued.fetch_sub(batch.len(), Ordering::Relaxed);
        let committed = if result.is_ok() {
            batch.len() as u64
        } else {
            0
        };
        let still = queued.load(Ordering::Relaxed);
        crate::metrics::record_commit(committed, still, started.elapsed());
        for w in waiters {
            match w {
                Msg::Flush(done) => {
                    let _ = done.send(result.clone());
                }
                Msg::FlushSync(done) => {
                    let _ = done.send(result.clone());
                }
                Msg::Append(_) => {}
            }
        }
    }
}

/// Appends `batch`, again and again while the server is away (the same batch, so an in-doubt
/// commit is settled rather than written twice). Gives up only when the instance is closing
/// and the grace period has passed.
async fn commit_until_landed(
    store: &PgStore,
    batch: &[Append],
    reachable: &Reachable,
    closing: &AtomicBool,
) -> Result<(), String> {
    let mut wait = Duration::from_millis(50);
    let mut gave_up_at = None;
    loop {
        match store.append(batch).await {
            Ok(committed) => {
                reachable.set(
                    true,
                    &format_args!("committed {} queued events", batch.len()),
                );
                for o in &committed.outcomes {
                    if let AppendOutcome::GenerationTaken {
                        account,
                        generation,
                        latest,
                    } = o
                    {
                        tracing::error!(%account, generation, latest, "another instance stored this credential generation first; this instance's refresh result was not logged");
                    }
                }
                return Ok(());
            }
            Err(e @ Error::CommitInDoubt { .. }) => {
                tracing::warn!(%e, "appending the same batch again to settle it");
            }
            Err(e) => {
                reachable.set(false, &e);
                if closing.load(Ordering::Relaxed) {
                    let since = *gave_up_at.get_or_insert_with(std::time::Instant::now);
                    if since.elapsed() >= CLOSE_GRACE {
                        tracing::error!(events = batch.len(), %e, "closing: these events were never committed (no flush acknowledged them)");
                        return Err(e.to_string());
                    }
                }
            }
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(1));
    }
}

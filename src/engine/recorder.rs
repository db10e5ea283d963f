//! The recorder: every event enters the live projections and the writer's queue here, under
//! the projection lock (exclusive: the fold; shared: a selection that committed its own effect),
//! and a checkpoint is queued every `CHECKPOINT_EVERY` events. Nothing here decides anything.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::{checkpoint, Core, Engine};
use crate::error::Result;
use crate::event::Event;
use crate::store::{self, CredentialWrite, LogSink, StoredCredential};
use crate::time::Timestamp;

impl Engine {
    /// Applies `event` to the projections and queues it for the log, under the exclusive lock.
    pub(crate) fn record(
        &self,
        core: &mut Core,
        at: Timestamp,
        event: Event,
        cred: Option<CredentialWrite>,
    ) -> Result<()> {
        // Refused before it is applied: the projections never hold what the log will not.
        self.inner.sink.admit()?;
        let seq = core.apply(at, &event);
        if let Some(CredentialWrite::Put {
            account,
            generation,
            secrets,
            expires_at,
        }) = &cred
        {
            core.creds.insert(
                *account,
                StoredCredential {
                    generation: *generation,
                    secrets: Arc::new(secrets.clone()),
                    expires_at: *expires_at,
                },
            );
        }
        self.inner.sink.append(at, event, core.seen, cred)?;
        let due = self.inner.checkpoint_due.swap(false, Ordering::Relaxed);
        if (seq.is_multiple_of(checkpoint::CHECKPOINT_EVERY) || due)
            && self.inner.sink.takes_checkpoints()
        {
            write_checkpoint(&self.inner.sink, core);
        }
        Ok(())
    }

    /// Queues an event whose effects the caller already committed under the shared lock
    /// (`select`'s fast path). A checkpoint boundary crossed here is left to
    /// [`Engine::checkpoint_if_due`].
    pub(crate) fn record_shared(&self, core: &Core, at: Timestamp, event: Event) -> Result<()> {
        let seq = core.bump_seq();
        if seq.is_multiple_of(checkpoint::CHECKPOINT_EVERY) && self.inner.sink.takes_checkpoints() {
            self.inner.checkpoint_due.store(true, Ordering::Relaxed);
        }
        self.inner.sink.append(at, event, core.seen, None)
    }

    /// Writes the checkpoint a shared-lock selection asked for, if no one has yet.
    pub(crate) fn checkpoint_if_due(&self) {
        if self.inner.checkpoint_due.load(Ordering::Relaxed) {
            let mut core = self.inner.core.write();
            if self.inner.checkpoint_due.swap(false, Ordering::Relaxed) {
                write_checkpoint(&self.inner.sink, &mut core);
            }
        }
    }
}

/// Queues a checkpoint of the projections as they are after `core.last_seq()`: copied
/// under the lock, serialized on a thread of its own (the writer, often the busiest thread,
/// only waits for the bytes when it reaches the checkpoint in its queue). A failure only costs
/// the next open some folding, so it is logged, not returned.
pub(super) fn write_checkpoint(writer: &LogSink, core: &mut Core) {
    let seq = core.last_seq();
    let state = core.snapshot();
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

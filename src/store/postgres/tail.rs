//! Following the log: a `Tail` reads `seq > last` in order, waking on the `NOTIFY` each batch
//! sends and polling every `poll` regardless, because notifications are lost while the
//! listening connection is down. Polling is the truth; a notification only shortens the wait.
//! The listener runs as a task of its own that reconnects; reads fail loudly and the caller
//! calls again.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::link::Link;
use super::read::{events_after, LogEvent};
use super::target::Target;
use super::NOTIFY_CHANNEL;
use crate::error::Result;
use crate::store::Unknown;

/// Most events one read returns; a tail far behind catches up in several reads.
pub const READ_LIMIT: usize = 10_000;

/// A reader of the log that follows its end. Dropping it stops its listener.
pub struct Tail {
    link: Link,
    last: u64,
    poll: Duration,
    unknown: Unknown,
    wake: Arc<Notify>,
    listener: Option<JoinHandle<()>>,
}

impl Tail {
    pub(super) fn start(
        target: Arc<Target>,
        after: u64,
        poll: Duration,
        notified: bool,
        unknown: Unknown,
    ) -> Tail {
        let wake = Arc::new(Notify::new());
        let listener = notified.then(|| tokio::spawn(listen(target.clone(), wake.clone(), poll)));
        Tail {
            link: Link::new(target),
            last: after,
            poll,
            unknown,
            wake,
            listener,
        }
    }

    /// The last seq returned (or the starting point).
    pub fn last(&self) -> u64 {
        self.last
    }

    /// Events after the last one returned, without waiting (empty when there are none).
    pub async fn read(&mut self) -> Result<Vec<LogEvent>> {
        let client = self.link.client().await?;
        let events = events_after(
            &client,
            self.link.target(),
            self.last,
            READ_LIMIT,
            self.unknown,
        )
        .await?;
        if let Some(e) = events.last() {
            self.last = e.record.seq;
        }
        Ok(events)
    }

    /// The next events after the last one returned, waiting for a notification or the poll
    /// interval until there are some.
    pub async fn next(&mut self) -> Result<Vec<LogEvent>> {
        loop {
            let events = self.read().await?;
            if !events.is_empty() {
                return Ok(events);
            }
            // A notification that came since the read left a permit: no wake-up is lost.
            let _ = tokio::time::timeout(self.poll, self.wake.notified()).await;
        }
    }
}

impl Drop for Tail {
    fn drop(&mut self) {
        if let Some(l) = &self.listener {
            l.abort();
        }
    }
}

/// LISTENs and turns each notification into a wake-up; reconnects after `retry` when the
/// connection is lost (what was notified meanwhile is found by the next poll).
async fn listen(target: Arc<Target>, wake: Arc<Notify>, retry: Duration) {
    loop {
        match target.connect_listening().await {
            Ok((client, mut notes)) => {
                match client
                    .batch_execute(&format!("LISTEN {NOTIFY_CHANNEL}"))
                    .await
                {
                    Ok(()) => {
                        // Anything committed while not listening is for the poll to find;
                        // wake once so the tail looks now rather than after a whole interval.
                        wake.notify_one();
                        while notes.recv().await.is_some() {
                            wake.notify_one();
                        }
                    }
                    Err(e) => tracing::debug!(error = %e, "LISTEN failed"),
                }
            }
            Err(e) => tracing::debug!(error = %e, "postgres listener cannot connect"),
        }
        tokio::time::sleep(retry).await;
    }
}

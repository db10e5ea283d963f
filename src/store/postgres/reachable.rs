//! Whether the fleet log's server answered the last attempt, shared by an instance's writer
//! (`group_commit.rs`) and its follower (`follow.rs`): a change is warned about once and sets
//! the reachability gauge. Nothing here retries; the callers do.

use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the last attempt to reach the server worked, shared by the writer and the follower.
#[derive(Default)]
pub struct Reachable {
    down: AtomicBool,
}

impl Reachable {
    pub fn is_up(&self) -> bool {
        !self.down.load(Ordering::Relaxed)
    }

    /// Records an attempt's result, warning once per change (and setting the gauge).
    pub fn set(&self, up: bool, what: &dyn std::fmt::Display) {
        let was_down = self.down.swap(!up, Ordering::Relaxed);
        if was_down == up {
            crate::metrics::record_log_reachable(up);
            if up {
                tracing::warn!("the PostgreSQL log is reachable again: {what}");
            } else {
                tracing::warn!("the PostgreSQL log is unreachable ({what}); selecting from the last known state, reports queue until it is back");
            }
        }
    }
}

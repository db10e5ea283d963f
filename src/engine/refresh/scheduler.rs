//! The refresh scheduler: a tokio loop that wakes every `refresh.interval`, or exactly
//! when the next token enters its lead, and refreshes every account that is due. It never
//! polls faster than that when nothing is due, and stops as soon as its shutdown future fires.
//! Time comes from the engine clock; sleeping uses tokio time (paused in tests).

use std::future::Future;

use super::skips::{standing, Standing};
use crate::engine::Engine;
use crate::error::Result;
use crate::event::RefreshWhy;
use crate::ids::AccountId;
use crate::refresh::due;
use crate::time::Timestamp;

/// One scan of the projections: who is due now, and when the next one will be.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DueScan {
    /// Enabled OAuth accounts with a refresh token whose refresh is due at the scan time and
    /// not already running here.
    pub due: Vec<AccountId>,
    /// The earliest future time another account becomes due.
    pub next_wake: Option<Timestamp>,
}

impl Engine {
    /// Which accounts are due for a refresh at `now`: the token is within its provider's lead
    /// (or a `refresh_due` awaits its run, e.g. after a crash or a 401 without a runtime) and
    /// the failure backoff is over.
    pub fn due_for_refresh(&self, now: Timestamp) -> DueScan {
        let refreshers = &self.inner.refresh;
        let core = self.inner.core.read();
        let mut scan = DueScan::default();
        let mut states = Vec::new();
        for a in core.state.accounts.values() {
            let Standing::Refreshable(state) = standing(a, &core, refreshers) else {
                continue;
            };
            if due::is_due(&state, now) {
                if !refreshers.flight.in_flight(&a.id) {
                    scan.due.push(a.id);
                }
            } else {
                states.push(state);
            }
        }
        scan.next_wake = due::next_wake(&states, now);
        scan
    }

    /// Refreshes every account due now, concurrently, and returns each outcome (`rotor refresh`
    /// without an account; one scheduler tick that waits for its refreshes).
    pub async fn refresh_due(
        &self,
        why: RefreshWhy,
    ) -> Vec<(AccountId, Result<super::RefreshOutcome>)> {
        let scan = self.due_for_refresh(self.now());
        let mut set = tokio::task::JoinSet::new();
        for account in scan.due {
            let engine = self.clone();
            set.spawn(async move { (account, engine.refresh_now(account, why).await) });
        }
        let mut out = Vec::new();
        while let Some(r) = set.join_next().await {
            match r {
                Ok(pair) => out.push(pair),
                Err(e) => tracing::error!(%e, "a refresh task panicked or was cancelled"),
            }
        }
        out.sort_by_key(|(a, _)| *a);
        out
    }

    /// Runs the scheduler until `shutdown` completes. Each due account's refresh runs in its
    /// own task, so one slow token endpoint never delays another account; a refresh already
    /// running when shutdown fires is left to finish (cancelling it could lose a rotated token).
    pub async fn run_scheduler(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let interval = self.inner.refresh.interval;
        tracing::debug!(?interval, "refresh scheduler started");
        loop {
            let now = self.now();
            self.record_gauges(now);
            let scan = self.due_for_refresh(now);
            for account in scan.due {
                let engine = self.clone();
                tokio::spawn(async move {
                    if let Err(e) = engine.refresh_now(account, RefreshWhy::Scheduled).await {
                        tracing::warn!(%account, %e, "scheduled refresh could not run");
                    }
                });
            }
            let sleep = due::sleep_for(scan.next_wake, now, interval);
            // `sleep_for` is zero only for a wake time already passed, which the next scan
            // handles; never spin on it.
            let sleep = sleep.max(std::time::Duration::from_millis(1));
            tokio::select! {
                biased;
                _ = &mut shutdown => break,
                _ = tokio::time::sleep(sleep) => {}
            }
        }
        tracing::debug!("refresh scheduler stopped");
    }
}

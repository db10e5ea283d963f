//! One refresh per account across a fleet: before calling the token endpoint an instance
//! claims the account's refresh in the shared database (held in real time, released once the
//! result is committed), and the winner skips a refresh another instance just refreshed or
//! just failed. On SQLite there is no claim. The refresh run itself is `service.rs`; the fleet
//! instance (open, follow, catch up) is `engine/fleet.rs`.

use std::sync::Arc;
use std::time::Duration;

use super::{RefreshOutcome, RefreshSkip};
use crate::engine::Engine;
use crate::error::Result;
use crate::event::RefreshWhy;
use crate::ids::AccountId;
use crate::state::AccountStatus;
use crate::store::postgres::{Claim, PgInstance};
use crate::time::{Clock, SystemClock};

/// How long a refresh claim holds before another instance may take over (a frozen or killed
/// holder blocks nobody past it). Longer than a token request may take; real time.
const CLAIM_TTL: Duration = Duration::from_secs(60);
/// How often an instance waiting for another's refresh (or for the server) looks again.
const CLAIM_RETRY: Duration = Duration::from_millis(50);

/// What a claim on a refresh came to.
pub(super) enum Claimed {
    /// This instance holds the claim (released when the guard drops): call the endpoint.
    Go(ClaimGuard),
    /// Another instance stored a newer generation than the one this refresh was for; it has
    /// been applied here.
    RefreshedElsewhere,
}

/// Releases the claim when dropped (after the refresh's result is committed).
pub(super) struct ClaimGuard {
    pg: Arc<PgInstance>,
    account: AccountId,
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        let (store, account) = (self.pg.store(), self.account);
        // A release that fails leaves a claim that expires by itself.
        self.pg.spawn(async move {
            if let Err(e) = store.release_refresh(account).await {
                tracing::debug!(%account, %e, "releasing a refresh claim failed; it expires");
            }
        });
    }
}

impl Engine {
    /// On a fleet log, claims the refresh of `account` (of credential `generation`) for this
    /// instance, waiting while another holds it or the server is away. `None` on SQLite.
    pub(super) async fn claim_refresh(
        &self,
        account: AccountId,
        generation: u64,
    ) -> Result<Option<Claimed>> {
        let Some(fleet) = &self.inner.fleet else {
            return Ok(None);
        };
        let pg = fleet.pg.clone();
        loop {
            let store = pg.store();
            // A claim's lifetime is how long a holder may take over a token request: real
            // time, not the engine's clock, which a simulation may run far faster (the demo's
            // runs minutes per second) and so expire a claim while its holder is calling.
            let now = SystemClock.now();
            let claim = pg
                .run(async move { store.claim_refresh(account, now, CLAIM_TTL).await })
                .await?;
            match claim {
                Ok(Claim::Acquired { .. }) => {
                    let guard = ClaimGuard {
                        pg: pg.clone(),
                        account,
                    };
                    let store = pg.store();
                    let stored = pg
                        .run(async move { store.generation(account).await })
                        .await?;
                    match stored {
                        Ok(g) if g > generation => {
                            drop(guard);
                            self.catch_up().await?;
                            return Ok(Some(Claimed::RefreshedElsewhere));
                        }
                        Ok(_) => {
                            // The previous holder committed its result before releasing: once
                            // that is applied here, a failed attempt of the same generation
                            // (a dead grant, a backoff) is not made a second time.
                            self.catch_up().await?;
                            return Ok(Some(Claimed::Go(guard)));
                        }
                        Err(e) => {
                            tracing::debug!(%account, %e, "reading the stored generation failed; retrying")
                        }
                    }
                }
                Ok(Claim::HeldBy { holder, .. }) => {
                    tracing::trace!(%account, %holder, "another instance is refreshing");
                    if self.generation_of(account).is_some_and(|g| g > generation) {
                        return Ok(Some(Claimed::RefreshedElsewhere));
                    }
                }
                // The server is away: refreshes wait for it.
                Err(e) => tracing::debug!(%account, %e, "cannot claim the refresh yet"),
            }
            tokio::time::sleep(CLAIM_RETRY).await;
        }
    }

    /// After winning a fleet's claim: the skip another instance's failed attempt of this
    /// refresh calls for (the account disabled, or backing off unless a person asked).
    pub(super) fn failed_elsewhere(
        &self,
        account: AccountId,
        why: RefreshWhy,
    ) -> Option<RefreshOutcome> {
        let now = self.now();
        let (disabled, backoff) = self.with_state(|s| {
            let a = s.accounts.get(&account)?;
            let disabled = matches!(a.status, AccountStatus::Disabled(_));
            Some((disabled, a.refresh.next_attempt_at.filter(|t| *t > now)))
        })?;
        let skip = |reason, until| RefreshOutcome::Skipped {
            account,
            reason,
            until,
        };
        if disabled {
            return Some(skip(RefreshSkip::Disabled, None));
        }
        match (why, backoff) {
            (RefreshWhy::Manual, _) | (_, None) => None,
            (_, until) => Some(skip(RefreshSkip::BackingOff, until)),
        }
    }

    fn generation_of(&self, account: AccountId) -> Option<u64> {
        self.with_state(|s| s.accounts.get(&account).map(|a| a.generation))
    }
}

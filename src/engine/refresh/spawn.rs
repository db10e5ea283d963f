//! Refreshes asked for on the request path rather than by a caller: a selection that met an
//! expired access token (`refresh_expired`) and a 401 (`spawn_refresh`) record `refresh_due`
//! and run the refresh on the tokio runtime, waiting out a backoff; without a runtime the
//! scheduler picks them up. The run itself is `service.rs`.

use super::{RefreshOutcome, RefreshSkip};
use crate::engine::{Core, Engine};
use crate::event::{Event, RefreshWhy};
use crate::ids::AccountId;
use crate::time::Timestamp;

impl Engine {
    /// A selection at `at` passed `account` over because its access token had expired: records
    /// `refresh_due{expired}` and runs it as [`Engine::spawn_refresh`] does, unless a refresh is
    /// already asked for, none could run (no refresh token, no refresher: `status` says so), or
    /// the failure backoff holds it (the scheduler retries then: the token is due).
    pub(in crate::engine) fn refresh_expired(&self, account: AccountId, at: Timestamp) {
        // The `refresh_due` to record, if one is wanted: read under the shared lock first, so
        // selections passing over a token that cannot be refreshed never queue for the
        // exclusive one.
        let wanted = |core: &Core| {
            let a = core.state.accounts.get(&account)?;
            let refreshable = matches!(
                super::skips::standing(a, core, &self.inner.refresh),
                super::skips::Standing::Refreshable(_)
            );
            let backing_off = a.refresh.next_attempt_at.is_some_and(|t| t > at);
            let asked = refreshable && !backing_off && !a.refresh.in_flight;
            (asked && a.token_expired(at)).then_some(Event::RefreshDue {
                account,
                expires_at: a.expires_at,
                why: RefreshWhy::Expired,
                generation: Some(a.generation),
            })
        };
        if wanted(&self.inner.core.read()).is_none() {
            return;
        }
        {
            let mut core = self.inner.core.write();
            let Some(ev) = wanted(&core) else {
                return;
            };
            if let Err(e) = self.record(&mut core, at, ev, None) {
                tracing::error!(%account, %e, "recording a refresh for an expired token failed");
                return;
            }
        }
        tracing::debug!(%account, "refresh requested for an expired token");
        self.spawn_refresh(account, RefreshWhy::Expired);
    }

    /// Called after a 401 (or a selection that met an expired token) recorded `refresh_due`:
    /// runs the refresh on the current tokio runtime, or leaves it to the scheduler (which picks
    /// up unanswered `refresh_due`s).
    pub(in crate::engine) fn spawn_refresh(&self, account: AccountId, why: RefreshWhy) {
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            tracing::debug!(%account, "no tokio runtime: the scheduler will run the refresh");
            return;
        };
        let engine = self.clone();
        rt.spawn(async move {
            // The account stays `refreshing` until this ends, so a refresh still in backoff
            // waits for it here rather than depend on a scheduler the embedder may not run.
            loop {
                match engine.refresh_now(account, why).await {
                    Ok(RefreshOutcome::Skipped {
                        reason: RefreshSkip::BackingOff,
                        until: Some(until),
                        ..
                    }) => {
                        let wait = (until - engine.now()).to_std().unwrap_or_default();
                        tokio::time::sleep(wait.max(std::time::Duration::from_millis(1))).await;
                    }
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(%account, %e, ?why, "an asked-for refresh failed to run");
                        break;
                    }
                }
            }
        });
    }
}

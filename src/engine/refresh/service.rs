//! One refresh run: [`Engine::refresh_now`] (through the per-account single-flight gate of
//! `refreshers.rs`) and the on-401 spawn. A run records
//! `refresh_due`, calls the token endpoint with the current generation's secrets, and records
//! `refresh_succeeded` (new secrets in the same transaction, durable before returning) or
//! `refresh_failed` (backoff; a dead grant also disables the account as `needs_reauth`).

use std::sync::Arc;

use super::{RefreshOutcome, RefreshSkip};
use crate::engine::{Core, Engine};
use crate::event::{
    CredentialKind, DisableReason, Event, RefreshErrorClass, RefreshFailed, RefreshSucceeded,
    RefreshWhy,
};
use crate::ids::AccountId;
use crate::refresh::{backoff, due, Flight, RefreshFailure, TokenRefresher};
use crate::state::AccountStatus;
use crate::store::CredentialWrite;
use crate::time::Timestamp;

use crate::{Error, Result};

/// What `refresh_once` read under the lock before calling the endpoint.
struct Plan {
    refresher: Arc<dyn TokenRefresher>,
    secrets: crate::secret::Secrets,
    generation: u64,
    failures: u32,
}

/// What `plan_refresh` decided.
enum Step {
    Run(Plan),
    /// Record this failure (the `failures`-th in a row) without calling the endpoint.
    Fail(RefreshFailure, u32),
    Done(RefreshOutcome),
}

impl Engine {
    /// Refreshes `account` now, at most one refresh per account at a time: a caller arriving
    /// while one runs waits for it and gets its outcome. `Scheduled` runs only when the token
    /// is within its lead (or a `refresh_due` awaits a run); `On401` only while the 401's
    /// `refresh_due` is unanswered; `Manual` always. Both respect the failure backoff except
    /// `Manual`. Errors are store failures or a provider without a refresher.
    pub async fn refresh_now(&self, account: AccountId, why: RefreshWhy) -> Result<RefreshOutcome> {
        let engine = self.clone();
        let flight = self
            .inner
            .refresh
            .flight
            .run(account, || async move {
                engine
                    .refresh_once(account, why)
                    .await
                    .map_err(|e| e.to_string())
            })
            .await;
        match flight {
            Flight::Led(r) => {
                // Counted once per refresh that ran, not once per caller that joined it.
                if let (Ok(outcome), Some(provider)) = (&r, self.provider_of(account)) {
                    crate::metrics::record_refresh(provider, outcome.result());
                }
                r.map_err(Error::Refresh)
            }
            Flight::Joined(r) => r.map_err(Error::Refresh),
        }
    }

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

    /// After winning a fleet's claim: the skip another instance's failed attempt of this
    /// refresh calls for (the account disabled, or backing off unless a person asked).
    #[cfg(feature = "postgres")]
    fn failed_elsewhere(&self, account: AccountId, why: RefreshWhy) -> Option<RefreshOutcome> {
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

    /// One refresh inside the gate.
    async fn refresh_once(&self, account: AccountId, why: RefreshWhy) -> Result<RefreshOutcome> {
        let skip = |reason, until| RefreshOutcome::Skipped {
            account,
            reason,
            until,
        };
        let plan = match self.plan_refresh(account, why)? {
            Step::Run(plan) => plan,
            Step::Fail(f, failures) => return self.record_failure(account, f, failures).await,
            Step::Done(outcome) => return Ok(outcome),
        };
        // In a fleet, one instance refreshes: the claim is held (and released once the result
        // is committed) across the call, which runs outside any transaction.
        #[cfg(feature = "postgres")]
        let _claim = match self.claim_refresh(account, plan.generation).await? {
            Some(crate::engine::fleet::Claimed::RefreshedElsewhere) => {
                return Ok(skip(RefreshSkip::AlreadyRefreshed, None));
            }
            Some(crate::engine::fleet::Claimed::Go(guard)) => {
                // While this instance waited for the claim, another may have tried the same
                // generation and failed: its result is applied by now (`claim_refresh` caught
                // up), and a dead grant or a backoff holds for the fleet, not per instance.
                if let Some(outcome) = self.failed_elsewhere(account, why) {
                    return Ok(outcome);
                }
                Some(guard)
            }
            None => None,
        };
        tracing::debug!(%account, ?why, generation = plan.generation, "refreshing token");
        let result = plan.refresher.refresh(&plan.secrets, self.now()).await;
        match result {
            Ok(tokens) => {
                let rotated = tokens.rotated(&plan.secrets);
                let fingerprint = tokens.secrets.fingerprint();
                let generation = {
                    let mut core = self.inner.core.write();
                    let current = core.state.accounts.get(&account).map(|a| a.generation);
                    if current != Some(plan.generation) {
                        // Imported (or removed) meanwhile: a person's newer credentials win.
                        return Ok(skip(RefreshSkip::Superseded, None));
                    }
                    let generation = plan.generation + 1;
                    let ev = Event::RefreshSucceeded(RefreshSucceeded {
                        account,
                        expires_at: tokens.expires_at,
                        generation,
                        fingerprint: fingerprint.clone(),
                        identity: tokens.identity,
                    });
                    let cred = CredentialWrite::Put {
                        account,
                        generation,
                        secrets: tokens.secrets,
                        expires_at: tokens.expires_at,
                    };
                    let at = self.now();
                    self.record(&mut core, at, ev, Some(cred))?;
                    generation
                };
                // The old refresh token is dead at the provider: the new one must be on disk
                // before this refresh counts as done.
                self.flush().await?;
                tracing::info!(%account, generation, %fingerprint, rotated, "token refreshed");
                Ok(RefreshOutcome::Refreshed {
                    account,
                    generation,
                    fingerprint,
                    expires_at: tokens.expires_at,
                    rotated,
                })
            }
            Err(f) => self.record_failure(account, f, plan.failures + 1).await,
        }
    }

    /// Decides under the lock whether to call the endpoint; records `refresh_due` if it will
    /// and no `refresh_due` is already unanswered.
    fn plan_refresh(&self, account: AccountId, why: RefreshWhy) -> Result<Step> {
        let skip = |reason, until| {
            Ok(Step::Done(RefreshOutcome::Skipped {
                account,
                reason,
                until,
            }))
        };
        let now = self.now();
        let mut core = self.inner.core.write();
        let a = core
            .state
            .accounts
            .get(&account)
            .ok_or_else(|| Error::UnknownAccount(account.to_string()))?;
        if a.credential != CredentialKind::Oauth {
            return skip(RefreshSkip::NotOauth, None);
        }
        if let AccountStatus::Disabled(_) = a.status {
            return skip(RefreshSkip::Disabled, None);
        }
        let Some(cred) = core.creds.get(&account).cloned() else {
            return skip(RefreshSkip::NoRefreshToken, None);
        };
        if cred.secrets.refresh_token.is_none() {
            return skip(RefreshSkip::NoRefreshToken, None);
        }
        let refresher = match self.inner.refresh.get(a.provider) {
            Ok(r) => r.clone(),
            Err(why_not) if a.refresh.in_flight => {
                // A 401 left the account `refreshing`: end that rather than strand it.
                let f = RefreshFailure::new(RefreshErrorClass::Server, None, &why_not);
                return Ok(Step::Fail(f, a.refresh.consecutive_failures + 1));
            }
            Err(why_not) => return Err(Error::Refresh(why_not)),
        };
        let pending = a.refresh.in_flight;
        let state = due::RefreshState {
            expires_at: a.expires_at,
            lead: refresher.refresh_lead(),
            next_attempt_at: a.refresh.next_attempt_at,
        };
        let backing_off = a.refresh.next_attempt_at.filter(|t| *t > now);
        match why {
            RefreshWhy::Scheduled if !pending && !due::is_due(&state, now) => {
                return skip(RefreshSkip::NotDue, None);
            }
            RefreshWhy::On401 | RefreshWhy::Expired if !pending => {
                return skip(RefreshSkip::AlreadyRefreshed, None)
            }
            RefreshWhy::Scheduled | RefreshWhy::On401 | RefreshWhy::Expired
                if backing_off.is_some() =>
            {
                return skip(RefreshSkip::BackingOff, backing_off);
            }
            _ => {}
        }
        let plan = Plan {
            refresher,
            generation: a.generation,
            secrets: (*cred.secrets).clone(),
            failures: a.refresh.consecutive_failures,
        };
        if !pending {
            let ev = Event::RefreshDue {
                account,
                expires_at: a.expires_at,
                why,
                generation: Some(a.generation),
            };
            self.record(&mut core, now, ev, None)?;
        }
        Ok(Step::Run(plan))
    }

    /// Records `refresh_failed` (and `needs_reauth` for a dead grant) after the `failures`-th
    /// consecutive failure.
    async fn record_failure(
        &self,
        account: AccountId,
        f: RefreshFailure,
        failures: u32,
    ) -> Result<RefreshOutcome> {
        let at = self.now();
        let jitter = backoff::random_jitter(&mut rand::thread_rng());
        let next = backoff::next_attempt_at(at, failures, jitter, f.retry_after);
        let needs_reauth = f.needs_reauth();
        {
            let mut core = self.inner.core.write();
            let ev = Event::RefreshFailed(RefreshFailed {
                account,
                error: f.class,
                status: f.status,
                message: f.message.clone(),
                next_attempt_at: Some(next),
            });
            self.record(&mut core, at, ev, None)?;
            if needs_reauth {
                let reason = DisableReason::NeedsReauth;
                self.record(
                    &mut core,
                    at,
                    Event::AccountDisabled { account, reason },
                    None,
                )?;
            }
        }
        self.flush().await?;
        tracing::warn!(%account, failure = %f, failures, needs_reauth, "token refresh failed");
        Ok(RefreshOutcome::Failed {
            account,
            class: f.class,
            status: f.status,
            message: f.message.into(),
            next_attempt_at: Some(next),
            needs_reauth,
        })
    }
}

//! One refresh run: [`Engine::refresh_now`] (through the per-account single-flight gate of
//! `refreshers.rs`). Once `plan.rs` has decided to call the token endpoint (and recorded
//! `refresh_due`), the run calls it with the current generation's secrets and records
//! `refresh_succeeded` (new secrets in the same transaction, durable before returning) or
//! `refresh_failed` (backoff; a dead grant also disables the account as `needs_reauth`).

use super::plan::Step;
use super::{RefreshOutcome, RefreshSkip};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::event::{DisableReason, Event, RefreshFailed, RefreshSucceeded, RefreshWhy};
use crate::ids::AccountId;
use crate::refresh::{backoff, Flight, RefreshFailure};
use crate::store::CredentialWrite;

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
            Some(super::claim::Claimed::RefreshedElsewhere) => {
                return Ok(skip(RefreshSkip::AlreadyRefreshed, None));
            }
            Some(super::claim::Claimed::Go(guard)) => {
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

//! Reporting outcomes: classify outside the lock (parsers, usage, header quota observations),
//! decide the block (`block::decide`), record the outcome and what follows from it (account
//! disabled, refresh due), and start an on-401 refresh. Selection is in `hot.rs`.

use std::time::Duration;

use super::{Engine, Lease, Outcome};
use crate::event::{
    self, BlockSet, CredentialKind, DisableReason, Event, QuotaObservation, RefreshWhy,
};
use crate::ids::{AccountId, Model, Provider, RequestId};
use crate::parse::{self, ParsedError};
use crate::time::Timestamp;
use crate::{Error, Result};

/// What a report did, for callers that retry (`execute`) or print (`rotor report`).
#[derive(Clone, Debug, PartialEq)]
pub struct Reported {
    /// The classification of a failure (`None` for success / cancel).
    pub error: Option<ParsedError>,
    /// The block it put in force.
    pub block: Option<BlockSet>,
    /// A refresh was asked for (401 on an OAuth account).
    pub refresh_due: bool,
}

impl Engine {
    /// Reports the outcome of a leased request. A lease is reported once: a second report
    /// (of it or of a clone) is refused with [`Error::AlreadyReported`].
    pub fn report(&self, lease: &Lease, outcome: Outcome) -> Result<Reported> {
        once(lease, || {
            let at = self.now();
            let latency = (at - lease.issued_at).to_std().ok();
            self.report_for(
                lease.account,
                &lease.model,
                Some(lease.request),
                Some(lease.generation),
                outcome,
                at,
                latency,
            )
        })
    }

    /// Reports a failure the caller has already classified (a proxy with its own parser, or
    /// tests of the rules): the same path as [`Engine::report`] after parsing.
    pub fn report_error(&self, lease: &Lease, error: ParsedError) -> Result<Reported> {
        once(lease, || {
            let at = self.now();
            let latency = (at - lease.issued_at).to_std().ok();
            let (account, model) = (lease.account, lease.model.to_string());
            self.record_report(
                account,
                model,
                Some(lease.request),
                Some(lease.generation),
                Classified::Failed(error, vec![]),
                at,
                latency,
            )
        })
    }

    /// Reports an outcome for (account, model) without a lease (CLI, proxies that select
    /// elsewhere). `generation` is the credential generation used, when known. Without a lease
    /// the engine cannot tell a repeated `request` from a new one: report each request once
    /// (`rotor report --request` checks the log for an earlier outcome).
    #[allow(clippy::too_many_arguments)]
    pub fn report_for(
        &self,
        account: AccountId,
        model: &str,
        request: Option<RequestId>,
        generation: Option<u64>,
        outcome: Outcome,
        at: Timestamp,
        latency: Option<Duration>,
    ) -> Result<Reported> {
        // A caller's time (`--at`) is kept as the log can hold it, like every other time.
        let at = crate::time::clamp(at);
        // Blocked and counted as `select` rotates it: a variant's or an alias's model.
        let model = self.inner.config.canonical_model(model);
        let provider = self
            .with_state(|s| s.accounts.get(&account).map(|a| a.provider))
            .ok_or_else(|| Error::UnknownAccount(account.to_string()))?;
        // Classification is pure and may read up to 64 KiB: done before taking the lock.
        let classified = match &outcome {
            Outcome::Success {
                usage,
                headers,
                body,
            } => {
                // The caller's usage, else what the provider's body (or stream) says.
                let usage = usage.or_else(|| {
                    body.as_deref()
                        .and_then(|b| crate::quota::extract_usage(provider, b))
                });
                Classified::Succeeded(usage, observations(provider, model, headers, at))
            }
            Outcome::Failure {
                status,
                headers,
                body,
            } => Classified::Failed(
                parse::parse(provider, *status, headers, body),
                observations(provider, model, headers, at),
            ),
            Outcome::Network { message } => {
                Classified::Failed(ParsedError::network(message.as_str()), vec![])
            }
            Outcome::Cancelled => Classified::Cancelled,
        };
        self.record_report(
            account,
            model.to_string(),
            request,
            generation,
            classified,
            at,
            latency,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn record_report(
        &self,
        account: AccountId,
        model: String,
        request: Option<RequestId>,
        generation: Option<u64>,
        classified: Classified,
        at: Timestamp,
        latency: Option<Duration>,
    ) -> Result<Reported> {
        let model = Model::from(model.as_str());
        let latency_ms = latency.map(|d| d.as_millis() as u64);
        let (error, quota, usage, cancelled) = match classified {
            Classified::Succeeded(usage, quota) => (None, quota, usage, false),
            // Its stated wait clamped here, once, to what the event records and the rules read.
            Classified::Failed(e, quota) => (Some(e.recorded_at(at)), quota, None, false),
            Classified::Cancelled => (None, vec![], None, true),
        };

        let mut core = self.inner.core.write();
        let Some(acct) = core.state.accounts.get(&account) else {
            return Err(Error::UnknownAccount(account.to_string()));
        };
        let provider = acct.provider;
        let kind = match (cancelled, &error) {
            (true, _) => "cancelled",
            (_, None) => "success",
            (_, Some(e)) => e.kind.as_str(),
        };
        let mut reported = Reported {
            error: error.clone(),
            block: None,
            refresh_due: false,
        };
        let event = match (cancelled, error) {
            (true, _) => Event::RequestCancelled {
                request,
                account,
                model,
            },
            (_, None) => Event::RequestSucceeded(event::RequestSucceeded {
                request,
                account,
                model,
                latency_ms,
                usage,
                quota,
            }),
            (_, Some(err)) => {
                // A 401 against a credential that has since been replaced says nothing new.
                let stale = generation.is_some_and(|g| g < acct.generation);
                let can_refresh = acct.credential == CredentialKind::Oauth
                    && core
                        .creds
                        .get(&account)
                        .is_some_and(|c| c.secrets.refresh_token.is_some());
                let auth = err.kind == parse::ErrorKind::Authentication;
                let block = if stale && auth {
                    None
                } else {
                    crate::block::decide(
                        &err,
                        at,
                        acct.standing(&model, at),
                        can_refresh,
                        &self.inner.config.block_settings(provider),
                    )
                };
                reported.refresh_due = auth && !stale && can_refresh && !acct.refresh.in_flight;
                reported.block = block.clone();
                tracing::debug!(%account, model = &*model, kind = err.kind.as_str(), status = ?err.status,
                    block_until = ?block.as_ref().map(|b| b.until), "request failed");
                let disables = err.disables_account;
                let expires_at = acct.expires_at;
                let ev = Event::RequestFailed(event::RequestFailed {
                    request,
                    account,
                    model,
                    latency_ms,
                    error: err,
                    block,
                    generation,
                    quota,
                });
                self.record(&mut core, at, ev, None)?;
                if disables {
                    let ev = Event::AccountDisabled {
                        account,
                        reason: DisableReason::Permission,
                    };
                    self.record(&mut core, at, ev, None)?;
                }
                if reported.refresh_due {
                    let ev = Event::RefreshDue {
                        account,
                        expires_at,
                        why: RefreshWhy::On401,
                    };
                    self.record(&mut core, at, ev, None)?;
                }
                drop(core);
                crate::metrics::record_report(provider, kind);
                if reported.refresh_due {
                    self.refresh_requested(account);
                }
                return Ok(reported);
            }
        };
        self.record(&mut core, at, event, None)?;
        drop(core);
        crate::metrics::record_report(provider, kind);
        Ok(reported)
    }

    /// Hook for the refresh runner: an on-401 `refresh_due` was recorded for `account`.
    fn refresh_requested(&self, account: AccountId) {
        tracing::debug!(%account, "refresh requested after a 401");
        self.spawn_refresh(account, RefreshWhy::On401);
    }
}

/// Runs `report` unless `lease` was reported already; a report that fails to record leaves
/// the lease reportable.
fn once(lease: &Lease, report: impl FnOnce() -> Result<Reported>) -> Result<Reported> {
    if !lease.claim_report() {
        return Err(Error::AlreadyReported(lease.request));
    }
    let r = report();
    if r.is_err() {
        lease.release_report();
    }
    r
}

/// An outcome after classification.
enum Classified {
    Succeeded(Option<event::Usage>, Vec<QuotaObservation>),
    Failed(ParsedError, Vec<QuotaObservation>),
    Cancelled,
}

/// Quota observations from response headers (success and failure alike), scoped to `model`
/// where the provider's limit is the model's.
fn observations(
    provider: Provider,
    model: &str,
    headers: &parse::Headers,
    at: Timestamp,
) -> Vec<QuotaObservation> {
    if headers.is_empty() {
        return Vec::new();
    }
    parse::observe_headers(provider, &Model::from(model), headers, at)
}

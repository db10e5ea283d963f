//! Reporting outcomes, top to bottom: classify outside the lock (`classify.rs`), then under the
//! exclusive lock plan the events from the projections (`events.rs`, pure; the block from the
//! rules) and record them, then count the report and start an on-401 refresh. Selection is in
//! `hot.rs`.

mod classify;
mod events;

use std::time::Duration;

use super::{Engine, Lease, Outcome};
use crate::error::{Error, Result};
use crate::event::BlockSet;
use crate::ids::{AccountId, Model, Provider, RequestId};
use crate::parse::ParsedError;
use crate::time::Timestamp;
use classify::{classify, Classified};

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

/// Which request an outcome reported without a lease belongs to (CLI, proxies that select
/// elsewhere): [`ReportFor::new`] names the (account, model) and the time; the rest is what the
/// caller knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportFor {
    /// The account the request was made with.
    pub account: AccountId,
    /// The model the request was for.
    pub model: Model,
    /// The request id `select` gave, when known.
    pub request: Option<RequestId>,
    /// The credential generation the request used, when known (a 401 against an older one is
    /// stale).
    pub generation: Option<u64>,
    /// When the outcome came back.
    pub at: Timestamp,
    /// How long the provider call took, when the caller measured it.
    pub latency: Option<Duration>,
}

impl ReportFor {
    /// An outcome for (account, model) at `at`; nothing else known.
    pub fn new(account: AccountId, model: &str, at: Timestamp) -> Self {
        ReportFor {
            account,
            model: crate::ids::intern_model(model),
            request: None,
            generation: None,
            at,
            latency: None,
        }
    }

    /// What a lease knows, reported at `at`.
    fn of_lease(lease: &Lease, at: Timestamp) -> Self {
        ReportFor {
            account: lease.account,
            model: lease.model.clone(),
            request: Some(lease.request),
            generation: Some(lease.generation),
            at,
            latency: (at - lease.issued_at).to_std().ok(),
        }
    }
}

impl Engine {
    /// Reports the outcome of a leased request. A lease is reported once: a second report
    /// (of it or of a clone) is refused with [`Error::AlreadyReported`].
    pub fn report(&self, lease: &Lease, outcome: Outcome) -> Result<Reported> {
        once(lease, || {
            let r = ReportFor::of_lease(lease, self.now());
            let classified = classify(lease.provider, &lease.model, outcome, r.at);
            self.record_report(&r, lease.provider, classified)
        })
    }

    /// Reports a failure the caller has already classified (a proxy with its own parser, or
    /// tests of the rules): the same path as [`Engine::report`] after parsing.
    pub fn report_error(&self, lease: &Lease, error: ParsedError) -> Result<Reported> {
        once(lease, || {
            let r = ReportFor::of_lease(lease, self.now());
            let classified = Classified::Failed {
                error,
                quota: vec![],
            };
            self.record_report(&r, lease.provider, classified)
        })
    }

    /// Reports an outcome without a lease. The engine cannot tell a repeated `request` from a
    /// new one: report each request once (`rotor report --request` checks the log for an
    /// earlier outcome). The model may be a variant or an alias: it is blocked and counted as
    /// `select` rotates it, its canonical model.
    pub fn report_for(&self, mut r: ReportFor, outcome: Outcome) -> Result<Reported> {
        // A caller's time (`--at`) is kept as the log can hold it, like every other time.
        r.at = crate::time::clamp(r.at);
        let canonical = self.inner.config.canonical_model(&r.model);
        if canonical != &*r.model {
            r.model = crate::ids::intern_model(canonical);
        }
        // The parser is the provider's: looked up first, as classifying happens outside the lock.
        let provider = self
            .provider_of(r.account)
            .ok_or_else(|| Error::UnknownAccount(r.account.to_string()))?;
        let classified = classify(provider, &r.model, outcome, r.at);
        self.record_report(&r, provider, classified)
    }

    /// Plans and records the report's events under the exclusive lock, then counts it and
    /// starts the refresh a 401 asked for.
    fn record_report(
        &self,
        r: &ReportFor,
        provider: Provider,
        classified: Classified,
    ) -> Result<Reported> {
        let mut core = self.inner.core.write();
        let (state, creds) = (&core.state, &core.creds);
        let config = &self.inner.config;
        let planned = events::plan(state, creds, config, r, classified)?;
        for event in planned.events {
            self.record(&mut core, r.at, event, None)?;
        }
        drop(core);
        crate::metrics::record_report(provider, planned.kind);
        if planned.reported.refresh_due {
            tracing::debug!(account = %r.account, "refresh requested after a 401");
            self.spawn_refresh(r.account, crate::event::RefreshWhy::On401);
        }
        Ok(planned.reported)
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

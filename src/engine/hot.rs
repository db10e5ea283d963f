//! The hot path's first half: `select` decides (pure, in `select::decide`), records `selected`
//! or `no_account` under the core lock, and hands out a lease that shares the stored credential.
//! No SQLite here: events go to the writer's queue. Reporting outcomes is in `report.rs`.

use std::sync::Arc;

use super::{Engine, Lease, NoAccount};
use crate::event::{self, Event};
use crate::ids::{Model, Provider, RequestId};
use crate::select::{decide, Policy, SelectOpts};
use crate::Result;

impl Engine {
    /// Chooses an account for (provider, model) and records the decision.
    pub fn select(
        &self,
        provider: Provider,
        model: &str,
        opts: &SelectOpts,
    ) -> Result<Lease, NoAccount> {
        let at = opts.at.unwrap_or_else(|| self.now());
        let policy = Policy {
            strategy: self.inner.config.strategy,
            probe_after: self.inner.config.probe.after.0,
        };
        let request = RequestId::new_v7();
        let mut core = self.inner.core.lock();
        // Reuse the interned model name when this (provider, model) was seen before.
        let model: Model = core
            .state
            .selector
            .cursors
            .get(&provider)
            .and_then(|m| m.get_key_value(model))
            .map(|(k, _)| k.clone())
            .unwrap_or_else(|| Model::from(model));
        match decide(&core.state, provider, &model, opts, at, policy) {
            Ok(choice) => {
                let cred = core.creds.get(&choice.account).cloned();
                let (credential, generation) = match cred {
                    Some(c) => (c.secrets.clone(), c.generation),
                    None => (Arc::new(Default::default()), 0),
                };
                let event = Event::Selected(event::Selected {
                    request,
                    provider,
                    model: model.clone(),
                    account: choice.account,
                    strategy: policy.strategy,
                    tier: choice.tier,
                    probe: choice.probe,
                    session: opts.session.clone(),
                    excluded: opts.exclude.clone(),
                    skipped: choice.skipped,
                });
                if let Err(e) = self.record(&mut core, at, event, None) {
                    tracing::error!(%e, "recording a selection failed");
                }
                tracing::trace!(%request, account = %choice.account, %provider, model = &*model, probe = choice.probe, "selected");
                Ok(Lease {
                    request,
                    account: choice.account,
                    provider,
                    model,
                    credential,
                    generation,
                    issued_at: at,
                    strategy: policy.strategy,
                    probe: choice.probe,
                })
            }
            Err(refusal) => {
                let no = NoAccount {
                    request,
                    provider,
                    model: model.clone(),
                    earliest_at: refusal.earliest_at,
                    skipped: refusal.skipped,
                };
                let event = Event::NoAccount(event::NoAccount {
                    request,
                    provider,
                    model,
                    earliest_at: no.earliest_at,
                    session: opts.session.clone(),
                    excluded: opts.exclude.clone(),
                    skipped: no.skipped.clone(),
                });
                if let Err(e) = self.record(&mut core, at, event, None) {
                    tracing::error!(%e, "recording a refusal failed");
                }
                tracing::debug!(%request, %provider, model = &*no.model, skipped = no.skipped.len(), "no account available");
                Err(no)
            }
        }
    }
}

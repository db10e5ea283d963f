//! The hot path's first half: `select` decides (pure, in `select::decide`), records `selected`
//! or `no_account`, and hands out a lease that shares the stored credential. No SQLite here:
//! events go to the writer's queue. Reporting outcomes is in `report.rs`.
//!
//! Two paths. The common one holds the projection lock *shared* plus the one (provider, model)
//! key's own lock (and its session's shard, if any; both in `live.rs`), so selections of
//! different models run side by side on different cores: it decides, commits the selection's
//! effect with `state::selected::commit` (the function the fold calls) and queues the event
//! before letting go. A selection that changes structure (a half-open probe, a key or an
//! (account, model) seen for the first time) takes the lock exclusively and goes through the
//! fold like every other event.

use std::sync::Arc;

use super::{Core, Engine, Lease, NoAccount};
use crate::event::{self, BlockReason, Event};
use crate::ids::{AccountId, Model, Provider, RequestId};
use crate::select::{decide_with, Choice, Policy, Recall, Refusal, SelectOpts};
use crate::state::selected;
use crate::time::Timestamp;

/// What a selection returns, and the accounts it passed over because their tokens expired.
type Decided = (Result<Lease, NoAccount>, Vec<AccountId>);

/// One selection's inputs, shared by both paths.
struct Ask<'a> {
    provider: Provider,
    /// The model name the caller asked for (the decision keys on its canonical model).
    asked: &'a str,
    opts: &'a SelectOpts,
    at: Timestamp,
    policy: Policy,
    request: RequestId,
}

impl Engine {
    /// Chooses an account for (provider, model) and records the decision. A variant or an
    /// alias of a model (configuration `model_variants`, `model_alias`) is resolved here,
    /// once: the decision, the lease and the event use the canonical model, and the event
    /// keeps the name asked for beside it.
    pub fn select(
        &self,
        provider: Provider,
        asked: &str,
        opts: &SelectOpts,
    ) -> Result<Lease, NoAccount> {
        let model = self.inner.config.canonical_model(asked);
        // Asked only when a new model name meets a full label set: does an allow-list name it?
        let configured = || {
            self.with_state(|s| {
                s.provider_accounts(provider).any(|a| {
                    a.models
                        .as_ref()
                        .is_some_and(|m| m.iter().any(|x| &**x == model))
                })
            })
        };
        let probe = crate::metrics::SelectProbe::start(provider, model, configured);
        #[cfg(feature = "postgres")]
        self.note_stale_selection();
        let out = self.select_recorded(provider, asked, model, opts);
        probe.finish(out.is_ok());
        out
    }

    /// Decides for the canonical `model` (asked for as `asked`), records the decision, and asks
    /// for the refresh of any expired token it passed over.
    fn select_recorded(
        &self,
        provider: Provider,
        asked: &str,
        model: &str,
        opts: &SelectOpts,
    ) -> Result<Lease, NoAccount> {
        let ask = Ask {
            provider,
            asked,
            opts,
            at: opts.at.map_or_else(|| self.now(), crate::time::clamp),
            policy: Policy {
                strategy: self.inner.config.strategy,
                probe_after: self.inner.config.probe.after.0,
                cooldown_disabled: self.inner.config.cooldown.disabled,
            },
            request: RequestId::new_v7(),
        };
        let (out, expired) = match self.select_shared(&ask, model) {
            Some(done) => {
                self.checkpoint_if_due();
                done
            }
            None => self.select_exclusive(&ask, model),
        };
        // Expired tokens were passed over: ask for their refresh (after the decision, which
        // must not wait on it).
        for account in expired {
            self.refresh_expired(account, ask.at);
        }
        out
    }

    /// The shared-lock path; `None` when this selection must take the exclusive one.
    fn select_shared(&self, ask: &Ask<'_>, model: &str) -> Option<Decided> {
        let core = self.inner.core.read();
        let (model, cell) = core.selector.key(ask.provider, model)?;
        // Lock order: the session's shard, then the key (as the exclusive path).
        let session = ask.opts.session.as_deref();
        let mut shard = session.map(|s| core.selector.shard(s).lock());
        let mut key = cell.lock();
        let previous = session
            .zip(shard.as_deref())
            .and_then(|(s, m)| m.get(s, ask.at));
        let recall = Recall {
            key: Some(&key),
            session: previous,
        };
        let p = ask.provider;
        let decision = decide_with(&core.state, recall, p, model, ask.opts, ask.at, ask.policy);
        let mut slot = None;
        if let Ok(c) = &decision {
            // A probe marks a block, a first lease creates the (account, model) health: both
            // change structure, which only the exclusive path may.
            let account = core.state.accounts.get(&c.account);
            if c.probe || account.and_then(|a| a.health.get(model)).is_none() {
                return None;
            }
            slot = account.map(|a| a.slot);
        }
        let (event, out, expired) = self.decided(&core, ask, model.clone(), decision);
        if let Event::Selected(e) = &event {
            let weighted =
                selected::weighted_candidates(&core.state.accounts, &core.state.order, e);
            let shard = shard.as_deref_mut();
            selected::commit(&mut key, shard, ask.at, e, slot, weighted.as_deref());
        }
        if let Err(e) = self.record_shared(&core, ask.at, event) {
            tracing::error!(%e, "recording a selection failed");
        }
        Some((out, expired))
    }

    fn select_exclusive(&self, ask: &Ask<'_>, model: &str) -> Decided {
        let mut core = self.inner.core.write();
        // Reuse the interned model name when this (provider, model) was seen before.
        let model: Model = match core.selector.key(ask.provider, model) {
            Some((m, _)) => m.clone(),
            None => crate::ids::intern_model(model),
        };
        let decision = {
            // Uncontended under the exclusive lock; let go before the fold writes through them.
            let session = ask.opts.session.as_deref();
            let previous = session.and_then(|s| core.selector.shard(s).lock().get(s, ask.at));
            let key = core
                .selector
                .key(ask.provider, &model)
                .map(|(_, k)| k.lock());
            let recall = Recall {
                key: key.as_deref(),
                session: previous,
            };
            let (p, opts) = (ask.provider, ask.opts);
            decide_with(&core.state, recall, p, &model, opts, ask.at, ask.policy)
        };
        let (event, out, expired) = self.decided(&core, ask, model, decision);
        if let Err(e) = self.record(&mut core, ask.at, event, None) {
            tracing::error!(%e, "recording a selection failed");
        }
        (out, expired)
    }

    /// A decision as its event, as what the caller gets back, and the accounts it passed over
    /// because their tokens had expired.
    fn decided(
        &self,
        core: &Core,
        ask: &Ask<'_>,
        model: Model,
        decision: Result<Choice, Refusal>,
    ) -> (Event, Result<Lease, NoAccount>, Vec<AccountId>) {
        let (request, provider, opts) = (ask.request, ask.provider, ask.opts);
        let asked_model = (ask.asked != &*model).then(|| Model::from(ask.asked));
        let skipped = match &decision {
            Ok(c) => &c.skipped,
            Err(r) => &r.skipped,
        };
        let expired = skipped
            .iter()
            .filter(|s| s.reason == BlockReason::Expired)
            .map(|s| s.account)
            .collect();
        let (event, out) = match decision {
            Ok(choice) => {
                let (credential, generation) = match core.creds.get(&choice.account) {
                    Some(c) => (c.secrets.clone(), c.generation),
                    None => (Arc::new(Default::default()), 0),
                };
                tracing::trace!(%request, account = %choice.account, %provider, model = &*model, probe = choice.probe, "selected");
                let lease = Lease {
                    request,
                    account: choice.account,
                    provider,
                    model: model.clone(),
                    asked_model: asked_model.clone().unwrap_or_else(|| model.clone()),
                    credential,
                    generation,
                    issued_at: ask.at,
                    strategy: ask.policy.strategy,
                    probe: choice.probe,
                    reported: Default::default(),
                };
                let event = Event::Selected(event::Selected {
                    request,
                    provider,
                    model,
                    asked_model,
                    account: choice.account,
                    generation: Some(generation),
                    strategy: ask.policy.strategy,
                    tier: choice.tier,
                    probe: choice.probe,
                    session: opts.session.clone(),
                    excluded: opts.exclude.clone(),
                    skipped: choice.skipped,
                    cooldown_disabled: ask.policy.cooldown_disabled,
                    cooldown_ignored: choice.cooldown_ignored,
                });
                (event, Ok(lease))
            }
            Err(refusal) => {
                tracing::debug!(%request, %provider, model = &*model, skipped = refusal.skipped.len(), "no account available");
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
                    asked_model,
                    strategy: Some(ask.policy.strategy),
                    cooldown_disabled: ask.policy.cooldown_disabled,
                    earliest_at: no.earliest_at,
                    session: opts.session.clone(),
                    excluded: opts.exclude.clone(),
                    skipped: no.skipped.clone(),
                });
                (event, Err(no))
            }
        };
        (event, out, expired)
    }
}

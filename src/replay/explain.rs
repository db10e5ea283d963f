//! `replay --explain`: recompute one logged decision from the events before it, with every
//! candidate's eligibility (a weight-0 account under `weighted` is `parked`, as `select` never
//! chooses it; one excluded because an earlier attempt of the same request failed on it, at
//! most [`RETRY_WINDOW`] before, names that attempt). The sentence saying why the chosen account
//! won (or none could) is written in `explain/why.rs`. Pure; the CLI prints it.

mod why;

use serde::Serialize;

use crate::event::{BlockReason, Event, EventRecord};
use crate::ids::{AccountId, RequestId};
use crate::select::Strategy;
use crate::state::State;
use crate::time::{serde_ts, serde_ts_opt, Timestamp};

/// How long before a decision a failed attempt can be one of its request: `execute` retries at
/// once or after at most `retry.max_wait`; a person retrying by hand takes a few minutes.
pub const RETRY_WINDOW: chrono::Duration = chrono::Duration::minutes(10);

/// One decision, explained: every candidate of the provider for that model, eligible or not.
#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    /// The request the decision was made for.
    pub request: RequestId,
    /// When the decision was made.
    #[serde(with = "serde_ts")]
    pub at: Timestamp,
    /// The provider asked for.
    pub provider: crate::ids::Provider,
    /// The model asked for.
    pub model: String,
    /// `None` when no account was available.
    pub chosen: Option<AccountId>,
    /// The strategy that chose; `None` when no account was available.
    pub strategy: Option<crate::select::Strategy>,
    /// The priority of the tier the account was chosen from; `None` when none was available.
    pub tier: Option<u32>,
    /// Whether the lease was a half-open probe of a blocked account.
    pub probe: bool,
    /// The caller's session key, if any.
    pub session: Option<String>,
    /// Every account of the provider that could serve the model, in rotation order.
    pub candidates: Vec<Candidate>,
    /// In words: why the chosen one won (or why none could).
    pub why: String,
    /// On a fleet log: the instance that made the decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub writer: Option<uuid::Uuid>,
}

/// One account as the decision saw it.
#[derive(Clone, Debug, Serialize)]
pub struct Candidate {
    /// The account's id.
    pub account: AccountId,
    /// Its human-readable name.
    pub label: String,
    /// Its priority tier.
    pub tier: u32,
    /// Whether it could have been leased.
    pub eligible: bool,
    /// Why it could not; `None` when eligible.
    pub reason: Option<BlockReason>,
    /// When that reason ended by itself; `None` when eligible or only an event ends it.
    #[serde(with = "serde_ts_opt")]
    pub until: Option<Timestamp>,
    /// For `excluded`: the earlier attempt of this request that failed on the account; `None`
    /// when the caller excluded it for reasons of its own.
    pub excluded_by: Option<PriorAttempt>,
}

/// An earlier attempt of the same request (a retry excludes the accounts it already tried).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PriorAttempt {
    /// 1 for the request's first attempt.
    pub attempt: usize,
    /// The request id that attempt was leased under.
    pub request: RequestId,
    /// How it failed: the error kind (`rate_limit`, `overloaded`, ...).
    pub failed: &'static str,
}

/// Explains the decision for `request`, folding only the events before it.
pub fn explain(records: &[EventRecord], request: RequestId) -> Option<Explanation> {
    explain_from(State::default(), records, request)
}

/// [`explain`] from `state`, the projections just before `records[0]` (a checkpoint with the
/// tail folded onto it, so a long log need not be read from seq 1). Earlier attempts of the
/// same request are looked for in `records` only.
pub fn explain_from(
    mut state: State,
    records: &[EventRecord],
    request: RequestId,
) -> Option<Explanation> {
    for (index, rec) in records.iter().enumerate() {
        let decision = match &rec.event {
            Event::Selected(e) if e.request == request => Some((
                e.provider,
                e.model.clone(),
                Some((e.account, e.strategy, e.tier, e.probe)),
                e.session.clone(),
                e.excluded.clone(),
                e.cooldown_disabled,
                e.strategy,
            )),
            Event::NoAccount(e) if e.request == request => Some((
                e.provider,
                e.model.clone(),
                None,
                e.session.clone(),
                e.excluded.clone(),
                e.cooldown_disabled,
                e.strategy.unwrap_or(Strategy::RoundRobin),
            )),
            _ => None,
        };
        let Some((provider, model, chosen, session, excluded, cooldown_disabled, strategy)) =
            decision
        else {
            state.apply(rec);
            continue;
        };
        let before = &records[..records.len().min(index)];
        let prior = prior_attempts(before, rec.at, provider, &model, &excluded);
        let candidates: Vec<Candidate> = state
            .provider_accounts(provider)
            .filter(|a| a.allows(&model))
            .map(|a| {
                // With cooldowns off (for all, or for this account) its blocks did not count.
                let cooling = || {
                    let off = cooldown_disabled || a.cooldown_off;
                    a.cooling(&model, rec.at).filter(|_| !off)
                };
                // As `select` decides: weight 0 parks an account under `weighted`.
                let u = if strategy == Strategy::Weighted && a.weight == 0 {
                    Some((BlockReason::Parked, None))
                } else if excluded.contains(&a.id) {
                    Some((BlockReason::Excluded, None))
                } else {
                    a.held(rec.at).or_else(cooling).map(|u| (u.reason, u.until))
                };
                Candidate {
                    account: a.id,
                    label: a.label.clone(),
                    tier: a.priority,
                    eligible: u.is_none(),
                    reason: u.map(|u| u.0),
                    until: u.and_then(|u| u.1),
                    excluded_by: prior.iter().find(|p| p.0 == a.id).map(|p| p.1.clone()),
                }
            })
            .collect();
        let mut explanation = Explanation {
            writer: None,
            request,
            at: rec.at,
            provider,
            model: model.to_string(),
            chosen: chosen.map(|c| c.0),
            strategy: chosen.map(|c| c.1),
            tier: chosen.map(|c| c.2),
            probe: chosen.is_some_and(|c| c.3),
            session,
            candidates,
            why: String::new(),
        };
        explanation.why = why::sentence(&state, rec, &explanation);
        return Some(explanation);
    }
    None
}

/// The earlier attempts of the request whose decision excluded `excluded`, newest first in the
/// log: a retry's `excluded` is the previous attempt's plus the account that attempt failed on,
/// so the chain is followed back from the last entry while each link is a selection of that
/// account (same provider and model, excluding exactly the entries before it) whose request
/// failed within [`RETRY_WINDOW`] of `at`. Entries before the chain were excluded by the
/// caller.
fn prior_attempts(
    before: &[EventRecord],
    at: Timestamp,
    provider: crate::ids::Provider,
    model: &str,
    excluded: &[AccountId],
) -> Vec<(AccountId, PriorAttempt)> {
    let mut chain = Vec::new();
    let mut limit = before.len();
    for i in (0..excluded.len()).rev() {
        let found = before[..limit]
            .iter()
            .enumerate()
            .rev()
            .find_map(|(p, r)| match &r.event {
                Event::Selected(e)
                    if e.account == excluded[i]
                        && e.provider == provider
                        && &*e.model == model
                        && e.excluded == excluded[..i] =>
                {
                    Some((p, e.request))
                }
                _ => None,
            });
        let Some((p, request)) = found else { break };
        let failed = before[p..].iter().find_map(|r| match &r.event {
            Event::RequestFailed(f) if f.request == Some(request) && at - r.at <= RETRY_WINDOW => {
                Some(f.error.kind.as_str())
            }
            _ => None,
        });
        let Some(failed) = failed else { break };
        chain.push((i, excluded[i], request, failed));
        limit = p;
    }
    let first = chain.last().map_or(0, |c| c.0);
    chain
        .into_iter()
        .map(|(i, account, request, failed)| {
            let attempt = i - first + 1;
            (
                account,
                PriorAttempt {
                    attempt,
                    request,
                    failed,
                },
            )
        })
        .collect()
}

//! The pure step of a report: from a classified outcome and the projections as they stand, the
//! events to record (in order) and what the caller is told. A failure is first reshaped by the
//! configuration's `[[rules]]`; the block it puts in force is decided by `block::decide`;
//! nothing here takes a lock or records anything.

use rustc_hash::FxHashMap;

use super::classify::Classified;
use super::{ReportFor, Reported};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::event::{self, CredentialKind, DisableReason, Event, RefreshWhy};
use crate::ids::AccountId;
use crate::parse::ErrorKind;
use crate::state::State;
use crate::store::StoredCredential;

/// What one report records and answers.
pub(super) struct Planned {
    pub events: Vec<Event>,
    pub reported: Reported,
    /// `success`, `cancelled` or the error kind: the metric label.
    pub kind: &'static str,
}

/// The events a report of `classified` for `r` records, given the projections and the stored
/// credentials (a 401 asks for a refresh only when there is a refresh token to use).
pub(super) fn plan(
    state: &State,
    creds: &FxHashMap<AccountId, StoredCredential>,
    config: &Config,
    r: &ReportFor,
    classified: Classified,
) -> Result<Planned> {
    let (account, model) = (r.account, r.model.clone());
    let acct = state
        .accounts
        .get(&account)
        .ok_or_else(|| Error::UnknownAccount(account.to_string()))?;
    let (request, at) = (r.request, r.at);
    let latency_ms = r.latency.map(|d| d.as_millis() as u64);
    let mut reported = Reported {
        error: None,
        block: None,
        refresh_due: false,
    };
    let (kind, events) = match classified {
        Classified::Cancelled => {
            let ev = Event::RequestCancelled {
                request,
                account,
                model,
            };
            ("cancelled", vec![ev])
        }
        Classified::Succeeded { usage, quota } => {
            let ev = Event::RequestSucceeded(event::RequestSucceeded {
                request,
                account,
                model,
                latency_ms,
                usage,
                quota,
            });
            ("success", vec![ev])
        }
        Classified::Failed { error, quota } => {
            // The configuration's `[[rules]]` reshape the failure (the event records which did);
            // then its stated wait is clamped, once, to what the event records and the block reads.
            let mut error = error;
            let rule = crate::config::rules::apply(&config.rules, acct.provider, &mut error);
            let error = error.recorded_at(at);
            // A 401 against a credential that has since been replaced says nothing new.
            let stale = r.generation.is_some_and(|g| g < acct.generation);
            let can_refresh = acct.credential == CredentialKind::Oauth
                && creds
                    .get(&account)
                    .is_some_and(|c| c.secrets.refresh_token.is_some());
            let auth = error.kind == ErrorKind::Authentication;
            // `invalid_grant` from the API: the grant is dead, a refresh would meet the same
            // answer, so an OAuth account waits for a new sign-in (disabled, not blocked).
            let reauth =
                !stale && error.is_dead_grant() && acct.credential == CredentialKind::Oauth;
            let block = if (stale && auth) || reauth {
                None
            } else {
                crate::block::decide(
                    &error,
                    at,
                    acct.standing(&model, at),
                    can_refresh,
                    &config.block_settings(acct.provider),
                )
            };
            reported.refresh_due =
                auth && !stale && !reauth && can_refresh && !acct.refresh.in_flight;
            reported.block = block.clone();
            reported.error = Some(error.clone());
            tracing::debug!(%account, model = &*model, kind = error.kind.as_str(), status = ?error.status,
                block_until = ?block.as_ref().map(|b| b.until), "request failed");
            let disables = error.disables_account;
            let kind = error.kind.as_str();
            let mut events = vec![Event::RequestFailed(event::RequestFailed {
                request,
                account,
                model,
                latency_ms,
                error,
                block,
                generation: r.generation,
                quota,
                rule,
            })];
            // A Terms-of-Service suspension (or the like) disables for good; a dead grant until
            // the account is signed in again.
            let disabled = match (disables, reauth) {
                (true, _) => Some(DisableReason::Permission),
                (_, true) => Some(DisableReason::NeedsReauth),
                _ => None,
            };
            if let Some(reason) = disabled {
                events.push(Event::AccountDisabled { account, reason });
            }
            if reported.refresh_due {
                events.push(Event::RefreshDue {
                    account,
                    expires_at: acct.expires_at,
                    why: RefreshWhy::On401,
                    generation: Some(acct.generation),
                });
            }
            (kind, events)
        }
    };
    Ok(Planned {
        events,
        reported,
        kind,
    })
}

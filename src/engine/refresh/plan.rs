//! Whether a refresh run calls the token endpoint, decided under the engine's lock: skipped
//! (not OAuth, disabled, no refresh token, not due, already answered, backing off), recorded
//! as failed without a call (no refresher for a `refreshing` account), or run with the secrets
//! and generation read here, after recording its `refresh_due`. The call is `service.rs`.

use std::sync::Arc;

use super::{RefreshOutcome, RefreshSkip};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::event::{CredentialKind, Event, RefreshErrorClass, RefreshWhy};
use crate::ids::AccountId;
use crate::refresh::{due, RefreshFailure, TokenRefresher};
use crate::state::AccountStatus;

/// What `refresh_once` read under the lock before calling the endpoint.
pub(super) struct Plan {
    pub refresher: Arc<dyn TokenRefresher>,
    pub secrets: crate::secret::Secrets,
    pub generation: u64,
    pub failures: u32,
}

/// What `plan_refresh` decided.
pub(super) enum Step {
    Run(Plan),
    /// Record this failure (the `failures`-th in a row) without calling the endpoint.
    Fail(RefreshFailure, u32),
    Done(RefreshOutcome),
}

impl Engine {
    /// Decides under the lock whether to call the endpoint; records `refresh_due` if it will
    /// and no `refresh_due` is already unanswered.
    pub(super) fn plan_refresh(&self, account: AccountId, why: RefreshWhy) -> Result<Step> {
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
}

//! Where an account stands for refresh ([`standing`], the one place the conditions live: the
//! due scan in `scheduler.rs` reads it too), and why `refresh_due` leaves an account alone, so
//! `rotor refresh` can say so instead of staying silent: an API key, disabled, no refresh
//! token, no refresher configured for the provider, backing off after failures, or not due yet
//! (and when it will be). Read from the projections; nothing is recorded.

use serde::Serialize;

use super::{RefreshSkip, Refreshers};
use crate::engine::{Core, Engine};
use crate::event::CredentialKind;
use crate::ids::AccountId;
use crate::refresh::due;
use crate::state::{Account, AccountStatus};
use crate::time::{serde_ts_opt, Timestamp};

/// One account a refresh of every due account passes over, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SkippedRefresh {
    pub account: AccountId,
    pub label: String,
    pub reason: RefreshSkip,
    /// `not_due`: when the refresh becomes due; `backing_off`: when the next attempt may run.
    #[serde(with = "serde_ts_opt")]
    pub until: Option<Timestamp>,
    /// `not_due`: when the access token expires (`None`: its lifetime is unknown).
    #[serde(with = "serde_ts_opt")]
    pub expires_at: Option<Timestamp>,
    /// `no_refresher`: what is missing from the configuration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Whether an account can be refreshed here at all, and if so its due-state.
pub(super) enum Standing {
    /// Never refreshed as things are, and why (with what is missing, for `no_refresher`).
    Never(RefreshSkip, Option<String>),
    /// Refreshable: due at a given time when `due::is_due(&state, now)`.
    Refreshable(due::RefreshState),
}

/// Where `a` stands: an enabled OAuth account with a stored refresh token and a refresher for
/// its provider is refreshable, within its lead (or as soon as the backoff allows when a
/// `refresh_due` awaits its run, e.g. after a crash or a 401 without a runtime).
pub(super) fn standing(a: &Account, core: &Core, refreshers: &Refreshers) -> Standing {
    let refreshable = core
        .creds
        .get(&a.id)
        .is_some_and(|c| c.secrets.refresh_token.is_some());
    if a.credential != CredentialKind::Oauth {
        return Standing::Never(RefreshSkip::NotOauth, None);
    }
    if a.status != AccountStatus::Active {
        return Standing::Never(RefreshSkip::Disabled, None);
    }
    if !refreshable {
        return Standing::Never(RefreshSkip::NoRefreshToken, None);
    }
    let lead = match refreshers.get(a.provider) {
        Ok(r) => r.refresh_lead(),
        Err(why) => return Standing::Never(RefreshSkip::NoRefresher, Some(why)),
    };
    Standing::Refreshable(due::RefreshState {
        expires_at: if a.refresh.in_flight {
            Some(Timestamp::MIN_UTC)
        } else {
            a.expires_at
        },
        lead,
        next_attempt_at: a.refresh.next_attempt_at,
    })
}

impl Engine {
    /// Every account that [`Engine::refresh_due`] at `now` would not refresh, with the reason,
    /// in provider then rotation order.
    pub fn refresh_skips(&self, now: Timestamp) -> Vec<SkippedRefresh> {
        let refreshers = &self.inner.refresh;
        let core = self.inner.core.read();
        let mut out = Vec::new();
        for provider in crate::ids::Provider::ALL {
            for a in core.state.provider_accounts(provider) {
                let mut skip = SkippedRefresh {
                    account: a.id,
                    label: a.label.clone(),
                    reason: RefreshSkip::NotDue,
                    until: None,
                    expires_at: a.expires_at,
                    detail: None,
                };
                match standing(a, &core, refreshers) {
                    Standing::Never(reason, detail) => {
                        skip.reason = reason;
                        skip.detail = detail;
                    }
                    Standing::Refreshable(state) => {
                        if due::is_due(&state, now) {
                            continue;
                        }
                        // Due but for the failure backoff: say when the next attempt may run.
                        let without_backoff = due::RefreshState {
                            next_attempt_at: None,
                            ..state
                        };
                        if due::is_due(&without_backoff, now) {
                            skip.reason = RefreshSkip::BackingOff;
                            skip.until = a.refresh.next_attempt_at;
                        } else {
                            skip.until = due::due_at(&state);
                        }
                    }
                }
                out.push(skip);
            }
        }
        out
    }
}

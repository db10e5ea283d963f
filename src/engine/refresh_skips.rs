//! Why `refresh_due` leaves an account alone, so `rotor refresh` can say so instead of
//! staying silent: an API key, disabled, no refresh token, no refresher configured for the
//! provider, backing off after failures, or not due yet (and when it will be). The same
//! conditions as the due scan in `scheduler.rs`, read from the projections; nothing is recorded.

use serde::Serialize;

use super::{Engine, RefreshSkip};
use crate::event::CredentialKind;
use crate::ids::AccountId;
use crate::refresh::due;
use crate::state::AccountStatus;
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
                let refreshable = core
                    .creds
                    .get(&a.id)
                    .is_some_and(|c| c.secrets.refresh_token.is_some());
                if a.credential != CredentialKind::Oauth {
                    skip.reason = RefreshSkip::NotOauth;
                } else if a.status != AccountStatus::Active {
                    skip.reason = RefreshSkip::Disabled;
                } else if !refreshable {
                    skip.reason = RefreshSkip::NoRefreshToken;
                } else {
                    let lead = match refreshers.get(a.provider) {
                        Ok(r) => r.refresh_lead(),
                        Err(why) => {
                            skip.reason = RefreshSkip::NoRefresher;
                            skip.detail = Some(why);
                            out.push(skip);
                            continue;
                        }
                    };
                    let state = due::RefreshState {
                        expires_at: if a.refresh.in_flight {
                            Some(Timestamp::MIN_UTC)
                        } else {
                            a.expires_at
                        },
                        lead,
                        next_attempt_at: a.refresh.next_attempt_at,
                    };
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
                out.push(skip);
            }
        }
        out
    }
}

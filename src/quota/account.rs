//! `AccountQuota`: all quota state of one account — one `QuotaTracker` for the whole account
//! (model `None`: Codex / Claude plan windows, GLM plan caps) and one per model — and the
//! routing of events to them. The combined standing is the tighter of the two. The trackers'
//! own logic lives in `tracker.rs`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ids::{Model, Provider};
use crate::quota::tracker::{QuotaTracker, QuotaView};
use crate::quota::window::QuotaSettings;
use crate::time::Timestamp;
use crate::vocab::Scope;
use crate::vocab::{QuotaObservation, Usage};

/// What rotor knows of one account's quota: its own counts, what the provider stated, what it
/// learned.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct AccountQuota {
    window_ms: u64,
    /// Counts every request of the account; learns from account-scope quota errors and holds
    /// observations that name no model.
    pub account: QuotaTracker,
    /// Per model; read on every `select`, so Fx-hashed (`views` sorts by name for `status`).
    #[serde(deserialize_with = "crate::ids::deserialize_model_keys")]
    pub models: rustc_hash::FxHashMap<Model, QuotaTracker>,
}

impl AccountQuota {
    /// An empty record, with the provider's window length from `settings`.
    pub fn new(provider: Provider, settings: &QuotaSettings) -> Self {
        let len = settings.window(provider);
        AccountQuota {
            window_ms: len.as_millis().min(u64::MAX as u128) as u64,
            account: QuotaTracker::new(None, len),
            models: Default::default(),
        }
    }

    fn model_mut(&mut self, model: &Model) -> &mut QuotaTracker {
        let len = Duration::from_millis(self.window_ms);
        self.models
            .entry(model.clone())
            .or_insert_with(|| QuotaTracker::new(Some(model.clone()), len))
    }

    /// `request_succeeded`: counts in the model's and the account's window.
    pub fn on_success(&mut self, at: Timestamp, model: &Model, usage: Option<&Usage>) {
        self.account.on_success(at, usage);
        self.model_mut(model).on_success(at, usage);
    }

    /// `request_failed` with kind `quota_exceeded`: a sample for the tracker at the error's
    /// scope (`reset_at` from `quota::quota_reset`).
    pub fn on_quota_error(
        &mut self,
        at: Timestamp,
        model: &Model,
        scope: Scope,
        reset_at: Option<Timestamp>,
    ) {
        match scope {
            Scope::Account => self.account.on_quota_error(at, reset_at),
            Scope::Model => self.model_mut(model).on_quota_error(at, reset_at),
        }
    }

    /// `quota_observed`, or an observation carried by `request_*`: goes to the observation's
    /// own model, or to the account tracker when it names none.
    pub fn on_observation(&mut self, at: Timestamp, obs: &QuotaObservation) {
        match &obs.model {
            Some(m) => self.model_mut(m).on_observation(at, obs),
            None => self.account.on_observation(at, obs),
        }
    }

    /// `state_cleared`: `Some(model)` clears that model's window (and, with `account_wide`, the
    /// account's, whose windows hold every model); `None` clears the account's and every
    /// model's (see `QuotaTracker::clear_window`).
    pub fn on_cleared(&mut self, model: Option<&Model>, account_wide: bool) {
        match model {
            Some(m) => {
                if let Some(q) = self.models.get_mut(m) {
                    q.clear_window();
                }
                if account_wide {
                    self.account.clear_window();
                }
            }
            None => {
                self.account.clear_window();
                self.models
                    .values_mut()
                    .for_each(QuotaTracker::clear_window);
            }
        }
    }

    /// `Some((scope, until))` when (account, model) should be skipped as `quota_predicted`;
    /// when both trackers predict a block, the later `until` wins (both must have passed).
    pub fn predicted_block(&self, now: Timestamp, model: &str) -> Option<(Scope, Timestamp)> {
        let acct = self
            .account
            .predicted_block(now)
            .map(|u| (Scope::Account, u));
        let per_model = self
            .models
            .get(model)
            .and_then(|q| q.predicted_block(now))
            .map(|u| (Scope::Model, u));
        match (acct, per_model) {
            (Some(a), Some(m)) => Some(if m.1 > a.1 { m } else { a }),
            (a, m) => a.or(m),
        }
    }

    /// (remaining fraction, reset) for ranking: the tighter of account and model standing.
    pub fn standing(&self, now: Timestamp, model: &str) -> (Option<f64>, Option<Timestamp>) {
        let a = (
            self.account.remaining_fraction(now),
            self.account.resets_at(now),
        );
        let Some(q) = self.models.get(model) else {
            return a;
        };
        let m = (q.remaining_fraction(now), q.resets_at(now));
        match (a.0, m.0) {
            (Some(fa), Some(fm)) if fa < fm => a,
            (Some(_), Some(_)) | (None, Some(_)) => m,
            (Some(_), None) => a,
            (None, None) => (None, m.1.or(a.1)),
        }
    }

    /// Requests of `model` in its open window (`least_used`).
    pub fn requests_in_window(&self, now: Timestamp, model: &str) -> u64 {
        self.models
            .get(model)
            .map_or(0, |q| q.requests_in_window(now))
    }

    /// `status` rows: the account row (model null) when it holds account-level facts
    /// (observations or samples), then every model with something to show, in name order.
    pub fn views(&self, now: Timestamp) -> Vec<QuotaView> {
        let mut rows = Vec::with_capacity(self.models.len() + 1);
        let acct = self.account.view(now);
        if acct.confidence.is_some() || acct.used_percent.is_some() {
            rows.push(acct);
        }
        let mut models: Vec<_> = self
            .models
            .iter()
            .filter(|(_, q)| !q.is_empty(now))
            .collect();
        models.sort_unstable_by(|a, b| a.0.cmp(b.0));
        rows.extend(models.into_iter().map(|(_, q)| q.view(now)));
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_ts;

    fn t(s: &str) -> Timestamp {
        parse_ts(s).unwrap()
    }

    #[test]
    fn account_scope_windows_bind_every_model_and_show_as_a_null_model_row() {
        // given a Codex account used on two models
        let mut a = AccountQuota::new(Provider::Codex, &QuotaSettings::default());
        let (m1, m2): (Model, Model) = ("gpt-5".into(), "gpt-5-codex".into());
        a.on_success(t("2026-03-01T08:00:00Z"), &m1, None);
        a.on_success(t("2026-03-01T08:01:00Z"), &m2, None);
        // when the headers say the account's primary window is used up
        a.on_observation(
            t("2026-03-01T08:02:00Z"),
            &QuotaObservation {
                window: "primary".into(),
                model: None,
                used_percent: Some(100.0),
                remaining: None,
                limit: None,
                window_minutes: Some(300),
                reset_at: Some(t("2026-03-01T10:00:00Z")),
                source: "x-codex-primary-used-percent".into(),
            },
        );
        let now = t("2026-03-01T08:03:00Z");
        // then both models are predicted blocked at account scope until the reset
        assert_eq!(
            a.predicted_block(now, &m2),
            Some((Scope::Account, t("2026-03-01T10:00:00Z")))
        );
        assert_eq!(
            a.standing(now, &m1),
            (Some(0.0), Some(t("2026-03-01T10:00:00Z")))
        );
        assert_eq!(a.requests_in_window(now, &m1), 1);
        let rows = a.views(now);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].model, None);
        assert_eq!(rows[0].requests, 2);
        assert_eq!(rows[0].used_percent, Some(100.0));
        assert_eq!(rows[1].model.as_deref(), Some("gpt-5"));
        // and a person clearing the account lifts the observed block
        a.on_cleared(None, false);
        assert_eq!(a.predicted_block(now, &m2), None);
        assert_eq!(a.requests_in_window(now, &m1), 0);
    }
}

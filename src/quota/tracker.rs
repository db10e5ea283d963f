//! `QuotaTracker`: the quota state of one (account, model) — or of the whole account when its
//! model is `None` — combining the usage window, the learned limit and the latest provider
//! observations. Provider observations are the truth where they exist; learned limits fill in
//! where they do not. Routing events to account/model trackers lives in `account.rs`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ids::Model;
use crate::quota::learn::{LearnedLimit, LimitDimension, Sample};
use crate::quota::observed::{Observed, MAX_OBSERVED, MAX_WINDOW_NAME};
use crate::quota::window::UsageWindow;
use crate::time::{serde_ts_opt, Timestamp};
use crate::vocab::{QuotaObservation, Usage};

/// The `status` quota row (`status --json` `quota[]`); null where unknown.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct QuotaView {
    /// The model the row is about; `None` for the whole account.
    pub model: Option<Model>,
    /// When the current window began; `None` before the first request.
    #[serde(with = "serde_ts_opt")]
    pub window_start: Option<Timestamp>,
    /// Requests counted in the current window.
    pub requests: u64,
    /// Tokens counted in the current window.
    pub tokens: u64,
    /// Share used, 0–100, as the provider last stated it.
    pub used_percent: Option<f64>,
    /// When the window resets, stated or estimated.
    #[serde(with = "serde_ts_opt")]
    pub resets_at: Option<Timestamp>,
    /// Requests per window rotor has learned the limit to be, from quota errors.
    pub est_request_limit: Option<u64>,
    /// How sure that learned limit is, 0–1.
    pub confidence: Option<f64>,
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct QuotaTracker {
    /// `None`: the account-level tracker (windows the provider applies to the whole account).
    pub model: Option<Model>,
    window: UsageWindow,
    learned: LearnedLimit,
    observed: Vec<Observed>,
}

impl QuotaTracker {
    /// A tracker with the configured window length (`QuotaSettings::window(provider)`).
    pub fn new(model: Option<Model>, window: Duration) -> Self {
        QuotaTracker {
            model,
            window: UsageWindow::new(window),
            learned: LearnedLimit::default(),
            observed: Vec::new(),
        }
    }

    pub fn window(&self) -> &UsageWindow {
        &self.window
    }

    pub fn learned(&self) -> &LearnedLimit {
        &self.learned
    }

    /// A request succeeded at `at`: count it (and its tokens, when known) in the window.
    pub fn on_success(&mut self, at: Timestamp, usage: Option<&Usage>) {
        self.window.record(at, usage.map_or(0, Usage::total));
    }

    /// A quota error at `at`: the usage so far in the open window is a sample of the limit;
    /// a stated reset ends the window there.
    pub fn on_quota_error(&mut self, at: Timestamp, reset_at: Option<Timestamp>) {
        if let (true, Some(start)) = (self.window.is_open(at), self.window.start) {
            let (requests, tokens) = self.window.usage_at(at);
            let requests = u32::try_from(requests).unwrap_or(u32::MAX);
            self.learned.add_sample(
                start,
                Sample {
                    at,
                    requests,
                    tokens,
                },
            );
        }
        if let Some(reset) = reset_at {
            self.window.set_reset(at, reset);
        }
    }

    /// A provider observation at `at`: replaces the previous one for the same window name.
    /// The shortest reported window length becomes the counting window, and its reset aligns
    /// the window's end.
    pub fn on_observation(&mut self, at: Timestamp, obs: &QuotaObservation) {
        let mut name = obs.window.to_string();
        if name.len() > MAX_WINDOW_NAME {
            let mut cut = MAX_WINDOW_NAME;
            while !name.is_char_boundary(cut) {
                cut -= 1;
            }
            name.truncate(cut);
        }
        let entry = Observed {
            window: name.into_boxed_str(),
            used_percent: obs.used_percent.filter(|p| p.is_finite()).map(|p| p as f32),
            remaining: obs.remaining,
            limit: obs.limit,
            window_minutes: obs
                .window_minutes
                .filter(|m| *m > 0)
                .map(|m| u32::try_from(m).unwrap_or(u32::MAX)),
            reset_at: obs.reset_at,
            observed_at: at,
        };
        if let Some(old) = self.observed.iter_mut().find(|o| o.window == entry.window) {
            *old = entry.clone();
        } else {
            if self.observed.len() >= MAX_OBSERVED {
                // Forget the stalest (first on ties, so the fold stays deterministic).
                if let Some(i) =
                    (0..self.observed.len()).min_by_key(|&i| self.observed[i].observed_at)
                {
                    self.observed.remove(i);
                }
            }
            if self.observed.capacity() == 0 {
                self.observed.reserve_exact(MAX_OBSERVED);
            }
            self.observed.push(entry.clone());
        }
        let shortest = self.observed.iter().filter_map(|o| o.window_minutes).min();
        if let (Some(m), Some(em)) = (shortest, entry.window_minutes) {
            self.window
                .set_length(Duration::from_secs(u64::from(m) * 60));
            if em == m {
                if let Some(r) = entry.reset_at {
                    self.window.set_reset(at, r);
                }
            }
        }
    }

    /// A person cleared this state (`state_cleared`), or a half-open probe past a predicted
    /// block succeeded: the current window's counts and the provider observations are
    /// forgotten (the provider evidently has quota again); the learned samples are kept.
    pub fn clear_window(&mut self) {
        self.window.clear();
        self.observed.clear();
    }

    /// The most constraining observation valid at `now` that states a fraction.
    fn observed_standing(&self, now: Timestamp) -> Option<(f64, Option<Timestamp>)> {
        let len = self.window.length();
        self.observed
            .iter()
            .filter(|o| o.valid_at(now, len))
            .filter_map(|o| o.remaining_fraction().map(|f| (f, o.reset_at)))
            // least remaining first; on equal remaining, the later reset binds longer
            .min_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)))
    }

    /// Remaining fraction by the learned estimate (confident only), in its dimension.
    fn learned_fraction(&self, now: Timestamp) -> Option<f64> {
        let e = self.learned.estimate(now)?;
        let (requests, tokens) = self.window.usage_at(now);
        let (used, limit) = match (e.dimension, e.tokens) {
            (LimitDimension::Tokens, Some(lt)) => (tokens, lt),
            _ => (requests, e.requests),
        };
        Some((1.0 - used as f64 / limit.max(1) as f64).clamp(0.0, 1.0))
    }

    /// `Some(until)` when the account should be skipped as `quota_predicted` at `now`: a
    /// provider observation says the window is used up, or (with no observation stating a
    /// fraction) a confident learned limit has been reached. `until` is the window's reset.
    pub fn predicted_block(&self, now: Timestamp) -> Option<Timestamp> {
        if let Some((fraction, reset)) = self.observed_standing(now) {
            return (fraction <= 0.0)
                .then_some(reset)
                .flatten()
                .filter(|r| *r > now);
        }
        if !self.window.is_open(now) {
            return None;
        }
        match self.learned_fraction(now) {
            Some(f) if f <= 0.0 => self.window.end(),
            _ => None,
        }
    }

    /// Remaining quota in [0, 1]: observed where stated, else learned; `None` when unknown.
    pub fn remaining_fraction(&self, now: Timestamp) -> Option<f64> {
        match self.observed_standing(now) {
            Some((f, _)) => Some(f),
            None => self.learned_fraction(now),
        }
    }

    /// When the binding window resets: the observed reset, else the open window's end.
    pub fn resets_at(&self, now: Timestamp) -> Option<Timestamp> {
        match self.observed_standing(now) {
            Some((_, Some(r))) => Some(r),
            _ => self
                .window
                .is_open(now)
                .then(|| self.window.end())
                .flatten(),
        }
    }

    /// Requests counted in the window open at `now` (for `least_used`).
    pub fn requests_in_window(&self, now: Timestamp) -> u64 {
        self.window.usage_at(now).0
    }

    /// Whether there is anything worth showing in `status`.
    pub fn is_empty(&self, now: Timestamp) -> bool {
        !self.window.is_open(now)
            && self.learned.samples().next().is_none()
            && self.observed_standing(now).is_none()
    }

    /// The `status` row at `now`. The estimate and confidence show while learning (even below
    /// the 0.3 that the selector needs); `used_percent` is observed, else learned.
    pub fn view(&self, now: Timestamp) -> QuotaView {
        let (requests, tokens) = self.window.usage_at(now);
        let raw = self.learned.raw_estimate(now);
        let used_percent = self
            .observed_standing(now)
            .map(|(f, _)| f)
            .or_else(|| self.learned_fraction(now))
            .map(|f| ((1.0 - f) * 10_000.0).round() / 100.0);
        QuotaView {
            model: self.model.clone(),
            window_start: self
                .window
                .is_open(now)
                .then_some(self.window.start)
                .flatten(),
            requests,
            tokens,
            used_percent,
            resets_at: self.resets_at(now),
            est_request_limit: raw.map(|e| e.requests),
            confidence: raw.map(|e| (e.confidence * 1000.0).round() / 1000.0),
        }
    }

    /// Bytes this tracker owns on the heap (for the 2 KiB per-(account, model) memory budget).
    pub fn heap_bytes(&self) -> usize {
        self.learned.heap_bytes()
            + self.observed.capacity() * std::mem::size_of::<Observed>()
            + self.observed.iter().map(|o| o.window.len()).sum::<usize>()
            + self.model.as_ref().map_or(0, |m| m.len() + 16)
    }
}

#[cfg(test)]
#[path = "tracker_tests.rs"]
mod tests;

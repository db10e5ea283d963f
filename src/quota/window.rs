//! The usage window of one (account, model): when it started, how long it lasts, and the
//! requests and tokens counted in it; plus `QuotaSettings`, the default window length per
//! provider. Learned limits live in `learn.rs`, provider observations in `tracker.rs`.
//!
//! Alignment: a window starts at the first request recorded after the previous one ended (the
//! way Claude's and Antigravity's 5 h windows start with the first message), and ends at
//! `start + length`, unless the provider stated a reset time, which then is the window's end.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ids::Provider;
use crate::time::{add, Timestamp};

/// Default quota-window lengths per provider; configuration may override any of them, and a
/// window the provider reports (`x-codex-primary-window-minutes`, ...) replaces them per tracker.
///
/// Defaults and why:
/// - claude 5 h: subscription (OAuth) usage is metered in 5-hour sessions (`unified-5h`).
/// - codex 5 h: the ChatGPT plan's primary window is 300 minutes.
/// - antigravity 5 h: Cloud Code Assist quotas refill on a 5-hour cycle.
/// - glm 5 h: the GLM Coding Plan caps prompts per 5 hours (error 1308).
/// - openai 1 min: API-key limits are RPM / TPM; `least_used` then spreads the current minute.
/// - gemini 24 h: Gemini API quota errors are per-day (RPD; per-minute ones are `rate_limit`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct QuotaSettings {
    pub claude_window_secs: u64,
    pub codex_window_secs: u64,
    pub antigravity_window_secs: u64,
    pub openai_window_secs: u64,
    pub glm_window_secs: u64,
    pub gemini_window_secs: u64,
}

const HOUR: u64 = 3600;

impl Default for QuotaSettings {
    fn default() -> Self {
        QuotaSettings {
            claude_window_secs: 5 * HOUR,
            codex_window_secs: 5 * HOUR,
            antigravity_window_secs: 5 * HOUR,
            openai_window_secs: 60,
            glm_window_secs: 5 * HOUR,
            gemini_window_secs: 24 * HOUR,
        }
    }
}

impl QuotaSettings {
    /// The configured window length for `provider` (never zero: a zero would roll every request).
    pub fn window(&self, provider: Provider) -> Duration {
        let secs = match provider {
            Provider::Claude => self.claude_window_secs,
            Provider::Codex => self.codex_window_secs,
            Provider::Antigravity => self.antigravity_window_secs,
            Provider::Openai => self.openai_window_secs,
            Provider::Glm => self.glm_window_secs,
            Provider::Gemini => self.gemini_window_secs,
        };
        Duration::from_secs(secs.max(1))
    }

    /// Overrides one provider's window length (configuration `quota.window.<provider>`).
    pub fn with_window(mut self, provider: Provider, len: Duration) -> Self {
        let secs = len.as_secs().max(1);
        match provider {
            Provider::Claude => self.claude_window_secs = secs,
            Provider::Codex => self.codex_window_secs = secs,
            Provider::Antigravity => self.antigravity_window_secs = secs,
            Provider::Openai => self.openai_window_secs = secs,
            Provider::Glm => self.glm_window_secs = secs,
            Provider::Gemini => self.gemini_window_secs = secs,
        }
        self
    }
}

/// Requests and tokens counted in the current window. `start == None`: no window is open.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct UsageWindow {
    pub start: Option<Timestamp>,
    /// Window length in milliseconds (configured, or reported by the provider).
    pub length_ms: u64,
    /// A reset time the provider stated for this window; it wins over `start + length`.
    pub reset_at: Option<Timestamp>,
    pub requests: u64,
    pub tokens: u64,
}

impl UsageWindow {
    pub fn new(length: Duration) -> Self {
        UsageWindow {
            start: None,
            length_ms: (length.as_millis().min(u64::MAX as u128) as u64).max(1),
            reset_at: None,
            requests: 0,
            tokens: 0,
        }
    }

    pub fn length(&self) -> Duration {
        Duration::from_millis(self.length_ms)
    }

    /// When the open window ends: the stated reset, else `start + length`; `None` when closed.
    pub fn end(&self) -> Option<Timestamp> {
        match (self.reset_at, self.start) {
            (Some(r), _) => Some(r),
            (None, Some(s)) => Some(add(s, self.length())),
            (None, None) => None,
        }
    }

    /// Whether a window is open at `now` (started and not yet ended).
    pub fn is_open(&self, now: Timestamp) -> bool {
        self.start.is_some() && self.end().is_some_and(|e| now < e)
    }

    /// Closes the window if it ended at or before `at`.
    fn roll(&mut self, at: Timestamp) {
        if self.end().is_some_and(|e| at >= e) {
            self.clear();
        }
    }

    /// Closes the window now; the next request opens a new one.
    pub fn clear(&mut self) {
        self.start = None;
        self.reset_at = None;
        self.requests = 0;
        self.tokens = 0;
    }

    /// Counts one request at `at`, opening a new window first when the last one has ended.
    /// An event older than the window's start (out of order: another instance of a fleet made
    /// it first) counts in the open window, which then starts at it: requests within one
    /// window's length count the same whatever order they are applied in.
    pub fn record(&mut self, at: Timestamp, tokens: u64) {
        self.roll(at);
        match self.start {
            None => self.start = Some(at),
            Some(s) if at < s && self.reset_at.is_none() => self.start = Some(at),
            Some(_) => {}
        }
        self.requests = self.requests.saturating_add(1);
        self.tokens = self.tokens.saturating_add(tokens);
    }

    /// The provider says the current window resets at `reset_at`. With no open window (e.g. the
    /// first request after a restart is refused) one is opened at `at`, so the reset is kept.
    pub fn set_reset(&mut self, at: Timestamp, reset_at: Timestamp) {
        self.roll(at);
        if reset_at <= at {
            return;
        }
        if self.start.is_none() {
            self.start = Some(at);
        }
        self.reset_at = Some(reset_at);
    }

    /// The provider reported the window's length: it replaces the configured one.
    pub fn set_length(&mut self, length: Duration) {
        self.length_ms = (length.as_millis().min(u64::MAX as u128) as u64).max(1);
    }

    /// (requests, tokens) in the window open at `now`; zero once it has ended.
    pub fn usage_at(&self, now: Timestamp) -> (u64, u64) {
        if self.is_open(now) {
            (self.requests, self.tokens)
        } else {
            (0, 0)
        }
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
    fn window_rolls_over_at_start_plus_length() {
        // given a 5 h window opened by a request at 10:00
        let mut w = UsageWindow::new(Duration::from_secs(5 * 3600));
        w.record(t("2026-01-01T10:00:00Z"), 100);
        w.record(t("2026-01-01T14:59:59.999Z"), 50);
        assert_eq!(w.usage_at(t("2026-01-01T14:59:59.999Z")), (2, 150));
        // when the clock reaches 15:00 the window is over, and the next request opens a new one
        assert_eq!(w.usage_at(t("2026-01-01T15:00:00Z")), (0, 0));
        w.record(t("2026-01-01T16:30:00Z"), 7);
        // then the new window is aligned to that first request, not to 15:00
        assert_eq!(w.start, Some(t("2026-01-01T16:30:00Z")));
        assert_eq!(w.end(), Some(t("2026-01-01T21:30:00Z")));
        assert_eq!(w.usage_at(t("2026-01-01T16:30:00Z")), (1, 7));
    }

    #[test]
    fn a_stated_reset_ends_the_window_and_a_reported_length_replaces_the_configured_one() {
        let mut w = UsageWindow::new(Duration::from_secs(60));
        w.record(t("2026-01-01T10:00:00Z"), 0);
        w.set_reset(t("2026-01-01T10:00:10Z"), t("2026-01-01T12:00:00Z"));
        assert_eq!(w.end(), Some(t("2026-01-01T12:00:00Z")));
        assert_eq!(w.usage_at(t("2026-01-01T11:59:00Z")), (1, 0));
        w.set_length(Duration::from_secs(300 * 60));
        w.record(t("2026-01-01T12:00:00Z"), 0);
        assert_eq!(w.end(), Some(t("2026-01-01T17:00:00Z")));
    }

    #[test]
    fn settings_have_documented_defaults_and_overrides() {
        let s = QuotaSettings::default();
        assert_eq!(
            s.window(Provider::Antigravity),
            Duration::from_secs(5 * 3600)
        );
        assert_eq!(s.window(Provider::Openai), Duration::from_secs(60));
        assert_eq!(s.window(Provider::Gemini), Duration::from_secs(86_400));
        let s = s.with_window(Provider::Glm, Duration::from_secs(0));
        assert_eq!(s.window(Provider::Glm), Duration::from_secs(1));
    }
}

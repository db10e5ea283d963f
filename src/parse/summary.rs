//! `ParsedError` seen from a point in time: the absolute end of its stated wait, the form a
//! `request_failed` event records, and the `rotor classify --json` object. Relative and
//! absolute forms are derived from each other through `waits::wait_until` (8-day clamp, times
//! an event can hold); the CLI wiring lives elsewhere.

use serde_json::{json, Value};

use super::headers::Wait;
use super::waits::{wait_until, MAX_WAIT_MS};
use super::ParsedError;
use crate::time::{format_ts, Timestamp};

impl ParsedError {
    /// When the stated wait ends, for a response received at `at`: `at + retry_after` when a
    /// duration was stated, else `reset_at`; clamped to `at + 8 days`. `None` when the payload
    /// states no wait (the state machine then applies its default).
    pub fn stated_until(&self, at: Timestamp) -> Option<Timestamp> {
        let wait = match (self.retry_after_ms, self.reset_at) {
            (Some(ms), _) => Wait::AfterMs(ms),
            (None, Some(t)) => Wait::At(t),
            (None, None) => return None,
        };
        Some(wait_until(at, wait))
    }

    /// This classification as a `request_failed` event for a response received at `at` records
    /// it: the stated duration at most 8 days, the stated reset no later than `at` + 8 days and
    /// a time the log can hold. [`ParsedError::stated_until`] gives the same answer before and
    /// after, so the live projections and a fold of the log agree.
    pub fn recorded_at(mut self, at: Timestamp) -> ParsedError {
        self.retry_after_ms = self.retry_after_ms.map(|ms| ms.min(MAX_WAIT_MS));
        self.reset_at = self.reset_at.map(|t| wait_until(at, Wait::At(t)));
        self
    }

    /// The `classify --json` object: `{"kind","scope","retry_after_s","reset_at","retryable",
    /// "code","message"}`, `retry_after_s` in seconds from `at` (never negative), `reset_at` RFC
    /// 3339; both null when the payload states no wait.
    pub fn classify_json(&self, at: Timestamp) -> Value {
        let until = self.stated_until(at);
        let retry_after_s = until.map(|t| {
            let ms = (t - at).num_milliseconds().max(0);
            if ms % 1000 == 0 {
                json!(ms / 1000)
            } else {
                json!(ms as f64 / 1000.0)
            }
        });
        json!({
            "kind": self.kind.as_str(),
            "scope": match self.scope {
                super::Scope::Account => "account",
                super::Scope::Model => "model",
            },
            "retry_after_s": retry_after_s,
            "reset_at": until.map(format_ts),
            "retryable": self.retryable,
            "code": self.code.as_deref().or(self.error_type.as_deref()),
            "message": self.message,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::parse::{ErrorKind, ParsedError};
    use crate::time::parse_ts;

    #[test]
    fn relative_and_absolute_forms_derive_from_each_other() {
        let at = parse_ts("2025-12-27T10:00:00Z").unwrap();
        let mut e = ParsedError::new(ErrorKind::RateLimit, Some(429), "slow");
        e.retry_after_ms = Some(30_000);
        let j = e.classify_json(at);
        assert_eq!(j["retry_after_s"], 30);
        assert_eq!(j["reset_at"], "2025-12-27T10:00:30.000Z");
        e.retry_after_ms = None;
        e.reset_at = Some(parse_ts("2025-12-27T10:00:01.500Z").unwrap());
        assert_eq!(e.classify_json(at)["retry_after_s"], 1.5);
        e.reset_at = Some(parse_ts("2035-01-01T00:00:00Z").unwrap());
        assert_eq!(e.classify_json(at)["retry_after_s"], 8 * 24 * 3600);
        e.reset_at = None;
        let j = e.classify_json(at);
        assert!(j["retry_after_s"].is_null() && j["reset_at"].is_null() && j["code"].is_null());
        assert_eq!(j["kind"], "rate_limit");
    }

    #[test]
    fn a_recorded_error_states_what_it_blocks_for() {
        let at = parse_ts("9999-12-31T23:00:00Z").unwrap();
        let mut e = ParsedError::new(ErrorKind::QuotaExceeded, Some(429), "later");
        e.reset_at = Some(chrono::DateTime::<chrono::Utc>::MAX_UTC);
        let end = parse_ts("9999-12-31T23:59:59.999Z").unwrap();
        assert_eq!(e.stated_until(at), Some(end));
        let recorded = e.clone().recorded_at(at);
        assert_eq!(recorded.reset_at, Some(end));
        assert_eq!(recorded.stated_until(at), e.stated_until(at));
        let at = parse_ts("2026-01-01T00:00:00Z").unwrap();
        e.retry_after_ms = Some(u64::MAX);
        let recorded = e.clone().recorded_at(at);
        assert_eq!(recorded.retry_after_ms, Some(crate::parse::MAX_WAIT_MS));
        assert_eq!(recorded.reset_at, parse_ts("2026-01-09T00:00:00Z").ok());
        assert_eq!(recorded.stated_until(at), e.stated_until(at));
    }
}

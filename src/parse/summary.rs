//! The `rotor classify --json` object of a `ParsedError` seen from a point in time. Its wait is
//! the block rules' own (`block::until`: 8-day clamp, times an event can hold), so classify
//! shows what a report would block for; the CLI wiring lives elsewhere.

use serde_json::{json, Value};

use super::ParsedError;
use crate::time::{format_ts, Timestamp};

impl ParsedError {
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
}

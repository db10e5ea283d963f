//! The one place a stated wait becomes a time: `wait_until` clamps a duration or a reset time
//! to at most 8 days from the response and to a time an event can hold. The block, the quota
//! window's reset (`quota`), the `request_failed` record and `classify --json` (`parse`) all
//! read it through here, so they agree. Reading waits out of payloads lives in `parse`.

use std::time::Duration;

use crate::time::{add, clamp, Timestamp};
use crate::vocab::ParsedError;

/// A stated wait is clamped to at most this: a provider cannot park an account for longer.
pub const MAX_WAIT_MS: u64 = 8 * 24 * 3600 * 1000;

/// A wait as the payload states it: relative or absolute.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Wait {
    AfterMs(u64),
    At(Timestamp),
}

/// When a wait stated in a response received at `at` ends: `at` plus the stated duration, or
/// the stated reset time; never later than `at` + 8 days, and always a time an event can hold
/// (years 0000-9999, whole milliseconds).
pub fn wait_until(at: Timestamp, wait: Wait) -> Timestamp {
    let latest = add(at, Duration::from_millis(MAX_WAIT_MS));
    let until = match wait {
        Wait::AfterMs(ms) => add(at, Duration::from_millis(ms.min(MAX_WAIT_MS))),
        Wait::At(t) => clamp(t),
    };
    until.min(latest)
}

/// When the limit a failure states lifts, if that is still ahead of `at`; a reset in the past
/// says nothing usable, and the cooldown settings then apply.
pub fn stated_ahead(err: &ParsedError, at: Timestamp) -> Option<Timestamp> {
    err.stated_until(at).filter(|t| *t > at)
}

impl ParsedError {
    /// When the stated wait ends, for a response received at `at`: the stated reset time while
    /// it is still ahead (an absolute time beats a relative hint: Codex sends both, and
    /// `resets_in_seconds` may be stale), else `at + retry_after`, else the past reset; clamped
    /// by [`wait_until`]. `None` when the payload states no wait (the block rules then apply
    /// their default).
    pub fn stated_until(&self, at: Timestamp) -> Option<Timestamp> {
        let wait = match (self.reset_at, self.retry_after_ms) {
            (Some(t), _) if t > at => Wait::At(t),
            (_, Some(ms)) => Wait::AfterMs(ms),
            (Some(t), None) => Wait::At(t),
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_ts;
    use crate::vocab::ErrorKind;

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
        assert_eq!(recorded.retry_after_ms, Some(MAX_WAIT_MS));
        assert_eq!(recorded.reset_at, parse_ts("2026-01-09T00:00:00Z").ok());
        assert_eq!(recorded.stated_until(at), e.stated_until(at));
    }

    #[test]
    fn a_reset_ahead_beats_a_duration_and_a_past_one_falls_back_to_it() {
        let at = parse_ts("2026-01-01T00:00:00Z").unwrap();
        let mut e = ParsedError::new(ErrorKind::QuotaExceeded, Some(429), "plan");
        e.retry_after_ms = Some(1_000);
        e.reset_at = parse_ts("2026-01-01T00:05:00Z").ok();
        assert_eq!(e.stated_until(at), e.reset_at);
        e.reset_at = parse_ts("2025-12-31T23:59:00Z").ok();
        assert_eq!(e.stated_until(at), parse_ts("2026-01-01T00:00:01Z").ok());
        e.retry_after_ms = None;
        assert_eq!(stated_ahead(&e, at), None);
    }

    #[test]
    fn a_reset_already_past_is_no_stated_wait() {
        let at = parse_ts("2026-01-01T00:00:00Z").unwrap();
        let mut e = ParsedError::new(ErrorKind::RateLimit, Some(429), "slow");
        e.reset_at = parse_ts("2025-12-31T23:59:00Z").ok();
        assert_eq!(stated_ahead(&e, at), None);
        e.reset_at = parse_ts("2026-01-01T00:00:09Z").ok();
        assert_eq!(stated_ahead(&e, at), e.reset_at);
    }
}

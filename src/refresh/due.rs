//! When a token refresh is due (SPEC §7), as pure functions of an account's refresh state and
//! the time: due once `expires_at - lead` has passed and the failure backoff (`next_attempt_at`)
//! is over. The scheduler sleeps until [`next_wake`] instead of polling.

use std::time::Duration;

use crate::time::Timestamp;

/// What the scheduler knows about one account's token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshState {
    /// `None`: the lifetime is unknown, so only a 401 or a person asks for a refresh.
    pub expires_at: Option<Timestamp>,
    pub lead: Duration,
    /// Set after a failure: no attempt before then.
    pub next_attempt_at: Option<Timestamp>,
}

/// The time at which a scheduled refresh becomes due: `max(expires_at - lead, next_attempt_at)`.
/// `None` when the token has no known expiry.
pub fn due_at(s: &RefreshState) -> Option<Timestamp> {
    let expires = s.expires_at?;
    let lead = chrono::Duration::from_std(s.lead).unwrap_or(chrono::Duration::MAX);
    // Saturate at the far past: an absurd lead means "always due", never an overflow panic.
    let by_expiry = expires
        .checked_sub_signed(lead)
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
    Some(match s.next_attempt_at {
        Some(n) if n > by_expiry => n,
        _ => by_expiry,
    })
}

/// Whether a scheduled refresh should run at `now` (a token already expired is due too).
pub fn is_due(s: &RefreshState, now: Timestamp) -> bool {
    due_at(s).is_some_and(|t| t <= now)
}

/// The earliest future time any of `states` becomes due, for the scheduler to sleep until
/// (capped by the caller at `refresh.interval`). States already due are ignored: the caller
/// handles them now; `None` when nothing will ever become due on its own.
pub fn next_wake<'a>(
    states: impl IntoIterator<Item = &'a RefreshState>,
    now: Timestamp,
) -> Option<Timestamp> {
    states
        .into_iter()
        .filter_map(due_at)
        .filter(|t| *t > now)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_ts;

    fn t(s: &str) -> Timestamp {
        parse_ts(&format!("2026-01-01T{s}Z")).unwrap()
    }
    fn st(exp: Option<&str>, next: Option<&str>) -> RefreshState {
        RefreshState {
            expires_at: exp.map(t),
            lead: Duration::from_secs(300),
            next_attempt_at: next.map(t),
        }
    }

    #[test]
    fn due_lead_before_expiry() {
        let s = st(Some("01:00:00"), None);
        assert_eq!(due_at(&s), Some(t("00:55:00")));
        assert!(!is_due(&s, t("00:54:59")));
        assert!(is_due(&s, t("00:55:00")));
        assert!(is_due(&s, t("02:00:00")), "expired tokens are due");
    }

    #[test]
    fn backoff_delays_the_due_time() {
        let s = st(Some("01:00:00"), Some("00:58:00"));
        assert_eq!(due_at(&s), Some(t("00:58:00")));
        assert!(!is_due(&s, t("00:57:00")));
        // A backoff that has already passed changes nothing.
        assert_eq!(
            due_at(&st(Some("01:00:00"), Some("00:10:00"))),
            Some(t("00:55:00"))
        );
    }

    #[test]
    fn unknown_expiry_is_never_due_on_schedule() {
        let s = st(None, Some("00:00:01"));
        assert_eq!(due_at(&s), None);
        assert!(!is_due(&s, t("23:00:00")));
    }

    #[test]
    fn next_wake_is_the_earliest_future_due_time() {
        let states = [
            st(Some("01:00:00"), None),             // due 00:55
            st(Some("00:30:00"), None),             // due 00:25
            st(Some("00:01:00"), None),             // already due: handled now
            st(Some("00:40:00"), Some("00:50:00")), // backoff: 00:50
            st(None, None),
        ];
        assert_eq!(next_wake(&states, t("00:10:00")), Some(t("00:25:00")));
        assert_eq!(next_wake(&states, t("00:55:00")), None);
        let huge = RefreshState {
            lead: Duration::MAX,
            ..st(Some("01:00:00"), None)
        };
        assert!(is_due(&huge, t("00:00:00")));
    }
}

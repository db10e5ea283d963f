//! When a token refresh is due, as pure functions of an account's refresh state and
//! the time: due once `expires_at - lead` has passed and the failure backoff (`next_attempt_at`)
//! is over. The scheduler sleeps until [`next_wake`] instead of polling.

use std::time::Duration;

use crate::time::Timestamp;

/// What the scheduler knows about one account's token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshState {
    /// `None`: the lifetime is unknown, so only a 401 or a person asks for a refresh.
    pub expires_at: Option<Timestamp>,
    /// How long before expiry the token is refreshed.
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

/// How long the scheduler may sleep at `now`: until `next_wake`, but never longer than
/// `interval` (`refresh.interval`, so new accounts and 401s are noticed) and never zero-spinning
/// on a time already passed (it returns `Duration::ZERO` and the caller handles what is due).
pub fn sleep_for(next_wake: Option<Timestamp>, now: Timestamp, interval: Duration) -> Duration {
    match next_wake {
        Some(t) => (t - now).to_std().unwrap_or(Duration::ZERO).min(interval),
        None => interval,
    }
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

    #[test]
    fn sleeps_until_the_next_due_time_at_most_one_interval() {
        let i = Duration::from_secs(30);
        let now = t("00:00:00");
        assert_eq!(
            sleep_for(Some(t("00:00:10")), now, i),
            Duration::from_secs(10)
        );
        assert_eq!(sleep_for(Some(t("01:00:00")), now, i), i);
        assert_eq!(
            sleep_for(Some(t("00:00:00")), t("00:00:05"), i),
            Duration::ZERO
        );
        assert_eq!(sleep_for(None, now, i), i);
    }

    /// The scheduler's loop shape under paused time: it wakes exactly when a token is due.
    #[tokio::test(start_paused = true)]
    async fn a_paused_scheduler_wakes_exactly_at_the_due_time() {
        let start = tokio::time::Instant::now();
        let base = t("00:00:00");
        let states = [st(Some("00:05:40"), None)]; // due at 00:00:40
        let mut now = base;
        let mut wakes = 0;
        while !states.iter().any(|s| is_due(s, now)) {
            let d = sleep_for(next_wake(&states, now), now, Duration::from_secs(30));
            tokio::time::sleep(d).await;
            now = base + chrono::Duration::from_std(start.elapsed()).unwrap();
            wakes += 1;
        }
        assert_eq!((wakes, start.elapsed()), (2, Duration::from_secs(40)));
    }
}

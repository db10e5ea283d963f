//! Pure ranking keys for the `quota_aware` strategy: the selector takes the
//! candidate with the smallest key. Which candidates are eligible (blocks, tiers) is the
//! selector's business, not this file's.

use std::cmp::Reverse;

use crate::quota::account::AccountQuota;
use crate::quota::tracker::QuotaTracker;
use crate::time::Timestamp;

/// Remaining quota in parts per million, so the key is `Ord` (no float comparisons).
const PPM: f64 = 1_000_000.0;

/// `quota_aware` order: most remaining first, then soonest reset (unknown resets last), then
/// the caller's stable tiebreak (account id, or the candidate's position in the tier).
/// An account with no quota information ranks as full: nothing says it has been used.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub struct QuotaKey<T: Ord> {
    remaining: Reverse<u32>,
    /// `(false, t)` sorts before `(true, _)`: a known reset beats an unknown one.
    reset: (bool, Option<Timestamp>),
    tie: T,
}

/// The key from a standing (remaining fraction, reset) as [`AccountQuota::standing`] gives it.
pub fn quota_key<T: Ord>(
    remaining: Option<f64>,
    resets_at: Option<Timestamp>,
    tie: T,
) -> QuotaKey<T> {
    let f = remaining
        .filter(|f| f.is_finite())
        .unwrap_or(1.0)
        .clamp(0.0, 1.0);
    QuotaKey {
        remaining: Reverse((f * PPM).round() as u32),
        reset: (resets_at.is_none(), resets_at),
        tie,
    }
}

/// The `quota_aware` key of one tracker at `now`.
pub fn quota_aware_key<T: Ord>(tracker: &QuotaTracker, now: Timestamp, tie: T) -> QuotaKey<T> {
    quota_key(tracker.remaining_fraction(now), tracker.resets_at(now), tie)
}

/// The `quota_aware` key of (account, model): the tighter of its account and model windows.
pub fn account_quota_key<T: Ord>(
    quota: &AccountQuota,
    model: &str,
    now: Timestamp,
    tie: T,
) -> QuotaKey<T> {
    let (remaining, reset) = quota.standing(now, model);
    quota_key(remaining, reset, tie)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Model;
    use crate::time::parse_ts;
    use crate::vocab::QuotaObservation;
    use std::time::Duration;

    fn t(s: &str) -> Timestamp {
        parse_ts(s).unwrap()
    }

    fn tracker(used: Option<f64>, reset: Option<&str>) -> QuotaTracker {
        let mut q = QuotaTracker::new(None, Duration::from_secs(5 * 3600));
        if let Some(p) = used {
            let obs = QuotaObservation {
                window: "5h".into(),
                model: None,
                used_percent: Some(p),
                remaining: None,
                limit: None,
                window_minutes: None,
                reset_at: reset.map(t),
                source: "anthropic-ratelimit-unified-5h-utilization".into(),
            };
            q.on_observation(t("2026-03-01T08:00:00Z"), &obs);
        }
        q
    }

    #[test]
    fn quota_aware_ranks_most_remaining_then_soonest_reset_then_tiebreak() {
        // given five accounts with different standings
        let now = t("2026-03-01T09:00:00Z");
        let accounts = [
            (
                "a_half_late",
                tracker(Some(50.0), Some("2026-03-01T12:00:00Z")),
            ),
            ("b_full_unknown", tracker(None, None)),
            (
                "c_half_soon",
                tracker(Some(50.0), Some("2026-03-01T10:00:00Z")),
            ),
            (
                "d_used_up",
                tracker(Some(100.0), Some("2026-03-01T09:30:00Z")),
            ),
            (
                "e_half_soon",
                tracker(Some(50.0), Some("2026-03-01T10:00:00Z")),
            ),
        ];
        // when they are sorted by key
        let mut keyed: Vec<_> = accounts
            .iter()
            .map(|(name, q)| (quota_aware_key(q, now, *name), *name))
            .collect();
        keyed.sort();
        let order: Vec<_> = keyed.into_iter().map(|(_, n)| n).collect();
        // then: full first, halves by soonest reset (ties by name), the used-up one last
        assert_eq!(
            order,
            [
                "b_full_unknown",
                "c_half_soon",
                "e_half_soon",
                "a_half_late",
                "d_used_up"
            ]
        );
    }

    #[test]
    fn account_and_model_windows_rank_by_the_tighter_of_the_two() {
        use crate::ids::Provider;
        use crate::quota::window::QuotaSettings;
        let obs = |model: Option<&str>, used: f64, reset: &str| QuotaObservation {
            window: "5h".into(),
            model: model.map(Model::from),
            used_percent: Some(used),
            remaining: None,
            limit: None,
            window_minutes: None,
            reset_at: Some(t(reset)),
            source: "test".into(),
        };
        let (at, now) = (t("2026-03-01T08:00:00Z"), t("2026-03-01T09:00:00Z"));
        let m: Model = "gemini-3-pro".into();
        // given account A: 30 % used account-wide but 80 % used on the model
        let mut a = AccountQuota::new(Provider::Antigravity, &QuotaSettings::default());
        a.on_observation(at, &obs(None, 30.0, "2026-03-01T10:00:00Z"));
        a.on_observation(at, &obs(Some("gemini-3-pro"), 80.0, "2026-03-01T11:00:00Z"));
        // and account B: 50 % used account-wide, nothing known per model
        let mut b = AccountQuota::new(Provider::Antigravity, &QuotaSettings::default());
        b.on_observation(at, &obs(None, 50.0, "2026-03-01T12:00:00Z"));
        // then A stands at its model's 20 % left and B (50 % left) ranks first
        let (left, reset) = a.standing(now, &m);
        assert!((left.unwrap() - 0.2).abs() < 1e-6);
        assert_eq!(reset, Some(t("2026-03-01T11:00:00Z")));
        let ka = account_quota_key(&a, &m, now, 0);
        let kb = account_quota_key(&b, &m, now, 1);
        assert!(kb < ka);
        // while for another model A's account window (70 % left) beats B
        let other: Model = "gemini-3-flash".into();
        assert!(account_quota_key(&a, &other, now, 0) < account_quota_key(&b, &other, now, 1));
    }
}

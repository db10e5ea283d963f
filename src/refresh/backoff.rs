//! Failure backoff of token refresh: 30 s doubling per consecutive failure, capped at
//! 10 min, with jitter so many accounts that failed together do not retry together. Pure: the
//! jitter is an argument; [`random_jitter`] draws one for the live scheduler.

use std::time::Duration;

use rand::Rng;

use crate::time::{add, Timestamp};

/// Wait after the first refresh failure; doubles with each failure in a row.
pub const BASE: Duration = Duration::from_secs(30);
/// Longest wait between refresh attempts.
pub const CAP: Duration = Duration::from_secs(10 * 60);
/// Jitter moves a wait by at most this fraction of it, either way.
pub const JITTER: f64 = 0.2;

/// Wait after the `failures`-th consecutive failure (1 = first), before jitter:
/// `min(30 s × 2^(failures-1), 10 min)`. `0` is treated as 1.
pub fn base_delay(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16); // 30 s × 2^5 already passes the cap
    BASE.saturating_mul(1 << doublings).min(CAP)
}

/// The wait with jitter applied. `jitter` is clamped to [-1, 1] (NaN counts as 0) and scales
/// the wait by `1 + 0.2 × jitter`; the result never exceeds [`CAP`].
/// Bounds: `0.8 × base ≤ delay ≤ min(1.2 × base, 10 min)`.
pub fn delay(failures: u32, jitter: f64) -> Duration {
    let j = if jitter.is_nan() {
        0.0
    } else {
        jitter.clamp(-1.0, 1.0)
    };
    base_delay(failures).mul_f64(1.0 + JITTER * j).min(CAP)
}

/// When the next attempt may run after the `failures`-th failure at `now`. A `retry_after`
/// stated by the endpoint wins when it is longer (never shortens the backoff).
pub fn next_attempt_at(
    now: Timestamp,
    failures: u32,
    jitter: f64,
    retry_after: Option<Duration>,
) -> Timestamp {
    let d = delay(failures, jitter).max(retry_after.unwrap_or_default());
    add(now, d)
}

/// A uniform jitter in [-1, 1] from `rng` (inject a seeded rng in tests).
pub fn random_jitter(rng: &mut impl Rng) -> f64 {
    rng.gen_range(-1.0..=1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn doubles_from_30s_and_caps_at_10min() {
        let secs: Vec<u64> = (1..=7).map(|n| base_delay(n).as_secs()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 600, 600]);
        assert_eq!(base_delay(0), BASE);
        assert_eq!(base_delay(u32::MAX), CAP);
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for n in 1..=10 {
            let b = base_delay(n);
            for _ in 0..200 {
                let d = delay(n, random_jitter(&mut rng));
                assert!(
                    d >= b.mul_f64(0.8) && d <= b.mul_f64(1.2).min(CAP),
                    "{n}: {d:?}"
                );
            }
        }
        assert_eq!(delay(1, -1.0), Duration::from_secs(24));
        assert_eq!(delay(1, 1.0), Duration::from_secs(36));
        assert_eq!(delay(1, 99.0), Duration::from_secs(36));
        assert_eq!(delay(1, f64::NAN), BASE);
        assert_eq!(delay(9, 1.0), CAP);
    }

    #[test]
    fn stated_retry_after_only_lengthens() {
        let now = crate::time::parse_ts("2026-01-01T00:00:00Z").unwrap();
        let at = |ra| next_attempt_at(now, 1, 0.0, ra) - now;
        assert_eq!(at(None).num_seconds(), 30);
        assert_eq!(at(Some(Duration::from_secs(5))).num_seconds(), 30);
        assert_eq!(at(Some(Duration::from_secs(90))).num_seconds(), 90);
    }
}

//! Quota learning (SPEC §5, §6 `quota_aware` / `least_used`, §8 status quota rows): usage
//! extraction from response bodies, usage windows, learned limits, provider observations, and
//! ranking keys. Everything here is pure (times come in as event times) and serializable, so
//! the projection fold can own it and checkpoint it. No IO, no clock, no selection policy.

pub mod account;
pub mod learn;
pub mod rank;
pub mod tracker;
pub mod usage;
pub mod window;

pub use account::AccountQuota;
pub use learn::{Estimate, LearnedLimit, LimitDimension};
pub use rank::{least_used_key, quota_aware_key, LeastUsedKey, QuotaKey};
pub use tracker::{QuotaTracker, QuotaView};
pub use usage::extract_usage;
pub use window::{QuotaSettings, UsageWindow};

use crate::parse::ParsedError;
use crate::time::{add, Timestamp};

/// When the window a quota error refers to resets: the stated `reset_at`, else `at` plus the
/// stated wait; `None` when the payload states neither (the window's own end then applies).
pub fn quota_reset(at: Timestamp, err: &ParsedError) -> Option<Timestamp> {
    err.reset_at.or_else(|| {
        err.retry_after_ms
            .map(|ms| add(at, std::time::Duration::from_millis(ms)))
    })
}

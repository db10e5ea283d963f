//! Quota learning (for `quota_predicted` skips, `quota_aware` / `least_used`, `status` rows): usage
//! extraction from response bodies, usage windows, learned limits, provider observations, and
//! ranking keys. Everything here is pure (times come in as event times) and serializable, so
//! the projection fold can own it and checkpoint it. No IO, no clock, no selection policy.
//!
//! How the engine uses it (one [`AccountQuota`] per account, built with the provider's
//! [`QuotaSettings`]; the settings must be the same at replay, like any fold input):
//! - fold `request_succeeded`: `on_success(at, &model, usage)`, then `on_observation(at, o)`
//!   for each `quota` entry; `request_failed`: if `error.kind == QuotaExceeded`,
//!   `on_quota_error(at, &model, error.scope, quota_reset(at, &error))`, then the
//!   observations; `quota_observed`: `on_observation`; `state_cleared`:
//!   `on_cleared(model, account_wide)`.
//! - selector: `predicted_block(now, &model)` → skip as `quota_predicted` until the time;
//!   `quota_aware` sorts by [`rank::account_quota_key`]; `least_used` scores by
//!   `requests_in_window(now, &model)` (then leases so far, in `select::decide`); `status`:
//!   `views(now)`.

pub mod account;
pub mod learn;
pub mod observed;
pub mod rank;
pub mod tracker;
pub mod usage;
pub mod window;

pub use account::AccountQuota;
pub use tracker::QuotaView;
pub use usage::extract_usage;
pub use window::QuotaSettings;

use crate::time::Timestamp;
use crate::vocab::ParsedError;

/// When the window a quota error refers to resets: the end of the wait the error states, the
/// same time (8-day clamp included) the block it caused lasts until; `None` when the payload
/// states no wait (the window's own end then applies).
pub fn quota_reset(at: Timestamp, err: &ParsedError) -> Option<Timestamp> {
    err.stated_until(at)
}

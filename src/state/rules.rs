//! The failure rules as a pure function: the block a failure puts in force (scope, reason,
//! until, quota backoff level), decided when the failure is reported and then recorded on the
//! event. Reads the projections and the configuration; never the clock.

use std::time::Duration;

use super::State;
use crate::config::Config;
use crate::event::{BlockReason, BlockSet};
use crate::ids::{AccountId, Provider};
use crate::parse::{ErrorKind, ParsedError, Scope};
use crate::time::{add, Timestamp};

/// Google's default when a quota error states no delay.
const GOOGLE_QUOTA_DEFAULT: Duration = Duration::from_secs(3600);

pub fn reason_for(kind: ErrorKind) -> Option<BlockReason> {
    Some(match kind {
        ErrorKind::RateLimit => BlockReason::RateLimit,
        ErrorKind::QuotaExceeded => BlockReason::QuotaExceeded,
        ErrorKind::Authentication => BlockReason::Authentication,
        ErrorKind::Permission => BlockReason::Permission,
        ErrorKind::NotFound => BlockReason::NotFound,
        ErrorKind::Overloaded => BlockReason::Overloaded,
        ErrorKind::Transient => BlockReason::Transient,
        ErrorKind::Billing => BlockReason::Billing,
        ErrorKind::InvalidRequest => return None,
    })
}

/// The time the payload says the limit lifts ([`ParsedError::stated_until`]: at most 8 days
/// away, a time the log can hold); `None` when it says nothing usable (a reset in the past
/// counts as nothing).
pub fn stated_until(err: &ParsedError, at: Timestamp) -> Option<Timestamp> {
    err.stated_until(at).filter(|t| *t > at)
}

/// The block a failure causes, or `None` when it penalizes nothing (`invalid_request`, or a 401
/// on an OAuth account whose refresh will decide: `refresh_due` blocks it meanwhile).
pub fn block_for_failure(
    state: &State,
    account: AccountId,
    model: &str,
    err: &ParsedError,
    at: Timestamp,
    refresh_will_run: bool,
    cfg: &Config,
) -> Option<BlockSet> {
    let reason = reason_for(err.kind)?;
    let a = state.accounts.get(&account)?;
    if err.kind == ErrorKind::Authentication && refresh_will_run {
        return None;
    }
    // A credential, a permission or a balance is the account's, whatever scope a parser reported.
    let scope = match err.kind {
        ErrorKind::Authentication | ErrorKind::Permission | ErrorKind::Billing => Scope::Account,
        _ => err.scope,
    };
    let stated = stated_until(err, at);
    let cd = &cfg.cooldown;
    let mut level = 0;
    let until = match err.kind {
        ErrorKind::QuotaExceeded => {
            let (current, open) = match scope {
                Scope::Account => (a.quota_level, a.account_block.as_ref()),
                Scope::Model => {
                    let h = a.health.get(model);
                    (
                        h.map_or(0, |h| h.quota_level),
                        h.and_then(|h| h.block.as_ref()),
                    )
                }
            };
            // A burst of in-flight failures for one open block escalates once, not per request.
            let open =
                open.is_some_and(|b| b.in_force(at) && b.reason == BlockReason::QuotaExceeded);
            level = if open { current.max(1) } else { current + 1 };
            stated.unwrap_or_else(|| {
                if matches!(a.provider, Provider::Antigravity | Provider::Gemini) {
                    add(at, GOOGLE_QUOTA_DEFAULT)
                } else {
                    add(at, quota_backoff(level, cfg))
                }
            })
        }
        kind => stated.unwrap_or_else(|| {
            add(
                at,
                match kind {
                    ErrorKind::RateLimit => cd.rate_limit.0,
                    ErrorKind::Overloaded => cd.overloaded.0,
                    ErrorKind::Authentication => cd.auth.0,
                    ErrorKind::Permission => cd.permission.0,
                    ErrorKind::NotFound => cd.not_found.0,
                    ErrorKind::Billing => cd.billing.0,
                    _ => cd.transient.0,
                },
            )
        }),
    };
    Some(BlockSet {
        scope,
        reason,
        until: until.max(add(at, cd.min.0)),
        level,
    })
}

/// `base × 2^(level-1)`, capped at `max`.
pub fn quota_backoff(level: u32, cfg: &Config) -> Duration {
    let base = cfg.quota_backoff.base.0;
    let factor = 1u32
        .checked_shl(level.saturating_sub(1))
        .unwrap_or(u32::MAX);
    base.checked_mul(factor)
        .unwrap_or(cfg.quota_backoff.max.0)
        .min(cfg.quota_backoff.max.0)
}

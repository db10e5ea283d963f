//! Deciding the block a failure puts in force (scope, reason, until, quota backoff level),
//! when the failure is reported; the result is recorded on the `request_failed` event so a
//! replay never depends on the settings of the day. The durations come in as `BlockSettings`,
//! built from configuration (where the defaults live); the account's quota standing comes in
//! as `merge::Standing`, read from the projection. Never the clock.

use std::time::Duration;

use super::merge::{next_quota_level, Standing};
use super::until::stated_ahead;
use crate::time::{add, Timestamp};
use crate::vocab::{BlockReason, BlockSet, ErrorKind, ParsedError, Scope};

/// How long each kind of failure blocks when the payload states no wait, for one provider.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BlockSettings {
    pub rate_limit: Duration,
    pub overloaded: Duration,
    pub transient: Duration,
    pub auth: Duration,
    pub permission: Duration,
    pub not_found: Duration,
    pub billing: Duration,
    /// Floor for every block: sub-second hints cause retry storms.
    pub min: Duration,
    /// Quota backoff `base × 2^(level-1)`, capped at `quota_max`.
    pub quota_base: Duration,
    pub quota_max: Duration,
    /// This provider's fixed wait for a quota error that states none (Google's), instead of the
    /// backoff.
    pub quota_default: Option<Duration>,
}

/// The scope a failure blocks: the account for a credential, a permission or a balance
/// ([`ErrorKind::holds_account`]), else what the parser reported.
pub fn scope_of(err: &ParsedError) -> Scope {
    if err.kind.holds_account() {
        Scope::Account
    } else {
        err.scope
    }
}

/// The block a failure at `at` causes, or `None` when it penalizes nothing (`invalid_request`,
/// or a 401 on an OAuth account whose refresh will decide: `refresh_due` blocks it meanwhile).
pub fn decide(
    err: &ParsedError,
    at: Timestamp,
    standing: Standing,
    refresh_will_run: bool,
    settings: &BlockSettings,
) -> Option<BlockSet> {
    if err.kind == ErrorKind::InvalidRequest
        || (err.kind == ErrorKind::Authentication && refresh_will_run)
    {
        return None;
    }
    let scope = scope_of(err);
    let stated = stated_ahead(err, at);
    let mut level = 0;
    let until = match err.kind {
        ErrorKind::QuotaExceeded => {
            let quota = match scope {
                Scope::Account => standing.account,
                Scope::Model => standing.model,
            };
            level = next_quota_level(quota);
            // A burst: the requests that were in flight when the window closed answer one by
            // one; the first set `until`, the later ones (stating nothing) leave it, floor and all.
            if let (None, Some(open)) = (stated, quota.open_until) {
                return Some(BlockSet {
                    scope,
                    reason: BlockReason::Error(err.kind),
                    until: open,
                    level,
                });
            }
            stated.unwrap_or_else(|| {
                add(
                    at,
                    settings
                        .quota_default
                        .unwrap_or_else(|| quota_backoff(level, settings)),
                )
            })
        }
        kind => stated.unwrap_or_else(|| add(at, cooldown(kind, settings))),
    };
    Some(BlockSet {
        scope,
        reason: BlockReason::Error(err.kind),
        until: until.max(add(at, settings.min)),
        level,
    })
}

/// The block a refresh that failed after a 401 leaves: the dead token stays out until the next
/// attempt.
pub fn dead_token(next_attempt_at: Option<Timestamp>, at: Timestamp) -> BlockSet {
    BlockSet {
        scope: Scope::Account,
        reason: BlockReason::Error(ErrorKind::Authentication),
        until: next_attempt_at.unwrap_or(at),
        level: 0,
    }
}

fn cooldown(kind: ErrorKind, s: &BlockSettings) -> Duration {
    match kind {
        ErrorKind::RateLimit => s.rate_limit,
        ErrorKind::Overloaded => s.overloaded,
        ErrorKind::Authentication => s.auth,
        ErrorKind::Permission => s.permission,
        ErrorKind::NotFound => s.not_found,
        ErrorKind::Billing => s.billing,
        _ => s.transient,
    }
}

/// `base × 2^(level-1)`, capped at `quota_max`.
pub fn quota_backoff(level: u32, s: &BlockSettings) -> Duration {
    let factor = 1u32
        .checked_shl(level.saturating_sub(1))
        .unwrap_or(u32::MAX);
    s.quota_base
        .checked_mul(factor)
        .unwrap_or(s.quota_max)
        .min(s.quota_max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::merge::QuotaStanding;
    use crate::time::parse_ts;

    fn settings() -> BlockSettings {
        let s = Duration::from_secs;
        BlockSettings {
            rate_limit: s(5),
            overloaded: s(30),
            transient: s(60),
            auth: s(1800),
            permission: s(1800),
            not_found: s(43_200),
            billing: s(86_400),
            min: s(1),
            quota_base: s(60),
            quota_max: s(1800),
            quota_default: None,
        }
    }

    fn at() -> Timestamp {
        parse_ts("2026-01-01T00:00:00Z").unwrap()
    }

    fn quota_error() -> ParsedError {
        ParsedError::new(ErrorKind::QuotaExceeded, Some(429), "quota")
    }

    #[test]
    fn a_provider_quota_default_replaces_the_backoff() {
        let mut s = settings();
        let b = decide(&quota_error(), at(), Standing::default(), false, &s).unwrap();
        assert_eq!((b.until, b.level), (add(at(), Duration::from_secs(60)), 1));
        s.quota_default = Some(Duration::from_secs(3600));
        let b = decide(&quota_error(), at(), Standing::default(), false, &s).unwrap();
        assert_eq!(
            (b.until, b.level),
            (add(at(), Duration::from_secs(3600)), 1)
        );
    }

    #[test]
    fn a_burst_escalates_the_backoff_once_and_keeps_the_open_until() {
        let first_until = add(at(), Duration::from_millis(400));
        let open = Standing {
            model: QuotaStanding {
                level: 2,
                open_until: Some(first_until),
            },
            ..Standing::default()
        };
        let b = decide(&quota_error(), at(), open, false, &settings()).unwrap();
        assert_eq!((b.level, b.until), (2, first_until));
        // A wait the provider states still counts inside the window.
        let mut stated = quota_error();
        stated.retry_after_ms = Some(10_000);
        let b = decide(&stated, at(), open, false, &settings()).unwrap();
        assert_eq!((b.level, b.until), (2, add(at(), Duration::from_secs(10))));
        let closed = Standing {
            model: QuotaStanding {
                level: 2,
                open_until: None,
            },
            ..Standing::default()
        };
        let b = decide(&quota_error(), at(), closed, false, &settings()).unwrap();
        assert_eq!((b.level, b.until), (3, add(at(), Duration::from_secs(240))));
    }

    #[test]
    fn a_balance_holds_the_account_whatever_the_parser_said() {
        let mut e = ParsedError::new(ErrorKind::Billing, Some(402), "pay");
        e.scope = Scope::Model;
        let b = decide(&e, at(), Standing::default(), false, &settings()).unwrap();
        assert_eq!(
            (b.scope, b.reason),
            (Scope::Account, BlockReason::Error(ErrorKind::Billing))
        );
    }

    #[test]
    fn invalid_request_and_a_refreshable_401_block_nothing() {
        let bad = ParsedError::new(ErrorKind::InvalidRequest, Some(400), "bad");
        assert_eq!(
            decide(&bad, at(), Standing::default(), false, &settings()),
            None
        );
        let auth = ParsedError::new(ErrorKind::Authentication, Some(401), "expired");
        assert_eq!(
            decide(&auth, at(), Standing::default(), true, &settings()),
            None
        );
        assert!(decide(&auth, at(), Standing::default(), false, &settings()).is_some());
    }
}

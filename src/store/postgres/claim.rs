//! Refresh claims: before an instance calls a token endpoint it claims the account in the
//! database, so one refresh runs per account across the fleet. A claim expires (a frozen or
//! killed holder blocks nobody past it); time is the caller's `now`, as everywhere in rotor.
//! The HTTP call happens outside any transaction: a claim is one statement, not a held lock.

use chrono::{DateTime, Utc};
use tokio_postgres::Client;

use super::target::Target;
use crate::error::Result;
use crate::ids::AccountId;
use crate::time::Timestamp;

/// The answer to a claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// This holder has the account until `expires_at` (a renewed claim of the same holder
    /// also lands here).
    Acquired {
        /// When this holder's claim runs out unless renewed.
        expires_at: Timestamp,
    },
    /// Another holder's claim runs until `until`; try again after it, or read the new
    /// credential from the log tail once that holder has written it.
    HeldBy {
        /// The instance holding the claim.
        holder: uuid::Uuid,
        /// When its claim runs out.
        until: Timestamp,
    },
}

/// Claims `account` for `holder` until `now + ttl`, unless another holder's claim has not
/// expired by `now`. One statement, so two instances claiming at once get one winner.
pub async fn claim(
    client: &Client,
    target: &Target,
    account: AccountId,
    holder: uuid::Uuid,
    now: Timestamp,
    ttl: std::time::Duration,
) -> Result<Claim> {
    let expires_at = pg_range(crate::time::add(now, ttl));
    let now = pg_range(now);
    let won = client
        .query_opt(
            "INSERT INTO refresh_claims AS c (account, holder, claimed_at, expires_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (account) DO UPDATE
                SET holder = EXCLUDED.holder, claimed_at = EXCLUDED.claimed_at,
                    expires_at = EXCLUDED.expires_at
                WHERE c.expires_at <= EXCLUDED.claimed_at OR c.holder = EXCLUDED.holder
             RETURNING expires_at",
            &[&account.0, &holder, &now, &expires_at],
        )
        .await
        .map_err(|e| target.error(e))?;
    if let Some(row) = won {
        return Ok(Claim::Acquired {
            expires_at: row.get(0),
        });
    }
    // Lost to a live claim; read who holds it. It may have been released in between: then the
    // caller sees an `until` in the past and claims again.
    let held = client
        .query_opt(
            "SELECT holder, expires_at FROM refresh_claims WHERE account = $1",
            &[&account.0],
        )
        .await
        .map_err(|e| target.error(e))?;
    Ok(match held {
        Some(row) => Claim::HeldBy {
            holder: row.get(0),
            until: row.get(1),
        },
        None => Claim::HeldBy {
            holder: uuid::Uuid::nil(),
            until: now,
        },
    })
}

/// Gives the claim back, only if `holder` still has it (an expired claim taken over by
/// another instance stays theirs). Returns whether a claim was released.
pub async fn release(
    client: &Client,
    target: &Target,
    account: AccountId,
    holder: uuid::Uuid,
) -> Result<bool> {
    let n = client
        .execute(
            "DELETE FROM refresh_claims WHERE account = $1 AND holder = $2",
            &[&account.0, &holder],
        )
        .await
        .map_err(|e| target.error(e))?;
    Ok(n == 1)
}

/// PostgreSQL's timestamptz begins in 4713 BC, inside chrono's range (and ends after chrono's
/// end); a claim never needs such times, but a far-past `now` must not fail the statement.
fn pg_range(t: Timestamp) -> DateTime<Utc> {
    const MIN_MS: i64 = -200_000_000_000_000; // about 4370 BC
    if t.timestamp_millis() < MIN_MS {
        DateTime::from_timestamp_millis(MIN_MS).unwrap_or(t)
    } else {
        t
    }
}

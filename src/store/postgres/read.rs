//! Reading a PostgreSQL log: events after a seq (decoded by the SQLite store's own row decoder,
//! so both logs read alike), the latest credential of each account, and checkpoints. Writes
//! here are only checkpoints; events go through `append`.

use std::collections::HashMap;
use std::sync::Arc;

use tokio_postgres::Client;

use super::target::Target;
use crate::error::{Error, Result};
use crate::event::EventRecord;
use crate::ids::AccountId;
use crate::secret::Secrets;
use crate::store::read::decode_row;
use crate::store::{StoredCredential, Unknown};
use crate::time::parse_ts;

/// An event of the log with who wrote it.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEvent {
    /// The event, its seq and time.
    pub record: EventRecord,
    /// The appending instance (`None`: copied from a SQLite log).
    pub writer: Option<uuid::Uuid>,
    /// The highest seq of other writers that instance had applied when it made the event.
    pub seen: Option<u64>,
}

/// Up to `limit` events with `seq > after`, in seq order.
pub async fn events_after(
    client: &Client,
    target: &Target,
    after: u64,
    limit: usize,
    unknown: Unknown,
) -> Result<Vec<LogEvent>> {
    let rows = client
        .query(
            "SELECT seq, at, kind, v, data::text, writer, seen FROM events
             WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&(after.min(i64::MAX as u64) as i64), &(limit as i64)],
        )
        .await
        .map_err(|e| target.error(e))?;
    decode_rows(&rows, target, unknown)
}

/// Decodes rows selected as `seq, at, kind, v, data::text, writer, seen`. A kind this rotor
/// cannot read is skipped with a warning under `Unknown::Skip`, and an error otherwise.
pub(super) fn decode_rows(
    rows: &[tokio_postgres::Row],
    target: &Target,
    unknown: Unknown,
) -> Result<Vec<LogEvent>> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let seq = row.get::<_, i64>(0) as u64;
        let (at, kind, v, data): (&str, &str, i32, &str) =
            (row.get(1), row.get(2), row.get(3), row.get(4));
        match decode_row(seq, at, kind, v as u32, data) {
            Ok(Some(record)) => out.push(LogEvent {
                record,
                writer: row.get(5),
                seen: row.get::<_, Option<i64>>(6).map(|s| s as u64),
            }),
            Ok(None) => {}
            Err(e @ Error::UnknownEvent { .. }) if unknown == Unknown::Skip => {
                tracing::warn!(%e, log = target.describe(), "skipping an event this rotor cannot read");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The last seq in the log (0 when empty).
pub async fn last_seq(client: &Client, target: &Target) -> Result<u64> {
    let last: i64 = client
        .query_one("SELECT COALESCE(max(seq), 0) FROM events", &[])
        .await
        .map_err(|e| target.error(e))?
        .get(0);
    Ok(last as u64)
}

/// The newest generation of each account's credential.
pub async fn credentials(
    client: &Client,
    target: &Target,
) -> Result<HashMap<AccountId, StoredCredential>> {
    let rows = client
        .query(
            "SELECT DISTINCT ON (account) account, generation, secrets, expires_at
             FROM credentials ORDER BY account, generation DESC",
            &[],
        )
        .await
        .map_err(|e| target.error(e))?;
    let mut out = HashMap::new();
    for row in rows {
        let account = AccountId(row.get(0));
        let Some(secrets) = row.get::<_, Option<&str>>(2) else {
            continue;
        };
        let secrets: Secrets = serde_json::from_str(secrets).map_err(|e| Error::NotARotorLog {
            path: target.describe().into(),
            source: format!("credentials of {account} cannot be decoded: {e}").into(),
        })?;
        out.insert(
            account,
            StoredCredential {
                generation: row.get::<_, i64>(1) as u64,
                secrets: Arc::new(secrets),
                expires_at: row.get::<_, Option<&str>>(3).and_then(|t| parse_ts(t).ok()),
            },
        );
    }
    Ok(out)
}

/// The newest checkpoint at or below `max_seq`: (seq, bytes).
pub async fn latest_checkpoint(
    client: &Client,
    target: &Target,
    max_seq: u64,
) -> Result<Option<(u64, Vec<u8>)>> {
    let row = client
        .query_opt(
            "SELECT seq, data FROM checkpoints WHERE seq <= $1 ORDER BY seq DESC LIMIT 1",
            &[&(max_seq.min(i64::MAX as u64) as i64)],
        )
        .await
        .map_err(|e| target.error(e))?;
    Ok(row.map(|r| (r.get::<_, i64>(0) as u64, r.get(1))))
}

/// Stores the projection folded up to `seq` (which must be in the log) and drops older
/// checkpoints. Two instances may store the same seq; the fold is the same, the first stays.
pub async fn write_checkpoint(
    client: &Client,
    target: &Target,
    seq: u64,
    data: &[u8],
) -> Result<bool> {
    let seq = seq.min(i64::MAX as u64) as i64;
    let stored = client
        .execute(
            "INSERT INTO checkpoints (seq, data)
             SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM events WHERE seq = $1)
             ON CONFLICT (seq) DO NOTHING",
            &[&seq, &data],
        )
        .await
        .map_err(|e| target.error(e))?;
    if stored == 1 {
        client
            .execute("DELETE FROM checkpoints WHERE seq < $1", &[&seq])
            .await
            .map_err(|e| target.error(e))?;
    }
    Ok(stored == 1)
}

//! Reading the log: event rows decoded into `EventRecord`s (unknown kinds and newer versions are
//! a clear error, or skipped with a warning when asked), the credentials table, checkpoints.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::event::{Event, EventRecord};
use crate::ids::AccountId;
use crate::secret::Secrets;
use crate::time::{parse_ts, Timestamp};

/// How to treat events this binary cannot read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Unknown {
    /// Stop with [`Error::UnknownEvent`] naming the seq and kind.
    #[default]
    Fail,
    /// Skip them with a warning.
    Skip,
}

/// Decodes one row. Split out so benches and `replay` share it.
pub(crate) fn decode_row(
    seq: u64,
    at: &str,
    kind: &str,
    v: u32,
    data: &str,
) -> Result<Option<EventRecord>> {
    match Event::known_version(kind) {
        Some(known) if v <= known => {}
        _ => {
            return Err(Error::UnknownEvent {
                seq,
                kind: kind.to_string(),
                version: v,
            })
        }
    }
    let at = parse_ts(at).map_err(|e| Error::CorruptEvent {
        seq,
        kind: kind.to_string(),
        source: e.into(),
    })?;
    let decoded = match crate::event::upcast::upcast(kind, v, data) {
        Ok(None) => super::decode::event(kind, data),
        Ok(Some(current)) => serde_json::from_value(current),
        Err(e) => Err(e),
    };
    let event: Event = decoded.map_err(|e| Error::CorruptEvent {
        seq,
        kind: kind.to_string(),
        source: e.into(),
    })?;
    if event.kind() != kind {
        return Err(Error::CorruptEvent {
            seq,
            kind: kind.to_string(),
            source: format!("data says kind {:?}", event.kind()).into(),
        });
    }
    Ok(Some(EventRecord { seq, at, event }))
}

/// Calls `f` for every event with `seq > after`, in order, stopping at `until_seq` when given.
pub fn for_each_event(
    conn: &Connection,
    after: u64,
    until_seq: Option<u64>,
    unknown: Unknown,
    mut f: impl FnMut(EventRecord) -> Result<()>,
) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, kind, v, data FROM events WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
    )?;
    let until = until_seq.map(|s| s as i64).unwrap_or(i64::MAX);
    let mut rows = stmt.query(params![after as i64, until])?;
    while let Some(row) = rows.next()? {
        let seq = row.get::<_, i64>(0)? as u64;
        let at = row.get_ref(1)?.as_str().unwrap_or("");
        let kind = row.get_ref(2)?.as_str().unwrap_or("");
        let v = row.get::<_, i64>(3)? as u32;
        let data = row.get_ref(4)?.as_str().unwrap_or("");
        match decode_row(seq, at, kind, v, data) {
            Ok(Some(rec)) => f(rec)?,
            Ok(None) => {}
            Err(e @ Error::UnknownEvent { .. }) if unknown == Unknown::Skip => {
                tracing::warn!(%e, "skipping an event this rotor cannot read");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Every event, in order.
pub fn all_events(conn: &Connection, unknown: Unknown) -> Result<Vec<EventRecord>> {
    let mut out = Vec::new();
    for_each_event(conn, 0, None, unknown, |r| {
        out.push(r);
        Ok(())
    })?;
    Ok(out)
}

/// The last seq in the log (0 when empty).
pub fn last_seq(conn: &Connection) -> Result<u64> {
    Ok(
        conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| {
            r.get::<_, i64>(0)
        })? as u64,
    )
}

/// One stored credential: its generation, secrets and expiry.
#[derive(Clone, Debug)]
#[doc(hidden)]
pub struct StoredCredential {
    /// The generation: 1 when added, one more per import or refresh.
    pub generation: u64,
    /// Shared, so a lease carries it without copying the strings.
    pub secrets: std::sync::Arc<Secrets>,
    /// When the access token expires; `None` for API keys or when unknown.
    pub expires_at: Option<Timestamp>,
}

/// The credentials table, if the file has one (an export does not).
// Reached by rotor's own tests (a copied log keeps its credentials); secrets stay in the crate's
// engine otherwise.
#[doc(hidden)]
pub fn credentials(conn: &Connection) -> Result<HashMap<AccountId, StoredCredential>> {
    let has: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='credentials'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let mut out = HashMap::new();
    if has.is_none() {
        return Ok(out);
    }
    let mut stmt =
        conn.prepare("SELECT account, generation, secrets, expires_at FROM credentials")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let account: String = row.get(0)?;
        let Ok(account) = account.parse::<AccountId>() else {
            continue;
        };
        let secrets: String = row.get(2)?;
        let secrets: Secrets = serde_json::from_str(&secrets).map_err(|e| Error::NotARotorLog {
            path: Default::default(),
            source: format!("credentials of {account} cannot be decoded: {e}").into(),
        })?;
        let expires_at: Option<String> = row.get(3)?;
        out.insert(
            account,
            StoredCredential {
                generation: row.get::<_, i64>(1)? as u64,
                secrets: std::sync::Arc::new(secrets),
                expires_at: expires_at.and_then(|t| parse_ts(&t).ok()),
            },
        );
    }
    Ok(out)
}

/// The newest checkpoint at or below `max_seq`: (seq, bytes).
pub fn latest_checkpoint(conn: &Connection, max_seq: u64) -> Result<Option<(u64, Vec<u8>)>> {
    Ok(conn
        .query_row(
            "SELECT seq, data FROM checkpoints WHERE seq <= ?1 ORDER BY seq DESC LIMIT 1",
            params![max_seq.min(i64::MAX as u64) as i64],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, Vec<u8>>(1)?)),
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One event of every kind, as version 1, written by the rotor that introduced versions.
    /// Kept as it is when kinds change (a new kind adds its line): it proves that a log of that
    /// day still reads.
    const V1_LOG: &str = include_str!("../../tests/fixtures/events/v1.jsonl");

    #[test]
    fn a_v1_log_of_every_kind_decodes_to_what_it_says() {
        let mut kinds = Vec::new();
        for line in V1_LOG.lines() {
            let row: serde_json::Value = serde_json::from_str(line).unwrap();
            let (kind, data) = (row["kind"].as_str().unwrap(), row["data"].as_str().unwrap());
            let rec = decode_row(
                row["seq"].as_u64().unwrap(),
                row["at"].as_str().unwrap(),
                kind,
                row["v"].as_u64().unwrap() as u32,
                data,
            )
            .unwrap()
            .unwrap();
            assert_eq!(rec.event.kind(), kind);
            if Event::known_version(kind) == Some(1) {
                // Still the current shape: today's code writes exactly these bytes.
                assert_eq!(serde_json::to_string(&rec.event).unwrap(), data);
            }
            kinds.push(kind.to_string());
        }
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), Event::KINDS.len());
    }
}

//! Read-only questions the server asks the log beside its own writer (WAL snapshots, on
//! blocking threads, through a small pool of read-only connections): pages of events, a request
//! by id (the `request` index), the event that caused a block (the `(account, seq)` index), and
//! the explanation of one decision folded from the newest checkpoint before it.

use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::Mutex;
use rusqlite::{params, Connection};
use serde_json::{json, Value};

use crate::event::{Event, EventRecord};
use crate::ids::{AccountId, Model, RequestId};
use crate::parse::Scope;
use crate::replay::Explanation;
use crate::state::State;
use crate::store::{self, read::decode_row, Unknown};
use crate::time::{format_ts, Timestamp};
use crate::{Error, Result};

/// Failures scanned back through an account's events when looking for a block's cause.
pub const CAUSE_SCAN: i64 = 5_000;

/// Read-only connections to one log, reused across requests.
#[derive(Clone)]
pub struct LogReader {
    path: PathBuf,
    pool: Arc<Mutex<Vec<Connection>>>,
}

/// What the log says about a request id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// No `selected` event has this id.
    Unknown,
    /// Leased, and an outcome is already recorded.
    Reported,
    /// Leased and not reported: (account, model, when it was leased, the credential
    /// generation leased when the log recorded it).
    Leased(AccountId, Model, Timestamp, Option<u64>),
}

impl LogReader {
    pub fn new(path: PathBuf) -> Self {
        LogReader {
            path,
            pool: Default::default(),
        }
    }

    /// Runs `f` on a pooled connection on a blocking thread.
    pub async fn with<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R> + Send + 'static,
    ) -> Result<R> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let conn = match this.pool.lock().pop() {
                Some(c) => c,
                None => store::open_read_only(&this.path)?,
            };
            let out = f(&conn);
            this.pool.lock().push(conn);
            out
        })
        .await
        .map_err(|e| Error::Io(std::io::Error::other(e)))?
    }
}

/// Decodes rows of `SELECT seq, at, kind, v, data`; kinds this rotor cannot read are skipped.
fn decode_rows(
    stmt: &mut rusqlite::Statement<'_>,
    args: impl rusqlite::Params,
) -> Result<Vec<EventRecord>> {
    let mut rows = stmt.query(args)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let seq = row.get::<_, i64>(0)? as u64;
        let at = row.get_ref(1)?.as_str().unwrap_or("");
        let kind = row.get_ref(2)?.as_str().unwrap_or("");
        let v = row.get::<_, i64>(3)? as u32;
        let data = row.get_ref(4)?.as_str().unwrap_or("");
        match decode_row(seq, at, kind, v, data) {
            Ok(Some(rec)) => out.push(rec),
            Ok(None) => {}
            Err(e @ Error::UnknownEvent { .. }) => {
                tracing::warn!(%e, "skipping an event this rotor cannot read")
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Up to `limit` events after `after` (oldest first), or with `last` the newest `limit` events;
/// only those of `kind` when given.
pub fn page(
    conn: &Connection,
    after: u64,
    limit: u32,
    kind: Option<&str>,
    last: bool,
) -> Result<Vec<EventRecord>> {
    let order = if last { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT seq, at, kind, v, data FROM events WHERE seq > ?1 AND (?2 IS NULL OR kind = ?2) ORDER BY seq {order} LIMIT ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut out = decode_rows(
        &mut stmt,
        params![after.min(i64::MAX as u64) as i64, kind, limit],
    )?;
    out.sort_by_key(|r| r.seq);
    Ok(out)
}

/// The newest seq in the log (0 when empty).
pub fn last_seq(conn: &Connection) -> Result<u64> {
    store::read::last_seq(conn)
}

/// The lease and outcome the log holds for `request`.
pub fn find_request(conn: &Connection, request: RequestId) -> Result<Found> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, kind, v, data FROM events WHERE request = ?1 ORDER BY seq",
    )?;
    Ok(found_among(
        decode_rows(&mut stmt, params![request.to_string()])?,
        request,
    ))
}

/// What the events naming `request` (in seq order) say about it.
pub fn found_among(records: impl IntoIterator<Item = EventRecord>, request: RequestId) -> Found {
    let mut found = Found::Unknown;
    for rec in records {
        match rec.event {
            Event::Selected(e) if e.request == request => {
                found = Found::Leased(e.account, e.model, rec.at, e.generation)
            }
            Event::RequestSucceeded(_)
            | Event::RequestFailed(_)
            | Event::RequestCancelled { .. }
                if found != Found::Unknown =>
            {
                return Found::Reported
            }
            _ => {}
        }
    }
    found
}

/// The seq of the failure that set the block of `account` (on `model`, or account-wide when
/// `None`) lasting until `until`: the newest such `request_failed` among the account's last
/// failures. `None` when it is further back, or the block has another cause.
pub fn block_cause(
    conn: &Connection,
    account: AccountId,
    model: Option<&str>,
    until: Timestamp,
) -> Result<Option<u64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, kind, v, data FROM events WHERE account = ?1 AND kind = 'request_failed' ORDER BY seq DESC LIMIT ?2",
    )?;
    let newest_first = decode_rows(&mut stmt, params![account.to_string(), CAUSE_SCAN])?;
    Ok(cause_among(newest_first, model, until))
}

/// [`block_cause`] among an account's failures, newest first.
pub fn cause_among(
    newest_first: impl IntoIterator<Item = EventRecord>,
    model: Option<&str>,
    until: Timestamp,
) -> Option<u64> {
    for rec in newest_first {
        let Event::RequestFailed(e) = rec.event else {
            continue;
        };
        let Some(b) = e.block else { continue };
        let place = match b.scope {
            Scope::Account => model.is_none(),
            Scope::Model => model == Some(&*e.model),
        };
        if place && b.until == until {
            return Some(rec.seq);
        }
    }
    None
}

/// The `replay --explain` document for `request`: the decision's event found by the request
/// index, the projections before it from the newest usable checkpoint plus the folded tail.
pub fn explain(conn: &Connection, request: RequestId) -> Result<Option<Explanation>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, kind, v, data FROM events WHERE request = ?1 AND kind IN ('selected', 'no_account') ORDER BY seq LIMIT 1",
    )?;
    let Some(decision) = decode_rows(&mut stmt, params![request.to_string()])?.pop() else {
        return Ok(None);
    };
    let before = decision.seq - 1;
    let mut state = match store::read::latest_checkpoint(conn, before) {
        Ok(Some((seq, bytes))) => {
            crate::engine::checkpoint::decode(seq, &bytes).unwrap_or_default()
        }
        _ => State::default(),
    };
    store::read::for_each_event(conn, state.last_seq, Some(before), Unknown::Skip, |rec| {
        state.apply(&rec);
        Ok(())
    })?;
    Ok(crate::replay::explain_from(
        state,
        std::slice::from_ref(&decision),
        request,
    ))
}

/// One event as the API shows it (the `events --json` line): seq, time, kind, the event.
pub fn to_json(rec: &EventRecord) -> Value {
    json!({
        "seq": rec.seq,
        "at": format_ts(rec.at),
        "kind": rec.event.kind(),
        "data": serde_json::to_value(&rec.event).unwrap_or(Value::Null),
    })
}

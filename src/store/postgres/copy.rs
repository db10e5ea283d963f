//! Copying a SQLite log into an empty PostgreSQL log (`rotor migrate`): every event row with its
//! seq, text and JSON exactly as SQLite holds them, the credentials, and the checkpoint, in one
//! PostgreSQL transaction (all or nothing) read from one SQLite snapshot. Each row is decoded
//! first, so a log this rotor cannot read is refused rather than copied.

use rusqlite::{params, Connection};
use tokio_postgres::Client;

use super::credentials::write_credential;
use super::rows::{RowArrays, INSERT_ROWS};
use super::target::Target;
use super::{APPEND_LOCK, NOTIFY_CHANNEL};
use crate::error::{Error, Result};
use crate::store::read::{credentials, decode_row};
use crate::store::{CredentialWrite, EventRow};

/// Rows read from SQLite per round.
const CHUNK: i64 = 5_000;

/// What a copy moved.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CopyReport {
    /// Events copied.
    pub events: u64,
    /// Credential rows (generations) copied.
    pub credentials: u64,
    /// Checkpoints copied.
    pub checkpoints: u64,
    /// The seq of the last event copied; 0 when the source log was empty.
    pub last_seq: u64,
}

/// Copies the log of `sqlite` into the (migrated, empty) log of `client`.
pub async fn copy_sqlite_log(
    sqlite: &Connection,
    client: &mut Client,
    target: &Target,
) -> Result<CopyReport> {
    // One read transaction: every chunk comes from the same snapshot, even beside a writer.
    sqlite.execute_batch("BEGIN")?;
    let copied = copy_in_snapshot(sqlite, client, target).await;
    // Ends the read transaction whatever happened (it wrote nothing).
    let _ = sqlite.execute_batch("COMMIT");
    copied
}

async fn copy_in_snapshot(
    sqlite: &Connection,
    client: &mut Client,
    target: &Target,
) -> Result<CopyReport> {
    let pg = |e| target.error(e);
    let tx = client.transaction().await.map_err(pg)?;
    tx.batch_execute(&format!(
        "SELECT pg_advisory_xact_lock({}, {})",
        APPEND_LOCK.0, APPEND_LOCK.1
    ))
    .await
    .map_err(pg)?;
    let held: i64 = tx
        .query_one(
            "SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM credentials)",
            &[],
        )
        .await
        .map_err(pg)?
        .get(0);
    if held > 0 {
        return Err(Error::InvalidInput(format!(
            "{} already holds a log; migrate copies only into an empty one",
            target.describe()
        )));
    }
    let insert = tx.prepare(INSERT_ROWS).await.map_err(pg)?;
    let mut report = CopyReport::default();
    loop {
        let rows = read_chunk(sqlite, report.last_seq)?;
        let Some((last, _)) = rows.last() else { break };
        report.last_seq = *last;
        report.events += rows.len() as u64;
        RowArrays::new(rows.iter().map(|(seq, row)| (*seq, row, None)))
            .insert(&tx, &insert, None)
            .await
            .map_err(pg)?;
    }
    for (account, cred) in credentials(sqlite)? {
        let put = CredentialWrite::Put {
            account,
            generation: cred.generation,
            secrets: (*cred.secrets).clone(),
            expires_at: cred.expires_at,
        };
        write_credential(&tx, &put).await.map_err(pg)?;
        report.credentials += 1;
    }
    let checkpoints: Vec<(i64, Vec<u8>)> = sqlite
        .prepare("SELECT seq, data FROM checkpoints ORDER BY seq")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (seq, data) in &checkpoints {
        tx.execute(
            "INSERT INTO checkpoints (seq, data) VALUES ($1, $2)",
            &[seq, data],
        )
        .await
        .map_err(pg)?;
        report.checkpoints += 1;
    }
    tx.execute(
        "SELECT pg_notify($1, $2)",
        &[&NOTIFY_CHANNEL, &report.last_seq.to_string()],
    )
    .await
    .map_err(pg)?;
    tx.commit().await.map_err(pg)?;
    Ok(report)
}

/// The next rows after `after`, verbatim, each checked to decode.
fn read_chunk(sqlite: &Connection, after: u64) -> Result<Vec<(u64, EventRow)>> {
    let mut stmt = sqlite.prepare_cached(
        "SELECT seq, at, kind, v, account, model, request, data FROM events
         WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let mut rows = stmt.query(params![after as i64, CHUNK])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let seq = r.get::<_, i64>(0)? as u64;
        let (at, kind, v, data): (String, String, u32, String) =
            (r.get(1)?, r.get(2)?, r.get(3)?, r.get(7)?);
        // Refuses unknown kinds, newer versions and damaged rows, naming the seq.
        let kind = match decode_row(seq, &at, &kind, v, &data)? {
            Some(rec) => rec.event.kind(),
            None => continue,
        };
        out.push((
            seq,
            EventRow {
                at,
                kind,
                v,
                account: r.get(4)?,
                model: r.get(5)?,
                request: r.get(6)?,
                data,
            },
        ));
    }
    Ok(out)
}

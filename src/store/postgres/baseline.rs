//! The benchmark baseline of the PostgreSQL store: the same rows inserted the plainest way the
//! server allows (client-numbered, one multi-row INSERT per transaction, no lock, no max, no
//! NOTIFY, no credentials) into a copy of `events`, so "appends/s through the store" has a
//! figure of the same server beside it. Not used by rotor itself.

use std::sync::Arc;

use super::rows::{RowArrays, INSERT_ROWS};
use super::target::Target;
use crate::error::Result;
use crate::store::EventRow;

/// The scratch table the baseline fills: `events`' columns, keys and indexes.
pub const RAW_TABLE: &str = "rotor_bench_raw_events";

/// Inserts `rows` into a fresh [`RAW_TABLE`], `batch` rows per transaction, and drops the
/// table again. Returns the number of rows inserted.
pub async fn raw_batched_insert(
    target: &Arc<Target>,
    rows: &[EventRow],
    batch: usize,
) -> Result<u64> {
    let pg = |e| target.error(e);
    let mut client = target.connect().await?;
    client
        .batch_execute(&format!(
            "DROP TABLE IF EXISTS {RAW_TABLE}; CREATE TABLE {RAW_TABLE} (LIKE events INCLUDING ALL)"
        ))
        .await
        .map_err(pg)?;
    let insert = client
        .prepare(&INSERT_ROWS.replacen("INTO events", &format!("INTO {RAW_TABLE}"), 1))
        .await
        .map_err(pg)?;
    let mut seq = 0u64;
    for chunk in rows.chunks(batch.max(1)) {
        let first = seq + 1;
        seq += chunk.len() as u64;
        let arrays = RowArrays::new(chunk.iter().zip(first..).map(|(r, s)| (s, r, None)));
        let tx = client.transaction().await.map_err(pg)?;
        arrays.insert(&tx, &insert, None).await.map_err(pg)?;
        tx.commit().await.map_err(pg)?;
    }
    client
        .batch_execute(&format!("DROP TABLE {RAW_TABLE}"))
        .await
        .map_err(pg)?;
    Ok(seq)
}

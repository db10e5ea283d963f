//! The performance baselines, measured in the same run as the engine figures they are printed next
//! to: (a) raw batched rusqlite inserts of event rows, (b) a raw read of that log with a
//! `serde_json::Value` decode of every `data`, (c) a bare in-memory round-robin pick over an
//! accounts × models table. No rotor code on the measured paths, by design.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::rows::RawRow;

/// The events table (as `schema/` defines it), as the baseline creates it.
pub const EVENTS_DDL: &str = "
CREATE TABLE IF NOT EXISTS events(
  seq INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, v INTEGER NOT NULL,
  account TEXT NULL, model TEXT NULL, request TEXT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_account_seq ON events(account, seq);
CREATE INDEX IF NOT EXISTS events_request ON events(request);";

/// Rows processed in a time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Throughput {
    pub rows: u64,
    pub elapsed: Duration,
}

impl Throughput {
    pub fn per_s(&self) -> f64 {
        self.rows as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Opens (creating) a log the way rotor's writer does: WAL, the same full sync per commit,
/// same cache.
pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", crate::store::SYNCHRONOUS)?;
    // The page cache the engine's writer has: the comparison is of code, not of settings.
    conn.pragma_update(None, "cache_size", crate::store::CACHE_SIZE_KIB)?;
    conn.execute_batch(EVENTS_DDL)?;
    Ok(conn)
}

/// (a) Inserts `rows` in transactions of `batch` rows through one prepared statement.
/// Only the inserts and commits are timed; the rows were built before.
pub fn raw_insert(
    conn: &mut Connection,
    rows: &[RawRow],
    batch: usize,
) -> rusqlite::Result<Throughput> {
    let start = Instant::now();
    for chunk in rows.chunks(batch.max(1)) {
        let tx = conn.transaction()?;
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO events(at, kind, v, account, model, request, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for r in chunk {
                st.execute(rusqlite::params![
                    r.at, r.kind, r.v, r.account, r.model, r.request, r.data
                ])?;
            }
        }
        tx.commit()?;
    }
    Ok(Throughput {
        rows: rows.len() as u64,
        elapsed: start.elapsed(),
    })
}

/// (b) Reads every row in `seq` order and decodes its `data` into a `serde_json::Value`.
pub fn raw_read_decode(conn: &Connection) -> rusqlite::Result<Throughput> {
    let start = Instant::now();
    let mut st = conn.prepare(
        "SELECT seq, at, kind, v, account, model, request, data FROM events ORDER BY seq",
    )?;
    let mut rows = st.query([])?;
    let (mut n, mut fields) = (0u64, 0usize);
    while let Some(row) = rows.next()? {
        let data = row.get_ref(7)?.as_str()?;
        let v: serde_json::Value = serde_json::from_str(data).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, Box::new(e))
        })?;
        // Touch the other columns and the decoded value so nothing is optimized away.
        fields += row.get_ref(1)?.as_str()?.len() + row.get_ref(2)?.as_str()?.len();
        fields += v.as_object().map_or(0, |o| o.len());
        n += 1;
    }
    std::hint::black_box(fields);
    Ok(Throughput {
        rows: n,
        elapsed: start.elapsed(),
    })
}

/// (c) The least a selector can do: per (account, model) a `blocked_until`, per model a cursor;
/// a pick walks from the cursor to the first unblocked account.
pub struct RoundRobinTable {
    accounts: usize,
    blocked_until: Vec<i64>,
    cursor: Vec<usize>,
    /// Model name → row, because a real `select` is asked by name, not by index.
    names: std::collections::HashMap<Box<str>, usize>,
}

impl RoundRobinTable {
    /// About one cell in ten is blocked far into the future, so picks skip some.
    pub fn new(accounts: usize, models: usize, seed: u64) -> Self {
        let accounts = accounts.max(1);
        let mut x = seed | 1;
        let blocked_until = (0..accounts * models.max(1))
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if x.is_multiple_of(10) {
                    i64::MAX
                } else {
                    0
                }
            })
            .collect();
        RoundRobinTable {
            accounts,
            blocked_until,
            cursor: vec![0; models.max(1)],
            names: (0..models.max(1))
                .map(|j| (super::events::model_name(j).into_boxed_str(), j))
                .collect(),
        }
    }

    /// Like [`pick`](Self::pick) for a model name (`events::model_name`): one hash lookup more.
    pub fn pick_named(&mut self, model: &str, now_ms: i64) -> Option<usize> {
        let m = *self.names.get(model)?;
        self.pick(m, now_ms)
    }

    pub fn models(&self) -> usize {
        self.cursor.len()
    }

    /// The next unblocked account for `model` at `now_ms`, advancing the model's cursor.
    pub fn pick(&mut self, model: usize, now_ms: i64) -> Option<usize> {
        let m = model % self.cursor.len();
        let row = &self.blocked_until[m * self.accounts..(m + 1) * self.accounts];
        let c = self.cursor[m];
        for k in 0..self.accounts {
            let a = (c + k) % self.accounts;
            if row[a] <= now_ms {
                self.cursor[m] = a + 1;
                return Some(a);
            }
        }
        None
    }
}

/// Median ns per pick by model name over `batches` batches of `per_batch` picks, cycling
/// through the models.
pub fn round_robin_pick_ns(
    accounts: usize,
    models: usize,
    batches: usize,
    per_batch: usize,
) -> f64 {
    let mut t = RoundRobinTable::new(accounts, models, 42);
    let names: Vec<String> = (0..models.max(1)).map(super::events::model_name).collect();
    let mut per_pick: Vec<f64> = Vec::with_capacity(batches.max(1));
    let mut i = 0usize;
    for _ in 0..batches.max(1) {
        let start = Instant::now();
        for _ in 0..per_batch.max(1) {
            i = i.wrapping_add(1);
            let name = std::hint::black_box(names[i % names.len()].as_str());
            std::hint::black_box(t.pick_named(name, 1_000));
        }
        per_pick.push(start.elapsed().as_nanos() as f64 / per_batch.max(1) as f64);
    }
    per_pick.sort_by(|a, b| a.total_cmp(b));
    per_pick[per_pick.len() / 2]
}

/// All three baselines on the same rows, as `rotor bench` prints them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BaselineReport {
    pub rows: u64,
    pub insert_rows_per_s: f64,
    pub read_decode_rows_per_s: f64,
    pub round_robin_pick_ns: f64,
}

/// Runs (a), (b) and (c): inserts `rows` into a fresh `dir/baseline.db`, reads it back, and
/// picks over an `accounts × models` table.
pub fn run(
    dir: &Path,
    rows: &[RawRow],
    batch: usize,
    accounts: usize,
    models: usize,
) -> rusqlite::Result<BaselineReport> {
    let path = dir.join("baseline.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let mut conn = open(&path)?;
    let insert = raw_insert(&mut conn, rows, batch)?;
    let read = raw_read_decode(&conn)?;
    Ok(BaselineReport {
        rows: insert.rows,
        insert_rows_per_s: insert.per_s(),
        read_decode_rows_per_s: read.per_s(),
        round_robin_pick_ns: round_robin_pick_ns(accounts, models, 31, 10_000),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::events::{generate, MixConfig};
    use crate::bench::rows::to_rows;

    #[test]
    fn baselines_insert_and_read_every_row() {
        let dir = std::env::temp_dir().join(format!("rotor-baseline-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let rows = to_rows(&generate(&MixConfig::new(10, 3, 1), 1_000));
        let r = run(&dir, &rows, 300, 50, 4).unwrap();
        assert_eq!(r.rows, rows.len() as u64);
        assert!(
            r.insert_rows_per_s > 0.0
                && r.read_decode_rows_per_s > 0.0
                && r.round_robin_pick_ns > 0.0
        );
        let conn = open(&dir.join("baseline.db")).unwrap();
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM events WHERE json_extract(data, '$.kind') = kind",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n as usize, rows.len());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn round_robin_rotates_and_skips_blocked() {
        let mut t = RoundRobinTable::new(10, 2, 3);
        let picks: Vec<_> = (0..20).filter_map(|_| t.pick(0, 0)).collect();
        assert!(picks.windows(2).all(|w| w[0] != w[1]));
        let mut all_blocked = RoundRobinTable::new(3, 1, 3);
        all_blocked
            .blocked_until
            .iter_mut()
            .for_each(|b| *b = i64::MAX);
        assert_eq!(all_blocked.pick(0, 0), None);
        assert!(t.pick_named("claude-opus-4-1", 0).is_some());
        assert_eq!(t.pick_named("no-such-model", 0), None);
    }
}

//! The engine side of SPEC §10, measured on the same shapes as the baselines in `baseline`:
//! `select` latency and 1- vs 2-thread throughput, `select`+`report` until durable, folding a
//! log into projections, and opening a log from a checkpoint. Shared by `rotor bench` and the
//! criterion benches; nothing here prints.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::params;

use super::baseline::Throughput;
use super::events::model_name;
use crate::engine::checkpoint;
use crate::parse::Headers;
use crate::state::State;
use crate::store::{self, Unknown};
use crate::time::Timestamp;
use crate::{Engine, NewAccount, Outcome, Provider, Result, SelectOpts};

/// The provider every bench account belongs to: one provider, so a `select` sees all of them.
pub const PROVIDER: Provider = Provider::Openai;

/// An engine (in memory, or on `path`) holding `accounts` API-key accounts of [`PROVIDER`].
/// With `block_every > 0`, about one (account, model) cell in `block_every` is put under an
/// hour's rate-limit block at `at`: with 10, the very cells the round-robin baseline blocks.
pub fn engine_with_accounts(
    path: Option<&Path>,
    accounts: usize,
    models: usize,
    at: Timestamp,
    block_every: usize,
) -> Result<(Engine, Vec<String>)> {
    let engine = match path {
        Some(p) => Engine::open(p)?,
        None => Engine::in_memory()?,
    };
    let names: Vec<String> = (0..models.max(1)).map(model_name).collect();
    let mut ids = Vec::with_capacity(accounts);
    for i in 0..accounts.max(1) {
        let label = format!("bench-{i:05}");
        let key = format!("sk-bench-{i:05}-0123456789abcdef");
        ids.push(engine.add_account(NewAccount::api_key(PROVIDER, &label, &key))?);
    }
    if block_every > 0 {
        let mut headers = Headers::new();
        headers.insert("retry-after", "3600");
        let body = br#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#;
        // The baseline's xorshift over its model-major table, so the same cells are blocked.
        let mut x = 42u64 | 1;
        let cells = names.iter().flat_map(|m| ids.iter().map(move |a| (*a, m)));
        for (account, model) in cells {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if x.is_multiple_of(block_every as u64) {
                let outcome = Outcome::failure(429, headers.clone(), body.to_vec());
                engine.report_for(account, model, None, None, outcome, at, None)?;
            }
        }
    }
    engine.flush_blocking()?;
    Ok((engine, names))
}

/// Median ns per `select` over `batches` batches of `per_batch` calls, cycling through the
/// models, every decision made (and recorded) as of `at`.
pub fn select_median_ns(
    engine: &Engine,
    names: &[String],
    at: Timestamp,
    batches: usize,
    per_batch: usize,
) -> f64 {
    let opts = SelectOpts {
        at: Some(at),
        ..Default::default()
    };
    let mut per_call = Vec::with_capacity(batches.max(1));
    let mut i = 0usize;
    for _ in 0..batches.max(1) {
        let start = Instant::now();
        for _ in 0..per_batch.max(1) {
            i = i.wrapping_add(1);
            let name = std::hint::black_box(names[i % names.len()].as_str());
            let _ = std::hint::black_box(engine.select(PROVIDER, name, &opts));
        }
        per_call.push(start.elapsed().as_nanos() as f64 / per_batch.max(1) as f64);
        // Let the writer drain between batches so its queue does not grow without bound.
        let _ = engine.flush_blocking();
    }
    per_call.sort_by(|a, b| a.total_cmp(b));
    per_call[per_call.len() / 2]
}

/// Total `select` calls per second with `threads` threads calling for `run_for`, each asking
/// for models in its own pseudo-random order (as independent requests would), while the log
/// writer is held: it would otherwise take one of the cores measured (on a 2-core machine, a
/// third busy thread), and this figure is about the in-memory structure. The queued events are
/// committed afterwards.
pub fn select_throughput(
    engine: &Engine,
    names: &[String],
    at: Timestamp,
    threads: usize,
    run_for: Duration,
) -> f64 {
    let opts = SelectOpts {
        at: Some(at),
        ..Default::default()
    };
    let hold = engine.hold_writer();
    let start = Instant::now();
    let total: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|t| {
                let opts = &opts;
                s.spawn(move || {
                    let (mut n, mut x) = (0u64, 0x9E37_79B9_7F4A_7C15u64 ^ (t as u64 + 1));
                    while start.elapsed() < run_for {
                        for _ in 0..256 {
                            x ^= x << 13;
                            x ^= x >> 7;
                            x ^= x << 17;
                            let name = &names[(x % names.len() as u64) as usize];
                            let _ = std::hint::black_box(engine.select(PROVIDER, name, opts));
                        }
                        n += 256;
                    }
                    n
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    let elapsed = start.elapsed();
    drop(hold);
    let _ = engine.flush_blocking();
    total as f64 / elapsed.as_secs_f64().max(1e-9)
}

/// `requests` × (`select` + successful `report`) on `engine`, timed until `flush` returns:
/// the events are durable when the clock stops. Returns events appended.
pub fn append(engine: &Engine, names: &[String], requests: usize) -> Result<Throughput> {
    let opts = SelectOpts::default();
    let before = engine.with_state(|s| s.last_seq.get());
    let start = Instant::now();
    for i in 0..requests {
        if let Ok(lease) = engine.select(PROVIDER, &names[i % names.len()], &opts) {
            engine.report(&lease, Outcome::success())?;
        }
    }
    engine.flush_blocking()?;
    let elapsed = start.elapsed();
    let rows = engine.with_state(|s| s.last_seq.get()) - before;
    Ok(Throughput { rows, elapsed })
}

/// Folds the log at `path` from seq 1 (read + decode + `State::apply`), ignoring checkpoints.
pub fn fold(path: &Path) -> Result<(State, Throughput)> {
    let conn = store::open_read_only(path)?;
    let mut state = State::default();
    let start = Instant::now();
    let rows = checkpoint::fold_onto(&conn, &mut state, Unknown::Fail)?;
    Ok((
        state,
        Throughput {
            rows,
            elapsed: start.elapsed(),
        },
    ))
}

/// Stores a checkpoint of the log at `path` as of `seq` (folding up to it), the way the engine
/// does every `CHECKPOINT_EVERY` events. Returns the checkpoint's size in bytes.
pub fn write_checkpoint_at(path: &Path, seq: u64) -> Result<usize> {
    let conn = rusqlite::Connection::open(path)?;
    let mut state = State::default();
    store::read::for_each_event(&conn, 0, Some(seq), Unknown::Fail, |rec| {
        state.apply(&rec);
        Ok(())
    })?;
    let bytes = checkpoint::encode(&state).unwrap_or_default();
    conn.execute(
        "INSERT OR REPLACE INTO checkpoints (seq, data) VALUES (?1, ?2)",
        params![state.last_seq.get() as i64, bytes],
    )?;
    Ok(bytes.len())
}

/// Time to turn the log at `path` into projections the way `Engine::open` does (newest
/// checkpoint, then the tail), and what was folded.
pub fn open_projections(path: &Path) -> Result<(Duration, checkpoint::Loaded)> {
    let start = Instant::now();
    let conn = store::open_read_only(path)?;
    let (state, loaded) = checkpoint::load_state(&conn, Unknown::Fail)?;
    std::hint::black_box(&state);
    Ok((start.elapsed(), loaded))
}

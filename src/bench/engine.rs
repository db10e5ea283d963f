//! The engine side of `rotor bench`, measured on the same shapes as the baselines in
//! `baseline`: `select` latency and 1- vs 2-thread throughput, `select`+`report` until durable,
//! folding a log into projections, and opening a log from a checkpoint. Shared by `rotor bench`
//! and the criterion benches; nothing here prints.

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
                engine.report_for(crate::ReportFor::new(account, model, at), outcome)?;
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
    let start = Instant::now();
    let (calls, elapsed) = select_threads(engine, names, at, threads, |n| {
        if n == 0 || start.elapsed() < run_for {
            256
        } else {
            0
        }
    });
    calls as f64 / elapsed.as_secs_f64().max(1e-9)
}

/// `calls` selections split over `threads` threads (as [`select_throughput`] makes them):
/// the wall time they took.
pub fn select_parallel(
    engine: &Engine,
    names: &[String],
    at: Timestamp,
    threads: usize,
    calls: u64,
) -> Duration {
    let per_thread = calls.div_ceil(threads.max(1) as u64);
    select_threads(engine, names, at, threads, |n| (per_thread - n).min(256)).1
}

/// Runs `threads` threads of `select`, each in batches of `batch(calls so far)` until that is
/// 0, with the writer held; returns the calls made and the wall time.
fn select_threads(
    engine: &Engine,
    names: &[String],
    at: Timestamp,
    threads: usize,
    batch: impl Fn(u64) -> u64 + Sync,
) -> (u64, Duration) {
    let opts = SelectOpts {
        at: Some(at),
        ..Default::default()
    };
    let hold = engine.hold_writer();
    let start = Instant::now();
    let total: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|t| {
                let (opts, batch) = (&opts, &batch);
                s.spawn(move || {
                    let (mut n, mut x) = (0u64, 0x9E37_79B9_7F4A_7C15u64 ^ (t as u64 + 1));
                    loop {
                        let size = batch(n);
                        if size == 0 {
                            break;
                        }
                        for _ in 0..size {
                            x ^= x << 13;
                            x ^= x >> 7;
                            x ^= x << 17;
                            let name = &names[(x % names.len() as u64) as usize];
                            let _ = std::hint::black_box(engine.select(PROVIDER, name, opts));
                        }
                        n += size;
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
    (total, elapsed)
}

/// `select` throughput with 1 and with 2 threads: `rounds` alternating runs of each, every
/// run `run_for` long, and the median of each (a run caught by a checkpoint copy or by the
/// machine's other work does not decide the figure).
pub fn select_scaling(
    engine: &Engine,
    names: &[String],
    at: Timestamp,
    rounds: usize,
    run_for: Duration,
) -> (f64, f64) {
    let (mut one, mut two) = (Vec::new(), Vec::new());
    for _ in 0..rounds.max(1) {
        one.push(select_throughput(engine, names, at, 1, run_for));
        two.push(select_throughput(engine, names, at, 2, run_for));
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    (median(one), median(two))
}

/// `requests` × (`select` + successful `report`) on `engine`, timed until `flush` returns:
/// the events are durable when the clock stops. Returns events appended.
pub fn append(engine: &Engine, names: &[String], requests: usize) -> Result<Throughput> {
    let opts = SelectOpts::default();
    let before = engine.last_seq();
    let start = Instant::now();
    for i in 0..requests {
        if let Ok(lease) = engine.select(PROVIDER, &names[i % names.len()], &opts) {
            engine.report(&lease, Outcome::success())?;
        }
    }
    engine.flush_blocking()?;
    let elapsed = start.elapsed();
    let rows = engine.last_seq() - before;
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
        params![state.last_seq as i64, bytes],
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

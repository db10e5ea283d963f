//! One `rotor bench` run: every performance figure measured next to its baseline in the same
//! process, on temp files removed afterwards. `BenchReport` serializes to the `bench --json`
//! fields the README documents (plus extras); `table` is the human form.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::{baseline, engine as eng, events, rows};
use crate::{store, Engine, Result};

/// What to measure, and how much of it.
#[derive(Clone, Debug)]
pub struct BenchConfig {
    pub accounts: usize,
    pub models: usize,
    /// Events in the log that is folded and opened from a checkpoint.
    pub log_events: usize,
    /// Events appended through `select` + `report` (two per request).
    pub append_events: usize,
    pub select_batches: usize,
    pub select_per_batch: usize,
    /// Alternating 1- and 2-thread `select` runs, and how long each lasts.
    pub throughput_rounds: usize,
    pub throughput_for: Duration,
}

impl BenchConfig {
    /// The full run (`quick`: a smaller one that stays well under 30 s in release).
    pub fn new(quick: bool) -> Self {
        BenchConfig {
            accounts: 1_000,
            models: 20,
            log_events: if quick { 300_000 } else { 2_000_000 },
            append_events: if quick { 200_000 } else { 1_000_000 },
            select_batches: if quick { 31 } else { 101 },
            select_per_batch: 2_000,
            throughput_rounds: if quick { 5 } else { 9 },
            throughput_for: Duration::from_millis(if quick { 120 } else { 200 }),
        }
    }
}

/// The figures, each beside its baseline. Field names are the `--json` contract.
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    pub accounts: usize,
    pub models: usize,
    pub select_median_ns: f64,
    pub select_round_robin_ns: f64,
    pub select_1_thread_per_s: f64,
    pub select_2_threads_per_s: f64,
    pub append_events: u64,
    pub append_events_per_s: f64,
    pub append_raw_events_per_s: f64,
    pub log_events: u64,
    pub fold_events_per_s: f64,
    pub fold_raw_events_per_s: f64,
    /// Serialized projection size (checkpoint JSON) divided by accounts × models.
    pub state_bytes_per_account_model: f64,
    pub checkpoint_bytes: usize,
    /// Events folded after the checkpoint when opening the log.
    pub checkpoint_tail_events: u64,
    pub open_with_checkpoint_ms: f64,
    pub open_from_seq1_ms: f64,
}

/// A private scratch directory under the system temp dir, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir = std::env::temp_dir().join(format!("rotor-bench-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs every measurement; `progress` hears what is being measured.
pub fn run(cfg: &BenchConfig, mut progress: impl FnMut(&str)) -> Result<BenchReport> {
    let scratch = Scratch::new()?;
    let dir = scratch.0.as_path();
    let mix = events::MixConfig::new(cfg.accounts, cfg.models, 42);
    let at = mix.start;

    progress("select");
    let (engine, names) = eng::engine_with_accounts(None, cfg.accounts, cfg.models, at, 10)?;
    let select_median_ns = eng::select_median_ns(
        &engine,
        &names,
        at,
        cfg.select_batches,
        cfg.select_per_batch,
    );
    let (one, two) = eng::select_scaling(
        &engine,
        &names,
        at,
        cfg.throughput_rounds,
        cfg.throughput_for,
    );
    drop(engine);
    let select_round_robin_ns = baseline::round_robin_pick_ns(
        cfg.accounts,
        cfg.models,
        cfg.select_batches,
        cfg.select_per_batch,
    );

    progress("append");
    let append_path = dir.join("append.db");
    let (engine, names) =
        eng::engine_with_accounts(Some(&append_path), cfg.accounts, cfg.models, at, 0)?;
    let append = eng::append(&engine, &names, cfg.append_events / 2)?;
    drop(engine);
    // The raw baseline inserts the very rows the engine wrote, into a fresh file, once the
    // engine's writes are on disk (their writeback must not slow the baseline down).
    let append_rows = rows::to_rows(&store::read::all_events(
        &store::open_read_only(&append_path)?,
        store::Unknown::Fail,
    )?);
    for suffix in ["", "-wal"] {
        if let Ok(f) = std::fs::File::open(format!("{}{suffix}", append_path.display())) {
            f.sync_all()?;
        }
    }
    let raw_path = dir.join("raw.db");
    let mut raw_conn = baseline::open(&raw_path)?;
    let raw_insert = baseline::raw_insert(&mut raw_conn, &append_rows, 8_192)?;
    drop((raw_conn, append_rows));

    progress("fold");
    let log_path = dir.join("log.db");
    let log_rows = build_log(&log_path, &mix, cfg.log_events)?;
    let raw_read = baseline::raw_read_decode(&store::open_read_only(&log_path)?)?;
    let (state, fold) = eng::fold(&log_path)?;
    let state_json = crate::engine::checkpoint::encode(&state).unwrap_or_default();
    let cells = (cfg.accounts * cfg.models).max(1) as f64;

    progress("checkpoint");
    let (open_from_seq1, _) = eng::open_projections(&log_path)?;
    // The worst case the engine leaves: a checkpoint just under CHECKPOINT_EVERY events back.
    let tail = crate::engine::checkpoint::CHECKPOINT_EVERY.min(log_rows / 2);
    let checkpoint_bytes = eng::write_checkpoint_at(&log_path, log_rows - tail)?;
    let (open_cp, loaded) = eng::open_projections(&log_path)?;

    Ok(BenchReport {
        accounts: cfg.accounts,
        models: cfg.models,
        select_median_ns,
        select_round_robin_ns,
        select_1_thread_per_s: one,
        select_2_threads_per_s: two,
        append_events: append.rows,
        append_events_per_s: append.per_s(),
        append_raw_events_per_s: raw_insert.per_s(),
        log_events: fold.rows,
        fold_events_per_s: fold.per_s(),
        fold_raw_events_per_s: raw_read.per_s(),
        state_bytes_per_account_model: state_json.len() as f64 / cells,
        checkpoint_bytes,
        checkpoint_tail_events: loaded.folded,
        open_with_checkpoint_ms: open_cp.as_secs_f64() * 1e3,
        open_from_seq1_ms: open_from_seq1.as_secs_f64() * 1e3,
    })
}

/// A rotor log of about `events` generated events: created by the engine (schema, migrations),
/// filled with raw batched inserts, since generating is not what is measured. Returns its rows.
const CHUNK: usize = 100_000;

fn build_log(path: &Path, mix: &events::MixConfig, events: usize) -> Result<u64> {
    drop(Engine::open(path)?);
    let requests = events.saturating_sub(mix.accounts) / 2;
    let mut conn = baseline::open(path)?;
    let (mut written, mut chunk) = (0u64, Vec::with_capacity(CHUNK));
    let mut failed = None;
    // In chunks, so the events of a large log never sit in memory all at once.
    let mut flush = |chunk: &mut Vec<rows::RawRow>| {
        if failed.is_none() && !chunk.is_empty() {
            match baseline::raw_insert(&mut conn, chunk, 8_192) {
                Ok(t) => written += t.rows,
                Err(e) => failed = Some(e),
            }
        }
        chunk.clear();
    };
    events::generate_each(mix, requests, |r| {
        chunk.push(rows::RawRow::from_record(&r));
        if chunk.len() == CHUNK {
            flush(&mut chunk);
        }
    });
    flush(&mut chunk);
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(written),
    }
}

/// The human table: figure, baseline, ratio.
pub fn table(r: &BenchReport) -> String {
    let mut out = format!(
        "rotor bench: {} accounts x {} models (one provider)\n\n{:<34} {:>14} {:>14} {:>8}\n",
        r.accounts, r.models, "figure", "rotor", "baseline", "ratio"
    );
    let mut row = |name: &str, v: f64, base: Option<f64>, unit: &str| {
        let (b, ratio) = match base {
            Some(b) => (
                format!("{} {unit}", human(b)),
                format!("{:.2}", v / b.max(1e-9)),
            ),
            None => ("-".into(), "-".into()),
        };
        out.push_str(&format!(
            "{name:<34} {:>14} {b:>14} {ratio:>8}\n",
            format!("{} {unit}", human(v))
        ));
    };
    row(
        "select median (vs round robin)",
        r.select_median_ns,
        Some(r.select_round_robin_ns),
        "ns",
    );
    row(
        "select 2 threads (vs 1 thread)",
        r.select_2_threads_per_s,
        Some(r.select_1_thread_per_s),
        "/s",
    );
    row(
        "append select+report -> durable",
        r.append_events_per_s,
        Some(r.append_raw_events_per_s),
        "ev/s",
    );
    row(
        "fold log -> projections",
        r.fold_events_per_s,
        Some(r.fold_raw_events_per_s),
        "ev/s",
    );
    row(
        "open with checkpoint (vs seq 1)",
        r.open_with_checkpoint_ms,
        Some(r.open_from_seq1_ms),
        "ms",
    );
    row(
        "state per (account, model)",
        r.state_bytes_per_account_model,
        Some(2048.0),
        "B",
    );
    out.push_str(&format!(
        "\nappend: {} events; fold: {} events; checkpoint: {} bytes, {} tail events folded\n",
        r.append_events, r.log_events, r.checkpoint_bytes, r.checkpoint_tail_events
    ));
    out
}

/// 1234567.0 → "1.23M": figures to three significant digits.
fn human(v: f64) -> String {
    let (x, s) = match v.abs() {
        a if a >= 1e9 => (v / 1e9, "G"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e4 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    if x.abs() >= 100.0 {
        format!("{x:.0}{s}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}{s}")
    } else {
        format!("{x:.2}{s}")
    }
}

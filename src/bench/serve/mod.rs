//! `rotor bench --serve`: `select` + `report` pairs over loopback HTTP with keep-alive, from a
//! load generator of a few connections in this process (`http`), beside the same pairs through
//! the library in the same run (`library`). A benchmark, never a test: it prints figures.
//! What is measured and the report live here; each side in its own file.

mod http;
mod library;

use std::time::Duration;

use serde::Serialize;

use crate::{Engine, NewAccount, Provider, Result};

/// What to measure.
#[derive(Clone, Debug)]
pub struct ServeBenchConfig {
    /// Accounts registered for the run.
    pub accounts: usize,
    /// Models the requests spread over.
    pub models: usize,
    /// Keep-alive connections of the load generator.
    pub connections: usize,
    /// Threads driving the library.
    pub threads: usize,
    /// How long each side is measured (after a warm-up of a fifth of it).
    pub duration: Duration,
}

impl ServeBenchConfig {
    /// The default run; `quick` measures 2 s per side instead of 5 s.
    pub fn new(quick: bool) -> Self {
        ServeBenchConfig {
            accounts: 100,
            models: 10,
            connections: 4,
            threads: 2,
            duration: Duration::from_secs(if quick { 2 } else { 5 }),
        }
    }
}

/// One side's figures.
#[derive(Clone, Debug, Serialize)]
pub struct PairFigures {
    /// Select/report pairs completed.
    pub pairs: u64,
    /// Pairs per second of wall time.
    pub pairs_per_s: f64,
    /// Median `select` latency, in microseconds.
    pub select_p50_us: f64,
    /// 99th-percentile `select` latency, in microseconds.
    pub select_p99_us: f64,
    /// Processor time of the whole process (callers, server, log writer) per pair: what the
    /// pairs cost whatever else the machine was running.
    pub cpu_us_per_pair: f64,
}

/// What `rotor bench --serve` measured: the same load over HTTP and through the library.
#[derive(Clone, Debug, Serialize)]
pub struct ServeBenchReport {
    /// Accounts registered.
    pub accounts: usize,
    /// Models the requests spread over.
    pub models: usize,
    /// Keep-alive connections of the HTTP load generator.
    pub connections: usize,
    /// Threads driving the library.
    pub threads: usize,
    /// Figures of the HTTP side (`rotor serve`).
    pub http: PairFigures,
    /// Figures of the library side (the engine called in-process).
    pub library: PairFigures,
}

/// Runs both sides on temp logs and returns the figures.
pub fn run(cfg: &ServeBenchConfig) -> Result<ServeBenchReport> {
    let dir = tempdir()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let http = rt.block_on(http::side(cfg, &dir.0.join("serve.db")));
    let library = library::side(cfg, &dir.0.join("library.db"));
    Ok(ServeBenchReport {
        accounts: cfg.accounts,
        models: cfg.models,
        connections: cfg.connections,
        threads: cfg.threads,
        http: http?,
        library: library?,
    })
}

pub(super) fn engine_with_accounts(
    path: &std::path::Path,
    cfg: &ServeBenchConfig,
) -> Result<Engine> {
    let engine = Engine::open(path)?;
    for i in 0..cfg.accounts {
        let key = format!("sk-bench-{i:06}-0123456789abcdef");
        engine.add_account(NewAccount::api_key(
            Provider::Openai,
            &format!("bench-{i}"),
            &key,
        ))?;
    }
    Ok(engine)
}

pub(super) fn model(i: usize, cfg: &ServeBenchConfig) -> String {
    format!("bench-model-{}", i % cfg.models.max(1))
}

/// The human table.
pub fn table(r: &ServeBenchReport) -> String {
    let row = |name: String, f: &PairFigures| {
        format!(
            "{name:<28} {:>10.0} {:>14.1} {:>14.1} {:>14.1}\n",
            f.pairs_per_s, f.select_p50_us, f.select_p99_us, f.cpu_us_per_pair
        )
    };
    let head = format!(
        "{:<28} {:>10} {:>14} {:>14} {:>14}\n",
        "", "pairs/s", "select p50 µs", "select p99 µs", "CPU µs/pair"
    );
    format!(
        "select + report pairs, {} accounts x {} models\n{head}{}{}",
        r.accounts,
        r.models,
        row(format!("HTTP, {} keep-alive conns", r.connections), &r.http),
        row(format!("library, {} threads", r.threads), &r.library),
    )
}

/// A scratch directory removed on drop.
struct TempDir(std::path::PathBuf);

fn tempdir() -> Result<TempDir> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let dir =
        std::env::temp_dir().join(format!("rotor-serve-bench-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(TempDir(dir))
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

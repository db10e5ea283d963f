//! The library side of `rotor bench --serve`: the same `select` + `report` pairs on a few threads
//! calling the engine in-process, and the arithmetic both sides share (percentiles, processor
//! time per pair).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{engine_with_accounts, model, PairFigures, ServeBenchConfig};
use crate::{Error, Outcome, Provider, Result, SelectOpts};

/// The same pairs through the library: `threads` threads selecting and reporting success.
pub(super) fn side(cfg: &ServeBenchConfig, db: &std::path::Path) -> Result<PairFigures> {
    let engine = engine_with_accounts(db, cfg)?;
    let measuring = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..cfg.threads)
        .map(|t| {
            let (engine, measuring, done, cfg) =
                (engine.clone(), measuring.clone(), done.clone(), cfg.clone());
            std::thread::spawn(move || {
                let mut latencies = Vec::with_capacity(1 << 20);
                let mut i = t;
                let opts = SelectOpts::default();
                while !done.load(Ordering::Relaxed) {
                    let m = model(i, &cfg);
                    i += 1;
                    let started = Instant::now();
                    let lease = engine.select(Provider::Openai, &m, &opts);
                    let took = started.elapsed();
                    if let Ok(lease) = lease {
                        let _ = engine.report(&lease, Outcome::success());
                    }
                    if measuring.load(Ordering::Relaxed) {
                        latencies.push(took.as_nanos() as u64);
                    }
                }
                latencies
            })
        })
        .collect();
    std::thread::sleep(cfg.duration / 5);
    measuring.store(true, Ordering::Relaxed);
    let (started, cpu) = (Instant::now(), process_cpu());
    std::thread::sleep(cfg.duration);
    done.store(true, Ordering::Relaxed);
    let (elapsed, cpu) = (started.elapsed(), process_cpu().saturating_sub(cpu));
    let mut latencies = Vec::new();
    for w in workers {
        latencies.extend(
            w.join()
                .map_err(|_| Error::Io(std::io::Error::other("a bench thread panicked")))?,
        );
    }
    engine.flush_blocking()?;
    Ok(figures(latencies, elapsed, cpu))
}

/// User + system time of this process so far (Linux `/proc/self/stat`, in 1/100 s; zero
/// elsewhere).
pub(super) fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, r)| r)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

pub(super) fn figures(mut latencies: Vec<u64>, elapsed: Duration, cpu: Duration) -> PairFigures {
    latencies.sort_unstable();
    let pct = |p: f64| {
        if latencies.is_empty() {
            return 0.0;
        }
        let i = ((latencies.len() as f64 * p) as usize).min(latencies.len() - 1);
        latencies[i] as f64 / 1000.0
    };
    PairFigures {
        pairs: latencies.len() as u64,
        pairs_per_s: latencies.len() as f64 / elapsed.as_secs_f64(),
        select_p50_us: pct(0.50),
        select_p99_us: pct(0.99),
        cpu_us_per_pair: cpu.as_secs_f64() * 1e6 / latencies.len().max(1) as f64,
    }
}

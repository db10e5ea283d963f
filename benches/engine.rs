//! Criterion benches of the engine next to their baselines, on the same shapes:
//! `select` vs a bare round-robin pick (1,000 accounts × 20 models), `select`+`report` →
//! durable vs raw batched inserts, and folding a log vs a raw read + serde_json decode.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rotor::bench::baseline::{self, RoundRobinTable};
use rotor::bench::engine as eng;
use rotor::bench::events::{generate, model_name, MixConfig};
use rotor::bench::rows::to_rows;
use rotor::{Engine, SelectOpts};

const ACCOUNTS: usize = 1_000;
const MODELS: usize = 20;
const REQUESTS: usize = 50_000;

fn select(c: &mut Criterion) {
    let mix = MixConfig::new(ACCOUNTS, MODELS, 42);
    let (engine, names) =
        eng::engine_with_accounts(None, ACCOUNTS, MODELS, mix.start, 10).expect("engine");
    let opts = SelectOpts {
        at: Some(mix.start),
        ..Default::default()
    };
    let mut g = c.benchmark_group("select_1000x20");
    g.throughput(Throughput::Elements(1));
    let mut i = 0usize;
    g.bench_function("engine_select", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            let r = engine.select(
                eng::PROVIDER,
                std::hint::black_box(&names[i % MODELS]),
                &opts,
            );
            // Keep the writer's queue short, as a live service's would be.
            if i.is_multiple_of(4_096) {
                let _ = engine.flush_blocking();
            }
            r
        })
    });
    let mut table = RoundRobinTable::new(ACCOUNTS, MODELS, 42);
    let rr_names: Vec<String> = (0..MODELS).map(model_name).collect();
    g.bench_function("baseline_round_robin_named", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            table.pick_named(std::hint::black_box(&rr_names[i % MODELS]), 1_000)
        })
    });
    g.finish();
}

/// `select` throughput with 1 and 2 threads (the log writer held while timed, so it does not
/// take one of the cores): per-element time halves when `select` scales.
fn select_threads(c: &mut Criterion) {
    let mix = MixConfig::new(ACCOUNTS, MODELS, 42);
    let (engine, names) =
        eng::engine_with_accounts(None, ACCOUNTS, MODELS, mix.start, 10).expect("engine");
    eng::select_median_ns(&engine, &names, mix.start, 5, 20_000);
    let mut g = c.benchmark_group("select_threads_1000x20");
    g.throughput(Throughput::Elements(1));
    for threads in [1, 2] {
        g.bench_function(format!("engine_select_{threads}_threads"), |b| {
            b.iter_custom(|iters| eng::select_parallel(&engine, &names, mix.start, threads, iters))
        });
    }
    g.finish();
}

fn append_and_fold(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mix = MixConfig::new(ACCOUNTS, MODELS, 42);
    let rows = to_rows(&generate(&mix, REQUESTS));

    let mut g = c.benchmark_group("log");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(2 * REQUESTS as u64));
    let path = dir.path().join("append.db");
    let (engine, names) =
        eng::engine_with_accounts(Some(&path), ACCOUNTS, MODELS, mix.start, 0).expect("engine");
    // One engine whose log grows across iterations (a service's does too); `rotor bench`
    // compares it with a raw insert of the very rows it wrote, this bench with generated ones.
    g.bench_function("engine_select_report_durable", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    eng::append(&engine, &names, REQUESTS)
                        .expect("append")
                        .elapsed
                })
                .sum()
        })
    });
    drop(engine);
    g.bench_function("baseline_raw_insert", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for i in 0..iters {
                let p = dir.path().join(format!("raw-{i}.db"));
                let mut conn = baseline::open(&p).expect("open");
                total += baseline::raw_insert(&mut conn, &rows, 8_192)
                    .expect("insert")
                    .elapsed;
                drop(conn);
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
                }
            }
            total
        })
    });

    // One log for both readers: created by the engine, filled with the generated rows.
    let log = dir.path().join("log.db");
    drop(Engine::open(&log).expect("create log"));
    let mut conn = baseline::open(&log).expect("open log");
    baseline::raw_insert(&mut conn, &rows, 8_192).expect("fill log");
    g.throughput(Throughput::Elements(rows.len() as u64));
    g.bench_function("engine_fold", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| eng::fold(&log).expect("fold").1.elapsed)
                .sum()
        })
    });
    g.bench_function("baseline_raw_read_decode", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| baseline::raw_read_decode(&conn).expect("read").elapsed)
                .sum()
        })
    });
    g.finish();
}

criterion_group!(benches, select, select_threads, append_and_fold);
criterion_main!(benches);

//! Criterion benches of the performance baselines: raw batched rusqlite inserts of generated event
//! rows, a raw read + `serde_json::Value` decode of the same log, and a bare round-robin pick over
//! 1,000 accounts × 20 models. The engine benches (select / report / fold) go next to these.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rotor::bench::baseline::{open, raw_insert, raw_read_decode, RoundRobinTable};
use rotor::bench::events::{generate, MixConfig};
use rotor::bench::rows::to_rows;

const ACCOUNTS: usize = 1_000;
const MODELS: usize = 20;
/// Requests generated; the log holds about twice as many events plus the account_added rows.
const REQUESTS: usize = 50_000;

fn baselines(c: &mut Criterion) {
    let rows = to_rows(&generate(&MixConfig::new(ACCOUNTS, MODELS, 42), REQUESTS));
    let dir = tempfile::tempdir().expect("temp dir");

    let mut g = c.benchmark_group("baseline_log");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(rows.len() as u64));
    for batch in [1_000usize, 10_000] {
        g.bench_with_input(
            BenchmarkId::new("raw_insert", batch),
            &batch,
            |b, &batch| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for i in 0..iters {
                        // A fresh log each time: inserting into a growing table would drift.
                        let path = dir.path().join(format!("insert-{batch}-{i}.db"));
                        let mut conn = open(&path).expect("open log");
                        total += raw_insert(&mut conn, &rows, batch).expect("insert").elapsed;
                        drop(conn);
                        for suffix in ["", "-wal", "-shm"] {
                            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                        }
                    }
                    total
                })
            },
        );
    }
    let path = dir.path().join("read.db");
    let mut conn = open(&path).expect("open log");
    raw_insert(&mut conn, &rows, 10_000).expect("insert");
    g.bench_function("raw_read_decode", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| raw_read_decode(&conn).expect("read").elapsed)
                .sum()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("baseline_select");
    g.throughput(Throughput::Elements(1));
    let mut table = RoundRobinTable::new(ACCOUNTS, MODELS, 42);
    let mut i = 0usize;
    g.bench_function("round_robin_pick_1000x20", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            table.pick(std::hint::black_box(i % MODELS), 1_000)
        })
    });
    let names: Vec<String> = (0..MODELS).map(rotor::bench::events::model_name).collect();
    g.bench_function("round_robin_pick_named_1000x20", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            table.pick_named(std::hint::black_box(&names[i % MODELS]), 1_000)
        })
    });
    g.finish();
}

criterion_group!(benches, baselines);
criterion_main!(benches);

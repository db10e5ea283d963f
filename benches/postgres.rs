//! Appends/s through the PostgreSQL store next to raw batched inserts of the same rows into the
//! same server, printed side by side in one run. The server is `$ROTOR_BENCH_POSTGRES` (a URL
//! whose user may create databases), or one this bench starts with the test suite's harness.
//! Run: `cargo bench --bench postgres`.

#[path = "../tests/it/pg/harness.rs"]
#[allow(dead_code)]
mod harness;

use std::time::{Duration, Instant};

use rotor::bench::events::{generate, MixConfig};
use rotor::store::postgres::{Append, PgOptions, PgStore};
use rotor::store::EventRow;

const ROWS: usize = 40_000;
const ROUNDS: usize = 3;

/// A server to measure on: the given one (databases named per round), or our own.
enum Server {
    Given(String),
    Own(harness::PgServer),
}

impl Server {
    async fn fresh_db(&self, round: usize) -> String {
        match self {
            Server::Own(s) => s.fresh_db().await,
            Server::Given(url) => {
                let name = format!("rotor_bench_{}_{round}", std::process::id());
                harness::recreate_db(url, &name).await
            }
        }
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = match std::env::var("ROTOR_BENCH_POSTGRES") {
        Ok(url) => Server::Given(url),
        Err(_) => match harness::PgServer::start() {
            Some(s) => Server::Own(s),
            None => {
                eprintln!("no PostgreSQL: set ROTOR_BENCH_POSTGRES or install postgresql");
                return;
            }
        },
    };
    let records = generate(&MixConfig::new(1_000, 20, 42), ROWS / 2);
    let rows: Vec<EventRow> = records
        .iter()
        .take(ROWS)
        .map(EventRow::from_record)
        .collect();
    println!(
        "PostgreSQL appends: {} events of the generated mix, median of {ROUNDS} rounds",
        rows.len()
    );
    println!(
        "{:<12}{:>22}{:>22}{:>10}",
        "batch", "store append ev/s", "raw insert ev/s", "ratio"
    );
    for batch in [16usize, 256, 2_048] {
        let (mut store_rates, mut raw_rates) = (Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            rt.block_on(async {
                let url = server.fresh_db(round).await;
                let store = PgStore::open(&url, PgOptions::default()).await.unwrap();
                // Built before the clock starts: the raw path binds borrowed rows.
                let batches: Vec<Vec<Append>> = rows
                    .chunks(batch)
                    .map(|c| c.iter().map(|r| Append::event(r.clone(), None)).collect())
                    .collect();
                // Alternate which goes first, so neither always meets the other's checkpoint.
                for path in [round % 2, 1 - round % 2] {
                    let started = Instant::now();
                    if path == 0 {
                        for appends in &batches {
                            store.append(appends).await.unwrap();
                        }
                        store_rates.push(rate(rows.len(), started.elapsed()));
                    } else {
                        store.raw_batched_insert(&rows, batch).await.unwrap();
                        raw_rates.push(rate(rows.len(), started.elapsed()));
                    }
                }
            });
        }
        let (s, r) = (median(&mut store_rates), median(&mut raw_rates));
        println!("{batch:<12}{s:>22.0}{r:>22.0}{:>9.0}%", 100.0 * s / r);
    }
}

fn rate(n: usize, took: Duration) -> f64 {
    n as f64 / took.as_secs_f64()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

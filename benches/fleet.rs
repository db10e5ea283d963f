//! A fleet on one PostgreSQL log, each figure beside its baseline from the same run:
//! - appends/s through an engine on the log (`select` + success `report`, timed until `flush`
//!   returns: committed) next to raw batched inserts of the very rows it wrote, into the same
//!   server, in batches as large as the engine's largest;
//! - how fast a fleet shares health: the time from a 429 reported on one instance to every
//!   other instance skipping that account, p50 / p99, with 2 and 4 instances, with the default
//!   poll (250 ms) and NOTIFY, and polling alone beside it (the baseline NOTIFY improves on).
//!   Each sample: instance A leases an account for a model of its own, reports a 429, and the
//!   clock runs until instance B's projections block that account for that model (B's `select`
//!   skips it from then on).
//!
//! The server is `$ROTOR_BENCH_POSTGRES`, or one this bench starts with the test suite's
//! harness. Run: `cargo bench --bench fleet`.

#[path = "../tests/it/pg/harness.rs"]
#[allow(dead_code)]
mod harness;

use std::path::Path;
use std::time::{Duration, Instant};

use rotor::bench::engine::{engine_with_accounts, PROVIDER};
use rotor::parse::Headers;
use rotor::store::postgres::{read_log, read_log_after, PgOptions, PgStore, MAX_QUEUED};
use rotor::store::{EventRow, Unknown};
use rotor::{Config, Engine, NewAccount, Outcome, Provider, SelectOpts};

const SAMPLES: usize = 200;
const ACCOUNTS: usize = 50;
/// Requests (two events each) per append round, and rounds (the median is printed).
const APPEND_REQUESTS: usize = 20_000;
const APPEND_ROUNDS: usize = 3;
// A round's events (two per request) fit the writer's queue.
const _: () = assert!(2 * APPEND_REQUESTS < MAX_QUEUED);
/// The largest batch the engine's writer commits at once (its `MAX_BATCH`): the raw inserts
/// get batches that large, their best case.
const RAW_BATCH: usize = 4096;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let own;
    let server_url = match std::env::var("ROTOR_BENCH_POSTGRES") {
        Ok(url) => url,
        Err(_) => match harness::PgServer::start() {
            Some(s) => {
                own = s;
                own.url("postgres")
            }
            None => {
                eprintln!("no PostgreSQL: set ROTOR_BENCH_POSTGRES or install postgresql");
                return;
            }
        },
    };
    println!(
        "Appends through an engine on the log vs raw batched inserts of the same rows \
         ({APPEND_REQUESTS} select + report per round, median of {APPEND_ROUNDS})"
    );
    let (mut engine_rates, mut raw_rates) = (Vec::new(), Vec::new());
    for round in 0..APPEND_ROUNDS {
        let url = rt.block_on(fresh_db(&server_url, &format!("append_{round}")));
        let (engine, raw) = appends(&rt, &url);
        engine_rates.push(engine);
        raw_rates.push(raw);
    }
    let (e, r) = (median(&mut engine_rates), median(&mut raw_rates));
    println!(
        "{:<34}{:>12.0} ev/s\n{:<34}{:>12.0} ev/s\n{:<34}{:>11.0} %\n",
        "engine select+report -> committed",
        e,
        format!("raw batched insert ({RAW_BATCH} per tx)"),
        r,
        "ratio",
        100.0 * e / r
    );
    println!(
        "From a 429 on instance A to instance B skipping the account, {SAMPLES} samples per row"
    );
    println!(
        "{:<11}{:<22}{:>8}{:>8}{:>8}{:>12}{:>19}",
        "instances", "wake-up", "p50 ms", "p99 ms", "max ms", "commit p99", "after commit p99"
    );
    for instances in [2usize, 4] {
        for listen in [true, false] {
            let url = rt.block_on(fresh_db(
                &server_url,
                &format!("{instances}_{}", u8::from(listen)),
            ));
            let mut s = measure(&url, instances, listen);
            let how = if listen {
                "NOTIFY + poll 250 ms"
            } else {
                "poll 250 ms only"
            };
            println!(
                "{instances:<11}{how:<22}{:>8.1}{:>8.1}{:>8.1}{:>12.1}{:>19.1}",
                percentile_ms(&mut s.propagation, 0.5),
                percentile_ms(&mut s.propagation, 0.99),
                percentile_ms(&mut s.propagation, 1.0),
                percentile_ms(&mut s.commit, 0.99),
                percentile_ms(&mut s.after_commit, 0.99),
            );
        }
    }
}

/// The `q` quantile of `samples` (nearest rank), in milliseconds.
fn percentile_ms(samples: &mut [Duration], q: f64) -> f64 {
    samples.sort();
    let rank = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len());
    samples[rank - 1].as_secs_f64() * 1000.0
}

/// A new database on the server, named after what it measures.
async fn fresh_db(server: &str, what: &str) -> String {
    let name = format!("rotor_fleet_bench_{}_{what}", std::process::id());
    harness::recreate_db(server, &name).await
}

/// One round of appends on a fresh log at `url`: the engine's rate (events committed per
/// second, timed until `flush` returns) and the raw inserts' rate for the same rows.
fn appends(rt: &tokio::runtime::Runtime, url: &str) -> (f64, f64) {
    let now = chrono::Utc::now();
    let (engine, names) =
        engine_with_accounts(Some(Path::new(url)), 100, 10, now, 0).expect("open the log");
    let before = read_log(url, Unknown::Fail)
        .unwrap()
        .last()
        .map_or(0, |e| e.record.seq);
    let opts = SelectOpts::default();
    let started = Instant::now();
    for i in 0..APPEND_REQUESTS {
        let lease = engine
            .select(PROVIDER, &names[i % names.len()], &opts)
            .unwrap();
        engine.report(&lease, Outcome::success()).unwrap();
    }
    engine.flush_blocking().unwrap();
    let took = started.elapsed();
    drop(engine);
    let rows: Vec<EventRow> = read_log_after(url, before, Unknown::Fail)
        .unwrap()
        .iter()
        .map(|e| EventRow::from_record(&e.record))
        .collect();
    let engine_rate = rows.len() as f64 / took.as_secs_f64();
    let raw_took = rt.block_on(async {
        let store = PgStore::open(url, PgOptions::default()).await.unwrap();
        let started = Instant::now();
        store.raw_batched_insert(&rows, RAW_BATCH).await.unwrap();
        started.elapsed()
    });
    (engine_rate, rows.len() as f64 / raw_took.as_secs_f64())
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Samples of the propagation delay (each instance in turn reports, every other one watches),
/// split at the reporting instance's commit of the failure: before it no other instance can
/// see the failure; after it, the follower's wake-up and read.
fn measure(url: &str, instances: usize, listen: bool) -> Samples {
    let mut config = Config::default();
    config.postgres.listen = listen;
    let open = || {
        Engine::builder()
            .path(url)
            .config(config.clone())
            .open()
            .expect("open the fleet log")
    };
    let first = open();
    let accounts: Vec<_> = (0..ACCOUNTS)
        .map(|i| {
            let key = format!("sk-bench-{i:04}-0123456789abcdef0123");
            first
                .add_account(NewAccount::api_key(
                    Provider::Openai,
                    &format!("k{i}"),
                    &key,
                ))
                .unwrap()
        })
        .collect();
    first.flush_blocking().unwrap();
    let mut fleet = vec![first];
    fleet.extend((1..instances).map(|_| open()));
    let headers: Headers = [("retry-after", "3600")].into_iter().collect();
    let body = r#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#;
    let (mut samples, mut commits, mut after_commit) = (Vec::new(), Vec::new(), Vec::new());
    let mut n = 0;
    while samples.len() < SAMPLES {
        let a = &fleet[n % instances];
        let account = accounts[n % ACCOUNTS];
        let model = format!("m{n}");
        let opts = SelectOpts {
            exclude: accounts.iter().copied().filter(|x| *x != account).collect(),
            ..Default::default()
        };
        let lease = a.select(Provider::Openai, &model, &opts).unwrap();
        let started = Instant::now();
        a.report(&lease, Outcome::failure(429, headers.clone(), body))
            .unwrap();
        // No instance can see the failure before it is committed: how long that takes is the
        // floor under every propagation sample (the watchers are not looked at meanwhile, but
        // none of them can have seen it earlier).
        a.flush_blocking().unwrap();
        let committed = started.elapsed();
        commits.push(committed);
        let watchers: Vec<&Engine> = fleet.iter().filter(|e| !std::ptr::eq(*e, a)).collect();
        let mut waiting: Vec<&Engine> = watchers;
        while !waiting.is_empty() {
            waiting.retain(|b| {
                let now = b.now();
                let skipped =
                    b.with_state(|s| s.accounts[&account].unavailable(&model, now).is_some());
                if skipped {
                    let seen = started.elapsed();
                    samples.push(seen);
                    after_commit.push(seen.saturating_sub(committed));
                }
                !skipped
            });
            std::thread::sleep(Duration::from_micros(200));
        }
        n += 1;
    }
    Samples {
        propagation: samples,
        commit: commits,
        after_commit,
    }
}

/// What one row of the propagation table measured.
struct Samples {
    /// From the report on A to an instance skipping the account, one per watching instance.
    propagation: Vec<Duration>,
    /// From the report on A to its commit (`flush` returned), one per report.
    commit: Vec<Duration>,
    /// From that commit to an instance skipping the account: the wake-up and the read.
    after_commit: Vec<Duration>,
}

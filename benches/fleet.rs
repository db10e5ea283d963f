//! How fast a fleet shares health: the time from a 429 reported on one instance to every other
//! instance skipping that account, p50 / p99, with 2 and 4 instances on one PostgreSQL log, with
//! the default poll (250 ms) and NOTIFY, and polling alone beside it (the baseline NOTIFY
//! improves on). Each sample: instance A leases an account for a model of its own, reports a 429,
//! and the clock runs until instance B's projections block that account for that model (B's
//! `select` skips it from then on). The server is `$ROTOR_BENCH_POSTGRES`, or one this bench
//! starts with the test suite's harness. Run: `cargo bench --bench fleet`.

#[path = "../tests/it/pg/harness.rs"]
#[allow(dead_code)]
mod harness;

use std::time::{Duration, Instant};

use rotor::parse::Headers;
use rotor::{Config, Engine, NewAccount, Outcome, Provider, SelectOpts};

const SAMPLES: usize = 200;
const ACCOUNTS: usize = 50;

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
        "From a 429 on instance A to instance B skipping the account, {SAMPLES} samples per row"
    );
    println!(
        "{:<11}{:<24}{:>10}{:>10}{:>10}",
        "instances", "wake-up", "p50 ms", "p99 ms", "max ms"
    );
    for instances in [2usize, 4] {
        for listen in [true, false] {
            let url = rt.block_on(fresh_db(&server_url, instances, listen));
            let mut samples = measure(&url, instances, listen);
            samples.sort();
            let pct = |p: f64| samples[((samples.len() - 1) as f64 * p) as usize];
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            let how = if listen {
                "NOTIFY + poll 250 ms"
            } else {
                "poll 250 ms only"
            };
            println!(
                "{instances:<11}{how:<24}{:>10.1}{:>10.1}{:>10.1}",
                ms(pct(0.5)),
                ms(pct(0.99)),
                ms(*samples.last().unwrap())
            );
        }
    }
}

/// A new database on the server, for one row of the table.
async fn fresh_db(server: &str, instances: usize, listen: bool) -> String {
    let name = format!(
        "rotor_fleet_bench_{}_{instances}_{}",
        std::process::id(),
        u8::from(listen)
    );
    let admin = harness::connect_url(server).await;
    admin
        .batch_execute(&format!(
            "DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name}"
        ))
        .await
        .expect("the bench URL's user must be allowed to create databases");
    let mut u = url::Url::parse(server).expect("a postgres:// URL");
    u.set_path(&name);
    u.to_string()
}

/// Samples of the propagation delay: each instance in turn reports, every other one watches.
fn measure(url: &str, instances: usize, listen: bool) -> Vec<Duration> {
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
    let mut samples = Vec::new();
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
        let watchers: Vec<&Engine> = fleet.iter().filter(|e| !std::ptr::eq(*e, a)).collect();
        let mut waiting: Vec<&Engine> = watchers;
        while !waiting.is_empty() {
            waiting.retain(|b| {
                let now = b.now();
                let skipped =
                    b.with_state(|s| s.accounts[&account].unavailable(&model, now).is_some());
                if skipped {
                    samples.push(started.elapsed());
                }
                !skipped
            });
            std::thread::sleep(Duration::from_micros(200));
        }
        n += 1;
    }
    samples
}

//! The `rotor demo` driver: starts the fake world, opens a fresh demo log (never over a file
//! that is not a previous demo's; on PostgreSQL only a database with no log yet) with every fake
//! account, and drives N requests through the engine from concurrent workers on simulated time,
//! with a progress bar; on `postgres://`, over two instances of one fleet (`log`). What each
//! request is lives in `traffic`; summarizing the log afterwards in `summary`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use parking_lot::Mutex;

use super::log::prepare_log;
use super::traffic::{models, one_request, route, MIX};
use crate::config::{Config, Dur, EndpointSettings};
use crate::fake::{FakeStats, FakeWorld, FakeWorldConfig};
use crate::ids::{Model, Provider};
use crate::time::{Clock, ManualClock, SystemClock, Timestamp};
use crate::{Engine, NewAccount, Result};

/// What a demo run does.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    pub requests: usize,
    /// A SQLite file, or a `postgres://` URL for the fleet demo.
    pub db: PathBuf,
    pub concurrency: usize,
    pub seed: u64,
    /// Simulated time that passes per request (the fakes' windows and blocks run on it).
    pub step: Duration,
    pub progress: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            requests: 3000,
            db: PathBuf::from("demo.db"),
            concurrency: 8,
            seed: 1,
            step: Duration::from_millis(250),
            progress: true,
        }
    }
}

/// What each engine (instance) answered.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Tally {
    pub served: usize,
    pub failed: usize,
    pub no_account: usize,
}

/// Raw results of the run, before the log is summarized.
#[derive(Debug, Default)]
pub struct DemoRun {
    pub served: usize,
    pub failed: usize,
    pub no_account: usize,
    /// The same counts per engine, in the order the engines were opened.
    pub per_instance: Vec<Tally>,
    /// rotor's own time per request (select + report), in nanoseconds, sorted.
    pub overhead_ns: Vec<u64>,
    /// What the fake providers and token endpoints saw (token requests per account).
    pub fakes: FakeStats,
    /// The simulated time when the last request was done.
    pub ended_at: Option<Timestamp>,
}

/// Runs the demo; returns the engines (still open: one, or a fleet's instances in the order
/// they joined) and the raw results.
pub async fn run(opts: &DemoOptions) -> Result<(Vec<Engine>, DemoRun)> {
    let instances = prepare_log(&opts.db).await?;
    let clock = ManualClock::new(SystemClock.now());
    let world = FakeWorld::start(FakeWorldConfig {
        clock: Arc::new(clock.clone()),
        ..FakeWorldConfig::demo(opts.seed)
    })
    .await?;
    let mut config = Config::default();
    for p in [Provider::Claude, Provider::Codex, Provider::Antigravity] {
        config.endpoints.insert(
            p,
            EndpointSettings {
                token_url: world.token_url(p),
            },
        );
    }
    config.antigravity.client_id = Some("demo-client.apps.googleusercontent.com".into());
    config.antigravity.client_secret = Some("demo-client-secret".into());
    // Simulated time does not pass while a worker sleeps, so never wait for a block to end:
    // an all-blocked request is answered at once (as a service would with a 429).
    config.retry.max_wait = Dur(Duration::ZERO);
    let open = || {
        Engine::builder()
            .path(&opts.db)
            .config(config.clone())
            .clock(clock.clone())
            .open()
    };
    let first = open()?;
    for spec in &world.accounts {
        let mut n = NewAccount::api_key(spec.provider, &spec.label, "placeholder");
        n.secrets = spec.secrets();
        n.expires_at = spec.expires_at();
        first.add_account(n)?;
    }
    // The other instances of a fleet join once the accounts are committed: they fold them
    // (and read their credentials) from the shared log, as a replica starting later would.
    first.flush().await?;
    let mut engines = vec![first];
    for _ in 1..instances {
        engines.push(open()?);
    }

    let bar = if opts.progress {
        ProgressBar::new(opts.requests as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:40}] {pos}/{len} requests  {per_sec}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    // Every instance runs its refresh scheduler beside the requests, as a service would.
    let mut schedulers = Vec::new();
    for engine in &engines {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let engine = engine.clone();
        let task = tokio::spawn(async move {
            engine
                .run_scheduler(async {
                    let _ = stopped.await;
                })
                .await
        });
        schedulers.push((stop, task));
    }
    let next = Arc::new(AtomicUsize::new(0));
    let results = Arc::new(Mutex::new(DemoRun {
        per_instance: vec![Tally::default(); engines.len()],
        ..DemoRun::default()
    }));
    let world = Arc::new(world);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| crate::Error::InvalidInput(e.to_string()))?;
    let mut workers = Vec::new();
    for _ in 0..opts.concurrency.max(1) {
        let (engines, world, client, next, results, bar, clock) = (
            engines.clone(),
            world.clone(),
            client.clone(),
            next.clone(),
            results.clone(),
            bar.clone(),
            clock.clone(),
        );
        let (total, step) = (opts.requests, opts.step);
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                clock.advance(step);
                let provider = MIX[i % MIX.len()];
                let ms = models(provider);
                let model: Model = ms[(i / MIX.len()) % ms.len()].into();
                let session = (i % 4 == 0).then_some(i % 16);
                let instance = route(i, session, engines.len());
                let session = session.map(|s| format!("session-{s}"));
                let engine = &engines[instance];
                #[cfg(feature = "postgres")]
                if engines.len() > 1 {
                    // Simulated time runs ~1000x faster than real time here, so the follower's
                    // few milliseconds would span many simulated seconds. A replica's follower
                    // applies the others' events well within one 250 ms step: so does this.
                    let _ = engine.catch_up().await;
                }
                let outcome = one_request(engine, &world, &client, provider, &model, session).await;
                let mut r = results.lock();
                let tally = &mut r.per_instance[instance];
                let ns = match outcome {
                    Ok(Ok(ns)) => {
                        tally.served += 1;
                        r.served += 1;
                        Some(ns)
                    }
                    Ok(Err(ns)) => {
                        tally.failed += 1;
                        r.failed += 1;
                        Some(ns)
                    }
                    Err(()) => {
                        tally.no_account += 1;
                        r.no_account += 1;
                        None
                    }
                };
                r.overhead_ns.extend(ns);
                bar.inc(1);
            }
        }));
    }
    for w in workers {
        let _ = w.await;
    }
    bar.finish_and_clear();
    for (stop, task) in schedulers {
        let _ = stop.send(());
        let _ = task.await;
    }
    for engine in &engines {
        engine.flush().await?;
    }
    // Each instance applies what the others wrote last, so every one ends on the fleet's state.
    #[cfg(feature = "postgres")]
    for engine in &engines {
        engine.catch_up().await?;
    }
    let mut run = std::mem::take(&mut *results.lock());
    run.overhead_ns.sort_unstable();
    run.fakes = world.stats();
    run.ended_at = Some(clock.now());
    Ok((engines, run))
}

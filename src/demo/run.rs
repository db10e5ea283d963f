//! The `rotor demo` driver: starts the fake world, opens a fresh demo log (never over a file
//! that is not a previous demo's) with every fake account, and drives N requests through the
//! engine from concurrent workers on simulated time, with a progress bar. Summarizing the log
//! afterwards lives in `summary`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use parking_lot::Mutex;

use crate::config::{Config, Dur, EndpointSettings};
use crate::engine::{Attempt, ExecuteError};
use crate::fake::{call, FakeWorld, FakeWorldConfig};
use crate::ids::{Model, Provider};
use crate::select::SelectOpts;
use crate::time::{Clock, ManualClock, SystemClock};
use crate::{Engine, NewAccount, Result};

/// What a demo run does.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    pub requests: usize,
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

/// Raw results of the run, before the log is summarized.
#[derive(Debug, Default)]
pub struct DemoRun {
    pub served: usize,
    pub failed: usize,
    pub no_account: usize,
    /// rotor's own time per request (select + report), in nanoseconds, sorted.
    pub overhead_ns: Vec<u64>,
}

/// The models each provider is asked for.
pub fn models(p: Provider) -> &'static [&'static str] {
    match p {
        Provider::Claude => &["claude-sonnet-4-5", "claude-opus-4-1"],
        Provider::Codex => &["gpt-5-codex"],
        Provider::Antigravity => &["gemini-3-pro", "gemini-2.5-flash"],
        Provider::Openai => &["gpt-4o", "gpt-4o-mini"],
        Provider::Glm => &["glm-4.6"],
        Provider::Gemini => &["gemini-2.5-pro"],
    }
}

const MIX: [Provider; 5] = [
    Provider::Claude,
    Provider::Codex,
    Provider::Antigravity,
    Provider::Openai,
    Provider::Glm,
];

/// Runs the demo; returns the engine (still open) and the raw results.
pub async fn run(opts: &DemoOptions) -> Result<(Engine, DemoRun)> {
    // A fresh log marked as the demo's; only a previous demo's log is ever replaced.
    crate::store::create_demo_log(&opts.db)?;
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
    let engine = Engine::builder()
        .path(&opts.db)
        .config(config)
        .clock(clock.clone())
        .open()?;
    for spec in &world.accounts {
        let mut n = NewAccount::api_key(spec.provider, &spec.label, "placeholder");
        n.secrets = spec.secrets();
        n.expires_at = spec.expires_at();
        engine.add_account(n)?;
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
    // The refresh scheduler runs beside the requests, as in a service.
    let (stop_scheduler, stopped) = tokio::sync::oneshot::channel::<()>();
    let scheduler = {
        let engine = engine.clone();
        tokio::spawn(async move {
            engine
                .run_scheduler(async {
                    let _ = stopped.await;
                })
                .await
        })
    };
    let next = Arc::new(AtomicUsize::new(0));
    let results = Arc::new(Mutex::new(DemoRun::default()));
    let world = Arc::new(world);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| crate::Error::InvalidInput(e.to_string()))?;
    let mut workers = Vec::new();
    for _ in 0..opts.concurrency.max(1) {
        let (engine, world, client, next, results, bar, clock) = (
            engine.clone(),
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
                let session = (i % 4 == 0).then(|| format!("session-{}", i % 16));
                let outcome =
                    one_request(&engine, &world, &client, provider, &model, session).await;
                let mut r = results.lock();
                match outcome {
                    Ok(Ok(ns)) => {
                        r.served += 1;
                        r.overhead_ns.push(ns);
                    }
                    Ok(Err(ns)) => {
                        r.failed += 1;
                        r.overhead_ns.push(ns);
                    }
                    Err(()) => r.no_account += 1,
                }
                bar.inc(1);
            }
        }));
    }
    for w in workers {
        let _ = w.await;
    }
    bar.finish_and_clear();
    let _ = stop_scheduler.send(());
    let _ = scheduler.await;
    engine.flush().await?;
    let mut run = std::mem::take(&mut *results.lock());
    run.overhead_ns.sort_unstable();
    Ok((engine, run))
}

/// One request through `execute` (select, call, report, retry elsewhere). Returns rotor's own
/// time (the whole `execute` minus the time spent in the provider call) and whether it was
/// served; `Err(())` when no account was available at all.
async fn one_request(
    engine: &Engine,
    world: &FakeWorld,
    client: &reqwest::Client,
    provider: Provider,
    model: &Model,
    session: Option<String>,
) -> Result<Result<u64, u64>, ()> {
    let opts = SelectOpts {
        session,
        ..Default::default()
    };
    let in_call = AtomicU64::new(0);
    let started = Instant::now();
    let result = engine
        .execute(provider, model, opts, |lease| {
            let in_call = &in_call;
            async move {
                let t = Instant::now();
                let bearer = lease.bearer().unwrap_or_default().to_string();
                let attempt =
                    match call(client, &world.base_url(provider), provider, model, &bearer).await {
                        Ok(r) if r.is_success() => Attempt::Success {
                            usage: crate::quota::extract_usage(provider, &r.body),
                            headers: r.parse_headers(),
                            value: (),
                        },
                        Ok(r) => Attempt::failed(r.status, r.parse_headers(), r.body.to_vec()),
                        Err(e) => Attempt::network(e.to_string()),
                    };
                in_call.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
                attempt
            }
        })
        .await;
    let overhead =
        (started.elapsed().as_nanos() as u64).saturating_sub(in_call.load(Ordering::Relaxed));
    match result {
        Ok(()) => Ok(Ok(overhead)),
        Err(ExecuteError::NoAccount(_)) => Err(()),
        Err(_) => Ok(Err(overhead)),
    }
}

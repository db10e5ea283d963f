//! `rotor bench --serve`: `select` + `report` pairs over loopback HTTP with keep-alive, from a
//! load generator of a few connections in this process (raw hyper clients), beside the same
//! pairs through the library in the same run. A benchmark, never a test: it prints figures.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use serde::Serialize;

use super::{bind, ServeOptions, Token};
use crate::{Engine, Error, NewAccount, Outcome, Provider, Result, SelectOpts};

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
    let http = rt.block_on(http_side(cfg, &dir.0.join("serve.db")));
    let library = library_side(cfg, &dir.0.join("library.db"));
    Ok(ServeBenchReport {
        accounts: cfg.accounts,
        models: cfg.models,
        connections: cfg.connections,
        threads: cfg.threads,
        http: http?,
        library: library?,
    })
}

fn engine_with_accounts(path: &std::path::Path, cfg: &ServeBenchConfig) -> Result<Engine> {
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

fn model(i: usize, cfg: &ServeBenchConfig) -> String {
    format!("bench-model-{}", i % cfg.models.max(1))
}

async fn http_side(cfg: &ServeBenchConfig, db: &std::path::Path) -> Result<PairFigures> {
    let engine = engine_with_accounts(db, cfg)?;
    let token = Token::generate();
    let auth = format!("Bearer {}", token.expose());
    let opts = ServeOptions {
        token,
        public_metrics: false,
        prometheus: super::prom::install(),
        scheduler: false,
    };
    let bound = bind(engine, "127.0.0.1:0".parse().expect("an address"), opts).await?;
    let addr = bound.local_addr();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(bound.run(async move {
        let _ = stop_rx.await;
    }));
    let measuring = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for c in 0..cfg.connections {
        let (auth, measuring, done, cfg) =
            (auth.clone(), measuring.clone(), done.clone(), cfg.clone());
        clients.push(tokio::spawn(async move {
            client(addr, auth, c, &cfg, measuring, done).await
        }));
    }
    tokio::time::sleep(cfg.duration / 5).await;
    measuring.store(true, Ordering::Relaxed);
    let (started, cpu) = (Instant::now(), process_cpu());
    tokio::time::sleep(cfg.duration).await;
    done.store(true, Ordering::Relaxed);
    let (elapsed, cpu) = (started.elapsed(), process_cpu().saturating_sub(cpu));
    let mut latencies = Vec::new();
    for c in clients {
        let lat = c.await.map_err(|e| Error::Io(std::io::Error::other(e)))??;
        latencies.extend(lat);
    }
    let _ = stop_tx.send(());
    server
        .await
        .map_err(|e| Error::Io(std::io::Error::other(e)))??;
    Ok(figures(latencies, elapsed, cpu))
}

/// One keep-alive connection doing select → report until `done`; the select latencies (ns)
/// measured while `measuring`.
async fn client(
    addr: SocketAddr,
    auth: String,
    id: usize,
    cfg: &ServeBenchConfig,
    measuring: Arc<AtomicBool>,
    done: Arc<AtomicBool>,
) -> Result<Vec<u64>> {
    // A failure of the HTTP client, kept whole as the io error's cause.
    fn io_err(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
        Error::Io(std::io::Error::other(e))
    }
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(io_err)?;
    tokio::spawn(conn);
    let mut latencies = Vec::with_capacity(1 << 16);
    let mut i = id;
    while !done.load(Ordering::Relaxed) {
        let select = format!(r#"{{"provider":"openai","model":"{}"}}"#, model(i, cfg));
        i += 1;
        let t = Instant::now();
        let body = post(&mut sender, "/v1/select", &auth, select)
            .await
            .map_err(io_err)?;
        let took = t.elapsed();
        let lease: LeaseId = serde_json::from_slice(&body).map_err(io_err)?;
        let report = format!(r#"{{"request":"{}","success":true}}"#, lease.request);
        post(&mut sender, "/v1/report", &auth, report)
            .await
            .map_err(io_err)?;
        if measuring.load(Ordering::Relaxed) {
            latencies.push(took.as_nanos() as u64);
        }
    }
    Ok(latencies)
}

#[derive(serde::Deserialize)]
struct LeaseId {
    request: String,
}

async fn post(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    path: &str,
    auth: &str,
    body: String,
) -> std::result::Result<Bytes, Box<dyn std::error::Error + Send + Sync>> {
    let req = hyper::Request::post(path)
        .header(HOST, "127.0.0.1")
        .header(AUTHORIZATION, auth)
        .header(CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))?;
    let res = sender.send_request(req).await?;
    let status = res.status();
    let bytes = res.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        return Err(format!("{path}: {status}: {}", String::from_utf8_lossy(&bytes)).into());
    }
    Ok(bytes)
}

/// The same pairs through the library: `threads` threads selecting and reporting success.
fn library_side(cfg: &ServeBenchConfig, db: &std::path::Path) -> Result<PairFigures> {
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
fn process_cpu() -> Duration {
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

fn figures(mut latencies: Vec<u64>, elapsed: Duration, cpu: Duration) -> PairFigures {
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

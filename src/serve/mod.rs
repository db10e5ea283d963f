//! `rotor serve`: the engine over HTTP for services in any language. JSON routes under `/v1`
//! (bearer token), `/metrics` and `/healthz` (token unless public), and the dashboard at `/`
//! (no data of its own). This file builds the router and the shared state, starts the
//! background tasks (refresh scheduler, log poller, lease sweeper, metrics upkeep) and runs
//! until shutdown; each concern's routes live in a sibling file, the CLI front in `cli/serve.rs`.

mod account_routes;
pub mod auth;
mod dashboard;
mod error;
mod inspect_routes;
mod lease_routes;
mod leases;
mod logread;
mod logsource;
pub mod prom;
mod report_routes;
pub mod shutdown;
mod stream;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, patch, post};
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::watch;

pub use auth::{load_token, Token, TokenSource};

use crate::{Engine, Error, Result};

/// Largest request body accepted (a credential file is at most 1 MiB; a provider's error body
/// is read up to 64 KiB).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// How much of a body over [`BODY_LIMIT`] is still read, and thrown away, before the 413 is
/// sent. Most clients send the whole body before they read the answer: had the server stopped
/// reading and closed, they would see a reset connection instead of the 413 (and a kept-alive
/// connection could die under their next request). A body declared or found larger than this
/// is refused without reading further, and its connection closes.
pub const DRAIN_LIMIT: u64 = 16 * 1024 * 1024;

/// How `rotor serve` runs.
pub struct ServeOptions {
    /// The bearer token every request but the public ones must carry.
    pub token: Token,
    /// Serve `/metrics` and `/healthz` without the token.
    pub public_metrics: bool,
    /// Where `/metrics` renders from ([`prom::install`]); `None` answers 503.
    pub prometheus: Option<PrometheusHandle>,
    /// Run the refresh scheduler inside the server (the default; tests may drive refreshes).
    pub scheduler: bool,
}

/// What every handler shares.
pub(crate) struct Shared {
    engine: Engine,
    token: Token,
    leases: leases::Leases,
    log: logsource::LogSource,
    prometheus: Option<PrometheusHandle>,
    causes: inspect_routes::CauseCache,
    /// The log's last committed seq, as the poller last saw it.
    committed: watch::Receiver<u64>,
    /// Turns true at shutdown (ends event streams and background tasks).
    stop: watch::Receiver<bool>,
}

pub(crate) type App = Arc<Shared>;

/// A server bound to its address, not yet serving.
pub struct Bound {
    listener: tokio::net::TcpListener,
    app: App,
    committed_tx: watch::Sender<u64>,
    stop_tx: watch::Sender<bool>,
    scheduler: bool,
    public_metrics: bool,
}

/// Binds `listen` for `engine` (on a file or a fleet's PostgreSQL log: events are read back
/// from it).
pub async fn bind(engine: Engine, listen: SocketAddr, opts: ServeOptions) -> Result<Bound> {
    let log = logsource::LogSource::of(&engine)?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Error::InvalidInput(format!("cannot listen on {listen}: {e}")))?;
    let (committed_tx, committed) = watch::channel(0);
    let (stop_tx, stop) = watch::channel(false);
    let app = Arc::new(Shared {
        engine,
        token: opts.token,
        leases: Default::default(),
        log,
        prometheus: opts.prometheus,
        causes: Default::default(),
        committed,
        stop,
    });
    Ok(Bound {
        listener,
        app,
        committed_tx,
        stop_tx,
        scheduler: opts.scheduler,
        public_metrics: opts.public_metrics,
    })
}

impl Bound {
    /// The address the server listens on (the port the OS chose when asked for 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes: then stops accepting, lets in-flight requests finish,
    /// ends event streams, flushes the log and returns.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
        let Bound {
            listener,
            app,
            committed_tx,
            stop_tx,
            scheduler,
            public_metrics,
        } = self;
        let router = router(app.clone(), public_metrics);
        let mut tasks = tokio::task::JoinSet::new();
        tasks.spawn(stream::poll_committed(
            app.log.clone(),
            committed_tx,
            app.stop.clone(),
        ));
        tasks.spawn(sweep_leases(app.clone()));
        if let Some(h) = app.prometheus.clone() {
            tasks.spawn(upkeep(h, app.stop.clone()));
        }
        if scheduler {
            let (engine, stop) = (app.engine.clone(), app.stop.clone());
            tasks.spawn(async move { engine.run_scheduler(stopped(stop)).await });
        }
        tokio::spawn(async move {
            shutdown.await;
            tracing::info!("shutting down: finishing requests in flight");
            // Receivers keep seeing `true` after the sender is dropped.
            let _ = stop_tx.send(true);
        });
        let served = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(stopped(app.stop.clone()))
        .await;
        while tasks.join_next().await.is_some() {}
        app.engine.flush().await?;
        served.map_err(Error::Io)
    }
}

/// Resolves once `stop` turns true (or its sender is gone).
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

fn router(app: App, public_metrics: bool) -> Router {
    use account_routes as acc;
    let v1 = Router::new()
        .route("/select", post(lease_routes::select))
        .route("/report", post(report_routes::report))
        .route("/status", get(inspect_routes::status))
        .route("/accounts", get(acc::list).post(acc::add))
        .route("/accounts/import", post(acc::import))
        .route("/accounts/{id}", patch(acc::patch).delete(acc::remove))
        .route("/accounts/{id}/refresh", post(acc::refresh))
        .route("/accounts/{id}/clear", post(acc::clear))
        .route("/explain/{request}", get(inspect_routes::explain))
        .route("/events", get(inspect_routes::events))
        .route("/events/stream", get(stream::stream))
        .fallback(not_found);
    // Outside the nest, so the middleware sees (and logs) the whole path.
    let v1 = Router::new()
        .nest("/v1", v1)
        .layer(from_fn_with_state(app.clone(), auth::require));
    let mut ops = Router::new()
        .route("/metrics", get(prom::metrics))
        .route("/healthz", get(prom::healthz));
    if !public_metrics {
        ops = ops.layer(from_fn_with_state(app.clone(), auth::require));
    }
    Router::new()
        .merge(v1)
        .merge(ops)
        .merge(dashboard::routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(app)
}

async fn not_found() -> error::ApiError {
    error::ApiError::not_found("not_found", "no such route")
}

/// Drops leases unreported for longer than [`leases::KEEP`] (still reportable via the log).
async fn sweep_leases(app: App) {
    let mut stop = app.stop.clone();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = stop.wait_for(|s| *s) => break,
        }
        let keep = chrono::Duration::from_std(leases::KEEP).unwrap_or_default();
        let n = app.leases.sweep(app.engine.now() - keep);
        if n > 0 {
            tracing::debug!(dropped = n, "unreported leases left to the log");
        }
    }
}

/// Drains the exporter's histogram buckets now and then, scraped or not.
async fn upkeep(handle: PrometheusHandle, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(5)) => handle.run_upkeep(),
            _ = stop.wait_for(|s| *s) => break,
        }
    }
}

//! The HTTP side of `rotor bench --serve`: a live `rotor serve` on loopback and a few raw hyper
//! keep-alive connections doing `select` then `report`, timing each `select`. The library side
//! and the report are in `library.rs` and `mod.rs`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};

use super::library::{figures, process_cpu};
use super::{engine_with_accounts, model, PairFigures, ServeBenchConfig};
use crate::serve::{bind, prom, ServeOptions, Token};
use crate::{Error, Result};

pub(super) async fn side(cfg: &ServeBenchConfig, db: &std::path::Path) -> Result<PairFigures> {
    let engine = engine_with_accounts(db, cfg)?;
    let token = Token::generate();
    let auth = format!("Bearer {}", token.expose());
    let opts = ServeOptions {
        token,
        public_metrics: false,
        prometheus: prom::install(),
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

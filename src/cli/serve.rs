//! `rotor serve [--listen ADDR] [--token-file PATH] [--public-metrics]`: opens the log for
//! writing and serves it over HTTP until SIGTERM / Ctrl-C (the server is `crate::serve`), and
//! `rotor bench --serve`, its benchmark. Prints where it listens and the dashboard URL.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use super::Ctx;
use crate::bench::serve as bench;
use crate::serve::{self, load_token, ServeOptions, TokenSource};
use crate::Result;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on. Loopback by default: the API is plain HTTP.
    #[arg(long, default_value = "127.0.0.1:7070")]
    pub listen: SocketAddr,
    /// File holding the API token (default: $ROTOR_SERVE_TOKEN, else DB.token, generated
    /// with mode 0600 on first start).
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// Serve /metrics and /healthz without the token.
    #[arg(long)]
    pub public_metrics: bool,
}

pub fn serve(ctx: &Ctx, a: ServeArgs) -> Result<i32> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        // Installed before the engine opens, so every series the library records lands in it.
        let prometheus = serve::prom::install();
        let env = std::env::var("ROTOR_SERVE_TOKEN").ok();
        let named = env.as_deref().is_some_and(|v| !v.trim().is_empty()) || a.token_file.is_some();
        if ctx.postgres_url().is_some() && !named {
            return Err(crate::Error::InvalidInput(
                "with a postgres:// log, give the API token in $ROTOR_SERVE_TOKEN or --token-file (there is no file beside the log to keep a generated one in)".into(),
            ));
        }
        let (token, source) = load_token(env, a.token_file.as_deref(), &ctx.db)?;
        let engine = ctx.engine()?;
        let opts = ServeOptions {
            token: token.clone(),
            public_metrics: a.public_metrics,
            prometheus,
            scheduler: true,
        };
        let bound = serve::bind(engine, a.listen, opts).await?;
        let stop = serve::shutdown::listen()?;
        let addr = bound.local_addr();
        match source {
            TokenSource::Generated(p) => eprintln!("rotor serve: generated an API token in {} (mode 0600)", p.display()),
            TokenSource::Reused(p) | TokenSource::File(p) => eprintln!("rotor serve: API token from {}", p.display()),
            TokenSource::Env => eprintln!("rotor serve: API token from $ROTOR_SERVE_TOKEN"),
        }
        if !addr.ip().is_loopback() {
            eprintln!("rotor serve: warning: {addr} is reachable from other machines and the API is plain HTTP; put TLS in front of it");
        }
        let shown = if addr.ip().is_unspecified() { SocketAddr::from(([127, 0, 0, 1], addr.port())) } else { addr };
        eprintln!("rotor serve: listening on http://{addr} (log {})", ctx.log_name());
        eprintln!("rotor serve: dashboard http://{shown}/#token={}", token.expose());
        bound.run(stop).await?;
        if ctx.postgres_url().is_some() {
            eprintln!("rotor serve: stopped; every event is committed");
        } else {
            eprintln!("rotor serve: stopped; every event is on disk");
        }
        Ok(0)
    })
}

/// `rotor bench --serve`.
pub fn bench(ctx: &Ctx, quick: bool) -> Result<i32> {
    let cfg = bench::ServeBenchConfig::new(quick);
    if !ctx.json {
        eprintln!("measuring select + report over loopback HTTP, then through the library...");
    }
    let report = bench::run(&cfg)?;
    if ctx.json {
        ctx.print_json(&report)?;
    } else {
        super::output::text(&bench::table(&report))?;
    }
    Ok(0)
}

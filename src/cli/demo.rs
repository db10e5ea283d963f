//! `rotor demo`: the main job on a fresh machine. Starts fake providers in process, drives
//! requests through rotor, prints the summary, and leaves a log `replay --verify` accepts, in
//! `demo.db` or `--db PATH`, never over a file that is not a previous demo's log; with
//! `--db postgres://...` two instances of a fleet share the run on a database with no log yet.

use std::path::PathBuf;

use clap::Args;

use super::Ctx;
use crate::demo::{self, DemoOptions};
use crate::Result;

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// How many requests to send.
    #[arg(long, default_value_t = 3000)]
    pub requests: usize,
    /// Concurrent workers.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Seed of the fake providers' scripts.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

pub fn demo(ctx: &Ctx, a: DemoArgs) -> Result<i32> {
    // The log goes to `--db` when given on the command line, else `demo.db`; `$ROTOR_DB` names
    // the real log and is ignored. A file may only be new or a previous demo's log; a
    // `postgres://` database must hold no log yet.
    let db = if db_flag_given() {
        ctx.db.clone()
    } else {
        PathBuf::from("demo.db")
    };
    let opts = DemoOptions {
        requests: a.requests,
        db: db.clone(),
        concurrency: a.concurrency,
        seed: a.seed,
        progress: !ctx.json,
        ..DemoOptions::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let run = rt.block_on(async {
        let (engines, run) = demo::run(&opts).await?;
        for engine in engines {
            engine.close().await?;
        }
        Ok::<_, crate::Error>(run)
    })?;
    // Read back once every engine has let go of the log (and off the runtime: a fleet's log is
    // read through a runtime of its own).
    drop(rt);
    let (summary, table) = demo::report(&db, &run)?;
    if ctx.json {
        ctx.print_json(&summary)?;
    } else {
        super::output::text(&demo::render(&summary, &table))?;
    }
    Ok(0)
}

/// Whether `--db` is on the command line (not merely `$ROTOR_DB` in the environment).
fn db_flag_given() -> bool {
    std::env::args_os().any(|a| a == "--db" || a.to_str().is_some_and(|a| a.starts_with("--db=")))
}

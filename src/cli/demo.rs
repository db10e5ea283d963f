//! `rotor demo`: the main job on a fresh machine. Starts fake providers in process, drives
//! requests through rotor, prints the summary, and leaves a log `replay --verify` accepts.

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

pub fn demo(ctx: &Ctx, a: DemoArgs, db_given: bool) -> Result<i32> {
    // The log goes to `--db` when given, else `demo.db` (replaced if it exists).
    let db = if db_given {
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
    let (summary, table) = rt.block_on(async {
        let (engine, run) = demo::run(&opts).await?;
        let summary = demo::summarize(&engine, &run, &db)?;
        let table = crate::status::render(&crate::status::status(&engine.state(), engine.now()));
        engine.close().await?;
        Ok::<_, crate::Error>((summary, table))
    })?;
    if ctx.json {
        ctx.print_json(&summary)?;
    } else {
        super::output::text(&demo::render(&summary, &table))?;
    }
    Ok(0)
}

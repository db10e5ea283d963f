//! `rotor bench [--quick] [--accounts N] [--models N] [--events N]`: the performance figures
//! (select, append, fold), each next to its baseline measured in the same run, as a table or
//! (`--json`) the documented fields. Measures on temp files; never touches `--db`.

use clap::Args;

use super::Ctx;
use crate::bench::run::{run, table, BenchConfig};
use crate::{Error, Result};

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// A smaller run that stays under 30 s (release build).
    #[arg(long)]
    pub quick: bool,
    /// Accounts (all of one provider); default 1000.
    #[arg(long)]
    pub accounts: Option<usize>,
    /// Models per account; default 20.
    #[arg(long)]
    pub models: Option<usize>,
    /// Events in the log folded and opened (default 2M, --quick 300k); appends are at most
    /// 1M (--quick 200k) and at most this.
    #[arg(long)]
    pub events: Option<usize>,
    /// select + report pairs over loopback HTTP (`rotor serve`) beside the library.
    #[cfg(feature = "server")]
    #[arg(long)]
    pub serve: bool,
}

pub fn bench(ctx: &Ctx, a: BenchArgs) -> Result<i32> {
    #[cfg(feature = "server")]
    if a.serve {
        return super::serve::bench(ctx, a.quick);
    }
    let mut cfg = BenchConfig::new(a.quick);
    if let Some(n) = a.accounts {
        cfg.accounts = n;
    }
    if let Some(n) = a.models {
        cfg.models = n;
    }
    if let Some(n) = a.events {
        cfg.log_events = n;
        // A large log is for the fold and checkpoint figures; appending stays bounded.
        cfg.append_events = cfg.append_events.min(n);
    }
    if cfg.accounts == 0 || cfg.models == 0 || cfg.log_events < 2 * cfg.accounts {
        return Err(Error::InvalidInput(
            "bench needs accounts > 0, models > 0 and events >= 2 x accounts".into(),
        ));
    }
    if cfg.log_events < 100_000 {
        // Small runs: fewer select batches, so a test run stays short in a debug build.
        cfg.select_batches = cfg.select_batches.min(11);
        cfg.select_per_batch = cfg.select_per_batch.min(200);
        cfg.throughput_rounds = 1;
        cfg.throughput_for = cfg
            .throughput_for
            .min(std::time::Duration::from_millis(100));
    }
    let quiet = ctx.json;
    let report = run(&cfg, |stage| {
        if !quiet {
            super::output::stderr_line(format_args!("measuring {stage}..."));
        }
    })?;
    if ctx.json {
        ctx.print_json(&report)?;
    } else {
        super::output::text(&table(&report))?;
    }
    Ok(0)
}

//! The `rotor` command line: argument parsing (clap), opening the log the way each command
//! needs (writer lock, or read-only beside a writer), and exit codes 0 / 2 / 3. Each command's
//! body lives in a sibling file and calls the library; nothing here decides anything.

mod account;
mod bench;
mod classify;
mod demo;
mod import;
mod inspect;
#[cfg(feature = "postgres")]
mod migrate;
mod refresh;
mod request;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::time::{parse_ts, Timestamp};
use crate::{Engine, Error, Result};

/// Exit code for usage and input errors.
pub const EXIT_USAGE: i32 = 2;
/// Exit code when every account is blocked.
pub const EXIT_NO_ACCOUNT: i32 = 3;

#[derive(Parser, Debug)]
#[command(
    name = "rotor",
    version,
    about = "Event-sourced rotation engine for LLM-provider accounts"
)]
pub struct Cli {
    /// The SQLite event log.
    #[arg(long, global = true, env = "ROTOR_DB", default_value = "rotor.db")]
    pub db: PathBuf,
    /// Configuration file (default: ./rotor.toml when present).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Machine-readable output.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// The main job on a fresh machine: fake providers, thousands of requests, a health table.
    Demo(demo::DemoArgs),
    /// Add, list, import, disable, enable or remove accounts.
    #[command(subcommand)]
    Account(account::AccountCmd),
    /// Choose an account for (provider, model) and record the decision.
    Select(request::SelectArgs),
    /// Report the outcome of a request.
    Report(request::ReportArgs),
    /// Classify a provider error response (no log needed).
    Classify(classify::ClassifyArgs),
    /// Health and quota of every account x model.
    Status(inspect::StatusArgs),
    /// Decisions and state changes, from the log alone.
    Replay(inspect::ReplayArgs),
    /// The raw log.
    Events(inspect::EventsArgs),
    /// Clear a block by hand.
    Clear(request::ClearArgs),
    /// Write a copy of the log without secrets.
    Export(inspect::ExportArgs),
    /// Refresh OAuth tokens now: one account, or every account that is due.
    Refresh(refresh::RefreshArgs),
    /// The performance figures (select, append, fold, open), each next to its baseline.
    Bench(bench::BenchArgs),
    /// Copy a SQLite log into an empty PostgreSQL log (`--from rotor.db --to postgres://...`).
    #[cfg(feature = "postgres")]
    Migrate(migrate::MigrateArgs),
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rotor: {e}");
            EXIT_USAGE
        }
    }
}

fn run(cli: Cli) -> Result<i32> {
    let ctx = Ctx {
        db: cli.db.clone(),
        config: match &cli.config {
            Some(p) => Config::load(p)?,
            None => Config::load_default()?,
        },
        json: cli.json,
    };
    match cli.command {
        Command::Demo(a) => demo::demo(&ctx, a),
        Command::Account(c) => account::run(&ctx, c),
        Command::Select(a) => request::select(&ctx, a),
        Command::Report(a) => request::report(&ctx, a),
        Command::Classify(a) => classify::classify(&ctx, a),
        Command::Clear(a) => request::clear(&ctx, a),
        Command::Status(a) => inspect::status(&ctx, a),
        Command::Replay(a) => inspect::replay(&ctx, a),
        Command::Events(a) => inspect::events(&ctx, a),
        Command::Export(a) => inspect::export(&ctx, a),
        Command::Refresh(a) => refresh::refresh(&ctx, a),
        Command::Bench(a) => bench::bench(&ctx, a),
        #[cfg(feature = "postgres")]
        Command::Migrate(a) => migrate::migrate(&ctx, a),
    }
}

/// What every command needs: where the log is, the configuration, the output format.
pub struct Ctx {
    pub db: PathBuf,
    pub config: Config,
    pub json: bool,
}

impl Ctx {
    /// Opens the log for writing (exclusive).
    pub fn engine(&self) -> Result<Engine> {
        Engine::builder()
            .path(&self.db)
            .config(self.config.clone())
            .open()
    }

    pub fn print_json(&self, v: &impl serde::Serialize) {
        println!(
            "{}",
            serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into())
        );
    }
}

/// `--at` values: RFC 3339.
pub fn parse_at(s: &str) -> Result<Timestamp, String> {
    parse_ts(s).map_err(|e| e.to_string())
}

/// A body from a file path, or `-` for standard input.
pub fn read_body(path: &Option<PathBuf>) -> Result<Vec<u8>> {
    use std::io::Read;
    match path {
        None => Ok(Vec::new()),
        Some(p) if p.as_os_str() == "-" => {
            let mut buf = Vec::new();
            std::io::stdin().take(16 << 20).read_to_end(&mut buf)?;
            Ok(buf)
        }
        Some(p) => {
            std::fs::read(p).map_err(|e| Error::InvalidInput(format!("{}: {e}", p.display())))
        }
    }
}

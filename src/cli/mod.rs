//! The `rotor` command line: argument parsing (clap), opening the log the way each command
//! needs (writer lock, or read-only beside a writer), and exit codes 0 / 2 / 3. Each command's
//! body lives in a sibling file and calls the library; nothing here decides anything.

#[macro_use]
mod output;
mod account;
mod account_row;
mod account_update;
mod bench;
mod classify;
mod clear;
mod demo;
mod import;
mod input;
mod inspect;
#[cfg(feature = "postgres")]
mod migrate;
mod refresh;
mod replay;
mod report;
mod select;
#[cfg(feature = "server")]
mod serve;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use input::{parse_at, read_body, MAX_BODY};

use crate::config::Config;
use crate::{Engine, Result};

/// Exit code for usage and input errors.
pub const EXIT_USAGE: i32 = 2;
/// Exit code when every account is blocked.
pub const EXIT_NO_ACCOUNT: i32 = 3;

/// Where `--help` lists the options every command takes.
const GLOBAL: &str = "Global options";

/// The environment `rotor --help` documents.
const ENVIRONMENT: &str = "\
Environment:
  ROTOR_DB   the event log when --db is not given (an empty value counts as unset)
  ROTOR_LOG  what to log on stderr, e.g. debug or rotor=trace (default warn); RUST_LOG is
             read when ROTOR_LOG is unset

Exit codes: 0 success, 1 a refresh failed or replay --verify found a difference,
2 usage or input error (message on stderr), 3 no account available.";

#[derive(Parser, Debug)]
#[command(
    name = "rotor",
    version,
    about = "Event-sourced rotation engine for LLM-provider accounts",
    after_help = ENVIRONMENT
)]
pub struct Cli {
    /// The SQLite event log [default: $ROTOR_DB, else ./rotor.db].
    #[arg(long, global = true, value_name = "PATH", help_heading = GLOBAL)]
    pub db: Option<PathBuf>,
    /// Configuration file (default: ./rotor.toml when present).
    #[arg(long, global = true, value_name = "PATH", help_heading = GLOBAL)]
    pub config: Option<PathBuf>,
    /// Machine-readable output: JSON on stdout.
    #[arg(long, global = true, help_heading = GLOBAL)]
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
    Select(select::SelectArgs),
    /// Report the outcome of a request.
    Report(report::ReportArgs),
    /// Classify a provider error response (no log needed).
    Classify(classify::ClassifyArgs),
    /// Health and quota of every account x model.
    Status(inspect::StatusArgs),
    /// Decisions and state changes, from the log alone.
    Replay(replay::ReplayArgs),
    /// The raw log.
    Events(inspect::EventsArgs),
    /// Clear a block by hand.
    Clear(clear::ClearArgs),
    /// Write a copy of the log for a bug report: no secrets, identities pseudonymized.
    Export(inspect::ExportArgs),
    /// Refresh OAuth tokens now: one account, or every account that is due.
    Refresh(refresh::RefreshArgs),
    /// The performance figures (select, append, fold, open), each next to its baseline.
    Bench(bench::BenchArgs),
    /// Serve the engine over HTTP (JSON API, /metrics, dashboard) until SIGTERM or Ctrl-C.
    #[cfg(feature = "server")]
    Serve(serve::ServeArgs),
    /// Copy a SQLite log into an empty PostgreSQL log (`--from rotor.db --to postgres://...`).
    #[cfg(feature = "postgres")]
    Migrate(migrate::MigrateArgs),
}

/// The clap definition of the command line (tests walk it to check every option is described).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
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
        // The reader of our output went away (`| head`): nothing is wrong, end quietly.
        Err(e) if output::is_broken_pipe(&e) => 0,
        Err(e) => {
            output::stderr_line(format_args!("rotor: {e}"));
            EXIT_USAGE
        }
    }
}

/// `$ROTOR_DB` when set and not empty.
fn db_from_env() -> Option<PathBuf> {
    std::env::var_os("ROTOR_DB")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn run(cli: Cli) -> Result<i32> {
    let ctx = Ctx {
        db: cli
            .db
            .clone()
            .or_else(db_from_env)
            .unwrap_or_else(|| PathBuf::from("rotor.db")),
        config: match &cli.config {
            Some(p) => Config::load(p)?,
            None => Config::load_default()?,
        },
        json: cli.json,
    };
    match cli.command {
        Command::Demo(a) => demo::demo(&ctx, a),
        Command::Account(c) => account::run(&ctx, c),
        Command::Select(a) => select::select(&ctx, a),
        Command::Report(a) => report::report(&ctx, a),
        Command::Classify(a) => classify::classify(&ctx, a),
        Command::Clear(a) => clear::clear(&ctx, a),
        Command::Status(a) => inspect::status(&ctx, a),
        Command::Replay(a) => replay::replay(&ctx, a),
        Command::Events(a) => inspect::events(&ctx, a),
        Command::Export(a) => inspect::export(&ctx, a),
        Command::Refresh(a) => refresh::refresh(&ctx, a),
        Command::Bench(a) => bench::bench(&ctx, a),
        #[cfg(feature = "server")]
        Command::Serve(a) => serve::serve(&ctx, a),
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

    /// The `postgres://` URL `--db` names, when the log is a fleet's database.
    pub fn postgres_url(&self) -> Option<&str> {
        #[cfg(feature = "postgres")]
        {
            self.db
                .to_str()
                .filter(|s| crate::store::postgres::is_postgres_url(s))
        }
        #[cfg(not(feature = "postgres"))]
        None
    }

    /// The log as messages name it: the file, or the database without its password.
    pub fn log_name(&self) -> String {
        #[cfg(feature = "postgres")]
        if let Some(url) = self.postgres_url() {
            return crate::store::postgres::describe_url(url);
        }
        self.db.display().to_string()
    }

    /// Pretty JSON on stdout.
    pub fn print_json(&self, v: &impl serde::Serialize) -> Result<()> {
        output::json(v)
    }
}

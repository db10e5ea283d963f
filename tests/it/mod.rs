//! Integration test modules, plus the shared helpers in `support`, `common`, `fake_oauth` and
//! `fakes`.

#[macro_use]
pub mod support;
pub mod common;
pub mod fake_oauth;
pub mod fakes;

mod badfiles;
mod bench_cli;
mod checkpoints;
mod cli_replay;
mod cli_select;
mod concurrency;
mod corpus;
mod demo_db;
mod demo_fakes;
mod demo_smoke;
mod durability;
mod execute;
mod explain;
mod foreign_db;
mod hostile_times;
mod hostile_times_cli;
mod import;
mod import_cli;
mod log_snapshots;
mod oauth;
mod parse_props;
#[cfg(feature = "postgres")]
mod pg;
mod probes;
mod quota_backoff;
mod quota_engine;
mod quota_scope;
mod readme;
mod refresh_cli;
mod refresh_engine;
mod refresh_flight;
mod refresh_leak;
mod report_cli;
mod rotation;
mod scheduler;
mod secrets;
mod simday;
mod strategies;
mod sync;
mod transitions;

//! Integration test modules, plus the shared helpers in `support`, `common`, `fake_oauth` and
//! `fakes`.

#[macro_use]
pub mod support;
pub mod common;
pub mod fake_oauth;
pub mod fakes;
#[cfg(feature = "server")]
pub mod serve_support;

mod account_update;
mod badfiles;
mod bench_cli;
mod checkpoints;
mod cli_explain;
mod cli_help;
mod cli_input;
mod cli_output;
mod cli_replay;
mod cli_select;
mod cli_tables;
mod concurrency;
mod cooldown_off;
mod cooldown_status;
mod corpus;
mod demo_db;
mod demo_fakes;
mod demo_smoke;
mod durability;
mod error_rules;
mod error_sources;
mod execute;
mod expired_tokens;
mod explain;
mod export_redact;
mod foreign_db;
mod hostile_bodies;
mod hostile_times;
mod hostile_times_cli;
mod import;
mod import_cli;
mod import_paths;
mod import_props;
mod invalid_grant;
mod lease_generation;
mod log_snapshots;
#[cfg(feature = "server")]
mod metrics_lib;
mod model_names;
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
mod replay_without_config;
mod report_cli;
mod report_outcomes_cli;
mod request_scoped;
mod rotation;
mod scheduler;
mod scrub_cli;
mod scrub_props;
mod secrets;
#[cfg(feature = "server")]
mod serve_accounts;
#[cfg(feature = "server")]
mod serve_api;
#[cfg(feature = "server")]
mod serve_browser;
#[cfg(feature = "server")]
mod serve_clients;
#[cfg(feature = "server")]
mod serve_errors;
#[cfg(feature = "server")]
mod serve_inspect;
#[cfg(feature = "server")]
mod serve_parity;
#[cfg(feature = "server")]
mod serve_process;
#[cfg(feature = "server")]
mod serve_refreshability;
#[cfg(feature = "server")]
mod serve_token;
mod simday;
mod strategies;
mod sync;
mod token_shapes;
mod tos_suspension;
mod transitions;
mod weights;

//! Integration test modules, plus the shared helpers in `support`, `common` and `fake_oauth`.

#[macro_use]
pub mod support;
pub mod common;
pub mod fake_oauth;

mod badfiles;
mod bench_cli;
mod checkpoints;
mod corpus;
mod demo_fakes;
mod durability;
mod import;
mod log_snapshots;
mod oauth;
mod parse_props;
mod quota_engine;
mod report_cli;
mod rotation;
mod secrets;

//! Integration test modules, plus the shared helpers in `support`, `common` and `fake_oauth`.

#[macro_use]
pub mod support;
pub mod common;
pub mod fake_oauth;

mod badfiles;
mod corpus;
mod demo_fakes;
mod demo_smoke;
mod durability;
mod import;
mod import_cli;
mod log_snapshots;
mod oauth;
mod parse_props;
mod quota_engine;
mod refresh_cli;
mod refresh_engine;
mod refresh_leak;
mod report_cli;
mod rotation;
mod scheduler;
mod secrets;

//! Integration test modules, plus the shared helpers in `support`, `common` and `fake_oauth`.

#[macro_use]
pub mod support;
pub mod common;
pub mod fake_oauth;

mod badfiles;
mod corpus;
mod durability;
mod import;
mod import_cli;
mod oauth;
mod parse_props;
mod refresh_engine;
mod refresh_leak;
mod rotation;
mod report_cli;
mod scheduler;
mod secrets;

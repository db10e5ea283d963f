//! Integration test modules, plus the shared helpers in `support` and `common`.

#[macro_use]
pub mod support;
pub mod common;

mod badfiles;
mod cli_replay;
mod cli_select;
mod concurrency;
mod durability;
mod execute;
mod explain;
mod fakes;
mod probes;
mod quota_backoff;
mod rotation;
mod secrets;
mod simday;
mod strategies;
mod transitions;

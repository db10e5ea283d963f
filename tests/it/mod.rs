//! Integration test modules, plus the shared helpers in `support` and `common`.

#[macro_use]
pub mod support;
pub mod common;

mod rotation;
mod durability;
mod badfiles;
mod secrets;
mod strategies;
mod transitions;
mod execute;
mod probes;
mod explain;
mod concurrency;
mod fakes;
mod simday;
mod cli_select;

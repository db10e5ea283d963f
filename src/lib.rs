//! rotor: an event-sourced rotation engine for LLM-provider accounts.
//!
//! A service asks [`Engine::select`] for an account, calls the provider with the lease's
//! credential, and reports the outcome; rotor classifies errors, blocks accounts, refreshes
//! tokens, and records every fact in a SQLite event log that replays to the same decisions.
//! [`Engine::execute`] does select / call / report / retry in one call.

pub mod bench;
pub mod block;
pub mod cli;
pub mod config;
pub mod demo;
pub mod engine;
pub mod error;
pub mod event;
pub mod ids;
pub mod import;
pub mod metrics;
pub mod parse;
pub mod quota;
pub mod refresh;
pub mod replay;
pub mod scrub;
pub mod secret;
pub mod select;
#[cfg(feature = "server")]
pub mod serve;
pub mod state;
pub mod status;
pub mod store;
pub mod time;
pub mod vocab;

pub use config::Config;
pub use engine::{
    AccountChanges, Attempt, Engine, EngineBuilder, ExecuteError, Lease, NewAccount, NoAccount,
    Outcome, RefreshOutcome, ReportFor,
};
pub use error::{Error, Result};
pub use ids::{AccountId, Model, Provider, RequestId};
pub use select::{SelectOpts, Strategy};

/// The README's examples are compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

//! rotor: an event-sourced rotation engine for LLM-provider accounts.
//!
//! A service asks [`Engine::select`] for an account, calls the provider with the lease's
//! credential, and reports the outcome; rotor classifies errors, blocks accounts, refreshes
//! tokens, and records every fact in a SQLite event log that replays to the same decisions.
//! [`Engine::execute`] does select / call / report / retry in one call.

#![warn(missing_docs)]

// The library's surface: the modules an embedder names.
pub mod config;
pub mod error;
pub mod event;
#[cfg(feature = "fake")]
pub mod fake;
pub mod ids;
pub mod import;
pub mod parse;
pub mod refresh;
pub mod replay;
pub mod secret;
#[cfg(feature = "server")]
pub mod serve;
pub mod state;
pub mod status;
pub mod store;
pub mod time;

// The machinery behind the engine handle: reached through the items re-exported below.
mod block;
mod engine;
mod metrics;
mod quota;
mod scrub;
mod select;
mod vocab;

// The binary side (feature `cli`): the `rotor` CLI, `rotor demo` and `rotor bench`. Public only
// because the binary, the tests and the criterion benches are other crates; not part of the
// library's API and hidden from its docs.
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod bench;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod demo;

pub use config::Config;
pub use engine::{
    AccountChanges, Attempt, DueScan, Engine, EngineBuilder, ExecuteError, ImportAction,
    ImportOptions, Lease, NewAccount, NoAccount, Outcome, RefreshOutcome, RefreshSkip, ReportFor,
    Reported, SkippedRefresh,
};
pub use error::{Error, Result};
pub use ids::{AccountId, Model, Provider, RequestId};
pub use quota::{AccountQuota, QuotaView};
pub use select::{SelectOpts, Strategy};
pub use vocab::{BlockReason, ErrorKind, ParsedError, Scope};

// Reached by rotor's own integration tests (checkpoint placement, the scrub's properties);
// not part of the API.
#[doc(hidden)]
pub use engine::checkpoint;
#[doc(hidden)]
pub use scrub::scrub;

/// The README's examples are compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

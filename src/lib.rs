//! rotor: an event-sourced rotation engine for LLM-provider accounts.
//!
//! A service asks [`Engine::select`] for an account, calls the provider with the lease's
//! credential, and reports the outcome; rotor classifies errors, blocks accounts, refreshes
//! tokens, and records every fact in a SQLite event log that replays to the same decisions.

pub mod bench;
pub mod demo;
pub mod error;
pub mod event;
pub mod ids;
pub mod parse;
pub mod secret;
pub mod select;
pub mod time;

pub use error::{Error, Result};
pub use ids::{AccountId, Model, Provider, RequestId};

//! The shared words: the small types that events, parsers, blocks, quota and selection all
//! speak (strategy, error kind and scope, the classified failure, the `[[rules]]` entry applied
//! to it, block reason, usage, quota observation). Plain data with serde and the few facts that belong to a word (its log name,
//! whether a kind holds the whole account). No rules live here: blocks are decided in `block`,
//! failures classified in `parse`. Imports nothing of rotor's but ids, time, scrub and error.

mod block;
mod failure;
mod quota;
mod rule;
mod strategy;

pub use block::{BlockReason, BlockSet};
pub use failure::{ErrorKind, ParsedError, Scope};
pub use quota::{QuotaObservation, Usage};
pub use rule::AppliedRule;
pub use strategy::Strategy;

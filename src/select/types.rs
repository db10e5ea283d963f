//! What a decision takes and gives: the caller's options, the configured policy, what the
//! selector remembers, and the two answers (a choice or a refusal). Plain data; the decision
//! itself is `decide.rs`'s, the probe-or-refuse fallback `probe.rs`'s.

use std::time::Duration;

use super::Strategy;
use crate::event::{IgnoredBlock, Skip};
use crate::ids::AccountId;
use crate::state::KeySelector;
use crate::time::Timestamp;

/// What the caller adds to a selection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SelectOpts {
    /// Keeps a session on its previous account while that account is available.
    pub session: Option<String>,
    /// Accounts already tried for this request.
    pub exclude: Vec<AccountId>,
    /// Decide as of this time (dry runs, replays); the engine's clock otherwise.
    pub at: Option<Timestamp>,
}

/// The rules a decision follows, from configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub strategy: Strategy,
    pub probe_after: Duration,
    /// `cooldown.disabled`: no account is skipped for a block (recorded on each decision, so
    /// replays need no configuration).
    pub cooldown_disabled: bool,
}

/// An account was chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub account: AccountId,
    pub tier: u32,
    pub probe: bool,
    pub skipped: Vec<Skip>,
    /// The block the chosen account would have been skipped for, had cooldowns been on.
    pub cooldown_ignored: Option<IgnoredBlock>,
}

/// Every candidate is blocked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub earliest_at: Option<Timestamp>,
    pub skipped: Vec<Skip>,
}

/// What the selector remembers that a decision reads: the key's cursor and weights, and the
/// account the session (if any) was last served by.
#[derive(Clone, Copy, Debug, Default)]
pub struct Recall<'a> {
    pub key: Option<&'a KeySelector>,
    pub session: Option<AccountId>,
}

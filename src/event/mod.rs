//! The event log's vocabulary: one serde enum of past-tense facts, internally tagged by `kind`,
//! each kind versioned (`columns`), older versions brought to today's shape in one place
//! (`upcast`). `EventRecord` is an event with its sequence number and time. Reading and writing
//! rows lives in `store`; folding lives in `state`.

mod accounts;
mod columns;
mod payload;
mod refresh;
mod requests;
pub(crate) mod upcast;

/// The shared words events carry, at the path readers of events know them by.
pub use crate::vocab::{
    AppliedRule, BlockReason, BlockSet, ErrorKind, ParsedError, QuotaObservation, Scope, Strategy,
    Usage,
};
pub use accounts::*;
pub use payload::*;
pub use refresh::*;
pub use requests::*;

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, Model, RequestId};
use crate::time::{serde_ts_opt, Timestamp};

/// An event as stored: position in the log, time, and the fact.
#[derive(Clone, PartialEq, Debug)]
pub struct EventRecord {
    /// Position in the log: strictly increasing, assigned when the event is appended.
    pub seq: u64,
    /// When the event was recorded (the engine clock's `now`, UTC).
    pub at: Timestamp,
    /// The fact itself.
    pub event: Event,
}

/// Every fact rotor records. Field names are the JSON the `data` column holds.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// An account was registered; its secrets went to the credentials store, not the log.
    AccountAdded(AccountAdded),
    /// Some of an account's settings or its credentials changed.
    AccountUpdated(AccountUpdated),
    /// An account was deleted; it is never selected again.
    AccountRemoved {
        /// The account removed.
        account: AccountId,
    },
    /// An account was taken out of rotation until it is enabled again.
    AccountDisabled {
        /// The account disabled.
        account: AccountId,
        /// Why: by hand, or because its credentials or billing need a person.
        reason: DisableReason,
    },
    /// A disabled account was put back into rotation.
    AccountEnabled {
        /// The account enabled.
        account: AccountId,
    },
    /// An account was leased for a request.
    Selected(Selected),
    /// A request found no account it could use.
    NoAccount(NoAccount),
    /// A leased request was reported as a success.
    RequestSucceeded(RequestSucceeded),
    /// A leased request was reported as a failure, classified.
    RequestFailed(RequestFailed),
    /// The caller gave up on a request: no fault of the account, blocks nothing.
    RequestCancelled {
        /// The request's id; `None` when the outcome was reported without a lease.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request: Option<RequestId>,
        /// The account the request was made with.
        account: AccountId,
        /// The model the request asked for.
        model: Model,
    },
    /// Quota figures for an account, recorded apart from any request outcome.
    QuotaObserved(QuotaObserved),
    /// An account's OAuth token is due for a refresh.
    RefreshDue {
        /// The account whose token is due.
        account: AccountId,
        /// When the current access token expires; `None` when unknown.
        #[serde(with = "serde_ts_opt")]
        expires_at: Option<Timestamp>,
        /// What made it due: the schedule, a 401, or a person.
        why: RefreshWhy,
        /// The credential generation that is due. Applied after a newer generation (another
        /// instance of a fleet refreshed first), the event changes nothing. Absent in logs
        /// written before fleets: then it always applies.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        generation: Option<u64>,
    },
    /// An OAuth token refresh succeeded and new credentials were stored.
    RefreshSucceeded(RefreshSucceeded),
    /// An OAuth token refresh failed.
    RefreshFailed(RefreshFailed),
    /// A person lifted blocks by hand (`rotor clear`): every model's (`model` absent), or one
    /// model's block and quota state.
    StateCleared {
        /// The account cleared.
        account: AccountId,
        /// The one model whose state was lifted; `None` lifts every model's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        model: Option<Model>,
        /// With a model: also lift what holds the whole account (its block, its account-wide
        /// quota), so that model is selectable again. Absent in logs written before clears did
        /// this, where a model's clear lifted that model's own state only.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        account_wide: bool,
    },
    /// An instance of a fleet opened the shared log and will write to it as the event's writer
    /// (PostgreSQL logs only). Changes no projection.
    InstanceStarted {
        /// The machine's host name (scrubbed like any text from outside).
        host: crate::scrub::Scrubbed<256>,
        /// The writing process's id on that host.
        pid: u32,
    },
}

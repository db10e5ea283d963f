//! The event log's vocabulary: one serde enum of past-tense facts, internally tagged by `kind`,
//! each kind versioned (`columns`), older versions brought to today's shape in one place
//! (`upcast`). `EventRecord` is an event with its sequence number and time. Reading and writing
//! rows lives in `store`; folding lives in `state`.

mod columns;
mod payload;
pub mod upcast;

/// The shared words events carry, at the path readers of events know them by.
pub use crate::vocab::{
    BlockReason, BlockSet, ErrorKind, ParsedError, QuotaObservation, Scope, Strategy, Usage,
};
pub use payload::*;

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, Model, Provider, RequestId};
use crate::scrub::ScrubbedMessage;
use crate::time::{serde_ts_opt, Timestamp};

/// An event as stored: position in the log, time, and the fact.
#[derive(Clone, PartialEq, Debug)]
pub struct EventRecord {
    pub seq: u64,
    pub at: Timestamp,
    pub event: Event,
}

/// Every fact rotor records. Field names are the JSON the `data` column holds.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    AccountAdded(AccountAdded),
    AccountUpdated(AccountUpdated),
    AccountRemoved {
        account: AccountId,
    },
    AccountDisabled {
        account: AccountId,
        reason: DisableReason,
    },
    AccountEnabled {
        account: AccountId,
    },
    Selected(Selected),
    NoAccount(NoAccount),
    RequestSucceeded(RequestSucceeded),
    RequestFailed(RequestFailed),
    /// The caller gave up on a request: no fault of the account, blocks nothing.
    RequestCancelled {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request: Option<RequestId>,
        account: AccountId,
        model: Model,
    },
    QuotaObserved(QuotaObserved),
    RefreshDue {
        account: AccountId,
        #[serde(with = "serde_ts_opt")]
        expires_at: Option<Timestamp>,
        why: RefreshWhy,
    },
    RefreshSucceeded(RefreshSucceeded),
    RefreshFailed(RefreshFailed),
    /// A person lifted blocks by hand (`rotor clear`): every model's (`model` absent), or one
    /// model's block and quota state.
    StateCleared {
        account: AccountId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        model: Option<Model>,
        /// With a model: also lift what holds the whole account (its block, its account-wide
        /// quota), so that model is selectable again. Absent in logs written before clears did
        /// this, where a model's clear lifted that model's own state only.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        account_wide: bool,
    },
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct AccountAdded {
    pub account: AccountId,
    pub provider: Provider,
    pub label: String,
    pub priority: u32,
    pub weight: u32,
    /// Allow-list; `None` allows every model.
    #[serde(default)]
    pub models: Option<Vec<Model>>,
    pub credential: CredentialKind,
    /// First 12 hex of SHA-256 of the secret; never the secret.
    pub fingerprint: String,
    #[serde(default, with = "serde_ts_opt")]
    pub expires_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Identity::is_empty")]
    pub identity: Identity,
    /// Length of this account's quota window in seconds, from `quota.window.<provider>` when
    /// configured; recorded so that a replay never depends on today's configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_window_s: Option<u64>,
}

/// Changed fields only; `None` leaves a field as it was.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct AccountUpdated {
    pub account: AccountId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
    /// `Some(None)` clears the allow-list (written `"models": null`, which reads back as such).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub models: Option<Option<Vec<Model>>>,
    /// Set when new credentials were imported (stored in the same transaction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    #[serde(
        default,
        with = "serde_ts_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<u64>,
    /// `Some(false)`: a person switched the account's cooldowns off; `Some(true)`: back on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown: Option<bool>,
}

/// A field that is present decodes as `Some`, `null` included (serde's default would read a
/// `null` as absent).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

impl AccountUpdated {
    /// An update of `account` that changes nothing yet.
    pub fn new(account: AccountId) -> Self {
        AccountUpdated {
            account,
            label: None,
            priority: None,
            weight: None,
            models: None,
            fingerprint: None,
            expires_at: None,
            generation: None,
            cooldown: None,
        }
    }
}

/// Version 2 records the credential generation leased (`generation`); version 1 events are
/// upcast with `generation: null` (not recorded).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Selected {
    pub request: RequestId,
    pub provider: Provider,
    /// The model the request is rotated, blocked and counted as.
    pub model: Model,
    /// The name asked for when it differs from `model` (a variant or an alias of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asked_model: Option<Model>,
    pub account: AccountId,
    /// The credential generation leased: a 401 reported for an older one refreshes nothing.
    /// `None` only in version 1 events, which did not record it.
    pub generation: Option<u64>,
    pub strategy: Strategy,
    pub tier: u32,
    /// Leased to a half-open block as a probe (a stale block is half-open).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub probe: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded: Vec<AccountId>,
    /// Candidates of the tiers considered that were passed over, with reason and until.
    #[serde(default)]
    pub skipped: Vec<Skip>,
    /// Cooldowns were off for every account (`cooldown.disabled`), so blocks were looked past.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cooldown_disabled: bool,
    /// The block the chosen account would have been skipped for, had cooldowns been on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown_ignored: Option<IgnoredBlock>,
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct NoAccount {
    pub request: RequestId,
    pub provider: Provider,
    pub model: Model,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asked_model: Option<Model>,
    /// The strategy in force (absent in logs written before it was recorded: round robin,
    /// which decides availability the same way as every strategy but `weighted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<Strategy>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cooldown_disabled: bool,
    /// Earliest time any candidate becomes available; `None` if none ever will by itself.
    #[serde(with = "serde_ts_opt")]
    pub earliest_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded: Vec<AccountId>,
    pub skipped: Vec<Skip>,
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct RequestSucceeded {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestId>,
    pub account: AccountId,
    pub model: Model,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quota: Vec<QuotaObservation>,
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct RequestFailed {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestId>,
    pub account: AccountId,
    pub model: Model,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    pub error: ParsedError,
    /// The block this failure put in force; `None` when it penalizes nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<BlockSet>,
    /// The credential generation the request was made with; a 401 against an older generation
    /// than the current one triggers no refresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quota: Vec<QuotaObservation>,
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct QuotaObserved {
    pub account: AccountId,
    #[serde(flatten)]
    pub observation: QuotaObservation,
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct RefreshSucceeded {
    pub account: AccountId,
    #[serde(with = "serde_ts_opt")]
    pub expires_at: Option<Timestamp>,
    pub generation: u64,
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "Identity::is_empty")]
    pub identity: Identity,
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct RefreshFailed {
    pub account: AccountId,
    pub error: RefreshErrorClass,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The token endpoint's answer, scrubbed and bounded like every provider string.
    pub message: ScrubbedMessage,
    #[serde(
        default,
        with = "serde_ts_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_attempt_at: Option<Timestamp>,
}

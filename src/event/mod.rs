//! The event log's vocabulary: one serde enum of past-tense facts, internally tagged by `kind`,
//! each kind versioned (`columns`), older versions brought to today's shape in one place
//! (`upcast`). `EventRecord` is an event with its sequence number and time. Reading and writing
//! rows lives in `store`; folding lives in `state`.

mod columns;
mod payload;
pub mod upcast;

/// The shared words events carry, at the path readers of events know them by.
pub use crate::vocab::{
    AppliedRule, BlockReason, BlockSet, ErrorKind, ParsedError, QuotaObservation, Scope, Strategy,
    Usage,
};
pub use payload::*;

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, Model, Provider, RequestId};
use crate::scrub::ScrubbedMessage;
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

/// Payload of [`Event::AccountAdded`]: an account's settings, never its secrets.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct AccountAdded {
    /// The new account's id.
    pub account: AccountId,
    /// The provider the account belongs to.
    pub provider: Provider,
    /// Human-readable name shown in status and logs.
    pub label: String,
    /// Tier: lower numbers are tried first; accounts of a higher tier serve only when the lower are
    /// unavailable.
    pub priority: u32,
    /// Relative share of requests under the weighted strategy.
    pub weight: u32,
    /// Allow-list; `None` allows every model.
    #[serde(default)]
    pub models: Option<Vec<Model>>,
    /// Whether the account holds an API key or OAuth tokens.
    pub credential: CredentialKind,
    /// First 12 hex of SHA-256 of the secret; never the secret.
    pub fingerprint: String,
    /// When the OAuth access token expires; `None` for API keys or when unknown.
    #[serde(default, with = "serde_ts_opt")]
    pub expires_at: Option<Timestamp>,
    /// Who the account is at the provider (email, account id, plan), scrubbed; empty when unknown.
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
    /// The account changed.
    pub account: AccountId,
    /// New display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// New tier (lower is tried first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    /// New weighted-strategy share.
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
    /// New access-token expiry, set with new credentials.
    #[serde(
        default,
        with = "serde_ts_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<Timestamp>,
    /// New credential generation, set with new credentials.
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

/// Payload of [`Event::Selected`]: which account a request was leased and why. Version 2 records
/// the credential generation leased (`generation`); version 1 events are upcast with
/// `generation: null` (not recorded).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Selected {
    /// The request the lease is for.
    pub request: RequestId,
    /// The provider asked for.
    pub provider: Provider,
    /// The model the request is rotated, blocked and counted as.
    pub model: Model,
    /// The name asked for when it differs from `model` (a variant or an alias of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asked_model: Option<Model>,
    /// The account leased.
    pub account: AccountId,
    /// The credential generation leased: a 401 reported for an older one refreshes nothing.
    /// `None` only in version 1 events, which did not record it.
    pub generation: Option<u64>,
    /// The strategy that chose it.
    pub strategy: Strategy,
    /// The priority of the tier it was chosen from (the account's `priority`).
    pub tier: u32,
    /// Leased to a half-open block as a probe (a stale block is half-open).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub probe: bool,
    /// The caller's session key, when the request asked to stick to one account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Accounts the caller asked not to use (e.g. ones that already failed this request).
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

/// Payload of [`Event::NoAccount`]: a request found no usable account.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct NoAccount {
    /// The request that was refused.
    pub request: RequestId,
    /// The provider asked for.
    pub provider: Provider,
    /// The model the request is rotated, blocked and counted as.
    pub model: Model,
    /// The name asked for when it differs from `model` (a variant or an alias of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asked_model: Option<Model>,
    /// The strategy in force (absent in logs written before it was recorded: round robin,
    /// which decides availability the same way as every strategy but `weighted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<Strategy>,
    /// Cooldowns were off for every account (`cooldown.disabled`), so blocks were looked past.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cooldown_disabled: bool,
    /// Earliest time any candidate becomes available; `None` if none ever will by itself.
    #[serde(with = "serde_ts_opt")]
    pub earliest_at: Option<Timestamp>,
    /// The caller's session key, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Accounts the caller asked not to use.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded: Vec<AccountId>,
    /// Every candidate passed over, with reason and until.
    pub skipped: Vec<Skip>,
}

/// Payload of [`Event::RequestSucceeded`].
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct RequestSucceeded {
    /// The request's id; `None` when reported without a lease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestId>,
    /// The account that served it.
    pub account: AccountId,
    /// The model it was for.
    pub model: Model,
    /// How long the provider call took, in milliseconds, when the caller measured it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// Tokens the provider reported for the call, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Quota figures read from the response's headers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quota: Vec<QuotaObservation>,
}

/// Payload of [`Event::RequestFailed`]: a failure as classified, and the block it caused.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct RequestFailed {
    /// The request's id; `None` when reported without a lease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestId>,
    /// The account that failed.
    pub account: AccountId,
    /// The model it was for.
    pub model: Model,
    /// How long the provider call took, in milliseconds, when the caller measured it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// The provider's error as classified (kind, scope, stated wait, scrubbed message).
    pub error: ParsedError,
    /// The block this failure put in force; `None` when it penalizes nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<BlockSet>,
    /// The credential generation the request was made with; a 401 against an older generation
    /// than the current one triggers no refresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<u64>,
    /// Quota figures read from the error response's headers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quota: Vec<QuotaObservation>,
    /// The configuration's `[[rules]]` entry that reshaped `error` (which is recorded as the rule
    /// left it), so a replay needs no configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<AppliedRule>,
}

/// Payload of [`Event::QuotaObserved`].
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct QuotaObserved {
    /// The account the figures are about.
    pub account: AccountId,
    /// The figures (serialized inline with the event).
    #[serde(flatten)]
    pub observation: QuotaObservation,
}

/// Payload of [`Event::RefreshSucceeded`]: the new credentials' metadata (the tokens go to the
/// credentials store).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct RefreshSucceeded {
    /// The account refreshed.
    pub account: AccountId,
    /// When the new access token expires; `None` when the endpoint did not say.
    #[serde(with = "serde_ts_opt")]
    pub expires_at: Option<Timestamp>,
    /// The new credential generation (one more than the previous).
    pub generation: u64,
    /// First 12 hex of SHA-256 of the new access token; never the token.
    pub fingerprint: String,
    /// Who the account is, as read from the new tokens; empty when unknown.
    #[serde(default, skip_serializing_if = "Identity::is_empty")]
    pub identity: Identity,
}

/// Payload of [`Event::RefreshFailed`].
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct RefreshFailed {
    /// The account whose refresh failed.
    pub account: AccountId,
    /// Whether the failure is worth retrying or needs a person.
    pub error: RefreshErrorClass,
    /// The token endpoint's HTTP status; `None` for network errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The token endpoint's answer, scrubbed and bounded like every provider string.
    pub message: ScrubbedMessage,
    /// When the next attempt is scheduled (backoff); `None` when none will be made by itself.
    #[serde(
        default,
        with = "serde_ts_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_attempt_at: Option<Timestamp>,
}

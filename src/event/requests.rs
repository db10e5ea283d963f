//! The payloads of the events about one request: selected, no account, succeeded, failed (as
//! classified, with the block it caused) and the quota a response stated. Accounts and
//! refreshes are in `accounts.rs` and `refresh.rs`.

use serde::{Deserialize, Serialize};

use super::payload::{IgnoredBlock, Skip};
use crate::vocab::{AppliedRule, BlockSet, ParsedError, QuotaObservation, Strategy, Usage};

use crate::ids::{AccountId, Model, Provider, RequestId};
use crate::time::{serde_ts_opt, Timestamp};

/// Payload of [`Event::Selected`](super::Event::Selected): which account a request was leased and
/// why. Version 2 records the credential generation leased (`generation`); version 1 events are
/// upcast with `generation: null` (not recorded).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Selected {
    /// The request the lease is for.
    pub request: RequestId,
    /// The provider asked for.
    pub provider: Provider,
    /// The model the request is rotated, blocked and counted as.
    #[serde(deserialize_with = "crate::ids::deserialize_model")]
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

/// Payload of [`Event::NoAccount`](super::Event::NoAccount): a request found no usable account.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct NoAccount {
    /// The request that was refused.
    pub request: RequestId,
    /// The provider asked for.
    pub provider: Provider,
    /// The model the request is rotated, blocked and counted as.
    #[serde(deserialize_with = "crate::ids::deserialize_model")]
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

/// Payload of [`Event::RequestSucceeded`](super::Event::RequestSucceeded).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct RequestSucceeded {
    /// The request's id; `None` when reported without a lease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestId>,
    /// The account that served it.
    pub account: AccountId,
    /// The model it was for.
    #[serde(deserialize_with = "crate::ids::deserialize_model")]
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

/// Payload of [`Event::RequestFailed`](super::Event::RequestFailed): a failure as classified, and
/// the block it caused.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct RequestFailed {
    /// The request's id; `None` when reported without a lease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestId>,
    /// The account that failed.
    pub account: AccountId,
    /// The model it was for.
    #[serde(deserialize_with = "crate::ids::deserialize_model")]
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

/// Payload of [`Event::QuotaObserved`](super::Event::QuotaObserved).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct QuotaObserved {
    /// The account the figures are about.
    pub account: AccountId,
    /// The figures (serialized inline with the event).
    #[serde(flatten)]
    pub observation: QuotaObservation,
}

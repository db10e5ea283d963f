//! One account's projection: identity and settings, status, the account-wide block, per-model
//! health (block, consecutive failures, quota backoff level) and refresh state. Pure data plus
//! the question every decision asks: is it blocked for this model at `now`, and why.

use serde::{Deserialize, Serialize};

use crate::block::merge::open_quota_until;
use crate::block::stretches::Stretches;
use crate::block::{Block, QuotaStanding, Slot, Standing};
use crate::event::{CredentialKind, DisableReason, Identity};
use crate::ids::{AccountId, Model, Provider};
use crate::time::Timestamp;
use crate::vocab::BlockReason;

/// Whether an account takes part in selection at all.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Takes part in selection.
    Active,
    /// Out of rotation, and why.
    Disabled(DisableReason),
}

impl AccountStatus {
    /// `active`, `disabled` or `needs_reauth`, as `account list` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Disabled(DisableReason::NeedsReauth) => "needs_reauth",
            AccountStatus::Disabled(_) => "disabled",
        }
    }
}

/// Health of one (account, model).
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct ModelHealth {
    /// This model's block, if one was recorded (it may have expired).
    pub block: Option<Block>,
    /// Failures of this model in a row since its last success.
    pub consecutive_failures: u32,
    /// Quota backoff level n of `base × 2^(n-1)`; 0 after a success.
    pub quota_level: u32,
    /// Failures of this model in all.
    pub failures: u64,
    /// Every failure's block not lifted, from which `block` and `quota_level` are set.
    #[serde(default)]
    pub stretches: Stretches,
}

impl ModelHealth {
    /// The model's block slot, for `block`'s merge and lift.
    pub fn slot(&mut self) -> Slot<'_> {
        Slot {
            block: &mut self.block,
            quota_level: &mut self.quota_level,
            stretches: &mut self.stretches,
        }
    }
}

/// Token refresh progress of an OAuth account.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct RefreshState {
    /// A `refresh_due` was recorded and its result not yet.
    pub in_flight: bool,
    /// The refresh was asked for by a 401: the account is unusable until it ends.
    pub blocking: bool,
    /// Refresh failures in a row since the last success.
    pub consecutive_failures: u32,
    /// When the next refresh attempt is scheduled; `None` when none is.
    pub next_attempt_at: Option<Timestamp>,
    /// The last refresh failure's message, scrubbed; `None` after a success.
    pub last_error: Option<String>,
}

/// An account as the log's events have left it: settings, status, blocks, refresh and quota.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Account {
    /// The account's id.
    pub id: AccountId,
    /// The provider the account belongs to.
    pub provider: Provider,
    /// Human-readable name.
    pub label: String,
    /// Tier: lower numbers are tried first.
    pub priority: u32,
    /// Relative share of requests under the weighted strategy.
    pub weight: u32,
    /// Models the account may serve; `None` allows every model.
    pub models: Option<Vec<Model>>,
    /// Whether it holds an API key or OAuth tokens.
    pub credential: CredentialKind,
    /// First 12 hex of SHA-256 of the current secret; never the secret.
    pub fingerprint: String,
    /// When the current OAuth access token expires; `None` for API keys or when unknown.
    pub expires_at: Option<Timestamp>,
    /// Credential generation: 1 when added, one more on each import or refresh.
    pub generation: u64,
    /// Who the account is at the provider, when known.
    pub identity: Identity,
    /// Active, or disabled and why.
    pub status: AccountStatus,
    /// Order of addition; ties in priority keep it, so rotation order is stable.
    pub added_seq: u64,
    /// Index among its provider's accounts in order of addition (from 0, never reused): where
    /// the selector keeps this account's lease counts.
    pub slot: u32,
    /// Index in its provider's rotation order (by priority, then order of addition), kept by
    /// the roster. Here rather than in a map by id: round robin reads it for the account a
    /// key chose last, whose entry the previous selection just touched.
    pub position: usize,
    /// A block on every model of the account.
    pub account_block: Option<Block>,
    /// Account-wide quota backoff level n of `base × 2^(n-1)`; 0 after a success.
    pub quota_level: u32,
    /// Every account-wide failure's block not lifted, from which `account_block` and
    /// `quota_level` are set.
    #[serde(default)]
    pub account_stretches: Stretches,
    /// Per model; read on every `select`, so Fx-hashed like the selector's keys.
    #[serde(deserialize_with = "crate::ids::deserialize_model_keys")]
    pub health: rustc_hash::FxHashMap<Model, ModelHealth>,
    /// Token refresh progress.
    pub refresh: RefreshState,
    /// Usage windows, provider observations and learned limits.
    pub quota: crate::quota::AccountQuota,
    /// A person switched this account's cooldowns off: its failures are still classified and
    /// logged with their blocks, but selection looks past those blocks.
    #[serde(default)]
    pub cooldown_off: bool,
}

/// Why an account cannot serve a model now, and until when (`None`: until something happens).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Unavailable {
    /// Why it cannot serve.
    pub reason: BlockReason,
    /// When that ends by itself; `None` when only an event (refresh, enable, clear) ends it.
    pub until: Option<Timestamp>,
    /// The block began this long ago, so it may take a half-open probe.
    pub since: Option<Timestamp>,
    /// A probe is already leased to it.
    pub probing: bool,
}

impl Account {
    /// Whether the account's model allow-list admits `model`.
    pub fn allows(&self, model: &str) -> bool {
        self.models
            .as_ref()
            .is_none_or(|m| m.iter().any(|x| &**x == model))
    }

    /// Where this account stands on quota backoff for `model` at `at`: what the block rules
    /// read when a quota error comes in.
    pub fn standing(&self, model: &str, at: Timestamp) -> Standing {
        let h = self.health.get(model);
        Standing {
            account: QuotaStanding {
                level: self.quota_level,
                open_until: open_quota_until(&self.account_block, at),
            },
            model: QuotaStanding {
                level: h.map_or(0, |h| h.quota_level),
                open_until: h.and_then(|h| open_quota_until(&h.block, at)),
            },
        }
    }

    /// The reason this account cannot serve `model` at `now`, if any: what holds the whole
    /// account ([`Account::held`]) before what a cooldown holds ([`Account::cooling`]).
    pub fn unavailable(&self, model: &str, now: Timestamp) -> Option<Unavailable> {
        self.held(now).or_else(|| self.cooling(model, now))
    }

    /// An OAuth access token past its expiry (a refresh has not replaced it yet).
    pub fn token_expired(&self, now: Timestamp) -> bool {
        self.credential == CredentialKind::Oauth && self.expires_at.is_some_and(|t| t <= now)
    }

    /// What keeps the whole account out whatever the model and whether cooldowns are on: its
    /// status, a refresh a 401 (or an expired token) waits for, an expired token.
    pub fn held(&self, now: Timestamp) -> Option<Unavailable> {
        let holds = |reason| Unavailable {
            reason,
            until: None,
            since: None,
            probing: false,
        };
        if let AccountStatus::Disabled(r) = self.status {
            return Some(holds(if r == DisableReason::NeedsReauth {
                BlockReason::NeedsReauth
            } else {
                BlockReason::Disabled
            }));
        }
        let expired = self.token_expired(now);
        if self.refresh.in_flight && (self.refresh.blocking || expired) {
            return Some(holds(BlockReason::Refreshing));
        }
        expired.then(|| holds(BlockReason::Expired))
    }

    /// The block a cooldown puts on `model` at `now`: the account's or the model's (the longer
    /// when both are in force), else a confident learned limit already reached.
    pub fn cooling(&self, model: &str, now: Timestamp) -> Option<Unavailable> {
        let block = |b: &Block| Unavailable {
            reason: b.reason,
            until: Some(b.until),
            since: Some(b.since),
            probing: b.probe.is_some(),
        };
        let acct = self.account_block.as_ref().filter(|b| b.in_force(now));
        let model_block = self
            .health
            .get(model)
            .and_then(|h| h.block.as_ref())
            .filter(|b| b.in_force(now));
        match (acct, model_block) {
            (Some(a), Some(m)) if m.until > a.until => Some(block(m)),
            (Some(a), _) => Some(block(a)),
            (None, Some(m)) => Some(block(m)),
            // A confident learned limit already reached: skip before the provider says so.
            (None, None) => self
                .quota
                .predicted_block(now, model)
                .map(|(_, until)| Unavailable {
                    reason: BlockReason::QuotaPredicted,
                    until: Some(until),
                    since: None,
                    probing: false,
                }),
        }
    }
}

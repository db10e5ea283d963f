//! Read models for people and scripts: the `status` view (accounts, blocks in force at `at`,
//! what `select` would skip and why, which blocks cooldowns switched off let it look past,
//! quota rows) and account lookup by id or label. Pure functions of the projections; the
//! human table is rendered in `table`.

pub mod refreshable;
mod table;

pub use table::{fit, health, render, time_left};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::event::{BlockReason, CooldownOff, CredentialKind};
use crate::ids::{AccountId, Model, Provider};
use crate::parse::Scope;
use crate::state::{Account, State};
use crate::time::{serde_ts, serde_ts_opt, Timestamp};

/// What `rotor status` shows: every account's state at one moment.
#[derive(Clone, Debug, Serialize)]
pub struct StatusView {
    /// The moment the view describes (blocks and skips are judged at it).
    #[serde(with = "serde_ts")]
    pub at: Timestamp,
    /// `cooldown.disabled` in the configuration: `select` looks past every account's blocks.
    pub cooldown_disabled: bool,
    /// One entry per account, in rotation order.
    pub accounts: Vec<AccountView>,
}

/// One account's settings, blocks, skips and quota at the status time.
#[derive(Clone, Debug, Serialize)]
pub struct AccountView {
    /// The account's id.
    pub id: AccountId,
    /// Human-readable name.
    pub label: String,
    /// The provider the account belongs to.
    pub provider: Provider,
    /// `active`, `disabled` or `needs_reauth`.
    pub status: &'static str,
    /// Tier: lower numbers are tried first.
    pub priority: u32,
    /// Relative share of requests under the weighted strategy.
    pub weight: u32,
    /// The allow-list; `None`: every model.
    pub models: Option<Vec<Model>>,
    /// The account's own cooldown switch (`account update --no-cooldown` turns it off);
    /// [`StatusView::cooldown_disabled`] turns every account's off whatever this says.
    pub cooldown: bool,
    /// API key or OAuth token.
    pub credential: CredentialKind,
    /// When the OAuth access token expires; `None` for API keys or when unknown.
    #[serde(with = "serde_ts_opt")]
    pub expires_at: Option<Timestamp>,
    /// First 12 hex of SHA-256 of the current secret; never the secret.
    pub fingerprint: String,
    /// Why this OAuth account can never be refreshed (see `refreshable`); filled by callers
    /// that read the credentials store and the configuration, `None` otherwise.
    pub cannot_refresh: Option<String>,
    /// Blocks in force, including `quota_predicted` where the quota a provider stated or rotor
    /// learned is used up (model null: the whole account's).
    pub blocks: Vec<BlockView>,
    /// Every model the account has state for that `select` would skip at `at`, with the reason
    /// and until `select` gives (the same function decides both).
    pub skipped: Vec<SkipView>,
    /// Usage and limits per quota window, as rotor tracks them.
    pub quota: Vec<crate::quota::QuotaView>,
}

/// One block in force on an account or one of its models.
#[derive(Clone, Debug, Serialize)]
pub struct BlockView {
    /// `None`: the whole account.
    pub model: Option<Model>,
    /// Why it blocks.
    pub reason: BlockReason,
    /// When it ends by itself; `None` when only an event ends it.
    #[serde(with = "serde_ts_opt")]
    pub until: Option<Timestamp>,
    /// Cooldowns are off, so `select` looks past this block: `config` (`cooldown.disabled`)
    /// or `account` (the account's own switch). Absent when the block holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignored_by: Option<CooldownOff>,
}

/// One model `select` would not lease on an account at the status time.
#[derive(Clone, Debug, Serialize)]
pub struct SkipView {
    /// The model skipped.
    pub model: Model,
    /// Why `select` skips it.
    pub reason: BlockReason,
    /// When that ends by itself; `None` when only an event ends it.
    #[serde(with = "serde_ts_opt")]
    pub until: Option<Timestamp>,
}

/// The models the account has state for (health or quota), in name order.
fn known_models(a: &Account) -> Vec<&Model> {
    let mut models: Vec<&Model> = a.health.keys().chain(a.quota.models.keys()).collect();
    models.sort_unstable();
    models.dedup();
    models
}

/// The `quota_predicted` skips in force, as blocks: the account's (while no account block
/// hides it) and each model's where the model's own window is the binding one.
fn predicted_blocks(a: &Account, models: &[&Model], at: Timestamp) -> Vec<BlockView> {
    let mut out = Vec::new();
    if !a.account_block.as_ref().is_some_and(|b| b.in_force(at)) {
        if let Some(until) = a.quota.account.predicted_block(at) {
            out.push(BlockView {
                model: None,
                reason: BlockReason::QuotaPredicted,
                until: Some(until),
                ignored_by: None,
            });
        }
    }
    for m in models {
        let predicted = a
            .unavailable(m, at)
            .is_some_and(|u| u.reason == BlockReason::QuotaPredicted);
        if let Some((Scope::Model, until)) = a.quota.predicted_block(at, m).filter(|_| predicted) {
            out.push(BlockView {
                model: Some((*m).clone()),
                reason: BlockReason::QuotaPredicted,
                until: Some(until),
                ignored_by: None,
            });
        }
    }
    out
}

/// Accounts in provider then rotation order, with the blocks in force at `at` and what
/// `select` would skip, as `select` sees them with only the accounts' own cooldown switches
/// (see [`status_with`] for the configuration's).
pub fn status(state: &State, at: Timestamp) -> StatusView {
    status_with(state, at, false)
}

/// [`status`] under `cooldown.disabled = cooldown_disabled`: with cooldowns off (for every
/// account, or for one) a block stays listed, marked with whose switch lets `select` look
/// past it, and is no reason to skip.
pub fn status_with(state: &State, at: Timestamp, cooldown_disabled: bool) -> StatusView {
    let mut accounts = Vec::new();
    for provider in Provider::ALL {
        for a in state.provider_accounts(provider) {
            // Whose switch lets `select` look past this account's blocks, as it decides it.
            let off = if cooldown_disabled {
                Some(CooldownOff::Config)
            } else {
                a.cooldown_off.then_some(CooldownOff::Account)
            };
            let mut blocks = Vec::new();
            // A refresh or an expired token holds the whole account (a disabled one says so
            // in `status`); no cooldown switch looks past them.
            let held = a
                .held(at)
                .filter(|u| matches!(u.reason, BlockReason::Refreshing | BlockReason::Expired));
            if let Some(u) = held {
                blocks.push(BlockView {
                    model: None,
                    reason: u.reason,
                    until: None,
                    ignored_by: None,
                });
            }
            let held_blocks = blocks.len();
            if let Some(b) = a.account_block.as_ref().filter(|b| b.in_force(at)) {
                blocks.push(BlockView {
                    model: None,
                    reason: b.reason,
                    until: Some(b.until),
                    ignored_by: None,
                });
            }
            let models = known_models(a);
            for m in &models {
                let block = a.health.get(*m).and_then(|h| h.block.as_ref());
                if let Some(b) = block.filter(|b| b.in_force(at)) {
                    blocks.push(BlockView {
                        model: Some((*m).clone()),
                        reason: b.reason,
                        until: Some(b.until),
                        ignored_by: None,
                    });
                }
            }
            blocks.extend(predicted_blocks(a, &models, at));
            for b in &mut blocks[held_blocks..] {
                b.ignored_by = off;
            }
            let skipped = models
                .iter()
                .filter_map(|m| {
                    // With cooldowns off an account is skipped only for what holds it.
                    let cooling = || a.cooling(m, at).filter(|_| off.is_none());
                    a.held(at).or_else(cooling).map(|u| SkipView {
                        model: (*m).clone(),
                        reason: u.reason,
                        until: u.until,
                    })
                })
                .collect();
            accounts.push(AccountView {
                id: a.id,
                label: a.label.clone(),
                provider: a.provider,
                status: a.status.as_str(),
                priority: a.priority,
                weight: a.weight,
                models: a.models.clone(),
                cooldown: !a.cooldown_off,
                credential: a.credential,
                expires_at: a.expires_at,
                fingerprint: a.fingerprint.clone(),
                cannot_refresh: None,
                blocks,
                skipped,
                quota: a.quota.views(at),
            });
        }
    }
    StatusView {
        at,
        cooldown_disabled,
        accounts,
    }
}

/// Finds an account by id, or by a label that names exactly one account.
pub fn resolve_account(state: &State, id_or_label: &str) -> Result<AccountId> {
    if let Ok(id) = id_or_label.parse::<AccountId>() {
        if state.accounts.contains_key(&id) {
            return Ok(id);
        }
    }
    let mut found = state.accounts.values().filter(|a| a.label == id_or_label);
    match (found.next(), found.next()) {
        (Some(a), None) => Ok(a.id),
        (Some(_), Some(_)) => Err(Error::InvalidInput(format!(
            "label {id_or_label:?} names several accounts; use the id"
        ))),
        _ => Err(Error::UnknownAccount(id_or_label.to_string())),
    }
}

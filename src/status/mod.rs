//! Read models for people and scripts: the `status` view (accounts, blocks in force at `at`,
//! quota rows) and account lookup by id or label. Pure functions of the projections; the human
//! table is rendered in `table`.

mod table;

pub use table::{fit, health, render, time_left};

use serde::Serialize;

use crate::event::BlockReason;
use crate::ids::{AccountId, Model, Provider};
use crate::state::State;
use crate::time::{serde_ts, serde_ts_opt, Timestamp};
use crate::{Error, Result};

#[derive(Clone, Debug, Serialize)]
pub struct StatusView {
    #[serde(with = "serde_ts")]
    pub at: Timestamp,
    pub accounts: Vec<AccountView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AccountView {
    pub id: AccountId,
    pub label: String,
    pub provider: Provider,
    pub status: &'static str,
    pub priority: u32,
    pub weight: u32,
    #[serde(with = "serde_ts_opt")]
    pub expires_at: Option<Timestamp>,
    pub fingerprint: String,
    pub blocks: Vec<BlockView>,
    pub quota: Vec<crate::quota::QuotaView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct BlockView {
    /// `None`: the whole account.
    pub model: Option<Model>,
    pub reason: BlockReason,
    #[serde(with = "serde_ts_opt")]
    pub until: Option<Timestamp>,
}

/// Accounts in provider then rotation order, with the blocks in force at `at`.
pub fn status(state: &State, at: Timestamp) -> StatusView {
    let mut accounts = Vec::new();
    for provider in Provider::ALL {
        for a in state.provider_accounts(provider) {
            let mut blocks = Vec::new();
            if a.refresh.in_flight && (a.refresh.blocking || a.expires_at.is_some_and(|t| t <= at))
            {
                blocks.push(BlockView {
                    model: None,
                    reason: BlockReason::Refreshing,
                    until: None,
                });
            }
            if let Some(b) = a.account_block.as_ref().filter(|b| b.in_force(at)) {
                blocks.push(BlockView {
                    model: None,
                    reason: b.reason,
                    until: Some(b.until),
                });
            }
            let mut models: Vec<_> = a.health.iter().collect();
            models.sort_unstable_by(|x, y| x.0.cmp(y.0));
            for (m, h) in models {
                if let Some(b) = h.block.as_ref().filter(|b| b.in_force(at)) {
                    blocks.push(BlockView {
                        model: Some(m.clone()),
                        reason: b.reason,
                        until: Some(b.until),
                    });
                }
            }
            accounts.push(AccountView {
                id: a.id,
                label: a.label.clone(),
                provider: a.provider,
                status: a.status.as_str(),
                priority: a.priority,
                weight: a.weight,
                expires_at: a.expires_at,
                fingerprint: a.fingerprint.clone(),
                blocks,
                quota: a.quota.views(at),
            });
        }
    }
    StatusView { at, accounts }
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

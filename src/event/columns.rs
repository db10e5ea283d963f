//! How an event maps onto the `events` table's columns: its `kind`, the version `v` of that kind,
//! and the indexed `account`, `model` and `request`. The JSON `data` is serde's business.

use super::*;

impl Event {
    /// The `kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::AccountAdded(_) => "account_added",
            Event::AccountUpdated(_) => "account_updated",
            Event::AccountRemoved { .. } => "account_removed",
            Event::AccountDisabled { .. } => "account_disabled",
            Event::AccountEnabled { .. } => "account_enabled",
            Event::Selected(_) => "selected",
            Event::NoAccount(_) => "no_account",
            Event::RequestSucceeded(_) => "request_succeeded",
            Event::RequestFailed(_) => "request_failed",
            Event::RequestCancelled { .. } => "request_cancelled",
            Event::QuotaObserved(_) => "quota_observed",
            Event::RefreshDue { .. } => "refresh_due",
            Event::RefreshSucceeded(_) => "refresh_succeeded",
            Event::RefreshFailed(_) => "refresh_failed",
            Event::StateCleared { .. } => "state_cleared",
        }
    }

    /// Every kind this binary can read, with the newest version it knows.
    pub const KINDS: [(&'static str, u32); 15] = [
        ("account_added", 1),
        ("account_updated", 1),
        ("account_removed", 1),
        ("account_disabled", 1),
        ("account_enabled", 1),
        ("selected", 2),
        ("no_account", 1),
        ("request_succeeded", 1),
        ("request_failed", 1),
        ("request_cancelled", 1),
        ("quota_observed", 1),
        ("refresh_due", 1),
        ("refresh_succeeded", 1),
        ("refresh_failed", 1),
        ("state_cleared", 1),
    ];

    /// Newest schema version of a kind this binary knows, or `None` for an unknown kind.
    pub fn known_version(kind: &str) -> Option<u32> {
        Self::KINDS
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, v)| *v)
    }

    /// The `v` column for this event.
    pub fn version(&self) -> u32 {
        Self::known_version(self.kind()).unwrap_or(1)
    }

    /// The `account` column.
    pub fn account(&self) -> Option<AccountId> {
        Some(match self {
            Event::AccountAdded(e) => e.account,
            Event::AccountUpdated(e) => e.account,
            Event::AccountRemoved { account }
            | Event::AccountDisabled { account, .. }
            | Event::AccountEnabled { account }
            | Event::RequestCancelled { account, .. }
            | Event::RefreshDue { account, .. }
            | Event::StateCleared { account, .. } => *account,
            Event::Selected(e) => e.account,
            Event::NoAccount(_) => return None,
            Event::RequestSucceeded(e) => e.account,
            Event::RequestFailed(e) => e.account,
            Event::QuotaObserved(e) => e.account,
            Event::RefreshSucceeded(e) => e.account,
            Event::RefreshFailed(e) => e.account,
        })
    }

    /// The `model` column.
    pub fn model(&self) -> Option<&str> {
        match self {
            Event::Selected(e) => Some(&e.model),
            Event::NoAccount(e) => Some(&e.model),
            Event::RequestSucceeded(e) => Some(&e.model),
            Event::RequestFailed(e) => Some(&e.model),
            Event::RequestCancelled { model, .. } => Some(model),
            Event::QuotaObserved(e) => e.observation.model.as_deref(),
            Event::StateCleared { model, .. } => model.as_deref(),
            _ => None,
        }
    }

    /// The `request` column.
    pub fn request(&self) -> Option<RequestId> {
        match self {
            Event::Selected(e) => Some(e.request),
            Event::NoAccount(e) => Some(e.request),
            Event::RequestSucceeded(e) => e.request,
            Event::RequestFailed(e) => e.request,
            Event::RequestCancelled { request, .. } => *request,
            _ => None,
        }
    }
}

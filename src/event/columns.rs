//! How an event maps onto the `events` table's columns: its `kind` and the version `v` of that
//! kind (each kind named once, in `kinds!`), and the indexed `account`, `model` and `request`.
//! The JSON `data` is serde's business; older versions are brought up to date in `upcast`.

use super::*;

/// Every kind, named once: its `kind` column (serde's tag, derived from the variant name in
/// snake_case; reading a row checks the two agree) and its newest version.
macro_rules! kinds {
    ($($variant:ident => ($name:literal, $version:literal),)*) => {
        impl Event {
            /// The `kind` column.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Event::$variant { .. } => $name,)*
                }
            }

            /// Every kind this binary can read, with the newest version it knows.
            pub const KINDS: [(&'static str, u32); [$($name),*].len()] = [$(($name, $version)),*];
        }
    };
}

kinds! {
    AccountAdded => ("account_added", 1),
    AccountUpdated => ("account_updated", 1),
    AccountRemoved => ("account_removed", 1),
    AccountDisabled => ("account_disabled", 1),
    AccountEnabled => ("account_enabled", 1),
    Selected => ("selected", 2),
    NoAccount => ("no_account", 1),
    RequestSucceeded => ("request_succeeded", 1),
    RequestFailed => ("request_failed", 1),
    RequestCancelled => ("request_cancelled", 1),
    QuotaObserved => ("quota_observed", 1),
    RefreshDue => ("refresh_due", 1),
    RefreshSucceeded => ("refresh_succeeded", 1),
    RefreshFailed => ("refresh_failed", 1),
    StateCleared => ("state_cleared", 1),
    InstanceStarted => ("instance_started", 1),
}

impl Event {
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
            Event::NoAccount(_) | Event::InstanceStarted { .. } => return None,
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

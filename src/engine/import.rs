//! Importing a credential read by `crate::import` (`rotor account import`): the same identity
//! (provider + account id / email, else the same token or label) updates the existing account's
//! credentials as a new generation instead of adding a duplicate; identical secrets change
//! nothing; fresh credentials put a `needs_reauth` account back into rotation.

use serde::Serialize;

use super::{Engine, NewAccount};
use crate::event::{AccountUpdated, DisableReason, Identity};
use crate::ids::AccountId;
use crate::import::ImportedCredential;
use crate::state::{Account, AccountStatus};
use crate::Result;

/// What importing one credential did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportAction {
    Added,
    /// New secrets stored as the next generation of an existing account.
    Updated,
    /// The account already holds exactly these secrets.
    Unchanged,
}

impl Engine {
    /// Adds `cred` as a new account, or updates the account with the same identity.
    /// `priority` and `weight` apply to new accounts only.
    pub fn import_credential(
        &self,
        cred: &ImportedCredential,
        priority: u32,
        weight: u32,
    ) -> Result<(AccountId, ImportAction)> {
        let existing = self.with_state(|s| {
            s.accounts
                .values()
                .filter(|a| same_identity(a, cred))
                .min_by_key(|a| a.added_seq)
                .map(|a| (a.id, a.status))
        });
        let Some((account, status)) = existing else {
            let id = self.add_account(NewAccount {
                provider: cred.provider,
                label: cred.label.clone(),
                priority,
                weight,
                models: None,
                secrets: cred.secrets.clone(),
                expires_at: cred.expires_at,
                identity: Identity {
                    project_id: cred.project_id.clone(),
                    ..cred.identity.clone()
                },
            })?;
            return Ok((id, ImportAction::Added));
        };
        let same = self
            .secrets(account)
            .is_some_and(|(_, s)| s == cred.secrets);
        let action = if same {
            ImportAction::Unchanged
        } else {
            let update = AccountUpdated {
                account,
                label: None,
                priority: None,
                weight: None,
                models: None,
                fingerprint: None,
                expires_at: None,
                generation: None,
            };
            self.update_account(update, Some((cred.secrets.clone(), cred.expires_at)))?;
            ImportAction::Updated
        };
        // Only fresh credentials cure `needs_reauth`; a manual disable stays a person's choice.
        if !same && status == AccountStatus::Disabled(DisableReason::NeedsReauth) {
            self.enable_account(account)?;
        }
        tracing::debug!(%account, ?action, "credential imported");
        Ok((account, action))
    }
}

/// Whether `a` is the account `cred` belongs to: the provider's account id decides when both
/// know it, else the email; without either, the same bearer token or the same label.
fn same_identity(a: &Account, cred: &ImportedCredential) -> bool {
    if a.provider != cred.provider {
        return false;
    }
    let (mine, theirs) = (&a.identity, &cred.identity);
    if let (Some(x), Some(y)) = (&mine.account_id, &theirs.account_id) {
        return x == y && !matches!((&mine.email, &theirs.email), (Some(e), Some(f)) if e != f);
    }
    if let (Some(x), Some(y)) = (&mine.email, &theirs.email) {
        return x.eq_ignore_ascii_case(y);
    }
    a.fingerprint == cred.secrets.fingerprint() || a.label == cred.label
}

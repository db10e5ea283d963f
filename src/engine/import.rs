//! Importing a credential read by `crate::import`: the same identity (same provider, and the
//! provider's account id when both know it, else the e-mail, else the same token) updates the
//! existing account's credentials as a new generation instead of adding a duplicate; identical
//! secrets change nothing; fresh credentials put a `needs_reauth` account back into rotation.
//! Labels never decide identity, and a new account never takes a label another one has.

use serde::Serialize;

use super::{Engine, NewAccount};
use crate::error::{Error, Result};
use crate::event::{AccountUpdated, DisableReason, Identity};
use crate::ids::AccountId;
use crate::import::ImportedCredential;
use crate::state::{Account, AccountStatus, State};

/// What importing one credential did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportAction {
    /// A new account was created for the credential.
    Added,
    /// New secrets stored as the next generation of an existing account.
    Updated,
    /// The account already holds exactly these secrets.
    Unchanged,
}

impl ImportAction {
    /// `added`, `updated` or `unchanged`, as `rotor import` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportAction::Added => "added",
            ImportAction::Updated => "updated",
            ImportAction::Unchanged => "unchanged",
        }
    }
}

/// How to import: the settings of a new account, and the label a person chose.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Priority tier of a new account.
    pub priority: u32,
    /// Weight of a new account (at least 1).
    pub weight: u32,
    /// Names the account (new or existing); refused when another account has it. Without it
    /// a new account takes the credential's label, or that label with `-2`, `-3`, ... when
    /// another account has it already.
    pub label: Option<String>,
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
        let opts = ImportOptions {
            priority,
            weight,
            label: None,
        };
        self.import_credential_with(cred, &opts)
    }

    /// [`Engine::import_credential`] with a chosen label.
    pub fn import_credential_with(
        &self,
        cred: &ImportedCredential,
        opts: &ImportOptions,
    ) -> Result<(AccountId, ImportAction)> {
        let (existing, label) = self.with_state(|s| {
            let existing = s
                .accounts
                .values()
                .filter(|a| same_identity(a, cred))
                .min_by_key(|a| a.added_seq)
                .map(|a| (a.id, a.status));
            let label = match &opts.label {
                Some(l) => chosen_label(s, l, existing.map(|e| e.0)),
                None => Ok(free_label(s, &cred.label)),
            };
            (existing, label)
        });
        let label = label?;
        let Some((account, status)) = existing else {
            let id = self.add_account(NewAccount {
                provider: cred.provider,
                label,
                priority: opts.priority,
                weight: opts.weight,
                models: None,
                secrets: cred.secrets.clone(),
                expires_at: cred.expires_at,
                identity: Identity {
                    project_id: cred.project_id.as_deref().map(Into::into),
                    ..cred.identity.clone()
                },
            })?;
            return Ok((id, ImportAction::Added));
        };
        let same = self
            .secrets(account)
            .is_some_and(|(_, s)| s == cred.secrets);
        let current = self.with_state(|s| s.accounts.get(&account).map(|a| a.label.clone()));
        let rename = label_chosen_differs(opts, current.as_deref());
        let action = if same && rename.is_none() {
            ImportAction::Unchanged
        } else {
            let mut update = AccountUpdated::new(account);
            update.label = rename;
            let secrets = (!same).then(|| (cred.secrets.clone(), cred.expires_at));
            self.update_account(update, secrets)?;
            ImportAction::Updated
        };
        // Only fresh credentials cure `needs_reauth`; a manual disable stays a person's choice.
        if !same && status == AccountStatus::Disabled(DisableReason::NeedsReauth) {
            self.enable_account(account)?;
        }
        tracing::debug!(%account, action = action.as_str(), "credential imported");
        Ok((account, action))
    }
}

/// Whether `a` is the account `cred` belongs to. Same provider, then the provider's account id
/// decides when both know it (unless the e-mails differ: a ChatGPT workspace id is shared by
/// its members), else the e-mail when both know it, else the same token. Never the label: two
/// Claude Code files are both `.credentials.json`.
fn same_identity(a: &Account, cred: &ImportedCredential) -> bool {
    if a.provider != cred.provider {
        return false;
    }
    let (mine, theirs) = (&a.identity, &cred.identity);
    let emails = match (&mine.email, &theirs.email) {
        (Some(x), Some(y)) => Some(x.eq_ignore_ascii_case(y)),
        _ => None,
    };
    if let (Some(x), Some(y)) = (&mine.account_id, &theirs.account_id) {
        return x == y && emails != Some(false);
    }
    if let Some(same) = emails {
        return same;
    }
    let fingerprint = cred.secrets.fingerprint();
    !fingerprint.is_empty() && a.fingerprint == fingerprint
}

/// The label `opts` chose, when the account does not have it yet.
fn label_chosen_differs(opts: &ImportOptions, current: Option<&str>) -> Option<String> {
    let chosen = opts.label.as_deref()?.trim();
    (Some(chosen) != current).then(|| chosen.to_string())
}

/// `label` itself, or with the first free `-N` suffix.
fn free_label(s: &State, label: &str) -> String {
    let taken = |l: &str| s.accounts.values().any(|a| a.label == l);
    if !taken(label) {
        return label.to_string();
    }
    let mut n = 2;
    loop {
        let candidate = format!("{label}-{n}");
        if !taken(&candidate) {
            return candidate;
        }
        n += 1;
    }
}

/// A label a person chose: refused when another account than `for_account` has it.
fn chosen_label(s: &State, label: &str, for_account: Option<AccountId>) -> Result<String> {
    let label = label.trim();
    if label.is_empty() {
        return Err(Error::InvalidInput("--label must not be empty".into()));
    }
    match s
        .accounts
        .values()
        .find(|a| a.label == label && Some(a.id) != for_account)
    {
        Some(other) => Err(Error::InvalidInput(format!(
            "label {label:?} is already the {} account {}; choose another --label",
            other.provider, other.id
        ))),
        None => Ok(label.to_string()),
    }
}

//! Account management on the engine: add (secrets into the credentials table in the same
//! transaction as `account_added`), update (new credentials, or a person's [`AccountChanges`]),
//! disable, enable, remove, and clearing blocks.

use super::{Engine, NewAccount};
use crate::error::{Error, Result};
use crate::event::{AccountAdded, AccountUpdated, CredentialKind, DisableReason, Event};
use crate::ids::{AccountId, Model};
use crate::store::CredentialWrite;

/// Settings a person changes on a live account (`rotor account update`); `None` leaves a
/// setting as it is. Recorded as `account_updated` with the changed fields only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountChanges {
    /// A new label, unique among accounts.
    pub label: Option<String>,
    /// A new priority tier.
    pub priority: Option<u32>,
    /// A new weight (0 parks the account under `weighted`); the account's weighted
    /// round-robin credit starts again from nothing.
    pub weight: Option<u32>,
    /// A new allow-list; `Some(None)` allows every model.
    pub models: Option<Option<Vec<Model>>>,
    /// `Some(false)` switches the account's cooldowns off, `Some(true)` back on.
    pub cooldown: Option<bool>,
}

impl AccountChanges {
    /// Nothing would change.
    pub fn is_empty(&self) -> bool {
        *self == AccountChanges::default()
    }
}

impl Engine {
    /// Adds an account; returns its new id.
    pub fn add_account(&self, new: NewAccount) -> Result<AccountId> {
        if new.label.trim().is_empty() {
            return Err(Error::InvalidInput(
                "an account needs a non-empty label".into(),
            ));
        }
        if new.secrets.bearer().is_none() {
            return Err(Error::InvalidInput(
                "an account needs an API key or an access token".into(),
            ));
        }
        let account = AccountId::new_random();
        let credential = if new.secrets.access_token.is_some() {
            CredentialKind::Oauth
        } else {
            CredentialKind::ApiKey
        };
        let at = self.now();
        // An expiry read from a credential file is outside data: kept as the log can hold it.
        let expires_at = new.expires_at.map(crate::time::clamp);
        let models = new.models.map(|m| self.canonical_models(m));
        let event = Event::AccountAdded(AccountAdded {
            account,
            provider: new.provider,
            label: new.label,
            priority: new.priority,
            weight: new.weight,
            models,
            credential,
            fingerprint: new.secrets.fingerprint(),
            expires_at,
            identity: new.identity,
            quota_window_s: self
                .config()
                .quota
                .window
                .get(&new.provider)
                .map(|d| d.0.as_secs().max(1)),
        });
        let cred = CredentialWrite::Put {
            account,
            generation: 1,
            secrets: new.secrets,
            expires_at,
        };
        tracing::debug!(%account, "account added");
        let mut core = self.inner.core.write();
        self.record(&mut core, at, event, Some(cred))?;
        Ok(account)
    }

    /// Changes settings (and, with `secrets`, replaces the credential as a new generation).
    pub fn update_account(
        &self,
        mut update: AccountUpdated,
        secrets: Option<(crate::secret::Secrets, Option<crate::time::Timestamp>)>,
    ) -> Result<()> {
        let at = self.now();
        let mut core = self.inner.core.write();
        let a = core
            .state
            .accounts
            .get(&update.account)
            .ok_or_else(|| Error::UnknownAccount(update.account.to_string()))?;
        let cred = secrets.map(|(secrets, expires_at)| {
            let expires_at = expires_at.map(crate::time::clamp);
            let generation = a.generation + 1;
            update.fingerprint = Some(secrets.fingerprint());
            update.expires_at = expires_at;
            update.generation = Some(generation);
            CredentialWrite::Put {
                account: update.account,
                generation,
                secrets,
                expires_at,
            }
        });
        self.record(&mut core, at, Event::AccountUpdated(update), cred)
    }

    /// Changes an account's settings, effective on the next `select`. Refuses an empty
    /// change, an empty label and a label another account has.
    pub fn change_account(&self, account: AccountId, changes: AccountChanges) -> Result<()> {
        if changes.is_empty() {
            return Err(Error::InvalidInput(
                "nothing to change: give a label, priority, weight, models or cooldown switch"
                    .into(),
            ));
        }
        let label = changes.label.map(|l| l.trim().to_string());
        if label.as_deref().is_some_and(str::is_empty) {
            return Err(Error::InvalidInput(
                "an account needs a non-empty label".into(),
            ));
        }
        let models = match changes.models {
            Some(Some(m)) => {
                let m = self.canonical_models(m);
                if m.is_empty() {
                    return Err(Error::InvalidInput(
                        "the allow-list names no model (to allow every model, drop the list)"
                            .into(),
                    ));
                }
                Some(Some(m))
            }
            other => other,
        };
        let at = self.now();
        let mut core = self.inner.core.write();
        if !core.state.accounts.contains_key(&account) {
            return Err(Error::UnknownAccount(account.to_string()));
        }
        if let Some(l) = &label {
            let taken = core.state.accounts.values();
            if let Some(other) = taken.filter(|a| a.id != account).find(|a| &a.label == l) {
                return Err(Error::InvalidInput(format!(
                    "label {l:?} is already the {} account {}; choose another",
                    other.provider, other.id
                )));
            }
        }
        let mut update = AccountUpdated::new(account);
        update.label = label;
        update.priority = changes.priority;
        update.weight = changes.weight;
        update.models = models;
        update.cooldown = changes.cooldown;
        self.record(&mut core, at, Event::AccountUpdated(update), None)
    }

    /// An allow-list as the models selection keys on: variants and aliases resolved, blank
    /// names dropped, each model once.
    fn canonical_models(&self, models: Vec<Model>) -> Vec<Model> {
        let mut out: Vec<Model> = Vec::with_capacity(models.len());
        for m in models.iter().map(|m| m.trim()).filter(|m| !m.is_empty()) {
            let canonical = Model::from(self.config().canonical_model(m));
            if !out.contains(&canonical) {
                out.push(canonical);
            }
        }
        out
    }

    /// Takes the account out of rotation (recorded as `account_disabled`) until
    /// [`Engine::enable_account`].
    pub fn disable_account(&self, account: AccountId, reason: DisableReason) -> Result<()> {
        self.account_event(account, Event::AccountDisabled { account, reason }, None)
    }

    /// Puts a disabled account back into rotation (recorded as `account_enabled`).
    pub fn enable_account(&self, account: AccountId) -> Result<()> {
        self.account_event(account, Event::AccountEnabled { account }, None)
    }

    /// Removes an account and deletes its secrets in the same transaction.
    pub fn remove_account(&self, account: AccountId) -> Result<()> {
        self.inner.core.write().creds.remove(&account);
        self.account_event(
            account,
            Event::AccountRemoved { account },
            Some(CredentialWrite::Delete { account }),
        )
    }

    /// Clears blocks by hand (`rotor clear`): with a model, everything that keeps that model
    /// from being selected on the account (its own block and quota state, and the account-wide
    /// block and quota shared by every model); without one, all of the account's.
    pub fn clear(&self, account: AccountId, model: Option<&str>) -> Result<()> {
        let model = model.map(Model::from);
        let account_wide = model.is_some();
        let ev = Event::StateCleared {
            account,
            model,
            account_wide,
        };
        self.account_event(account, ev, None)
    }

    fn account_event(
        &self,
        account: AccountId,
        event: Event,
        cred: Option<CredentialWrite>,
    ) -> Result<()> {
        let at = self.now();
        let mut core = self.inner.core.write();
        if !core.state.accounts.contains_key(&account) {
            return Err(Error::UnknownAccount(account.to_string()));
        }
        self.record(&mut core, at, event, cred)
    }
}

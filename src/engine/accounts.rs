//! Account management on the engine: add (secrets into the credentials table in the same
//! transaction as `account_added`), update, disable, enable, remove, and clearing blocks.

use super::{Engine, NewAccount};
use crate::event::{AccountAdded, AccountUpdated, CredentialKind, DisableReason, Event};
use crate::ids::{AccountId, Model};
use crate::store::CredentialWrite;
use crate::{Error, Result};

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
        let event = Event::AccountAdded(AccountAdded {
            account,
            provider: new.provider,
            label: new.label,
            priority: new.priority,
            weight: new.weight.max(1),
            models: new.models,
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

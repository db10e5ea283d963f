//! The live engine's `status`: the projections' view (`crate::status`) under the engine's own
//! configuration (`cooldown.disabled`), with each OAuth account's refreshability judged from
//! the credentials and the token refreshers this engine holds, so `rotor serve` says what the
//! CLI's `status` and `account list` say. Nothing is recorded.

use std::collections::HashMap;

use super::Engine;
use crate::ids::AccountId;
use crate::status::{refreshable, StatusView};
use crate::time::Timestamp;

impl Engine {
    /// What `select` would do at `at`, account by account: blocks (and whether cooldowns
    /// switched off let it look past them), skips, quota, and why an account can never be
    /// refreshed. The document `rotor status --json` prints.
    pub fn status(&self, at: Timestamp) -> StatusView {
        let disabled = self.inner.config.cooldown.disabled;
        let mut view = self.with_state(|s| crate::status::status_with(s, at, disabled));
        let stuck = self.cannot_refresh();
        for row in &mut view.accounts {
            row.cannot_refresh = stuck.get(&row.id).cloned();
        }
        view
    }

    /// Every account that can never be refreshed here, with why: an OAuth account with no
    /// refresh token stored, or none of this engine's refreshers for its provider.
    pub fn cannot_refresh(&self) -> HashMap<AccountId, String> {
        let core = self.inner.core.read();
        let stored = |id: AccountId| {
            core.creds
                .get(&id)
                .is_some_and(|c| c.secrets.refresh_token.is_some())
        };
        core.state
            .accounts
            .values()
            .filter_map(|a| {
                let missing = || self.inner.refresh.get(a.provider).err();
                refreshable::cannot_refresh(a.credential, stored(a.id), missing)
                    .map(|why| (a.id, why))
            })
            .collect()
    }
}

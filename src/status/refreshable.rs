//! Whether an OAuth account can ever be refreshed where it is read: it needs a refresh token
//! in the credentials store and a refresher for its provider (Antigravity needs its OAuth
//! client configured). `status`, `account list` and `rotor serve` say so, since such an
//! account stops serving for good once its access token expires. Pure: the caller reads the
//! store and the configuration (the CLI) or its own refreshers (the engine).

use super::AccountView;
use crate::event::CredentialKind;
use crate::ids::{AccountId, Provider};
use crate::refresh::RefreshEndpoints;

/// Why the account can never be refreshed, or `None` (an API key, or a refreshable token).
/// `missing_refresher` says what keeps its provider from having a token refresher, if anything.
pub fn cannot_refresh(
    credential: CredentialKind,
    has_refresh_token: bool,
    missing_refresher: impl FnOnce() -> Option<String>,
) -> Option<String> {
    if credential != CredentialKind::Oauth {
        return None;
    }
    if !has_refresh_token {
        return Some("no refresh token is stored: import fresh credentials".into());
    }
    missing_refresher()
}

/// What keeps `provider` from having a refresher under the configuration's `endpoints` (its
/// error when it names bad token URLs).
pub fn missing_refresher(
    endpoints: &Result<RefreshEndpoints, String>,
    provider: Provider,
) -> Option<String> {
    match endpoints {
        Ok(e) => e.missing_refresher(provider),
        Err(why) => Some(format!("no token refresher: {why}")),
    }
}

/// Fills `cannot_refresh` on every row; `has_refresh_token` reads the credentials store and
/// `missing_refresher` the refreshers.
pub fn note(
    rows: &mut [AccountView],
    has_refresh_token: impl Fn(AccountId) -> bool,
    missing_refresher: impl Fn(Provider) -> Option<String>,
) {
    for row in rows {
        let stored = has_refresh_token(row.id);
        row.cannot_refresh =
            cannot_refresh(row.credential, stored, || missing_refresher(row.provider));
    }
}

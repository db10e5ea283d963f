//! Whether an OAuth account can ever be refreshed where it is read: it needs a refresh token
//! in the credentials store and a refresher for its provider (Antigravity needs its OAuth
//! client configured). `status` and `account list` say so, since such an account stops
//! serving for good once its access token expires. Pure: the caller reads store and config.

use super::AccountView;
use crate::event::CredentialKind;
use crate::refresh::RefreshEndpoints;

/// Why the account can never be refreshed, or `None` (an API key, or a refreshable token).
/// `endpoints` is the configuration's (its error when it names bad token URLs).
pub fn cannot_refresh(
    credential: CredentialKind,
    provider: crate::ids::Provider,
    has_refresh_token: bool,
    endpoints: &Result<RefreshEndpoints, String>,
) -> Option<String> {
    if credential != CredentialKind::Oauth {
        return None;
    }
    if !has_refresh_token {
        return Some("no refresh token is stored: import fresh credentials".into());
    }
    match endpoints {
        Ok(e) => e.missing_refresher(provider),
        Err(why) => Some(format!("no token refresher: {why}")),
    }
}

/// Fills `cannot_refresh` on every row; `has_refresh_token` reads the credentials store.
pub fn note(
    rows: &mut [AccountView],
    has_refresh_token: impl Fn(crate::ids::AccountId) -> bool,
    endpoints: &Result<RefreshEndpoints, String>,
) {
    for row in rows {
        let stored = has_refresh_token(row.id);
        row.cannot_refresh = cannot_refresh(row.credential, row.provider, stored, endpoints);
    }
}

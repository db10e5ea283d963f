//! Secrets: the `Secret` string wrapper whose `Debug`/`Display` never show the value, the
//! `Secrets` bundle stored in the `credentials` table, and the fingerprint events carry instead.
//! Nothing in this file writes anywhere; the store decides where secrets go.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A token or key. Prints as `Secret(<fingerprint>)`; only [`Secret::expose`] gives the value.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value; it is only shown again through [`Secret::expose`].
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The raw value, for the one place that needs it (an HTTP header or the credentials row).
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// First 12 hex of SHA-256: safe to log and to put in events.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.0)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({})", self.fingerprint())
    }
}

/// First 12 hex characters of the SHA-256 of `value`.
pub fn fingerprint(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// Everything secret about one account at one generation: the row of the `credentials` table.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct Secrets {
    /// A static API key; `None` for OAuth accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Secret>,
    /// The OAuth access token sent as the bearer; `None` for API-key accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<Secret>,
    /// The OAuth refresh token; `None` when the account cannot be refreshed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// The OpenID id token (Codex), read for the account's identity; `None` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<Secret>,
}

impl Secrets {
    /// The secrets of an API-key account.
    pub fn api_key(key: impl Into<String>) -> Self {
        Secrets {
            api_key: Some(Secret::new(key)),
            ..Default::default()
        }
    }
    /// The secrets of an OAuth account: an access token and, when refreshable, a refresh token.
    pub fn oauth(access: impl Into<String>, refresh: Option<String>) -> Self {
        Secrets {
            access_token: Some(Secret::new(access)),
            refresh_token: refresh.map(Secret::new),
            ..Default::default()
        }
    }
    /// What a request authenticates with: the API key, else the access token.
    pub fn bearer(&self) -> Option<&Secret> {
        self.api_key.as_ref().or(self.access_token.as_ref())
    }
    /// The fingerprint events carry for this credential (of the bearer secret).
    pub fn fingerprint(&self) -> String {
        self.bearer().map(Secret::fingerprint).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secrets::oauth(
            "sk-ant-oat01-supersecretvalue",
            Some("sk-ant-ort01-refreshvalue".into()),
        );
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("supersecret"), "{dbg}");
        assert!(!dbg.contains("refreshvalue"), "{dbg}");
        assert_eq!(s.fingerprint().len(), 12);
    }
}

//! Codex (ChatGPT OAuth) refresher: a form POST to `auth.openai.com/oauth/token` with the Codex
//! CLI's client id and scope. The answer rotates the refresh token and carries an id_token whose
//! claims (decoded, not verified) give email, ChatGPT account id and plan.

use std::time::Duration;

use reqwest::Url;

use super::http::{
    access_token, expires_at, next_refresh_token, refresh_token, str_field, TokenEndpoint,
};
use super::jwt::decode_claims;
use super::{RefreshFailure, RefreshFuture, TokenRefresher, TokenResult};
use crate::ids::Provider;
use crate::secret::{Secret, Secrets};
use crate::time::Timestamp;

/// The Codex CLI's public OAuth client id.
pub const CODEX_CLIENT_ID: &str = "app_EMoamEEZ73f0CkXaXp7hrann";
/// The OAuth scopes a Codex refresh asks for.
pub const CODEX_SCOPE: &str = "openid profile email";

/// Refreshes Codex CLI (ChatGPT) OAuth tokens.
pub struct CodexRefresher {
    endpoint: TokenEndpoint,
}

impl CodexRefresher {
    /// A client of the token endpoint at `url`, each request bounded by `timeout`.
    pub fn new(client: reqwest::Client, url: Url, timeout: Duration) -> Self {
        CodexRefresher {
            endpoint: TokenEndpoint::new(client, url, timeout),
        }
    }

    /// Overrides how long before expiry the scheduler should refresh (`refresh.lead.<provider>`).
    pub fn with_lead(mut self, lead: Duration) -> Self {
        self.endpoint.lead = lead;
        self
    }

    async fn run(&self, current: &Secrets, now: Timestamp) -> Result<TokenResult, RefreshFailure> {
        let refresh = refresh_token(current)?;
        let form = [
            ("client_id", CODEX_CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.expose()),
            ("scope", CODEX_SCOPE),
        ];
        let req = self.endpoint.post().form(&form);
        let v = self.endpoint.exchange(req, now).await?;
        let access = access_token(&v)?;
        let id_token = str_field(&v, "id_token")
            .map(Secret::new)
            .or_else(|| current.id_token.clone());
        let claims = id_token
            .as_ref()
            .and_then(|t| decode_claims(t.expose()))
            .unwrap_or_default();
        // No expires_in: the access token is itself a JWT whose `exp` says when it dies.
        let expires = expires_at(&v, now).or_else(|| decode_claims(&access).and_then(|c| c.exp));
        Ok(TokenResult {
            secrets: Secrets {
                access_token: Some(Secret::new(access)),
                refresh_token: next_refresh_token(&v, current),
                id_token,
                api_key: None,
            },
            expires_at: expires,
            identity: claims.identity(),
        })
    }
}

impl TokenRefresher for CodexRefresher {
    fn provider(&self) -> Provider {
        Provider::Codex
    }
    fn refresh_lead(&self) -> Duration {
        self.endpoint.lead
    }
    fn refresh<'a>(&'a self, current: &'a Secrets, now: Timestamp) -> RefreshFuture<'a> {
        Box::pin(self.run(current, now))
    }
}

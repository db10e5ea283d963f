//! Antigravity (Google OAuth) refresher: a form POST to `oauth2.googleapis.com/token` with the
//! configured client id and secret. Google usually does not rotate the refresh token, so the old
//! one is kept unless a new one comes back. No identity beyond an optional id_token's email.

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

/// Refreshes Antigravity's Google OAuth tokens with the configured OAuth client.
pub struct GoogleRefresher {
    endpoint: TokenEndpoint,
    client_id: String,
    client_secret: Secret,
}

impl GoogleRefresher {
    /// A client of the token endpoint at `url` with the Antigravity OAuth client, each request
    /// bounded by `timeout`.
    pub fn new(
        client: reqwest::Client,
        url: Url,
        timeout: Duration,
        client_id: String,
        client_secret: Secret,
    ) -> Self {
        GoogleRefresher {
            endpoint: TokenEndpoint::new(client, url, timeout),
            client_id,
            client_secret,
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
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose()),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.expose()),
        ];
        let req = self.endpoint.post().form(&form);
        let v = self.endpoint.exchange(req, now).await?;
        let id_token = str_field(&v, "id_token").map(Secret::new);
        let identity = id_token
            .as_ref()
            .and_then(|t| decode_claims(t.expose()))
            .map(|c| c.identity())
            .unwrap_or_default();
        Ok(TokenResult {
            secrets: Secrets {
                access_token: Some(Secret::new(access_token(&v)?)),
                refresh_token: next_refresh_token(&v, current),
                id_token: id_token.or_else(|| current.id_token.clone()),
                api_key: None,
            },
            expires_at: expires_at(&v, now),
            identity,
        })
    }
}

impl TokenRefresher for GoogleRefresher {
    fn provider(&self) -> Provider {
        Provider::Antigravity
    }
    fn refresh_lead(&self) -> Duration {
        self.endpoint.lead
    }
    fn refresh<'a>(&'a self, current: &'a Secrets, now: Timestamp) -> RefreshFuture<'a> {
        Box::pin(self.run(current, now))
    }
}

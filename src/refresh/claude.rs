//! Claude (Anthropic OAuth) refresher: a JSON POST of grant_type, refresh_token and Claude
//! Code's client id to `console.anthropic.com` (or `platform.claude.com` via config). The answer
//! rotates the refresh token and names the account's email. Classification lives in `http`.

use std::time::Duration;

use reqwest::Url;
use serde_json::json;

use super::http::{
    access_token, expires_at, next_refresh_token, refresh_token, str_field, TokenEndpoint,
};
use super::{RefreshFailure, RefreshFuture, TokenRefresher, TokenResult};
use crate::event::Identity;
use crate::ids::Provider;
use crate::secret::{Secret, Secrets};
use crate::time::Timestamp;

/// Claude Code's public OAuth client id.
pub const CLAUDE_CLIENT_ID: &str = "9d1c250a-e61b-44d9-88ed-5944d1962f5e";

/// Refreshes Claude Code OAuth tokens.
pub struct ClaudeRefresher {
    endpoint: TokenEndpoint,
}

impl ClaudeRefresher {
    /// A client of the token endpoint at `url`, each request bounded by `timeout`.
    pub fn new(client: reqwest::Client, url: Url, timeout: Duration) -> Self {
        ClaudeRefresher {
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
        let body = json!({
            "grant_type": "refresh_token",
            "refresh_token": refresh.expose(),
            "client_id": CLAUDE_CLIENT_ID,
        });
        let req = self.endpoint.post().json(&body);
        let v = self.endpoint.exchange(req, now).await?;
        let account = v.get("account");
        let field = |k| account.and_then(|a| str_field(a, k));
        Ok(TokenResult {
            secrets: Secrets {
                access_token: Some(Secret::new(access_token(&v)?)),
                // Anthropic rotates; keep the old one only if an answer ever omits it.
                refresh_token: next_refresh_token(&v, current),
                id_token: current.id_token.clone(),
                api_key: None,
            },
            expires_at: expires_at(&v, now),
            identity: Identity {
                email: field("email_address").map(Into::into),
                account_id: field("uuid").map(Into::into),
                plan: None,
                project_id: None,
            },
        })
    }
}

impl TokenRefresher for ClaudeRefresher {
    fn provider(&self) -> Provider {
        Provider::Claude
    }
    fn refresh_lead(&self) -> Duration {
        self.endpoint.lead
    }
    fn refresh<'a>(&'a self, current: &'a Secrets, now: Timestamp) -> RefreshFuture<'a> {
        Box::pin(self.run(current, now))
    }
}

//! Where token requests go (configuration `endpoints.<provider>.token_url`,
//! `antigravity.client_id` / `client_secret`) with the providers' own defaults, the https-only
//! rule (plain http only for loopback hosts, so a token never crosses a network in clear), and
//! [`refresher_for`], which builds a provider's refresher from them.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;

use super::TokenRefresher;
use super::{claude::ClaudeRefresher, codex::CodexRefresher, google::GoogleRefresher};
use crate::error::{Error, Result};
use crate::ids::Provider;
use crate::secret::Secret;

/// Claude's OAuth token endpoint (the one older Claude Code clients use).
pub const CLAUDE_TOKEN_URL: &str = "https://console.anthropic.com/v1/oauth/token";
/// The endpoint newer Claude Code clients use; set it as `endpoints.claude.token_url`.
pub const CLAUDE_PLATFORM_TOKEN_URL: &str = "https://platform.claude.com/v1/oauth/token";
/// OpenAI's OAuth token endpoint (Codex CLI accounts).
pub const CODEX_TOKEN_URL: &str = "https://auth.openai.com/oauth/token";
/// Google's OAuth token endpoint (Antigravity accounts).
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// Whole-request timeout of one token request unless configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Token endpoints and client credentials. `Debug` shows the client secret as a fingerprint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshEndpoints {
    /// Token endpoint for Claude accounts.
    pub claude_token_url: String,
    /// Token endpoint for Codex accounts.
    pub codex_token_url: String,
    /// Token endpoint for Antigravity accounts.
    pub antigravity_token_url: String,
    /// Google OAuth client of the Antigravity app; not shipped with rotor, so configured.
    pub antigravity_client_id: Option<String>,
    /// Google OAuth client secret of the Antigravity app; `None` when not configured.
    pub antigravity_client_secret: Option<Secret>,
    /// Whole-request timeout of one token request.
    pub timeout: Duration,
    /// `refresh.lead.<provider>`; a provider not listed uses [`super::DEFAULT_LEAD`].
    pub leads: BTreeMap<Provider, Duration>,
}

impl Default for RefreshEndpoints {
    fn default() -> Self {
        RefreshEndpoints {
            claude_token_url: CLAUDE_TOKEN_URL.into(),
            codex_token_url: CODEX_TOKEN_URL.into(),
            antigravity_token_url: GOOGLE_TOKEN_URL.into(),
            antigravity_client_id: None,
            antigravity_client_secret: None,
            timeout: DEFAULT_TIMEOUT,
            leads: BTreeMap::new(),
        }
    }
}

impl RefreshEndpoints {
    /// The configured token URL of an OAuth provider; `None` for API-key providers.
    pub fn token_url(&self, provider: Provider) -> Option<&str> {
        match provider {
            Provider::Claude => Some(&self.claude_token_url),
            Provider::Codex => Some(&self.codex_token_url),
            Provider::Antigravity => Some(&self.antigravity_token_url),
            Provider::Openai | Provider::Glm | Provider::Gemini => None,
        }
    }

    /// How long before expiry `provider`'s tokens are refreshed.
    pub fn lead(&self, provider: Provider) -> Duration {
        self.leads
            .get(&provider)
            .copied()
            .unwrap_or(super::DEFAULT_LEAD)
    }

    /// Why no refresher can be built for OAuth `provider` from these endpoints (only an
    /// Antigravity client can be missing); `None` when one can.
    pub fn missing_refresher(&self, provider: Provider) -> Option<String> {
        let client = (&self.antigravity_client_id, &self.antigravity_client_secret);
        (provider == Provider::Antigravity && !matches!(client, (Some(_), Some(_)))).then(|| {
            "antigravity refresh needs antigravity.client_id and antigravity.client_secret \
             in the config"
                .to_string()
        })
    }

    /// Checks every token URL (config load time), so a bad one fails before any refresh.
    pub fn validate(&self) -> Result<()> {
        for p in [Provider::Claude, Provider::Codex, Provider::Antigravity] {
            if let Some(url) = self.token_url(p) {
                validate_token_url(url)
                    .map_err(|e| Error::Config(format!("endpoints.{p}.token_url: {e}")))?;
            }
        }
        Ok(())
    }
}

/// Parses a token URL: `https` anywhere, plain `http` only for a loopback host (127.0.0.0/8,
/// ::1, localhost), where tests and local fakes run. Tokens never cross a network in clear.
pub fn validate_token_url(url: &str) -> Result<Url> {
    let parsed = Url::parse(url.trim())
        .map_err(|e| Error::Config(format!("token URL {url:?} is not a URL: {e}")))?;
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if is_loopback(&parsed) => Ok(parsed),
        "http" => Err(Error::Config(format!(
            "token URL {url:?} uses plain http to a non-loopback host; use https \
             (http is accepted only for 127.0.0.0/8, ::1 and localhost)"
        ))),
        other => Err(Error::Config(format!(
            "token URL {url:?} has scheme {other:?}; use https"
        ))),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// The HTTP client token requests should use: no redirects (a 307/308 would re-send the
/// refresh token to wherever it points, past the https check), rustls, pooled connections.
pub fn token_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(super::http::USER_AGENT)
        .build()
        .map_err(|e| Error::Refresh(format!("cannot build the HTTP client: {e}")))
}

/// The refresher for `provider`: `Ok(None)` for API-key providers (openai, glm, gemini),
/// an error when the provider's token URL is invalid or antigravity's client is not configured.
/// `client` is shared (connection pool; build it with [`token_client`]); per-request timeouts
/// come from `endpoints.timeout`.
pub fn refresher_for(
    provider: Provider,
    endpoints: &RefreshEndpoints,
    client: reqwest::Client,
) -> Result<Option<Box<dyn TokenRefresher>>> {
    let Some(url) = endpoints.token_url(provider) else {
        return Ok(None);
    };
    let url = validate_token_url(url)?;
    let timeout = endpoints.timeout;
    let lead = endpoints.lead(provider);
    Ok(Some(match provider {
        Provider::Claude => Box::new(ClaudeRefresher::new(client, url, timeout).with_lead(lead)),
        Provider::Codex => Box::new(CodexRefresher::new(client, url, timeout).with_lead(lead)),
        _ => {
            let (Some(id), Some(secret)) = (
                endpoints.antigravity_client_id.clone(),
                endpoints.antigravity_client_secret.clone(),
            ) else {
                return Err(Error::Refresh(
                    endpoints.missing_refresher(provider).unwrap_or_default(),
                ));
            };
            Box::new(GoogleRefresher::new(client, url, timeout, id, secret).with_lead(lead))
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        for ok in [
            "https://console.anthropic.com/v1/oauth/token",
            "http://127.0.0.1:8080/token",
            "http://127.9.9.9/token",
            "http://[::1]:9/token",
            "http://LOCALHOST:1/x",
        ] {
            assert!(validate_token_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://auth.openai.com/oauth/token",
            "http://10.0.0.1/token",
            "http://localhost.evil.com/token",
            "http://[::2]/token",
            "ftp://127.0.0.1/token",
            "not a url",
        ] {
            let e = validate_token_url(bad).unwrap_err().to_string();
            assert!(e.contains("token URL"), "{bad}: {e}");
        }
    }

    #[test]
    fn defaults_are_the_spec_urls_and_valid() {
        let e = RefreshEndpoints::default();
        assert_eq!(e.token_url(Provider::Codex), Some(CODEX_TOKEN_URL));
        assert_eq!(e.token_url(Provider::Glm), None);
        e.validate().unwrap();
        let bad = RefreshEndpoints {
            codex_token_url: "http://example.com/t".into(),
            ..Default::default()
        };
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("endpoints.codex"));
    }

    #[test]
    fn api_key_providers_have_no_refresher_and_antigravity_needs_its_client() {
        let e = RefreshEndpoints::default();
        let c = reqwest::Client::new();
        for p in [Provider::Openai, Provider::Glm, Provider::Gemini] {
            assert!(refresher_for(p, &e, c.clone()).unwrap().is_none());
        }
        assert!(refresher_for(Provider::Claude, &e, c.clone())
            .unwrap()
            .is_some());
        let err = refresher_for(Provider::Antigravity, &e, c).err().unwrap();
        assert!(err.to_string().contains("antigravity.client_id"), "{err}");
    }
}

//! Turning a [`Config`] into the refresh endpoints it names: the one place the configuration's
//! `[endpoints.*]`, `[antigravity]` and `[refresh.lead]` tables reach the token protocols
//! (which live in `crate::refresh` and know nothing of the configuration).

use super::Config;
use crate::error::{Error, Result};
use crate::ids::Provider;
use crate::refresh::RefreshEndpoints;
use crate::secret::Secret;

impl RefreshEndpoints {
    /// The endpoints a [`Config`] names (`endpoints.<provider>.token_url`,
    /// `antigravity.client_id/client_secret`, `refresh.lead.<provider>`), validated: a token URL
    /// for an API-key provider or a plain-http non-loopback URL is a config error.
    pub fn from_config(config: &Config) -> Result<Self> {
        let mut e = RefreshEndpoints::default();
        for (p, s) in &config.endpoints {
            let Some(url) = &s.token_url else { continue };
            let slot = match p {
                Provider::Claude => &mut e.claude_token_url,
                Provider::Codex => &mut e.codex_token_url,
                Provider::Antigravity => &mut e.antigravity_token_url,
                Provider::Openai | Provider::Glm | Provider::Gemini => {
                    return Err(Error::Config(format!(
                        "endpoints.{p}.token_url: {p} uses API keys and has no token endpoint"
                    )))
                }
            };
            *slot = url.trim().to_owned();
        }
        e.antigravity_client_id = config.antigravity.client_id.clone();
        e.antigravity_client_secret = config.antigravity.client_secret.clone().map(Secret::new);
        e.leads = config.refresh.lead.iter().map(|(p, d)| (*p, d.0)).collect();
        e.validate()?;
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn from_config_reads_urls_client_and_leads_and_validates() {
        let c = Config::from_toml(
            "[endpoints.claude]\ntoken_url = \"https://platform.claude.com/v1/oauth/token\"\n\
             [antigravity]\nclient_id = \"id\"\nclient_secret = \"s3cret\"\n\
             [refresh.lead]\ncodex = \"10m\"\n",
        )
        .unwrap();
        let e = RefreshEndpoints::from_config(&c).unwrap();
        assert_eq!(
            e.claude_token_url,
            crate::refresh::CLAUDE_PLATFORM_TOKEN_URL
        );
        assert_eq!(e.codex_token_url, crate::refresh::CODEX_TOKEN_URL);
        assert_eq!(e.antigravity_client_id.as_deref(), Some("id"));
        assert_eq!(e.lead(Provider::Codex), Duration::from_secs(600));
        assert_eq!(e.lead(Provider::Claude), crate::refresh::DEFAULT_LEAD);
        assert!(!format!("{e:?}").contains("s3cret"));
        for bad in [
            "[endpoints.codex]\ntoken_url = \"http://example.com/t\"\n",
            "[endpoints.glm]\ntoken_url = \"https://example.com/t\"\n",
        ] {
            let c = Config::from_toml(bad).unwrap();
            assert!(RefreshEndpoints::from_config(&c).is_err(), "{bad}");
        }
    }
}

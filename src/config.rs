//! Configuration (SPEC §9): a TOML file, every key optional, defaults from the SPEC. Unknown keys
//! and bad durations are errors naming the key. Reading the file is the only IO here.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};

use crate::ids::Provider;
use crate::select::Strategy;
use crate::{Error, Result};

/// A duration written as `30s`, `5m`, `1h30m`, `250ms`, or a number of seconds.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
pub struct Dur(pub Duration);

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Secs(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Secs(s) => Ok(Dur(Duration::from_secs(s))),
            Raw::Text(t) => crate::time::parse_duration(&t).map(Dur).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "invalid duration {t:?} (write e.g. \"30s\", \"5m\", \"1h\", \"250ms\")"
                ))
            }),
        }
    }
}

const fn secs(s: u64) -> Dur {
    Dur(Duration::from_secs(s))
}

#[derive(Clone, PartialEq, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub strategy: Strategy,
    pub refresh: RefreshSettings,
    pub cooldown: Cooldowns,
    pub probe: ProbeSettings,
    pub quota_backoff: QuotaBackoff,
    pub retry: RetrySettings,
    /// Per provider: `token_url` overrides.
    pub endpoints: BTreeMap<Provider, EndpointSettings>,
    pub antigravity: AntigravitySettings,
}

#[derive(Clone, PartialEq, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RefreshSettings {
    pub interval: Dur,
    /// How long before expiry a token is refreshed, per provider (default 5 min).
    pub lead: BTreeMap<Provider, Dur>,
}

#[derive(Clone, PartialEq, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Cooldowns {
    pub rate_limit: Dur,
    pub overloaded: Dur,
    pub transient: Dur,
    pub auth: Dur,
    pub permission: Dur,
    pub not_found: Dur,
    pub billing: Dur,
    /// Floor for every wait: sub-second hints cause retry storms.
    pub min: Dur,
}

#[derive(Clone, PartialEq, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProbeSettings {
    /// A block older than this may take one half-open probe when nothing else is available.
    pub after: Dur,
}

#[derive(Clone, PartialEq, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QuotaBackoff {
    pub base: Dur,
    pub max: Dur,
}

#[derive(Clone, PartialEq, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetrySettings {
    pub max_attempts: u32,
    pub max_wait: Dur,
}

#[derive(Clone, PartialEq, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointSettings {
    pub token_url: Option<String>,
}

#[derive(Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AntigravitySettings {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for AntigravitySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AntigravitySettings")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            strategy: Strategy::RoundRobin,
            refresh: RefreshSettings::default(),
            cooldown: Cooldowns::default(),
            probe: ProbeSettings::default(),
            quota_backoff: QuotaBackoff::default(),
            retry: RetrySettings::default(),
            endpoints: BTreeMap::new(),
            antigravity: AntigravitySettings::default(),
        }
    }
}

impl Default for RefreshSettings {
    fn default() -> Self {
        RefreshSettings {
            interval: secs(30),
            lead: BTreeMap::new(),
        }
    }
}

impl Default for Cooldowns {
    fn default() -> Self {
        Cooldowns {
            rate_limit: secs(5),
            overloaded: secs(30),
            transient: secs(60),
            auth: secs(30 * 60),
            permission: secs(30 * 60),
            not_found: secs(12 * 3600),
            billing: secs(24 * 3600),
            min: secs(1),
        }
    }
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings {
            after: secs(15 * 60),
        }
    }
}

impl Default for QuotaBackoff {
    fn default() -> Self {
        QuotaBackoff {
            base: secs(1),
            max: secs(30 * 60),
        }
    }
}

impl Default for RetrySettings {
    fn default() -> Self {
        RetrySettings {
            max_attempts: 3,
            max_wait: secs(30),
        }
    }
}

impl Config {
    /// Parses TOML text; errors name the offending key.
    pub fn from_toml(text: &str) -> Result<Config> {
        toml::from_str(text).map_err(|e| Error::Config(e.to_string().trim().to_string()))
    }

    /// Reads `path`; a missing file is an error (use [`Config::load_default`] for the optional
    /// `rotor.toml`).
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
        Self::from_toml(&text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))
    }

    /// `./rotor.toml` when present, else the defaults.
    pub fn load_default() -> Result<Config> {
        let p = Path::new("rotor.toml");
        if p.exists() {
            Self::load(p)
        } else {
            Ok(Config::default())
        }
    }

    /// Refresh lead for a provider (default 5 min).
    pub fn refresh_lead(&self, provider: Provider) -> Duration {
        self.refresh
            .lead
            .get(&provider)
            .map(|d| d.0)
            .unwrap_or(Duration::from_secs(300))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_spec_and_keys_override() {
        let c = Config::from_toml(
            "strategy = \"weighted\"\n[cooldown]\nrate_limit = \"10s\"\n[refresh.lead]\nclaude = \"10m\"\n",
        )
        .unwrap();
        assert_eq!(c.strategy, Strategy::Weighted);
        assert_eq!(c.cooldown.rate_limit.0, Duration::from_secs(10));
        assert_eq!(c.cooldown.overloaded.0, Duration::from_secs(30));
        assert_eq!(c.refresh_lead(Provider::Claude), Duration::from_secs(600));
        assert_eq!(c.refresh_lead(Provider::Codex), Duration::from_secs(300));
        assert_eq!(c.retry.max_attempts, 3);
    }

    #[test]
    fn unknown_keys_and_bad_durations_name_the_key() {
        let e = Config::from_toml("[cooldown]\nrate_limt = \"5s\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("rate_limt"), "{e}");
        let e = Config::from_toml("[probe]\nafter = \"soon\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("after") && e.contains("soon"), "{e}");
    }
}

//! Configuration: a TOML file, every key optional, defaults in `defaults.rs` (and the README's
//! configuration example). Unknown keys and bad durations are errors naming the key. A config
//! serializes back to every key it has, defaults filled in (the README's test checks its example
//! against that; the Antigravity client secret is written as `[redacted]`). Reading the file is
//! the only IO here.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Error, Result};
use crate::ids::Provider;
use crate::select::Strategy;

mod defaults;
mod models;
pub(crate) mod rules;

pub use models::{ModelAliases, ModelVariants};
pub use rules::ErrorRule;

/// A duration written as `30s`, `5m`, `1h30m`, `250ms`, or a number of seconds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Dur(pub Duration);

/// Written as it is read: whole seconds as `30s`, anything finer in milliseconds (`250ms`).
impl Serialize for Dur {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let ms = self.0.as_millis();
        if ms.is_multiple_of(1000) {
            s.collect_str(&format_args!("{}s", ms / 1000))
        } else {
            s.collect_str(&format_args!("{ms}ms"))
        }
    }
}

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

/// rotor's settings, read from TOML (`rotor.toml`); every field has a default, unknown keys are
/// errors.
#[derive(Clone, PartialEq, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Which selection strategy picks among the accounts of a tier (default round-robin).
    pub strategy: Strategy,
    /// When OAuth tokens are refreshed.
    pub refresh: RefreshSettings,
    /// How long each kind of failure blocks an account when the provider states no wait.
    pub cooldown: Cooldowns,
    /// When a blocked account may take a half-open probe.
    pub probe: ProbeSettings,
    /// The exponential backoff for quota errors that state no reset time.
    pub quota_backoff: QuotaBackoff,
    /// How [`crate::Engine::execute`] retries on other accounts.
    pub retry: RetrySettings,
    /// Per provider: `token_url` overrides.
    pub endpoints: BTreeMap<Provider, EndpointSettings>,
    /// The OAuth client of Antigravity's token endpoint.
    pub antigravity: AntigravitySettings,
    /// Usage window length per provider, for quota tracking.
    pub quota: QuotaWindows,
    /// `model_alias.<name> = "<canonical>"`: names served, blocked and counted as another model.
    pub model_alias: ModelAliases,
    /// Reasoning-effort suffixes: a variant shares its model's state.
    pub model_variants: ModelVariants,
    /// How an instance of a fleet follows a shared PostgreSQL log (`[postgres]`).
    pub postgres: PostgresSettings,
    /// `[[rules]]`: corrections to the built-in classification, first match applies.
    pub rules: Vec<ErrorRule>,
}

/// `postgres.poll`: how often an instance of a fleet reads the shared log for the others'
/// events when no notification wakes it sooner (notifications are lost on reconnect, so the
/// poll is what guarantees it).
#[derive(Clone, PartialEq, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PostgresSettings {
    /// The longest an instance goes without reading the others' events (default 250 ms).
    pub poll: Dur,
    /// LISTEN for the notification each committed batch sends, to read at once rather than at
    /// the next poll (false: poll only, e.g. behind a pooler that does not pass LISTEN on).
    pub listen: bool,
}

/// `quota.window.<provider>`: usage window length per provider (default: Antigravity, Claude,
/// Codex, GLM 5 h; OpenAI 1 min; Gemini 24 h). Recorded on each new account's `account_added`.
#[derive(Clone, PartialEq, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct QuotaWindows {
    /// Window length per provider; a provider absent here uses its built-in default.
    pub window: BTreeMap<Provider, Dur>,
}

/// `[refresh]`: when OAuth tokens are refreshed.
#[derive(Clone, PartialEq, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RefreshSettings {
    /// How often the background scheduler looks for tokens nearing expiry.
    pub interval: Dur,
    /// How long before expiry a token is refreshed, per provider (default 5 min).
    pub lead: BTreeMap<Provider, Dur>,
}

/// `[cooldown]`: how long a failure blocks when the provider states no wait of its own.
#[derive(Clone, PartialEq, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Cooldowns {
    /// Block after a rate-limit error (429) without `Retry-After`.
    pub rate_limit: Dur,
    /// Block after the provider reports it is overloaded (e.g. 529).
    pub overloaded: Dur,
    /// Block after a transient server or network error (5xx, connection reset).
    pub transient: Dur,
    /// Block after an authentication failure (401) of an API-key account; an OAuth account is
    /// refreshed instead.
    pub auth: Dur,
    /// Block of the whole account after a permission error (403).
    pub permission: Dur,
    /// Block after the provider says the model does not exist for the account.
    pub not_found: Dur,
    /// Block after a billing error (payment required, credit exhausted).
    pub billing: Dur,
    /// Floor for every wait: sub-second hints cause retry storms.
    pub min: Dur,
    /// Google's (Antigravity, Gemini) wait for a quota error that states none, instead of the
    /// backoff: their daily quotas do not come back after a minute.
    pub google_quota: Dur,
    /// Cooldowns off for every account: failures are still classified and logged with the
    /// block they would cause, but `select` looks past those blocks (and says so).
    pub disabled: bool,
}

/// `[probe]`: half-open probing of blocked accounts.
#[derive(Clone, PartialEq, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProbeSettings {
    /// A block older than this may take one half-open probe when nothing else is available.
    pub after: Dur,
}

/// `[quota_backoff]`: wait of a quota error that states no reset, `base × 2^(n-1)` for the n-th in
/// a row.
#[derive(Clone, PartialEq, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct QuotaBackoff {
    /// Wait after the first such error.
    pub base: Dur,
    /// Longest wait the doubling reaches.
    pub max: Dur,
}

/// `[retry]`: how [`crate::Engine::execute`] retries a failed call.
#[derive(Clone, PartialEq, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetrySettings {
    /// Most calls made for one request, the first included.
    pub max_attempts: u32,
    /// Total time one `execute` may spend waiting for blocked accounts to free up.
    pub max_wait: Dur,
}

/// `[endpoints.<provider>]`: where a provider's OAuth tokens are refreshed.
#[derive(Clone, PartialEq, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointSettings {
    /// Token endpoint URL overriding the provider's built-in one (tests and proxies); `None` keeps
    /// it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
}

/// `[antigravity]`: the OAuth client Antigravity tokens are refreshed with.
#[derive(Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AntigravitySettings {
    /// OAuth client id; `None` uses the built-in one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// OAuth client secret; `None` uses the built-in one. Never printed by `Debug`, serialized
    /// as `[redacted]`.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "redacted")]
    pub client_secret: Option<String>,
}

/// A secret's place in serialized output.
fn redacted<S: serde::Serializer>(_: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("[redacted]")
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

impl Config {
    /// The block rules' durations for one provider's failures, from `cooldown` and
    /// `quota_backoff`.
    pub fn block_settings(&self, provider: Provider) -> crate::block::BlockSettings {
        let cd = &self.cooldown;
        let google = matches!(provider, Provider::Antigravity | Provider::Gemini);
        crate::block::BlockSettings {
            rate_limit: cd.rate_limit.0,
            overloaded: cd.overloaded.0,
            transient: cd.transient.0,
            auth: cd.auth.0,
            permission: cd.permission.0,
            not_found: cd.not_found.0,
            billing: cd.billing.0,
            min: cd.min.0,
            quota_base: self.quota_backoff.base.0,
            quota_max: self.quota_backoff.max.0,
            quota_default: google.then_some(cd.google_quota.0),
        }
    }

    /// Parses TOML text; errors name the offending key.
    pub fn from_toml(text: &str) -> Result<Config> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| {
                text.as_bytes()[..s.start.min(text.len())]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count()
                    + 1
            });
            let key = e.span().and_then(|s| key_at(text, s.start));
            let msg = e.message().trim();
            Error::Config(match (key, line) {
                (Some(k), Some(n)) => format!("key `{k}` (line {n}): {msg}"),
                (None, Some(n)) => format!("line {n}: {msg}"),
                _ => msg.to_string(),
            })
        })?;
        config.check_model_names()?;
        Ok(config)
    }

    /// Reads `path`; a missing file is an error (use [`Config::load_default`] for the optional
    /// `rotor.toml`).
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
        Self::from_toml(&text).map_err(|e| match e {
            Error::Config(m) => Error::Config(format!("{}: {m}", path.display())),
            e => e,
        })
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

/// The dotted key whose line holds byte `offset`: the text before `=` on that line, under the
/// nearest `[table]` header above it. A best effort for error messages; `None` when unclear.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next().unwrap_or("");
    let key = line.split('=').next()?.trim();
    if key.is_empty() || key.starts_with('[') || line.find('=').is_none() {
        return None;
    }
    let table = text[..start]
        .lines()
        .rev()
        // A table header may carry a comment, as the README's example does.
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .find(|l| l.starts_with('[') && l.ends_with(']'))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    Some(match table {
        Some(t) => format!("{t}.{key}"),
        None => key.to_string(),
    })
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
        assert!(e.contains("`probe.after`") && e.contains("soon"), "{e}");
        let e = Config::from_toml("[retry]\nmax_attempts = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`retry.max_attempts` (line 2)"), "{e}");
        let e = Config::from_toml("strategy = \"fastest\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`strategy`") && e.contains("fastest"), "{e}");
        // A commented table header still names the table (not the one before it)
        let e = Config::from_toml(
            "[probe]\nafter = \"1m\"\n[retry]   # how execute retries\nmax_wait = \"x\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("`retry.max_wait` (line 4)"), "{e}");
    }
}

//! Configuration: a TOML file, every key optional, defaults in `defaults.rs` (and the README's
//! configuration example). Unknown keys and bad durations are errors naming the key. A config
//! serializes back to every key it has, defaults filled in (the README's test checks its example
//! against that; the Antigravity client secret is written as `[redacted]`). Here: the top level
//! and what the engine asks of it; the tables are `sections.rs`'s, reading the file (the only IO)
//! `load.rs`'s.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ids::Provider;
use crate::select::Strategy;

mod defaults;
mod dur;
mod endpoints;
mod load;
mod models;
pub(crate) mod rules;
mod sections;

pub use dur::Dur;
pub use models::{ModelAliases, ModelVariants};
pub use rules::ErrorRule;
pub use sections::{
    AntigravitySettings, Cooldowns, EndpointSettings, PostgresSettings, ProbeSettings,
    QuotaBackoff, QuotaWindows, RefreshSettings, RetrySettings,
};

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

    /// Refresh lead for a provider (default 5 min).
    pub fn refresh_lead(&self, provider: Provider) -> Duration {
        self.refresh
            .lead
            .get(&provider)
            .map(|d| d.0)
            .unwrap_or(Duration::from_secs(300))
    }
}

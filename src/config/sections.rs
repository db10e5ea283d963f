//! The tables of `rotor.toml` below the top level: `[postgres]`, `[quota.window]`, `[refresh]`,
//! `[cooldown]`, `[probe]`, `[quota_backoff]`, `[retry]`, `[endpoints.<provider>]` and
//! `[antigravity]` (its client secret never printed). Only their shape lives here: their defaults
//! are `defaults.rs`'s, reading the file is `load.rs`'s.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Dur;
use crate::ids::Provider;

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

//! The engine's token refreshers: one per OAuth provider, built from the config's endpoints
//! (validated when the engine opens) or injected through the builder, plus the per-account
//! single-flight gate and the scheduler interval. A provider that cannot be configured
//! (antigravity without its OAuth client) is remembered with the reason, not a failed open.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::RefreshOutcome;
use crate::config::Config;
use crate::error::Result;
use crate::ids::{AccountId, Provider};
use crate::refresh::{refresher_for, token_client, RefreshEndpoints, SingleFlight, TokenRefresher};

/// The engine's refreshers, its single-flight gate and scheduler settings.
pub(crate) struct Refreshers {
    by_provider: HashMap<Provider, Arc<dyn TokenRefresher>>,
    /// Why an OAuth provider has no refresher (antigravity without a configured client).
    missing: HashMap<Provider, String>,
    pub(crate) flight: SingleFlight<AccountId, Result<RefreshOutcome, String>>,
    pub(crate) interval: Duration,
}

impl Refreshers {
    /// Builds a refresher per OAuth provider from the endpoints (from `config` unless given);
    /// `injected` ones (tests, custom clients) replace the built ones of their provider.
    pub(crate) fn build(
        config: &Config,
        endpoints: Option<RefreshEndpoints>,
        injected: Vec<Arc<dyn TokenRefresher>>,
    ) -> Result<Self> {
        let endpoints = match endpoints {
            Some(e) => {
                e.validate()?;
                e
            }
            None => RefreshEndpoints::from_config(config)?,
        };
        let mut by_provider: HashMap<Provider, Arc<dyn TokenRefresher>> = HashMap::new();
        let mut missing = HashMap::new();
        let client = token_client()?;
        for p in [Provider::Claude, Provider::Codex, Provider::Antigravity] {
            match refresher_for(p, &endpoints, client.clone()) {
                Ok(Some(r)) => {
                    by_provider.insert(p, Arc::from(r));
                }
                Ok(None) => {}
                // Only a missing antigravity client gets here (URLs were validated above):
                // not fatal, since most users have no antigravity accounts.
                Err(crate::error::Error::Refresh(why)) => {
                    missing.insert(p, why);
                }
                Err(e) => {
                    missing.insert(p, e.to_string());
                }
            }
        }
        for r in injected {
            missing.remove(&r.provider());
            by_provider.insert(r.provider(), r);
        }
        Ok(Refreshers {
            by_provider,
            missing,
            flight: SingleFlight::new(),
            interval: config.refresh.interval.0.max(Duration::from_millis(1)),
        })
    }

    pub(crate) fn get(&self, p: Provider) -> std::result::Result<&Arc<dyn TokenRefresher>, String> {
        self.by_provider.get(&p).ok_or_else(|| {
            self.missing
                .get(&p)
                .cloned()
                .unwrap_or_else(|| format!("no token refresher for {p}"))
        })
    }
}

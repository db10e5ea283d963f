//! The defaults of every configuration key: what rotor does with no `rotor.toml`.

use std::collections::BTreeMap;

use super::dur::secs;
use super::*;

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
            quota: QuotaWindows::default(),
            model_alias: BTreeMap::new(),
            model_variants: ModelVariants::default(),
            postgres: PostgresSettings::default(),
            rules: Vec::new(),
        }
    }
}

impl Default for PostgresSettings {
    fn default() -> Self {
        PostgresSettings {
            poll: Dur(Duration::from_millis(250)),
            listen: true,
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
            google_quota: secs(3600),
            disabled: false,
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

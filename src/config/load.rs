//! Reading the configuration: TOML text (errors name the offending key and its line), a file,
//! or the optional `./rotor.toml`. Reading the file is the only IO of `config`; what the keys
//! mean is the sections'.

use std::path::Path;

use super::Config;
use crate::error::{Error, Result};

impl Config {
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
    use std::time::Duration;

    use super::*;
    use crate::ids::Provider;
    use crate::select::Strategy;

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

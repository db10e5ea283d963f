//! Model names that mean the same model: aliases (`model_alias.<name> = "<canonical>"`) and
//! reasoning-effort variants (a trailing `(level)`, CLIProxyAPI's thinking syntax, always; the
//! suffixes listed in `model_variants.suffixes`, e.g. `-high`). The engine resolves a name once,
//! before selection, and records both names on the event, so replays never need this file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Config;
use crate::error::{Error, Result};

/// `model_variants`: suffixes that name a reasoning effort of the model before them.
#[derive(Clone, PartialEq, Eq, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelVariants {
    /// Tried in order; the first that ends the name (and leaves something before it) is cut.
    pub suffixes: Vec<String>,
}

impl Config {
    /// The model `asked` is blocked, counted and rotated as: its alias target, else the name
    /// without its variant suffix, or that name's alias target. Targets are canonical names
    /// themselves (checked when the file is read), so resolving is one step and cannot loop.
    pub fn canonical_model<'a>(&'a self, asked: &'a str) -> &'a str {
        if let Some(target) = self.model_alias.get(asked) {
            return target;
        }
        let base = strip_variant(asked, &self.model_variants.suffixes);
        self.model_alias.get(base).map_or(base, String::as_str)
    }

    /// Refuses names that cannot mean one model: an empty alias or target, a target that is
    /// itself an alias or a variant (resolving would need a second step), an empty suffix
    /// (it would match every name).
    pub(super) fn check_model_names(&self) -> Result<()> {
        if self.model_variants.suffixes.iter().any(|s| s.is_empty()) {
            return Err(Error::Config(
                "`model_variants.suffixes`: a suffix cannot be empty".into(),
            ));
        }
        for (alias, target) in &self.model_alias {
            let key = format!("model_alias.{alias}");
            let why = if alias.trim().is_empty() || target.trim().is_empty() {
                "an alias and its model must both be named".to_string()
            } else if self.model_alias.contains_key(target) {
                format!("{target:?} is an alias itself; name the model it stands for")
            } else if strip_variant(target, &self.model_variants.suffixes) != target {
                let base = strip_variant(target, &self.model_variants.suffixes);
                format!("{target:?} is a variant of {base:?}; name {base:?}")
            } else {
                continue;
            };
            return Err(Error::Config(format!("`{key}`: {why}")));
        }
        Ok(())
    }
}

/// `name` without its reasoning-effort suffix: a trailing `(…)`, else the first listed
/// suffix that ends it. A name that is only a suffix is kept whole.
fn strip_variant<'a>(name: &'a str, suffixes: &[String]) -> &'a str {
    if let Some(open) = name.strip_suffix(')').and_then(|n| n.rfind('(')) {
        let base = name[..open].trim_end();
        if !base.is_empty() {
            return base;
        }
    }
    suffixes
        .iter()
        .filter_map(|s| name.strip_suffix(s.as_str()))
        .find(|base| !base.is_empty())
        .unwrap_or(name)
}

/// `model_alias`: alias → canonical model.
pub type ModelAliases = BTreeMap<String, String>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_and_aliases_resolve_in_one_step() {
        let c = Config::from_toml(
            "[model_alias]\ncodex = \"gpt-5-codex\"\n\
             [model_variants]\nsuffixes = [\"-low\", \"-high\"]\n",
        )
        .unwrap();
        assert_eq!(c.canonical_model("gpt-5-codex-high"), "gpt-5-codex");
        assert_eq!(c.canonical_model("gpt-5-codex (high)"), "gpt-5-codex");
        assert_eq!(c.canonical_model("codex(high)"), "gpt-5-codex");
        assert_eq!(c.canonical_model("codex-high"), "gpt-5-codex");
        assert_eq!(c.canonical_model("(high)"), "(high)");
        assert_eq!(c.canonical_model("-high"), "-high");
        assert_eq!(c.canonical_model("o3"), "o3");
    }

    proptest::proptest! {
        /// Any name a caller sends resolves without panicking to a non-empty start of itself
        /// (no alias configured), and a name with no variant suffix is its own model.
        #[test]
        fn any_name_resolves_to_a_non_empty_start_of_itself(name in "\\PC{0,40}") {
            let c = Config::from_toml("[model_variants]\nsuffixes = [\"-high\", \")\"]\n")
                .unwrap();
            let got = c.canonical_model(&name);
            proptest::prop_assert!(name.starts_with(got));
            proptest::prop_assert_eq!(got.is_empty(), name.is_empty());
            let plain = !name.ends_with(')') && !name.ends_with("-high");
            proptest::prop_assert!(!plain || got == name);
        }
    }

    #[test]
    fn a_target_that_needs_a_second_step_is_refused() {
        for (toml, words) in [
            ("[model_alias]\na = \"b\"\nb = \"c\"\n", "alias itself"),
            ("[model_alias]\nfast = \"o3(low)\"\n", "variant of \"o3\""),
            ("[model_alias]\nloop = \"loop\"\n", "alias itself"),
        ] {
            let e = Config::from_toml(toml).unwrap_err().to_string();
            assert!(
                e.contains("model_alias.") && e.contains(words),
                "{toml}: {e}"
            );
        }
    }
}

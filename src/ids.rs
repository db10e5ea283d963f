//! Identifiers and the provider vocabulary: newtype ids for accounts and requests, the
//! `Provider` enum and the interned `Model` name. No behaviour beyond parsing and printing.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One account (credential) known to rotor.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountId(pub Uuid);

/// One upstream request, as issued by `select` (uuid v7, so ids sort by time).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub Uuid);

/// Text that names no id or provider; the message says what was expected and what was given.
/// (It becomes [`Error::InvalidInput`](crate::Error::InvalidInput) where a rotor call fails.)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidId(String);

impl InvalidId {
    /// The message, to carry into another error.
    pub fn into_message(self) -> String {
        self.0
    }
}

macro_rules! uuid_id {
    ($t:ident, $what:literal) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($t), self.0)
            }
        }
        impl FromStr for $t {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, InvalidId> {
                Uuid::parse_str(s.trim())
                    .map($t)
                    .map_err(|_| InvalidId(format!("not a valid {} id: {s:?}", $what)))
            }
        }
    };
}
uuid_id!(AccountId, "account");
uuid_id!(RequestId, "request");

impl AccountId {
    /// A fresh random (v4) account id.
    pub fn new_random() -> Self {
        AccountId(Uuid::new_v4())
    }
}

thread_local! {
    /// One v7 context per thread: uuid's shared one sits behind a process-wide mutex, which
    /// every `select` would take. Ids stay unique (random counter seeds, random low bits).
    static V7: uuid::ContextV7 = const { uuid::ContextV7::new() };
}

impl RequestId {
    /// A UUIDv7: time-ordered, and increasing within a thread; its random bits come from
    /// uuid's `fast-rng` (a thread-local RNG), not a syscall on the `select` path.
    pub fn new_v7() -> Self {
        RequestId(V7.with(|ctx| Uuid::new_v7(uuid::Timestamp::now(ctx))))
    }
}

#[cfg(test)]
mod v7_tests {
    use super::RequestId;

    #[test]
    fn request_ids_are_v7_increase_within_a_thread_and_never_repeat_across_threads() {
        let other = std::thread::spawn(|| (0..10_000).map(|_| RequestId::new_v7().0).collect());
        let ids: Vec<_> = (0..10_000).map(|_| RequestId::new_v7().0).collect();
        let other: Vec<uuid::Uuid> = other.join().unwrap();
        let all: std::collections::HashSet<_> = ids.iter().chain(&other).collect();
        assert_eq!(all.len(), 20_000);
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(ids
            .iter()
            .all(|u| u.get_version_num() == 7 && u.get_variant() == uuid::Variant::RFC4122));
        let ms = ids[0].get_timestamp().map(|t| t.to_unix().0).unwrap_or(0);
        assert!(ms > 1_700_000_000, "timestamp in seconds: {ms}");
    }
}

/// The upstream services rotor knows how to parse and refresh.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Provider {
    /// Anthropic's Claude (API keys and Claude Code OAuth).
    Claude,
    /// OpenAI's Codex CLI accounts (ChatGPT OAuth).
    Codex,
    /// Google's Antigravity (OAuth, Cloud Code Assist).
    Antigravity,
    /// The OpenAI API (API keys).
    Openai,
    /// Zhipu's GLM (API keys).
    Glm,
    /// Gemini API keys; errors are parsed like Antigravity's (both are Google APIs).
    Gemini,
}

impl Provider {
    /// Every provider, in the order `rotor` lists them.
    pub const ALL: [Provider; 6] = [
        Provider::Claude,
        Provider::Codex,
        Provider::Antigravity,
        Provider::Openai,
        Provider::Glm,
        Provider::Gemini,
    ];

    /// The provider's name as configured, logged and printed (`claude`, `codex`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Claude => "claude",
            Provider::Codex => "codex",
            Provider::Antigravity => "antigravity",
            Provider::Openai => "openai",
            Provider::Glm => "glm",
            Provider::Gemini => "gemini",
        }
    }

    /// Whether accounts of this provider normally hold OAuth tokens that rotor refreshes.
    pub fn uses_oauth(self) -> bool {
        matches!(
            self,
            Provider::Claude | Provider::Codex | Provider::Antigravity
        )
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Provider {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, InvalidId> {
        let s = s.trim().to_ascii_lowercase();
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                InvalidId(format!(
                    "unknown provider {s:?} (expected one of claude, codex, antigravity, openai, glm, gemini)"
                ))
            })
    }
}

/// A model name as the caller asks for it. Cheap to clone (shared string).
pub type Model = Arc<str>;

/// Model names a thread keeps shared before it starts afresh (a log names a handful).
const INTERNED_MODELS: usize = 4_096;

thread_local! {
    /// Model names this thread decoded lately, one shared string per name. Folding a log
    /// decodes the same few names millions of times: shared, they cost no allocation each, and
    /// the projections' maps keyed by them compare against strings already in cache.
    static MODELS: std::cell::RefCell<rustc_hash::FxHashSet<Model>> = Default::default();
}

/// `name` as a [`Model`], shared with every other use of the name on this thread lately.
pub fn intern_model(name: &str) -> Model {
    MODELS.with_borrow_mut(|kept| {
        if let Some(m) = kept.get(name) {
            return m.clone();
        }
        if kept.len() >= INTERNED_MODELS {
            kept.clear();
        }
        let m = Model::from(name);
        kept.insert(m.clone());
        m
    })
}

/// Deserializes a [`Model`] through [`intern_model`] (`#[serde(deserialize_with)]`), without
/// an allocation when the name was seen.
pub fn deserialize_model<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Model, D::Error> {
    struct Name;
    impl serde::de::Visitor<'_> for Name {
        type Value = Model;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a model name")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Model, E> {
            Ok(intern_model(v))
        }
    }
    d.deserialize_str(Name)
}

/// Deserializes a map keyed by model names with every key through [`intern_model`] (the
/// projections' per-model maps, as a checkpoint restores them).
pub fn deserialize_model_keys<'de, D, V, S>(
    d: D,
) -> Result<std::collections::HashMap<Model, V, S>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
    S: std::hash::BuildHasher + Default,
{
    let named = std::collections::HashMap::<Interned, V, S>::deserialize(d)?;
    Ok(named.into_iter().map(|(k, v)| (k.0, v)).collect())
}

/// [`deserialize_model`] for an optional name (with `#[serde(default)]`).
pub fn deserialize_model_opt<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Model>, D::Error> {
    Ok(Option::<Interned>::deserialize(d)?.map(|n| n.0))
}

/// A model name decoded through [`intern_model`], where serde needs a type (a map key, an
/// option).
#[derive(Deserialize, PartialEq, Eq, Hash)]
struct Interned(#[serde(deserialize_with = "deserialize_model")] Model);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::RequestSucceeded;

    #[test]
    fn decoded_model_names_share_one_string_and_keep_their_text() {
        // Given two outcomes of one model decoded from the log, one with an escaped name
        let json = |model: &str| {
            format!(
                r#"{{"account":"00000000-0000-0000-0000-000000000001","model":"{model}","quota":[{{"window":"5h","model":"{model}","source":"headers"}}]}}"#
            )
        };
        let decode = |s: String| serde_json::from_str::<RequestSucceeded>(&s).unwrap();
        let (a, b) = (decode(json("gpt-4o")), decode(json(r"gpt-\u0034o")));
        // Then each names the model as written, and every copy is the same shared string
        assert_eq!(&*a.model, "gpt-4o");
        assert!(Arc::ptr_eq(&a.model, &b.model));
        assert!(Arc::ptr_eq(&a.model, a.quota[0].model.as_ref().unwrap()));
        // And an interned name is no other name
        assert_eq!(&*intern_model("gpt-4o-mini"), "gpt-4o-mini");
        assert!(!Arc::ptr_eq(&intern_model("gpt-4o-mini"), &a.model));
    }
}

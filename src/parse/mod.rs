//! Error classification: how a failed response becomes the `ParsedError` of the shared words
//! (`vocab`), response `Headers`, and the one entry point `parse(provider, status, headers, body)`.
//! Each provider parser (`claude`, `codex`, `openai`, `google`, `glm`) states its rule order as
//! one table of the rules in `rules/` (one file per envelope); shared reading in
//! `envelope`, `sse`, `headers`, `text`, `waits`; `observe_headers` in `observe`. This file holds
//! the shared types and the dispatch. Everything is pure and total: any bytes in, a verdict out.

mod claude;
mod codex;
mod envelope;
mod fallback;
mod glm;
mod google;
mod headers;
mod input;
mod observe;
mod openai;
mod rules;
mod sse;
mod summary;
mod text;
mod waits;

pub use crate::block::MAX_WAIT_MS;
pub(crate) use observe::observe_headers;

use serde::{Deserialize, Serialize};

use crate::ids::Provider;
pub use crate::vocab::{ErrorKind, ParsedError, Scope};

/// At most this much of a body is ever read: bounded time and memory for any input.
pub const MAX_BODY: usize = 64 * 1024;
pub use crate::scrub::{MAX_CODE, MAX_MESSAGE};

/// Response headers, names lower-cased, looked up case-insensitively.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Headers(Vec::new())
    }
    /// Adds a header; its name is trimmed and lower-cased, earlier values of it are kept.
    pub fn insert(&mut self, name: &str, value: impl Into<String>) {
        self.0
            .push((name.trim().to_ascii_lowercase(), value.into()));
    }
    /// First value of a header, by case-insensitive name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// Every header, in insertion order, as (lower-cased name, value).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Parses `"name: value"` lines as given on the command line.
    pub fn parse_line(&mut self, line: &str) -> Result<(), crate::error::Error> {
        let (k, v) = line.split_once(':').ok_or_else(|| {
            crate::error::Error::InvalidInput(format!(
                "header must look like 'name: value', got {line:?}"
            ))
        })?;
        self.insert(k, v.trim());
        Ok(())
    }
}

impl<K: AsRef<str>, V: Into<String>> FromIterator<(K, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut h = Headers::new();
        for (k, v) in iter {
            h.insert(k.as_ref(), v);
        }
        h
    }
}

/// Header values may carry rate-limit details but never credentials; still, Debug shows only
/// names so that a stray `authorization` echo cannot leak.
impl std::fmt::Debug for Headers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(k, _)| k))
            .finish()
    }
}

/// Classifies one failed response. Pure and total: reads at most [`MAX_BODY`] bytes of `body`.
///
/// Decisions taken here:
/// - each provider parser's table tries its own rules first, then the other envelopes' (Anthropic
///   `error.type`, OpenAI `code`, Google `status`/`details`, GLM numeric codes), then the
///   generic `invalid_request_error`, then the status code;
/// - stated waits, first found wins: a structured body field (Google details, Codex
///   `resets_*`, Claude's unified reset for an account window) > `retry-after-ms` /
///   `Retry-After` > the exhausted limit's `x-ratelimit-*` / `anthropic-ratelimit-*` /
///   `x-codex-*` reset > prose in the message > the longest named reset (limit headers count
///   only for `rate_limit` / `quota_exceeded`: they say nothing about billing or auth);
/// - `not_found` and `invalid_request` carry no wait (a retry hint on a `limit: 0` quota must
///   not shorten the not-found block); a stated duration is clamped to 8 days.
pub fn parse(provider: Provider, status: u16, headers: &Headers, body: &[u8]) -> ParsedError {
    let body = body.get(..MAX_BODY).unwrap_or(body);
    match provider {
        Provider::Claude => claude::parse(status, headers, body),
        Provider::Codex => codex::parse(status, headers, body),
        Provider::Openai => openai::parse(status, headers, body),
        Provider::Antigravity | Provider::Gemini => google::parse(status, headers, body),
        Provider::Glm => glm::parse(status, headers, body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_case_insensitive() {
        let h: Headers = [("Retry-After", "30")].into_iter().collect();
        assert_eq!(h.get("retry-after"), Some("30"));
        assert_eq!(h.get("RETRY-AFTER"), Some("30"));
    }
}

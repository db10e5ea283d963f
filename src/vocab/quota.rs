//! What a response says about consumption: `Usage` (tokens of one success) and
//! `QuotaObservation` (a provider's statement about a quota window). Built by `parse`, carried by
//! events, learned from by `quota`.

use serde::{Deserialize, Serialize};

use crate::ids::Model;
use crate::scrub::ScrubbedCode;
use crate::time::{serde_ts_opt, Timestamp};

/// Token usage of one successful request, where known.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct Usage {
    /// Prompt tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    /// Completion (output) tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    /// Total tokens as the provider stated it; `None` when it gave input and output only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_tokens: Option<u64>,
}

impl Usage {
    /// Total tokens: the stated total, else input + output.
    pub fn total(&self) -> u64 {
        self.total_tokens
            .unwrap_or(self.input_tokens.unwrap_or(0) + self.output_tokens.unwrap_or(0))
    }
}

/// What a provider said about a quota window, from response headers or a quota error. Its
/// names are scrubbed and bounded like every provider string.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct QuotaObservation {
    /// The window's name as the provider sees it: `5h`, `7d`, `primary`, `secondary`,
    /// `requests`, `tokens`, `input-tokens`, ...
    pub window: ScrubbedCode,
    /// The model the window applies to; `None` when it is the whole account's.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::ids::deserialize_model_opt"
    )]
    pub model: Option<Model>,
    /// Share of the window used, 0–100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_percent: Option<f64>,
    /// Requests or tokens left in the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u64>,
    /// The window's limit, in the same unit as `remaining`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// The window's length in minutes, when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_minutes: Option<u64>,
    /// When the window resets; `None` when not stated.
    #[serde(
        default,
        with = "serde_ts_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub reset_at: Option<Timestamp>,
    /// The header (or body field) this came from.
    pub source: ScrubbedCode,
}

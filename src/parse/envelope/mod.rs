//! The error object of any provider's JSON envelope, once found: the fields the classification
//! rules read (`error.type`, `error.code` as text, Google's status and details, the message,
//! numbers beside the error). Finding it in a body, whatever wraps it, is `find.rs`'s.
//! Classification is not here: this module only finds fields.

use serde_json::{Map, Value};

use super::Headers;

mod find;

pub use find::read;

/// The error a body carries, wherever it sat.
#[derive(Debug, Default, Clone)]
pub struct Envelope {
    /// The error object; empty when the body only had text.
    pub error: Map<String, Value>,
    /// The whole top-level object (Codex puts some fields beside `error`).
    pub root: Map<String, Value>,
    /// `error` given as a plain string, or `detail` as one.
    pub text: Option<String>,
    /// A status stated inside the body (`status` / `status_code` of a stream envelope).
    pub status: Option<u16>,
    /// Headers carried inside the body (websocket envelopes).
    pub headers: Headers,
}

impl Envelope {
    /// A string field of the error object.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.error
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// `error.type`.
    pub fn error_type(&self) -> Option<&str> {
        self.str("type")
    }

    /// `error.code` as text, whether the provider sent a string or a number.
    pub fn code(&self) -> Option<String> {
        value_text(self.error.get("code")?)
    }

    /// Google's canonical status (`RESOURCE_EXHAUSTED`), only when it is a string.
    pub fn google_status(&self) -> Option<&str> {
        self.str("status")
    }

    /// `error.details` (Google), empty when absent.
    pub fn details(&self) -> &[Value] {
        match self.error.get("details") {
            Some(Value::Array(items)) => items,
            _ => &[],
        }
    }

    /// The human message: `error.message`, `error.msg`, the plain-string error, or `detail`.
    pub fn message(&self) -> String {
        self.str("message")
            .or_else(|| self.str("msg"))
            .map(str::to_string)
            .or_else(|| self.text.clone())
            .unwrap_or_default()
    }

    /// A number from the error object, else from the top-level object (Codex `resets_at`).
    pub fn number(&self, key: &str) -> Option<f64> {
        let v = self.error.get(key).or_else(|| self.root.get(key))?;
        let n = match v {
            Value::Number(n) => n.as_f64()?,
            Value::String(s) => s.trim().parse().ok()?,
            _ => return None,
        };
        n.is_finite().then_some(n)
    }
}

/// Text of a string or number value.
pub fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

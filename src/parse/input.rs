//! What every provider parser starts from: the body cut to `MAX_BODY`, its envelope, the
//! effective status (a stream envelope's own status when the transport said 200) and headers
//! (a websocket envelope's when the transport gave none), plus builders for a `ParsedError`.
//! Which kind a payload means is decided in the provider files, not here.

use std::borrow::Cow;

use super::envelope::{self, Envelope};
use super::fallback;
use super::{ErrorKind, Headers, ParsedError, Scope, MAX_BODY};

/// One failed response, read once.
pub struct Input<'a> {
    /// The status that classifies: the transport's, or the envelope's for errors inside a
    /// successful (or status-less) stream.
    pub status: u16,
    pub headers: Cow<'a, Headers>,
    pub env: Option<Envelope>,
    pub body: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn read(status: u16, headers: &'a Headers, body: &'a [u8]) -> Self {
        let body = body.get(..MAX_BODY).unwrap_or(body);
        let env = envelope::read(body);
        let transport_is_error = (400..=599).contains(&status);
        let status = match env.as_ref().and_then(|e| e.status) {
            Some(s) if !transport_is_error => s,
            _ => status,
        };
        let headers = match env.as_ref() {
            Some(e) if headers.is_empty() && !e.headers.is_empty() => Cow::Owned(e.headers.clone()),
            _ => Cow::Borrowed(headers),
        };
        Input {
            status,
            headers,
            env,
            body,
        }
    }

    /// The envelope's message (empty when there is no envelope).
    pub fn message(&self) -> String {
        self.env.as_ref().map(Envelope::message).unwrap_or_default()
    }

    /// Lower-cased message, for phrase matching.
    pub fn message_lower(&self) -> String {
        self.message().to_lowercase()
    }

    /// Lower-cased text to match phrases in: the envelope's message, else the body itself (a
    /// plain-text answer), at most its first 4 KiB.
    pub fn text_lower(&self) -> String {
        if self.env.is_some() {
            return self.message_lower();
        }
        let head = self.body.get(..4096).unwrap_or(self.body);
        String::from_utf8_lossy(head).to_lowercase()
    }

    /// The status-code classification with another kind and scope: keeps the message, code and
    /// type the response carries, whether it had an envelope or not.
    pub fn classified(&self, kind: ErrorKind, scope: Scope) -> ParsedError {
        let mut e = self.fallback();
        e.kind = kind;
        e.scope = scope;
        e.retryable = kind.retryable();
        e
    }

    /// `error.type`, when present.
    pub fn error_type(&self) -> Option<&str> {
        self.env.as_ref()?.error_type()
    }

    /// `error.code` as text, when present.
    pub fn code(&self) -> Option<String> {
        self.env.as_ref()?.code()
    }

    /// A classification carrying this response's status, code, type and message.
    pub fn error(&self, kind: ErrorKind) -> ParsedError {
        let mut e = ParsedError::new(kind, Some(self.status), self.message());
        e.code = self.code().map(Into::into);
        // A top-level `"type":"error"` only says "this is an error event": not a provider type.
        e.error_type = self.error_type().filter(|t| *t != "error").map(Into::into);
        e
    }

    /// Like [`Input::error`] with an explicit scope.
    pub fn error_scoped(&self, kind: ErrorKind, scope: Scope) -> ParsedError {
        let mut e = self.error(kind);
        e.scope = scope;
        e
    }

    /// The status-code classification, for bodies no rule recognised. The message is the
    /// envelope's when there is one, else the body's first line.
    pub fn fallback(&self) -> ParsedError {
        let html_type = self
            .headers
            .get("content-type")
            .is_some_and(|t| t.to_ascii_lowercase().contains("text/html"));
        let mut e = fallback::classify(self.status, self.body, html_type);
        if self.env.is_some() {
            if model_unavailable(self.status, &self.message_lower()) {
                e.kind = ErrorKind::NotFound;
                e.scope = Scope::Model;
                e.retryable = true;
            }
            let mut with_fields = self.error(e.kind);
            with_fields.scope = e.scope;
            if with_fields.message.is_empty() {
                with_fields.message = e.message;
            }
            e = with_fields;
        }
        e
    }
}

/// "The 'x' model is not supported when using Codex with a ChatGPT account", "model ... does
/// not exist": the model is not available to this account (so `not_found`), though the status
/// is a plain 400.
pub fn model_unavailable(status: u16, lower: &str) -> bool {
    // Phrases about the model itself, not "X is not supported by this model" (caller's fault).
    const PHRASES: [&str; 6] = [
        "model is not supported",
        "model not supported",
        "model is not available",
        "model not found",
        "model does not exist",
        "does not exist or you do not have access",
    ];
    matches!(status, 400 | 403 | 404) && PHRASES.iter().any(|p| lower.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_envelope_supplies_status_and_headers() {
        let h = Headers::new();
        let body = br#"{"type":"error","status":429,"error":{"type":"usage_limit_reached"},"headers":{"retry-after":"5"}}"#;
        let i = Input::read(200, &h, body);
        assert_eq!(i.status, 429);
        assert_eq!(i.headers.get("retry-after"), Some("5"));
        // The transport's error status stays authoritative.
        let i = Input::read(503, &h, body);
        assert_eq!(i.status, 503);
    }

    #[test]
    fn model_not_supported_for_the_plan_is_not_found() {
        let h = Headers::new();
        let body = br#"{"detail":"The 'gpt-5-codex-max' model is not supported when using Codex with a ChatGPT account."}"#;
        assert_eq!(
            Input::read(400, &h, body).fallback().kind,
            ErrorKind::NotFound
        );
        assert_eq!(
            Input::read(400, &h, br#"{"detail":"bad input"}"#)
                .fallback()
                .kind,
            ErrorKind::InvalidRequest
        );
    }

    #[test]
    fn body_beyond_the_limit_is_not_read() {
        let mut body = vec![b' '; MAX_BODY];
        body.extend_from_slice(br#"{"error":{"code":"insufficient_quota"}}"#);
        let h = Headers::new();
        assert!(Input::read(429, &h, &body).env.is_none());
    }
}

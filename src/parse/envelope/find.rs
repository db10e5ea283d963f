//! Finding the error object in a body: Anthropic (`{"type":"error","error":{..}}`), OpenAI
//! (`{"error":{..}}`), Google (`{"error":{code,status,details}}`, maybe array-wrapped),
//! stream/websocket wrappers carrying `status` and `headers`, Codex `response.failed`, `error` as
//! a plain string, Google messages that are JSON again, and JSON inside prose or a cut stream.
//! What the found object's fields mean is `mod.rs`'s.

use serde_json::{Map, Value};

use super::{value_text, Envelope};
use crate::parse::{sse, Headers};

/// How deep wrappers (arrays, JSON-in-message) are followed before giving up.
const MAX_NESTING: u8 = 4;

/// Finds the error in a body: JSON first, then an SSE stream. `None` when the body holds no
/// recognisable error (HTML, empty, truncated JSON).
pub fn read(body: &[u8]) -> Option<Envelope> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        return from_value(v, 0);
    }
    if let Some(v) = sse::error_event(text) {
        return from_value(v, 0);
    }
    from_value(embedded_error(text)?, 0)
}

/// An error object inside other text: `upstream error: {"error":{..}}` from a proxy, or a
/// JSON stream cut short after its error element. Tries the first few `{` positions only.
fn embedded_error(text: &str) -> Option<Value> {
    const MAX_TRIES: usize = 16;
    text.match_indices('{')
        .take(MAX_TRIES)
        .filter_map(|(pos, _)| {
            let rest = text.get(pos..)?;
            let mut values = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
            values.next()?.ok()
        })
        .find(|v| {
            v.get("error").is_some_and(|e| !e.is_null())
                || v.get("type").and_then(Value::as_str) == Some("error")
        })
}

fn from_value(v: Value, depth: u8) -> Option<Envelope> {
    if depth > MAX_NESTING {
        return None;
    }
    let root = match v {
        Value::Array(items) => return items.into_iter().find_map(|i| from_value(i, depth + 1)),
        Value::Object(map) => map,
        _ => return None,
    };
    let status = root
        .get("status")
        .or_else(|| root.get("status_code"))
        .and_then(status_number);
    let headers = body_headers(root.get("headers"));
    let error = match root.get("error") {
        Some(e) => Some(e.clone()),
        // Codex `response.failed`: {"type":"response.failed","response":{"error":{...}}}
        None => root.get("response").and_then(|r| r.get("error")).cloned(),
    };
    let mut env = Envelope {
        status,
        headers,
        ..Envelope::default()
    };
    if error.is_none() {
        if let Some(inner) = wrapped_body(&root, depth) {
            return Some(merge_outer(inner, env, root));
        }
    }
    match error {
        Some(Value::Object(e)) => {
            if let Some(inner) = nested_in_message(&e, depth) {
                return Some(merge_outer(inner, env, root));
            }
            env.error = e;
        }
        Some(Value::String(s)) => env.text = Some(s),
        _ => match root.get("detail") {
            Some(Value::String(s)) => env.text = Some(s.clone()),
            Some(Value::Object(d)) => env.error = d.clone(),
            // A bare error object: {"code":1113,"message":"..."} or {"type":"rate_limit_error",..}
            _ if root.contains_key("code") || has_error_type(&root) => env.error = root.clone(),
            _ => return None,
        },
    }
    env.root = root;
    Some(env)
}

/// A bare error object: `{"type":"rate_limit_error","message":..}`, or Codex's usage limit
/// sent as the whole frame (`{"type":"usage_limit_reached","resets_in_seconds":..}`).
fn has_error_type(root: &Map<String, Value>) -> bool {
    let ty = root.get("type").and_then(Value::as_str);
    ty.is_some_and(|t| t.ends_with("_error")) && root.contains_key("message")
        || ty == Some("usage_limit_reached")
}

/// A frame carrying the upstream answer in `body` (Codex websocket errors, proxies' error
/// wrappers): `{"type":"error","status":429,"body":{"error":{..}}}`, the body maybe as JSON text.
fn wrapped_body(root: &Map<String, Value>, depth: u8) -> Option<Envelope> {
    let body = match root.get("body")? {
        Value::String(s) => serde_json::from_str(s.trim()).ok()?,
        v @ (Value::Object(_) | Value::Array(_)) => v.clone(),
        _ => return None,
    };
    from_value(body, depth + 1)
}

/// A Google `error.message` that is itself a JSON-encoded error (proxies forwarding upstream
/// Anthropic / OpenAI errors).
fn nested_in_message(e: &Map<String, Value>, depth: u8) -> Option<Envelope> {
    let msg = e.get("message")?.as_str()?.trim();
    let value = if msg.starts_with('{') || msg.starts_with('[') {
        serde_json::from_str(msg).ok()?
    } else if msg.contains("{\"") {
        // "upstream returned 429: {\"error\":...}"
        embedded_error(msg)?
    } else {
        return None;
    };
    let inner = from_value(value, depth + 1)?;
    (!inner.error.is_empty() || inner.text.is_some()).then_some(inner)
}

/// The inner error wins; the outer wrapper fills the status and headers it lacks.
fn merge_outer(mut inner: Envelope, outer: Envelope, root: Map<String, Value>) -> Envelope {
    if inner.status.is_none() {
        inner.status = outer.status.or_else(|| {
            root.get("error")
                .and_then(|e| e.get("code"))
                .and_then(status_number)
        });
    }
    if inner.headers.is_empty() {
        inner.headers = outer.headers;
    }
    inner
}

fn status_number(v: &Value) -> Option<u16> {
    let n = match v {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    (100..=599).contains(&n).then_some(n as u16)
}

fn body_headers(v: Option<&Value>) -> Headers {
    let mut h = Headers::new();
    if let Some(Value::Object(map)) = v {
        for (k, v) in map {
            let v = match v {
                Value::Array(items) => items.first().and_then(value_text),
                other => value_text(other),
            };
            if let Some(v) = v {
                h.insert(k, v);
            }
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(s: &str) -> Envelope {
        read(s.as_bytes()).expect("an envelope")
    }

    #[test]
    fn reads_every_envelope_shape() {
        let e = env(r#"{"type":"error","error":{"type":"rate_limit_error","message":"x"}}"#);
        assert_eq!(e.error_type(), Some("rate_limit_error"));
        let e = env(r#"[{"error":{"code":429,"status":"RESOURCE_EXHAUSTED"}}]"#);
        assert_eq!(e.google_status(), Some("RESOURCE_EXHAUSTED"));
        assert_eq!(e.code().as_deref(), Some("429"));
        let e = env(r#"{"error":"slow down"}"#);
        assert_eq!(e.message(), "slow down");
        let e = env(
            r#"{"type":"error","status_code":429,"error":{"type":"usage_limit_reached"},"headers":{"x-codex-primary-used-percent":"100"}}"#,
        );
        assert_eq!(e.status, Some(429));
        assert_eq!(e.headers.get("X-Codex-Primary-Used-Percent"), Some("100"));
        let e = env(
            r#"{"type":"response.failed","response":{"error":{"code":"rate_limit_exceeded","message":"m"}}}"#,
        );
        assert_eq!(e.code().as_deref(), Some("rate_limit_exceeded"));
    }

    #[test]
    fn a_body_wrapper_and_a_top_level_usage_limit_are_read() {
        let e = env(
            r#"{"type":"error","status":429,"body":{"error":{"type":"usage_limit_reached","resets_in_seconds":7}},"headers":{"retry-after":"7"}}"#,
        );
        assert_eq!(e.error_type(), Some("usage_limit_reached"));
        assert_eq!(e.status, Some(429));
        assert_eq!(e.headers.get("retry-after"), Some("7"));
        let e =
            env(r#"{"body":"{\"error\":{\"type\":\"invalid_request\",\"message\":\"invalid\"}}"}"#);
        assert_eq!(e.error_type(), Some("invalid_request"));
        let e = env(r#"{"type":"usage_limit_reached","resets_in_seconds":30}"#);
        assert_eq!(e.number("resets_in_seconds"), Some(30.0));
        assert!(read(br#"{"body":"plain text"}"#).is_none());
    }

    #[test]
    fn google_message_holding_json_is_unwrapped() {
        let inner = r#"{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"#;
        let body = format!(r#"{{"error":{{"code":529,"message":"{inner}","status":"UNKNOWN"}}}}"#);
        let e = env(&body);
        assert_eq!(e.error_type(), Some("overloaded_error"));
        assert_eq!(e.status, Some(529));
    }

    #[test]
    fn error_embedded_in_text_or_cut_stream() {
        let e = env(
            r#"upstream error: 429 {"error":{"code":"rate_limit_exceeded","message":"m"}} (retrying)"#,
        );
        assert_eq!(e.code().as_deref(), Some("rate_limit_exceeded"));
        let e = env(
            r#"[{"candidates":[]},{"error":{"code":503,"status":"UNAVAILABLE","message":"m"}},{"cand"#,
        );
        assert_eq!(e.google_status(), Some("UNAVAILABLE"));
    }

    #[test]
    fn json_after_prose_in_a_google_message() {
        let body = r#"{"error":{"code":500,"status":"INTERNAL","message":"upstream said: {\"error\":{\"code\":\"insufficient_quota\",\"message\":\"m\"}}"}}"#;
        assert_eq!(env(body).code().as_deref(), Some("insufficient_quota"));
    }

    #[test]
    fn non_errors_are_none() {
        assert!(read(b"<html></html>").is_none());
        assert!(read(b"{\"ok\":true}").is_none());
        assert!(read(b"{\"type\":\"error\",\"error\":{\"type\":\"api_er").is_none());
        assert!(read(b"").is_none());
    }
}

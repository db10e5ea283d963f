//! Server-sent-event bodies: a 200 stream that failed midway carries its error as an
//! `event: error` block or an error object in a `data:` line (Anthropic `{"type":"error"}`,
//! OpenAI `{"error":..}`, Codex `response.failed`). This file only finds that JSON value;
//! `envelope` reads it.

use serde_json::Value;

/// The first error event of an SSE stream, as JSON. `None` when the text is not a stream or
/// carries no error.
pub fn error_event(text: &str) -> Option<Value> {
    let mut event_name = String::new();
    let mut data = String::new();
    for line in text.lines().chain(std::iter::once("")) {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            if let Some(v) = error_in_event(&event_name, &data) {
                return Some(v);
            }
            event_name.clear();
            data.clear();
        } else if let Some(name) = line.strip_prefix("event:") {
            event_name = name.trim().to_string();
        } else if let Some(d) = line.strip_prefix("data:") {
            if !data.is_empty() {
                data.push('\n');
            }
            data.push_str(d.trim_start());
        }
    }
    None
}

fn error_in_event(event_name: &str, data: &str) -> Option<Value> {
    let data = data.trim();
    if data.is_empty() {
        return None;
    }
    let parsed: Option<Value> = serde_json::from_str(data).ok();
    let named_error = event_name == "error" || event_name == "response.failed";
    match parsed {
        Some(v) if named_error || is_error_value(&v) => Some(v),
        // `event: error` with a non-JSON line: the line is the message.
        None if named_error => Some(serde_json::json!({ "error": data })),
        _ => None,
    }
}

fn is_error_value(v: &Value) -> bool {
    let ty = v.get("type").and_then(Value::as_str).unwrap_or("");
    ty == "error"
        || ty == "response.failed"
        || v.get("error").is_some_and(|e| !e.is_null())
        || v.get("response")
            .and_then(|r| r.get("error"))
            .is_some_and(|e| !e.is_null())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_error_event_after_normal_events() {
        let s = "event: message_start\ndata: {\"type\":\"message_start\"}\n\nevent: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}\n\n";
        let v = error_event(s).unwrap();
        assert_eq!(v["error"]["type"], "overloaded_error");
    }

    #[test]
    fn codex_response_failed_and_completed_response_without_error() {
        let ok = "data: {\"type\":\"response.completed\",\"response\":{\"error\":null}}\n\n";
        assert!(error_event(ok).is_none());
        let failed =
            "data: {\"type\":\"response.failed\",\"response\":{\"error\":{\"code\":\"x\"}}}\n\n";
        assert!(error_event(failed).is_some());
    }

    #[test]
    fn plain_text_error_event() {
        let v = error_event("event: error\ndata: upstream closed\n\n").unwrap();
        assert_eq!(v["error"], "upstream closed");
    }
}

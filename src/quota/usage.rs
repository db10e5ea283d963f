//! Token usage from provider response bodies, streamed (SSE `data:` lines, JSON arrays) or
//! not: Anthropic `usage`, OpenAI Chat Completions `usage`, Responses API `response.usage`,
//! Google `usageMetadata` (Antigravity wraps it in `response`), GLM (OpenAI shape). Reads at
//! most the first and last 64 KiB. Shapes are told apart by their field names, not by the
//! provider, since compatible endpoints cross providers (GLM speaks Anthropic and OpenAI).

use serde_json::{Map, Value};

use crate::ids::Provider;
use crate::vocab::Usage;

/// Bytes read from each end of a body: the final stream chunk (with the usage) is at the end.
const HALF: usize = 64 * 1024;

/// The usage a response body states, or `None` when it states none. Stream events are merged
/// field by field, keeping the largest (cumulative) count. Never panics.
pub fn extract_usage(_provider: Provider, body: &[u8]) -> Option<Usage> {
    let mut acc = None;
    if body.len() <= 2 * HALF {
        if let Ok(v) = serde_json::from_slice::<Value>(body) {
            visit(&v, &mut acc);
            return acc;
        }
        scan_lines(body, &mut acc);
        if acc.is_none() {
            key_scan(body, &mut acc);
        }
    } else {
        let (head, tail) = (&body[..HALF], &body[body.len() - HALF..]);
        scan_lines(head, &mut acc);
        scan_lines(tail, &mut acc);
        if acc.is_none() {
            key_scan(tail, &mut acc);
        }
        if acc.is_none() {
            key_scan(head, &mut acc);
        }
    }
    acc
}

/// A whole JSON document: one response object, or a JSON array of stream chunks (Google).
fn visit(v: &Value, acc: &mut Option<Usage>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| visit(i, acc)),
        Value::Object(o) => visit_event(o, acc),
        _ => {}
    }
}

/// One response or stream event: the usage object may sit at the top (`usage`,
/// `usageMetadata`), in `message` (Anthropic `message_start`) or in `response` (Responses API
/// `response.completed`, Antigravity's wrapper). A `null` usage (early chunks) is skipped.
fn visit_event(o: &Map<String, Value>, acc: &mut Option<Usage>) {
    let nested = |outer: &str, key: &str| o.get(outer).and_then(|m| m.get(key));
    let candidates = [
        o.get("usage"),
        nested("message", "usage"),
        nested("response", "usage"),
        o.get("usageMetadata"),
        nested("response", "usageMetadata"),
    ];
    for u in candidates.into_iter().flatten() {
        if let Some(u) = u.as_object().and_then(parse_usage) {
            merge(acc, u);
        }
    }
}

/// Stream usage is cumulative, so per field the largest count seen is the final one, whatever
/// the order (some Anthropic-compatible endpoints send `input_tokens: 0` in `message_start`
/// and the real count in `message_delta`).
fn merge(acc: &mut Option<Usage>, new: Usage) {
    let old = acc.unwrap_or_default();
    let max = |a: Option<u64>, b: Option<u64>| a.max(b);
    *acc = Some(Usage {
        input_tokens: max(new.input_tokens, old.input_tokens),
        output_tokens: max(new.output_tokens, old.output_tokens),
        total_tokens: max(new.total_tokens, old.total_tokens),
    });
}

fn num(o: &Map<String, Value>, key: &str) -> Option<u64> {
    o.get(key).and_then(Value::as_u64)
}

fn sum(parts: &[Option<u64>]) -> Option<u64> {
    parts.iter().flatten().copied().reduce(u64::saturating_add)
}

/// A usage object in any known shape; `None` when it has no token field at all.
fn parse_usage(o: &Map<String, Value>) -> Option<Usage> {
    // Anthropic: cache reads and writes are input too, but are not in `input_tokens`.
    // OpenAI's `cached_tokens` sit inside `prompt_tokens`, so they are not added again.
    let input = sum(&[
        num(o, "input_tokens").or_else(|| num(o, "prompt_tokens")),
        num(o, "cache_creation_input_tokens"),
        num(o, "cache_read_input_tokens"),
    ])
    .or_else(|| num(o, "promptTokenCount"));
    // Google bills thinking as output, reported apart from the candidates.
    let output = num(o, "output_tokens")
        .or_else(|| num(o, "completion_tokens"))
        .or_else(|| sum(&[num(o, "candidatesTokenCount"), num(o, "thoughtsTokenCount")]));
    let total = num(o, "total_tokens").or_else(|| num(o, "totalTokenCount"));
    let u = Usage {
        input_tokens: input,
        output_tokens: output,
        total_tokens: total,
    };
    (u != Usage::default()).then_some(u)
}

/// SSE (`data: {...}`), NDJSON, or one-chunk-per-line JSON arrays (`[{...}`, `,{...}`).
fn scan_lines(buf: &[u8], acc: &mut Option<Usage>) {
    for line in buf.split(|b| *b == b'\n') {
        let mut l = line.trim_ascii();
        if let Some(rest) = l.strip_prefix(b"data:") {
            l = rest.trim_ascii();
        }
        while let Some(rest) = l.strip_prefix(b"[").or_else(|| l.strip_prefix(b",")) {
            l = rest.trim_ascii_start();
        }
        while let Some(rest) = l.strip_suffix(b"]").or_else(|| l.strip_suffix(b",")) {
            l = rest.trim_ascii_end();
        }
        if l.first() != Some(&b'{') {
            continue;
        }
        if let Ok(Value::Object(o)) = serde_json::from_slice::<Value>(l) {
            visit_event(&o, acc);
        }
    }
}

/// Last resort for a document too large or too broken to parse (a pretty-printed stream
/// array, a 1 MB `response.completed` line cut by the 64 KiB window): the value after the
/// last `"usage":` / `"usageMetadata":` key that parses as a usage object.
fn key_scan(buf: &[u8], acc: &mut Option<Usage>) {
    const KEYS: [&[u8]; 2] = [b"\"usage\"", b"\"usageMetadata\""];
    // Bounded: a hostile body full of keys must not cost a scan per occurrence.
    const MAX_TRIES: usize = 16;
    let mut end = buf.len();
    let mut tries = 0;
    while let Some((pos, key_len)) = last_key(&buf[..end], &KEYS) {
        tries += 1;
        if tries > MAX_TRIES {
            return;
        }
        end = pos;
        // An escaped quote is a key inside some string (model output), not a real key.
        if pos > 0 && buf[pos - 1] == b'\\' {
            continue;
        }
        let after = buf[pos + key_len..].trim_ascii_start();
        let Some(value) = after.strip_prefix(b":") else {
            continue;
        };
        let mut stream = serde_json::Deserializer::from_slice(value).into_iter::<Value>();
        if let Some(Ok(Value::Object(o))) = stream.next() {
            if let Some(u) = parse_usage(&o) {
                merge(acc, u);
                return;
            }
        }
    }
}

/// The position of the last occurrence of any of `keys` in `buf`, with that key's length.
fn last_key(buf: &[u8], keys: &[&[u8]]) -> Option<(usize, usize)> {
    keys.iter()
        .filter_map(|k| {
            buf.windows(k.len())
                .rposition(|w| w == *k)
                .map(|p| (p, k.len()))
        })
        .max_by_key(|(p, _)| *p)
}

#[cfg(test)]
#[path = "usage_tests.rs"]
mod tests;

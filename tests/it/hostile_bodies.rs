//! Generated failed responses that carry a token in one field: Anthropic, OpenAI / Codex,
//! Google (with `details`, metadata and JSON nested in the message), GLM, FastAPI `detail`,
//! a plain-string `error`, SSE streams, plain text and HTML; the token in the message, code,
//! type, param, status, reason, metadata, details, a nested message or a header value.

use proptest::prelude::*;
use rotor::parse::Headers;
use rotor::Provider;
use serde_json::{json, Value};

use super::token_shapes::{context, prose_with, token, Token};

/// One response as a provider might send it, and the token hidden in it.
#[derive(Clone, Debug)]
pub struct Hostile {
    pub provider: Provider,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub token: Token,
    /// Which envelope and which field, for failure messages.
    pub place: String,
}

impl Hostile {
    pub fn headers(&self) -> Headers {
        self.headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect()
    }
}

/// Where the token goes.
const SLOTS: [&str; 9] = [
    "message", "type", "code", "param", "status", "reason", "metadata", "details", "header",
];

/// Envelope shapes.
const STYLES: [&str; 11] = [
    "anthropic",
    "openai",
    "google",
    "glm",
    "codex_usage",
    "google_nested",
    "sse",
    "detail",
    "error_string",
    "plain",
    "html",
];

/// Benign values of every slot, so each envelope is complete.
fn slot(chosen: &str, name: &str, text: &str, benign: &str) -> String {
    if chosen == name {
        text.to_string()
    } else {
        benign.to_string()
    }
}

fn envelope(style: &str, chosen: &str, text: &str) -> String {
    let s = |name: &str, benign: &str| slot(chosen, name, text, benign);
    // A slot the style has no place for puts the token in the message.
    let msg = if [
        "message", "type", "code", "param", "status", "reason", "metadata", "details",
    ]
    .contains(&chosen)
        && !style_has(style, chosen)
    {
        text.to_string()
    } else {
        s(
            "message",
            "Rate limit reached for gpt-4o-mini. Please try again in 1.5s.",
        )
    };
    let anthropic = |msg: &str| json!({"type": "error", "error": {"type": s("type", "rate_limit_error"), "message": msg}});
    let openai = |msg: &str| {
        json!({"error": {"message": msg, "type": s("type", "invalid_request_error"),
            "param": s("param", "model"), "code": s("code", "invalid_api_key")}})
    };
    let body: Value = match style {
        "anthropic" => anthropic(&msg),
        "openai" => openai(&msg),
        "google" => json!({"error": {"code": 429, "message": msg, "status": s("status", "RESOURCE_EXHAUSTED"),
            "details": [
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": s("reason", "RATE_LIMIT_EXCEEDED"),
                 "domain": "googleapis.com",
                 "metadata": {"service": "generativelanguage.googleapis.com", "consumer": s("metadata", "projects/123456")}},
                {"@type": "type.googleapis.com/google.rpc.QuotaFailure",
                 "violations": [{"quotaId": s("details", "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"),
                                 "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests"}]},
                {"@type": "type.googleapis.com/google.rpc.Help",
                 "links": [{"description": s("details", "Learn more"), "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}]},
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "41s"}
            ]}}),
        "glm" => json!({"error": {"code": s("code", "1302"), "message": msg}}),
        "codex_usage" => json!({"error": {"type": s("type", "usage_limit_reached"), "message": msg,
            "plan_type": s("param", "plus"), "resets_at": 1767000000}}),
        "google_nested" => {
            let inner = if chosen == "code" || chosen == "type" || chosen == "param" {
                openai(&msg)
            } else {
                anthropic(&msg)
            };
            json!({"error": {"code": 529, "message": inner.to_string(), "status": s("status", "UNKNOWN")}})
        }
        "sse" => {
            let failed = json!({"type": "response.failed", "response": {"error":
                {"code": s("code", "rate_limit_exceeded"), "message": msg}}});
            return format!(
                "event: response.created\ndata: {{\"type\":\"response.created\"}}\n\n\
                 event: response.failed\ndata: {failed}\n\n"
            );
        }
        "detail" => json!({"detail": msg}),
        "error_string" => json!({"error": msg}),
        "plain" => return format!("{msg}\nupstream said no"),
        _ => {
            return format!(
                "<!DOCTYPE html><html><head><title>{msg}</title></head><body><h1>{msg}</h1></body></html>"
            )
        }
    };
    body.to_string()
}

fn style_has(style: &str, slot: &str) -> bool {
    match style {
        "anthropic" => slot == "type",
        "openai" => ["type", "param", "code"].contains(&slot),
        "google" => ["status", "reason", "metadata", "details"].contains(&slot),
        "glm" => slot == "code",
        "codex_usage" => ["type", "param"].contains(&slot),
        "google_nested" => ["status", "code", "type", "param"].contains(&slot),
        "sse" => slot == "code",
        _ => false,
    }
}

/// A failed response of any provider with a token (in its context) in one field.
pub fn hostile() -> impl Strategy<Value = Hostile> {
    let text = prop_oneof![
        prose_with(token()),
        (token(), context())
            .prop_map(|(t, (before, after))| (format!("{before}{}{after}", t.text), t)),
    ];
    (
        prop::sample::select(Provider::ALL.to_vec()),
        prop::sample::select(&[400u16, 401, 403, 404, 429, 500, 503, 529, 200][..]),
        prop::sample::select(&STYLES[..]),
        prop::sample::select(&SLOTS[..]),
        text,
    )
        .prop_map(|(provider, status, style, chosen, (text, token))| {
            let mut headers = vec![("retry-after".to_string(), "2".to_string())];
            if style == "html" {
                headers.push(("content-type".into(), "text/html".into()));
            }
            if chosen == "header" {
                headers.push((
                    "x-echo-authorization".into(),
                    text.replace(['\n', '\r'], " "),
                ));
                headers.push((
                    "www-authenticate".into(),
                    format!(
                        "Bearer error=\"invalid_token\", error_description=\"{}\"",
                        token.text
                    ),
                ));
            }
            Hostile {
                provider,
                status,
                headers,
                body: envelope(style, chosen, &text),
                token,
                place: format!("{style}.{chosen}"),
            }
        })
}

//! The client side of the fakes: `call` sends one realistic request for a provider (its real
//! path, auth header and body shape) through reqwest and hands back status, headers and body,
//! ready for `parse::parse` or for reading usage. It works against real base URLs too.

use axum::body::Bytes;
use serde_json::json;

use crate::ids::Provider;
use crate::parse::Headers;

/// One HTTP answer, as the caller of a provider sees it.
#[derive(Clone, Debug)]
pub struct FakeResponse {
    /// The HTTP status.
    pub status: u16,
    /// Names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body, as received.
    pub body: Bytes,
}

impl FakeResponse {
    /// First value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// The headers as `parse::parse` takes them.
    pub fn parse_headers(&self) -> Headers {
        self.headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect()
    }
    /// The body as JSON, when it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Sends one request for `model` to `provider` at `base_url`, authenticated by `bearer` (API
/// key or access token). Errors only when no HTTP answer arrived (connect, timeout, reset).
pub async fn call(
    client: &reqwest::Client,
    base_url: &str,
    provider: Provider,
    model: &str,
    bearer: &str,
) -> Result<FakeResponse, reqwest::Error> {
    let base = base_url.trim_end_matches('/');
    let prompt = "Reply with the single word pong.";
    let req = match provider {
        Provider::Claude => {
            let r = client
                .post(format!("{base}/v1/messages"))
                .header("anthropic-version", "2023-06-01")
                .json(&json!({"model": model, "max_tokens": 64,
                              "messages": [{"role": "user", "content": prompt}]}));
            // API keys go in x-api-key; OAuth access tokens as a bearer with the OAuth beta.
            if bearer.starts_with("sk-ant-api") {
                r.header("x-api-key", bearer)
            } else {
                r.bearer_auth(bearer).header("anthropic-beta", "oauth-2025-04-20")
            }
        }
        Provider::Codex => client
            .post(format!("{base}/backend-api/codex/responses"))
            .bearer_auth(bearer)
            .header("openai-beta", "responses=experimental")
            .header("originator", "codex_cli_rs")
            .json(&json!({"model": model, "instructions": "You are a helpful assistant.",
                          "input": [{"type": "message", "role": "user",
                                     "content": [{"type": "input_text", "text": prompt}]}],
                          "store": false, "stream": false})),
        Provider::Antigravity => client
            .post(format!("{base}/v1internal:generateContent"))
            .bearer_auth(bearer)
            .json(&json!({"model": model, "project": "rotor-demo",
                          "request": {"contents": [{"role": "user", "parts": [{"text": prompt}]}]}})),
        Provider::Gemini => client
            .post(format!("{base}/v1beta/models/{model}:generateContent"))
            .header("x-goog-api-key", bearer)
            .json(&json!({"contents": [{"role": "user", "parts": [{"text": prompt}]}]})),
        Provider::Openai => client
            .post(format!("{base}/v1/chat/completions"))
            .bearer_auth(bearer)
            .json(&json!({"model": model, "messages": [{"role": "user", "content": prompt}]})),
        Provider::Glm => client
            .post(format!("{base}/api/paas/v4/chat/completions"))
            .bearer_auth(bearer)
            .json(&json!({"model": model, "messages": [{"role": "user", "content": prompt}]})),
    };
    let resp = req.send().await?;
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = resp.bytes().await?;
    Ok(FakeResponse {
        status,
        headers,
        body,
    })
}

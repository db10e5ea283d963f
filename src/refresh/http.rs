//! The HTTP exchange every refresher shares: send one token request, read a bounded body and
//! turn the answer into JSON or a classified [`RefreshFailure`]. Request shapes (JSON or form,
//! which fields) belong to the provider files, not here.

use std::time::Duration;

use crate::secret::{Secret, Secrets};
use serde_json::Value;

use super::RefreshFailure;
use crate::event::RefreshErrorClass;
use crate::time::Timestamp;

/// At most this much of a token response is read: an answer is a few hundred bytes.
const MAX_BODY: usize = 64 * 1024;

pub(crate) const USER_AGENT: &str = concat!("rotor/", env!("CARGO_PKG_VERSION"));

/// Sends a prepared token request (headers, timeout and body already set) and returns the JSON
/// object of a 2xx answer.
pub(crate) async fn exchange(
    req: reqwest::RequestBuilder,
    timeout: Duration,
    now: Timestamp,
) -> Result<Value, RefreshFailure> {
    let req = req
        .timeout(timeout)
        .header(reqwest::header::USER_AGENT, USER_AGENT)
        .header(reqwest::header::ACCEPT, "application/json");
    let mut resp = req.send().await.map_err(network)?;
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, now));
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(network)? {
        let room = MAX_BODY.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if room <= chunk.len() {
            break;
        }
    }
    if (200..300).contains(&status) {
        return match serde_json::from_slice::<Value>(&body) {
            Ok(v) if v.is_object() => Ok(v),
            _ => Err(RefreshFailure::new(
                RefreshErrorClass::Server,
                Some(status),
                "token endpoint answered with a body that is not a JSON object",
            )),
        };
    }
    let mut failure = classify(status, &body);
    failure.retry_after = retry_after;
    Err(failure)
}

fn network(e: reqwest::Error) -> RefreshFailure {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    // reqwest's Display names the URL, never the body, so no secret can leak through it.
    RefreshFailure::new(
        RefreshErrorClass::Network,
        None,
        &format!("token endpoint {what}: {e}"),
    )
}

/// Classifies a non-2xx answer: the OAuth error code decides between a dead grant
/// and another rejection; 429, 5xx and anything else back off.
pub(crate) fn classify(status: u16, body: &[u8]) -> RefreshFailure {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let (code, message) = json.as_ref().map(error_fields).unwrap_or_default();
    let class = match status {
        400 | 401 => match code.as_deref() {
            Some("invalid_grant" | "refresh_token_reused" | "refresh_token_expired") => {
                RefreshErrorClass::InvalidGrant
            }
            _ => RefreshErrorClass::Rejected,
        },
        // 403/404/429/5xx and anything odd: the endpoint or an edge in front of it is in
        // trouble, not the grant; back off rather than disable the account.
        _ => RefreshErrorClass::Server,
    };
    let text = match (code, message) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c,
        (None, Some(m)) => m,
        // Whole: the failure's message is cut by the scrubber, never in the middle of a token.
        (None, None) => String::from_utf8_lossy(body).into_owned(),
    };
    RefreshFailure::new(class, Some(status), &text)
}

/// The error code and message of the shapes token endpoints use: RFC 6749
/// `{"error": "invalid_grant", "error_description": ...}` (Anthropic, Google) and OpenAI's
/// `{"error": {"code": ..., "type": ..., "message": ...}}`.
fn error_fields(v: &Value) -> (Option<String>, Option<String>) {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    match v.get("error") {
        Some(Value::String(code)) => (
            Some(code.clone()),
            s(v.get("error_description")).or_else(|| s(v.get("message"))),
        ),
        Some(obj @ Value::Object(_)) => (
            s(obj.get("code")).or_else(|| s(obj.get("type"))),
            s(obj.get("message")),
        ),
        _ => (None, s(v.get("message"))),
    }
}

/// `Retry-After` as seconds or an HTTP date relative to `now`.
fn parse_retry_after(v: &str, now: Timestamp) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at: Timestamp = httpdate::parse_http_date(v).ok()?.into();
    (at - now).to_std().ok()
}

/// `now + expires_in` when the answer states a lifetime (a number or a numeric string).
pub(crate) fn expires_at(v: &Value, now: Timestamp) -> Option<Timestamp> {
    let secs = match v.get("expires_in")? {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    Some(crate::time::add(now, Duration::from_secs(secs)))
}

/// A string field of the answer, if present and non-empty.
pub(crate) fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The access token of a 2xx answer; its absence is a malformed answer (`server`).
pub(crate) fn access_token(v: &Value) -> Result<String, RefreshFailure> {
    str_field(v, "access_token").ok_or_else(|| {
        RefreshFailure::new(
            RefreshErrorClass::Server,
            None,
            "token endpoint answered without an access_token",
        )
    })
}

/// Where and how a refresher reaches its token endpoint: the part every provider's refresher
/// shares. Each provider file adds only its request body and how it reads the answer.
pub(crate) struct TokenEndpoint {
    pub client: reqwest::Client,
    pub url: reqwest::Url,
    pub timeout: Duration,
    pub lead: Duration,
}

impl TokenEndpoint {
    pub fn new(client: reqwest::Client, url: reqwest::Url, timeout: Duration) -> Self {
        TokenEndpoint {
            client,
            url,
            timeout,
            lead: super::DEFAULT_LEAD,
        }
    }

    /// A POST to the token URL, for the caller to give a body.
    pub fn post(&self) -> reqwest::RequestBuilder {
        self.client.post(self.url.clone())
    }

    /// Sends `req` and classifies the answer (see [`exchange`]).
    pub async fn exchange(
        &self,
        req: reqwest::RequestBuilder,
        now: Timestamp,
    ) -> Result<Value, RefreshFailure> {
        exchange(req, self.timeout, now).await
    }
}

/// The refresh token to spend, or the failure that says there is none.
pub(crate) fn refresh_token(current: &Secrets) -> Result<&Secret, RefreshFailure> {
    current
        .refresh_token
        .as_ref()
        .ok_or_else(RefreshFailure::no_refresh_token)
}

/// The refresh token after an answer: the rotated one it carries, else the one we had.
pub(crate) fn next_refresh_token(v: &Value, current: &Secrets) -> Option<Secret> {
    str_field(v, "refresh_token")
        .map(Secret::new)
        .or_else(|| current.refresh_token.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_the_oauth_error_code() {
        let c = |s, b: &str| classify(s, b.as_bytes()).class;
        use RefreshErrorClass::*;
        assert_eq!(c(400, r#"{"error":"invalid_grant"}"#), InvalidGrant);
        assert_eq!(
            c(401, r#"{"error":{"code":"refresh_token_reused"}}"#),
            InvalidGrant
        );
        assert_eq!(c(400, r#"{"error":"invalid_client"}"#), Rejected);
        assert_eq!(c(401, "<html>"), Rejected);
        assert_eq!(c(429, "{}"), Server);
        assert_eq!(c(503, ""), Server);
    }

    #[test]
    fn retry_after_in_seconds_or_http_date() {
        let now = crate::time::parse_ts("2026-01-01T00:00:00Z").unwrap();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2026 00:01:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}

//! The status-code classifier: what every provider parser falls back to when the body says
//! nothing usable (HTML, empty, truncated). Reads `Retry-After` (seconds or HTTP-date) only.

use std::time::SystemTime;

use chrono::{DateTime, Utc};

use super::{ErrorKind, Headers, ParsedError};
use crate::ids::Provider;

/// Status-only classification; the provider parsers replace this for bodies they understand.
pub fn parse(_provider: Provider, status: u16, headers: &Headers, body: &[u8]) -> ParsedError {
    let text = String::from_utf8_lossy(&body[..body.len().min(2048)]);
    let html = looks_like_html(&text);
    let kind = kind_for_status(status, html);
    let mut e = ParsedError::new(kind, Some(status), first_line(&text));
    apply_retry_after(&mut e, headers);
    e
}

/// SPEC §4: the kind a bare status code implies. A 403 HTML page is an edge block (the egress,
/// not the account), so it is transient at model scope.
pub fn kind_for_status(status: u16, html: bool) -> ErrorKind {
    match status {
        400 | 405 | 409 | 411 | 413 | 415 | 422 => ErrorKind::InvalidRequest,
        401 => ErrorKind::Authentication,
        402 => ErrorKind::Billing,
        403 if html => ErrorKind::Transient,
        403 => ErrorKind::Permission,
        404 => ErrorKind::NotFound,
        408 => ErrorKind::Transient,
        429 => ErrorKind::RateLimit,
        503 | 529 => ErrorKind::Overloaded,
        _ => ErrorKind::Transient,
    }
}

pub fn looks_like_html(text: &str) -> bool {
    let t = text.trim_start().get(..64).unwrap_or(text.trim_start());
    let t = t.to_ascii_lowercase();
    t.starts_with("<!doctype")
        || t.starts_with("<html")
        || t.starts_with("<head")
        || t.starts_with("<body")
}

fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_string()
}

/// `Retry-After` as delta-seconds or HTTP-date, plus `retry-after-ms`.
pub fn apply_retry_after(e: &mut ParsedError, headers: &Headers) {
    if let Some(ms) = headers
        .get("retry-after-ms")
        .and_then(|v| v.trim().parse::<f64>().ok())
    {
        if ms.is_finite() && ms >= 0.0 {
            e.retry_after_ms = Some(ms as u64);
            return;
        }
    }
    if let Some(v) = headers.get("retry-after") {
        let v = v.trim();
        if let Ok(secs) = v.parse::<f64>() {
            if secs.is_finite() && secs >= 0.0 {
                e.retry_after_ms = Some((secs * 1000.0).min(1e15) as u64);
            }
        } else if let Ok(t) = httpdate::parse_http_date(v) {
            let t: DateTime<Utc> = DateTime::<Utc>::from(t.max(SystemTime::UNIX_EPOCH));
            e.reset_at = Some(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_map_to_spec_kinds() {
        let h = Headers::new();
        let k = |s: u16, b: &str| parse(Provider::Openai, s, &h, b.as_bytes()).kind;
        assert_eq!(k(429, ""), ErrorKind::RateLimit);
        assert_eq!(k(401, ""), ErrorKind::Authentication);
        assert_eq!(k(529, ""), ErrorKind::Overloaded);
        assert_eq!(k(502, "<html>bad gateway</html>"), ErrorKind::Transient);
        assert_eq!(
            k(403, "<!DOCTYPE html><title>Attention Required</title>"),
            ErrorKind::Transient
        );
        assert_eq!(k(403, "{}"), ErrorKind::Permission);
        assert_eq!(k(400, ""), ErrorKind::InvalidRequest);
    }

    #[test]
    fn retry_after_seconds_and_http_date() {
        let h: Headers = [("Retry-After", "120")].into_iter().collect();
        assert_eq!(
            parse(Provider::Claude, 429, &h, b"").retry_after_ms,
            Some(120_000)
        );
        let h: Headers = [("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]
            .into_iter()
            .collect();
        let e = parse(Provider::Claude, 429, &h, b"");
        assert_eq!(
            e.reset_at.unwrap().to_rfc3339(),
            "2015-10-21T07:28:00+00:00"
        );
    }
}

//! The status-code classifier every provider parser falls back to when the body says nothing
//! usable (HTML, empty, truncated, `{"error":"text"}`). A 403 HTML page is an edge block
//! (Cloudflare and the like): transient at model scope. Stated waits are added by `waits`.

use super::{ErrorKind, ParsedError};

/// Status-only classification, with the body's first non-empty line (or HTML title) as the
/// message. `html_content_type`: the response said `text/html`, whatever the body looks like.
pub fn classify(status: u16, body: &[u8], html_content_type: bool) -> ParsedError {
    // The whole body (at most MAX_BODY): cutting it here could split a token into a stub the
    // scrubber no longer recognises; the message is cut by the scrubber, between tokens.
    let text = String::from_utf8_lossy(body);
    let html = looks_like_html(&text) || (html_content_type && text.trim_start().starts_with('<'));
    let message = if html {
        html_title(&text)
    } else {
        first_line(&text)
    };
    ParsedError::new(kind_for_status(status, html), Some(status), message)
}

/// The kind a bare status code implies. A 403 HTML page blocks the egress, not the
/// account, so it is transient at model scope. A bare 503 is transient too: anything on the
/// path (a load balancer, a proxy) answers it, and `overloaded` needs the provider to say so
/// (Anthropic's own 529, an `overloaded_error`, Google's `UNAVAILABLE`).
pub fn kind_for_status(status: u16, html: bool) -> ErrorKind {
    match status {
        400 | 405 | 409 | 411 | 413 | 414 | 415 | 422 => ErrorKind::InvalidRequest,
        401 => ErrorKind::Authentication,
        402 => ErrorKind::Billing,
        403 if html => ErrorKind::Transient,
        403 => ErrorKind::Permission,
        404 => ErrorKind::NotFound,
        429 => ErrorKind::RateLimit,
        529 => ErrorKind::Overloaded,
        _ => ErrorKind::Transient,
    }
}

pub fn looks_like_html(text: &str) -> bool {
    let start: String = text
        .trim_start()
        .chars()
        .take(64)
        .collect::<String>()
        .to_ascii_lowercase();
    [
        "<!doctype",
        "<html",
        "<head",
        "<body",
        "<?xml",
        "<h1",
        "<center",
    ]
    .iter()
    .any(|p| start.starts_with(p))
}

fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_string()
}

/// `<title>` of an HTML page, else its first line: a person reading the event wants
/// "Attention Required! | Cloudflare", not a wall of markup.
fn html_title(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let title = lower.find("<title>").and_then(|start| {
        let from = start + "<title>".len();
        let len = lower.get(from..)?.find("</title>")?;
        text.get(from..from + len)
    });
    title
        .map(|t| t.trim().to_string())
        .unwrap_or_else(|| first_line(&strip_tags(text)))
}

/// The text of an HTML fragment, tags dropped (`<h1>504 Gateway Time-out</h1>` → the words).
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split('\n')
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_map_to_spec_kinds() {
        let k = |s: u16, b: &str| classify(s, b.as_bytes(), false).kind;
        assert_eq!(k(429, ""), ErrorKind::RateLimit);
        assert_eq!(k(401, ""), ErrorKind::Authentication);
        assert_eq!(k(529, ""), ErrorKind::Overloaded);
        assert_eq!(k(503, ""), ErrorKind::Transient);
        assert_eq!(k(502, "<html>bad gateway</html>"), ErrorKind::Transient);
        assert_eq!(
            k(403, "<!DOCTYPE html><title>Attention Required</title>"),
            ErrorKind::Transient
        );
        assert_eq!(k(403, "{}"), ErrorKind::Permission);
        assert_eq!(
            classify(403, b"<div>blocked</div>", true).kind,
            ErrorKind::Transient
        );
        assert_eq!(k(400, ""), ErrorKind::InvalidRequest);
    }

    #[test]
    fn html_message_is_the_title() {
        let e = classify(
            403,
            b"<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title>",
            false,
        );
        assert_eq!(e.message, "Attention Required! | Cloudflare");
        assert_eq!(e.scope, crate::parse::Scope::Model);
        let e = classify(504, b"<html><body><h1>504 Gateway Time-out</h1>\nThe server didn't respond in time.\n</body></html>", false);
        assert_eq!(e.message, "504 Gateway Time-out");
    }
}

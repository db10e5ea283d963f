//! The wire pieces every fake provider renders with: `Reply` (an HTTP answer before axum) and
//! the Go duration spelling two providers share. Routing and the scripted world live in
//! `server` and `script`; each provider's bodies in its own file.

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// An HTTP answer before axum: status, headers in order, body bytes.
pub(super) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub(super) fn json(status: u16, v: &serde_json::Value) -> Reply {
        let r = Reply {
            status,
            headers: Vec::new(),
            body: v.to_string().into_bytes(),
        };
        r.header("content-type", "application/json")
    }
    pub(super) fn header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }
    /// A gateway in front of any provider: HTML, not the provider's JSON.
    pub(super) fn bad_gateway() -> Reply {
        let body = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n";
        Reply {
            status: 502,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        }
        .header("content-type", "text/html")
        .header("server", "cloudflare")
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut headers = HeaderMap::new();
        for (k, v) in &self.headers {
            if let (Ok(k), Ok(v)) = (
                HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) {
                headers.append(k, v);
            }
        }
        (status, headers, self.body).into_response()
    }
}

/// Go's duration spelling, as Google's `quotaResetDelay` and OpenAI's `x-ratelimit-reset-*`
/// headers write it: `3h5m10s`.
pub(super) fn go_duration(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m{s}s"),
        _ => format!("{h}h{m}m{s}s"),
    }
}

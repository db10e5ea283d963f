//! Fake ChatGPT Codex backend (`POST /backend-api/codex/responses`): a Responses-API body with
//! `usage` and the `x-codex-primary-*` / `x-codex-secondary-*` headers; errors in the backend's
//! shapes (`usage_limit_reached` with `resets_in_seconds`, `token_expired`, `{"detail"}` 401).

use serde_json::json;

use super::reply::Reply;
use super::script::{Fault, Outcome};
use crate::time::Timestamp;

fn error(status: u16, kind: Option<&str>, code: Option<&str>, message: &str) -> Reply {
    let body = json!({"error": {"message": message, "type": kind, "code": code, "param": null}});
    Reply::json(status, &body)
}

fn usage_headers(r: Reply, primary_pct: f64, reset_s: u64) -> Reply {
    r.header("x-codex-primary-used-percent", &format!("{primary_pct}"))
        .header("x-codex-primary-window-minutes", "300")
        .header("x-codex-primary-reset-after-seconds", &reset_s.to_string())
        .header("x-codex-secondary-used-percent", "9")
        .header("x-codex-secondary-window-minutes", "10080")
        .header("x-codex-secondary-reset-after-seconds", "518400")
}

pub(super) fn render(o: &Outcome, _now: Timestamp, req_id: &str) -> Reply {
    let f = match o {
        Outcome::Ok(s) => {
            let body = json!({
                "id": format!("resp_{}", s.id),
                "object": "response",
                "status": "completed",
                "model": s.model,
                "output": [{
                    "type": "message", "id": format!("msg_{}", s.id), "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": "pong", "annotations": []}]
                }],
                "usage": {
                    "input_tokens": s.input_tokens,
                    "input_tokens_details": {"cached_tokens": 0},
                    "output_tokens": s.output_tokens,
                    "output_tokens_details": {"reasoning_tokens": 0},
                    "total_tokens": s.input_tokens + s.output_tokens
                }
            });
            let r = Reply::json(200, &body).header("x-request-id", req_id);
            return usage_headers(r, s.used_percent, s.window_reset_in_s);
        }
        Outcome::Fault(f) => f,
    };
    match f {
        Fault::Unauthorized { expired: true } => {
            let body = json!({"error": {"message": "Provided authentication token is expired. Please try signing in again.", "type": null, "code": "token_expired", "param": null}, "status": 401});
            Reply::json(401, &body)
        }
        // The backend answers an unknown or invalidated token without the usual envelope.
        Fault::Unauthorized { expired: false } => Reply::json(
            401,
            &json!({"detail": "Could not parse your authentication token. Please try signing in again."}),
        ),
        Fault::Forbidden => error(
            403,
            Some("usage_not_included"),
            None,
            "Your plan does not include Codex usage. Upgrade your plan to continue.",
        ),
        Fault::RateLimit { retry_after_s } => error(
            429,
            Some("requests"),
            Some("rate_limit_exceeded"),
            &format!("Rate limit reached for requests. Please try again in {retry_after_s}s."),
        )
        .header("retry-after", &retry_after_s.to_string()),
        Fault::Quota {
            reset_in_s,
            reset_at,
        } => {
            let body = json!({"error": {
                "type": "usage_limit_reached",
                "message": "The usage limit has been reached",
                "plan_type": "plus",
                "resets_at": reset_at.timestamp(),
                "resets_in_seconds": reset_in_s
            }});
            usage_headers(Reply::json(429, &body), 100.0, *reset_in_s)
        }
        Fault::Overloaded => error(
            503,
            Some("server_error"),
            Some("server_is_overloaded"),
            "Our servers are currently overloaded. Please try again later.",
        ),
        Fault::BadGateway => Reply::bad_gateway(),
        Fault::BadRequest { message } => error(400, Some("invalid_request_error"), None, message),
    }
}

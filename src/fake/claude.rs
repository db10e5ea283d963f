//! Fake Anthropic Messages API (`POST /v1/messages`): Claude's success body with `usage` and the
//! `anthropic-ratelimit-unified-*` headers, and its error envelope
//! `{"type":"error","error":{"type","message"},"request_id"}` for 429 / 401 / 403 / 529 / 400.

use serde_json::json;

use super::reply::Reply;
use super::script::{Fault, Outcome};
use crate::time::{add, Timestamp};
use std::time::Duration;

fn error(status: u16, kind: &str, message: &str, id: &str) -> Reply {
    let body =
        json!({"type": "error", "error": {"type": kind, "message": message}, "request_id": id});
    Reply::json(status, &body).header("request-id", id)
}

fn epoch_in(now: Timestamp, secs: u64) -> String {
    add(now, Duration::from_secs(secs)).timestamp().to_string()
}

pub(super) fn render(o: &Outcome, now: Timestamp, req_id: &str) -> Reply {
    let f = match o {
        Outcome::Ok(s) => {
            let body = json!({
                "id": format!("msg_01{}", s.id),
                "type": "message",
                "role": "assistant",
                "model": s.model,
                "content": [{"type": "text", "text": "pong"}],
                "stop_reason": "end_turn",
                "stop_sequence": null,
                "usage": {
                    "input_tokens": s.input_tokens,
                    "cache_creation_input_tokens": 0,
                    "cache_read_input_tokens": 0,
                    "output_tokens": s.output_tokens,
                    "service_tier": "standard"
                }
            });
            let reset = epoch_in(now, s.window_reset_in_s);
            let util = format!("{:.2}", s.used_percent / 100.0);
            return Reply::json(200, &body)
                .header("request-id", req_id)
                .header("anthropic-ratelimit-unified-status", "allowed")
                .header("anthropic-ratelimit-unified-5h-status", "allowed")
                .header("anthropic-ratelimit-unified-5h-utilization", &util)
                .header("anthropic-ratelimit-unified-5h-reset", &reset)
                .header("anthropic-ratelimit-unified-7d-status", "allowed")
                .header("anthropic-ratelimit-unified-7d-utilization", "0.12")
                .header(
                    "anthropic-ratelimit-unified-7d-reset",
                    &epoch_in(now, 6 * 86_400),
                )
                .header("anthropic-ratelimit-unified-reset", &reset)
                .header(
                    "anthropic-ratelimit-unified-representative-claim",
                    "five_hour",
                );
        }
        Outcome::Fault(f) => f,
    };
    match f {
        Fault::Unauthorized { expired: true } => error(
            401,
            "authentication_error",
            "OAuth token has expired. Please obtain a new token or refresh your existing token.",
            req_id,
        ),
        Fault::Unauthorized { expired: false } => {
            error(401, "authentication_error", "Invalid bearer token", req_id)
        }
        Fault::Forbidden => error(
            403,
            "permission_error",
            "OAuth authentication is currently not allowed for this organization.",
            req_id,
        ),
        Fault::RateLimit { retry_after_s } => error(
            429,
            "rate_limit_error",
            "This request would exceed the rate limit for your organization of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits.",
            req_id,
        )
        .header("retry-after", &retry_after_s.to_string())
        .header("anthropic-ratelimit-unified-status", "allowed"),
        // A subscription window used up: account-wide, the unified reset names its end.
        Fault::Quota { reset_in_s, reset_at } => {
            error(429, "rate_limit_error", "This request would exceed your account's rate limit. Please try again later.", req_id)
                .header("retry-after", &reset_in_s.to_string())
                .header("anthropic-ratelimit-unified-status", "rejected")
                .header("anthropic-ratelimit-unified-5h-status", "rejected")
                .header("anthropic-ratelimit-unified-5h-utilization", "1.0")
                .header("anthropic-ratelimit-unified-5h-reset", &reset_at.timestamp().to_string())
                .header("anthropic-ratelimit-unified-reset", &reset_at.timestamp().to_string())
                .header("anthropic-ratelimit-unified-representative-claim", "five_hour")
        }
        Fault::Overloaded => error(529, "overloaded_error", "Overloaded", req_id),
        Fault::BadGateway => Reply::bad_gateway(),
        Fault::BadRequest { message } => error(400, "invalid_request_error", message, req_id),
    }
}

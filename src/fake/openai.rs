//! Fake OpenAI Chat Completions (`POST /v1/chat/completions`): the success body with `usage` and
//! the `x-ratelimit-*` headers; errors in `{"error":{message,type,param,code}}`. A used-up quota
//! is the requests-per-day limit with its `x-ratelimit-reset-requests` reset.

use serde_json::json;

use super::reply::{go_duration, Reply};
use super::script::{Fault, Outcome};
use crate::time::Timestamp;

fn error(status: u16, kind: &str, code: Option<&str>, message: &str) -> Reply {
    let body = json!({"error": {"message": message, "type": kind, "param": null, "code": code}});
    Reply::json(status, &body)
}

/// The chat-completions success body; GLM's is the same shape plus `request_id`.
pub(super) fn completion(s: &super::script::Success, created: i64) -> serde_json::Value {
    json!({
        "id": format!("chatcmpl-{}", s.id),
        "object": "chat.completion",
        "created": created,
        "model": s.model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": "pong"},
            "finish_reason": "stop"
        }],
        "usage": {
            "prompt_tokens": s.input_tokens,
            "completion_tokens": s.output_tokens,
            "total_tokens": s.input_tokens + s.output_tokens
        }
    })
}

pub(super) fn render(o: &Outcome, now: Timestamp, req_id: &str) -> Reply {
    let f = match o {
        Outcome::Ok(s) => {
            let remaining = (10_000.0 * (1.0 - s.used_percent / 100.0)).max(0.0) as u64;
            return Reply::json(200, &completion(s, now.timestamp()))
                .header("x-request-id", req_id)
                .header("x-ratelimit-limit-requests", "10000")
                .header("x-ratelimit-remaining-requests", &remaining.to_string())
                .header("x-ratelimit-reset-requests", "8.64s")
                .header("x-ratelimit-limit-tokens", "2000000")
                .header("x-ratelimit-remaining-tokens", "1998000")
                .header("x-ratelimit-reset-tokens", "60ms");
        }
        Outcome::Fault(f) => f,
    };
    match f {
        Fault::Unauthorized { .. } => error(
            401,
            "invalid_request_error",
            Some("invalid_api_key"),
            "Incorrect API key provided: sk-proj-****abcd. You can find your API key at https://platform.openai.com/account/api-keys.",
        ),
        Fault::Forbidden => error(
            403,
            "request_forbidden",
            Some("unsupported_country_region_territory"),
            "Country, region, or territory not supported",
        ),
        Fault::RateLimit { retry_after_s } => error(
            429,
            "requests",
            Some("rate_limit_exceeded"),
            &format!("Rate limit reached for gpt-4o on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in {retry_after_s}s."),
        )
        .header("retry-after", &retry_after_s.to_string())
        .header("x-ratelimit-remaining-requests", "0")
        .header("x-ratelimit-reset-requests", &format!("{retry_after_s}s")),
        Fault::Quota { reset_in_s, .. } => error(
            429,
            "requests",
            Some("rate_limit_exceeded"),
            "Rate limit reached for gpt-4o on requests per day (RPD): Limit 10000, Used 10000, Requested 1.",
        )
        .header("x-ratelimit-remaining-requests", "0")
        .header("x-ratelimit-reset-requests", &go_duration(*reset_in_s))
        .header("x-ratelimit-remaining-tokens", "39000")
        .header("x-ratelimit-reset-tokens", "1.5s"),
        Fault::Overloaded => error(
            503,
            "server_error",
            None,
            "The engine is currently overloaded, please try again later",
        ),
        Fault::BadGateway => Reply::bad_gateway(),
        Fault::BadRequest { message } => error(400, "invalid_request_error", None, message),
    }
}

//! Fake Google Cloud Code Assist, as Antigravity calls it (`POST /v1internal:generateContent`):
//! the `{"response": {candidates, usageMetadata}}` success body and Google's
//! `{"error":{code,message,status,details}}` with RetryInfo / ErrorInfo (`quotaResetDelay`).

use serde_json::{json, Value};

use super::reply::{go_duration, Reply};
use super::script::{Fault, Outcome};
use crate::time::{format_ts, Timestamp};

fn error(code: u16, status: &str, message: &str, details: Value) -> Reply {
    let body =
        json!({"error": {"code": code, "message": message, "status": status, "details": details}});
    Reply::json(code, &body)
}

fn error_info(reason: &str, metadata: Value) -> Value {
    json!({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason,
           "domain": "cloudcode-pa.googleapis.com", "metadata": metadata})
}

pub(super) fn render(o: &Outcome, _now: Timestamp, req_id: &str) -> Reply {
    let f = match o {
        Outcome::Ok(s) => {
            let body = json!({
                "response": {
                    "candidates": [{
                        "content": {"role": "model", "parts": [{"text": "pong"}]},
                        "finishReason": "STOP"
                    }],
                    "usageMetadata": {
                        "promptTokenCount": s.input_tokens,
                        "candidatesTokenCount": s.output_tokens,
                        "totalTokenCount": s.input_tokens + s.output_tokens
                    },
                    "modelVersion": s.model,
                    "responseId": s.id
                },
                "traceId": req_id
            });
            return Reply::json(200, &body);
        }
        Outcome::Fault(f) => f,
    };
    match f {
        Fault::Unauthorized { .. } => error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            json!([error_info("ACCESS_TOKEN_EXPIRED", json!({"service": "cloudcode-pa.googleapis.com"}))]),
        ),
        Fault::Forbidden => error(403, "PERMISSION_DENIED", "The caller does not have permission", json!([])),
        Fault::RateLimit { retry_after_s } => error(
            429,
            "RESOURCE_EXHAUSTED",
            "Resource has been exhausted (e.g. check quota).",
            json!([
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": format!("{retry_after_s}s")},
                error_info("RATE_LIMIT_EXCEEDED", json!({}))
            ]),
        ),
        Fault::Quota { reset_in_s, reset_at } => error(
            429,
            "RESOURCE_EXHAUSTED",
            &format!("You have exhausted your capacity on this model. Your quota will reset after {}.", go_duration(*reset_in_s)),
            json!([
                error_info("QUOTA_EXHAUSTED", json!({
                    "quotaResetDelay": go_duration(*reset_in_s),
                    "quotaResetTimeStamp": format_ts(*reset_at),
                })),
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": format!("{reset_in_s}s")}
            ]),
        ),
        Fault::Overloaded => error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.", json!([])),
        Fault::BadGateway => Reply::bad_gateway(),
        Fault::BadRequest { message } => error(400, "INVALID_ARGUMENT", message, json!([])),
    }
}

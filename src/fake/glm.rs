//! Fake Zhipu GLM (`POST /api/paas/v4/chat/completions`): an OpenAI-like success body with
//! `request_id`, and GLM's `{"error":{"code":"1308","message":...}}` errors, whose reset times
//! are stated only in the message as Beijing wall-clock time.

use chrono::FixedOffset;
use serde_json::json;

use super::reply::Reply;
use super::script::{Fault, Outcome};
use crate::time::Timestamp;

fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": {"code": code, "message": message}}),
    )
}

/// `2026-08-25 07:41:44` in UTC+8, as GLM writes its reset times.
fn beijing(t: Timestamp) -> String {
    let tz =
        FixedOffset::east_opt(8 * 3600).unwrap_or(FixedOffset::east_opt(0).expect("zero offset"));
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string()
}

pub(super) fn render(o: &Outcome, now: Timestamp, req_id: &str) -> Reply {
    let f = match o {
        Outcome::Ok(s) => {
            let mut body = super::openai::completion(s, now.timestamp());
            body["request_id"] = json!(req_id);
            return Reply::json(200, &body);
        }
        Outcome::Fault(f) => f,
    };
    match f {
        Fault::Unauthorized { expired: true } => error(401, "1001", "身份验证失败：令牌已过期。"),
        Fault::Unauthorized { expired: false } => error(401, "1000", "身份验证失败。"),
        Fault::Forbidden => error(
            403,
            "1309",
            "您的GLM Coding Plan套餐已到期，暂无法使用，请续费后重试。",
        ),
        Fault::RateLimit { .. } => error(
            429,
            "1302",
            "您当前使用该API的并发数过高，请降低并发，或联系客服增加限额。",
        ),
        Fault::Quota { reset_at, .. } => error(
            429,
            "1308",
            &format!(
                "已达到 5 小时的使用上限。您的限额将在 {} 重置。",
                beijing(*reset_at)
            ),
        ),
        Fault::Overloaded => error(429, "1305", "该模型当前访问量过大，请您稍后再试"),
        Fault::BadGateway => Reply::bad_gateway(),
        Fault::BadRequest { message } => error(400, "1210", message),
    }
}

//! The Google envelope's rules: canonical `error.status`, `details[]` (ErrorInfo.reason wins
//! over status; RetryInfo.retryDelay; ErrorInfo.metadata quotaResetDelay / quotaResetTimeStamp;
//! QuotaFailure PerMinute vs PerDay; `limit: 0` → not_found), legacy `errors[].reason` only
//! without ErrorInfo; a used-up quota whose reset is stated only in words.

use serde_json::Value;

use crate::block::Wait;
use crate::parse::envelope::{value_text, Envelope};
use crate::parse::input::Input;
use crate::parse::text::wait_in_text;
use crate::parse::waits::{is_terms_violation, set_wait};
use crate::parse::{ErrorKind, ParsedError, Scope};
use crate::time::{parse_duration, parse_ts_clamped};

#[derive(Default)]
struct Details<'a> {
    reason: Option<&'a str>,
    retry_delay: Option<&'a str>,
    quota_reset_delay: Option<&'a str>,
    quota_reset_timestamp: Option<&'a str>,
    quota_ids: Vec<&'a str>,
    zero_quota: bool,
    any: bool,
}

fn read_details(details: &[Value]) -> Details<'_> {
    let mut d = Details {
        any: !details.is_empty(),
        ..Details::default()
    };
    for item in details {
        let ty = item.get("@type").and_then(Value::as_str).unwrap_or("");
        if ty.ends_with("google.rpc.ErrorInfo") {
            d.reason = d.reason.or(item.get("reason").and_then(Value::as_str));
            let meta = item.get("metadata");
            let field = |k: &str| meta.and_then(|m| m.get(k)).and_then(Value::as_str);
            d.quota_reset_delay = d.quota_reset_delay.or(field("quotaResetDelay"));
            d.quota_reset_timestamp = d.quota_reset_timestamp.or(field("quotaResetTimeStamp"));
        } else if ty.ends_with("google.rpc.RetryInfo") {
            d.retry_delay = d
                .retry_delay
                .or(item.get("retryDelay").and_then(Value::as_str));
        } else if ty.ends_with("google.rpc.QuotaFailure") {
            let violations = item
                .get("violations")
                .and_then(Value::as_array)
                .map(Vec::as_slice);
            for v in violations.unwrap_or(&[]) {
                if let Some(id) = v.get("quotaId").and_then(Value::as_str) {
                    d.quota_ids.push(id);
                }
                let value = v.get("quotaValue").and_then(value_text);
                d.zero_quota |= value.as_deref() == Some("0");
            }
        }
    }
    d
}

/// Classification of a Google-shaped error: needs `error.status` (a canonical code) or
/// `details`, so OpenAI / Anthropic envelopes pass through untouched.
pub(in crate::parse) fn by_status(input: &Input<'_>) -> Option<ParsedError> {
    let env = input.env.as_ref()?;
    let status = env.google_status().filter(|s| is_canonical(s));
    if status.is_none() && env.details().is_empty() {
        return None;
    }
    let d = read_details(env.details());
    let lower = input.message_lower();
    let (kind, scope) = if d.zero_quota || says_limit_zero(&lower) {
        (ErrorKind::NotFound, Scope::Model)
    } else if let Some(k) = d.reason.and_then(|r| kind_of_reason(r, &d)) {
        k
    } else if let Some(k) = status.and_then(|s| kind_of_status(s, &d, &lower, env)) {
        (k, k.default_scope())
    } else {
        return None;
    };
    let mut e = input.error_scoped(kind, scope);
    e.code = d.reason.or(status).map(Into::into).or(e.code);
    e.error_type = status.map(Into::into);
    if kind != ErrorKind::NotFound {
        apply_detail_waits(&mut e, &d);
    }
    if kind == ErrorKind::Permission && is_terms_violation(&lower) {
        e.disables_account = true;
    }
    Some(e)
}

/// How Antigravity words a used-up model quota whose reset it states only in the message
/// ("Individual quota reached ... Resets in 166h12m.", "You have exhausted your capacity on this
/// model. Your quota will reset after 1h43m56s.").
const QUOTA_PHRASES: [&str; 3] = [
    "quota reached",
    "exhausted your capacity",
    "quota will reset",
];

/// A 429 without details (no status, or a bare `RESOURCE_EXHAUSTED`) whose message says the
/// quota is used up and when it resets, in words only: the model's quota (`quota_exceeded`) for
/// the stated time, not the short no-details throttle. `waits` reads the wait from the words.
pub(in crate::parse) fn quota_in_words(input: &Input<'_>) -> Option<ParsedError> {
    let env = input.env.as_ref()?;
    let bare = env.details().is_empty()
        && env
            .google_status()
            .is_none_or(|s| s == "RESOURCE_EXHAUSTED");
    let lower = input.message_lower();
    let used_up = QUOTA_PHRASES.iter().any(|p| lower.contains(p));
    (input.status == 429 && bare && used_up && wait_in_text(&lower).is_some())
        .then(|| input.error(ErrorKind::QuotaExceeded))
}

fn is_canonical(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
}

/// `ErrorInfo.reason`, which wins over the status; refined by QuotaFailure's quota ids.
fn kind_of_reason(reason: &str, d: &Details<'_>) -> Option<(ErrorKind, Scope)> {
    use ErrorKind::*;
    let kind = match reason {
        "RATE_LIMIT_EXCEEDED" | "USER_RATE_LIMIT_EXCEEDED" => {
            quota_window_kind(d).unwrap_or(RateLimit)
        }
        "QUOTA_EXCEEDED" | "QUOTA_EXHAUSTED" | "RESOURCE_EXHAUSTED" => {
            quota_window_kind(d).unwrap_or(QuotaExceeded)
        }
        "MODEL_CAPACITY_EXHAUSTED" | "CAPACITY_EXHAUSTED" => Overloaded,
        "API_KEY_INVALID" | "API_KEY_EXPIRED" | "ACCESS_TOKEN_EXPIRED" | "CREDENTIALS_MISSING" => {
            Authentication
        }
        "SERVICE_DISABLED"
        | "CONSUMER_INVALID"
        | "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
        | "API_KEY_SERVICE_BLOCKED"
        | "USER_PROJECT_DENIED"
        | "BILLING_DISABLED"
        | "TOS_VIOLATION" => return Some((Permission, Scope::Account)),
        _ => return None,
    };
    Some((kind, kind.default_scope()))
}

/// QuotaFailure `quotaId`: per-minute quotas are throttles, per-day ones are quota windows.
fn quota_window_kind(d: &Details<'_>) -> Option<ErrorKind> {
    let per = |w: &str| d.quota_ids.iter().any(|id| id.contains(w));
    if per("PerDay") || per("PerHour") || per("PerWeek") || per("PerMonth") {
        Some(ErrorKind::QuotaExceeded)
    } else if per("PerMinute") || per("PerSecond") {
        Some(ErrorKind::RateLimit)
    } else {
        None
    }
}

fn kind_of_status(status: &str, d: &Details<'_>, lower: &str, env: &Envelope) -> Option<ErrorKind> {
    use ErrorKind::*;
    // Legacy reasons count only when there is no ErrorInfo.
    let legacy = if d.reason.is_none() {
        legacy_reason(env)
    } else {
        None
    };
    Some(match status {
        // No details at all: a short throttle, never the 1 h quota default.
        "RESOURCE_EXHAUSTED" if !d.any => legacy.unwrap_or(RateLimit),
        "RESOURCE_EXHAUSTED" => match quota_window_kind(d) {
            Some(k) => k,
            None if d.reason.is_none() && d.retry_delay.is_some() => RateLimit,
            None => QuotaExceeded,
        },
        "UNAUTHENTICATED" => Authentication,
        "PERMISSION_DENIED" => legacy.unwrap_or(Permission),
        "NOT_FOUND" => NotFound,
        "UNAVAILABLE" => Overloaded,
        "INVALID_ARGUMENT" | "OUT_OF_RANGE" => InvalidRequest,
        "FAILED_PRECONDITION" if lower.contains("location is not supported") => Permission,
        "FAILED_PRECONDITION" => InvalidRequest,
        "INTERNAL" | "UNKNOWN" | "DEADLINE_EXCEEDED" | "ABORTED" | "CANCELLED" | "DATA_LOSS" => {
            Transient
        }
        _ => return legacy,
    })
}

/// Legacy `error.errors[].reason`; only consulted when no ErrorInfo is present.
fn legacy_reason(env: &Envelope) -> Option<ErrorKind> {
    use ErrorKind::*;
    let errors = env.error.get("errors")?.as_array()?;
    errors.iter().find_map(|e| {
        Some(match e.get("reason")?.as_str()? {
            "rateLimitExceeded" | "userRateLimitExceeded" => RateLimit,
            "quotaExceeded" | "dailyLimitExceeded" => QuotaExceeded,
            "forbidden" | "insufficientPermissions" | "accessNotConfigured" => Permission,
            "notFound" => NotFound,
            "authError" | "keyInvalid" | "unauthorized" => Authentication,
            "backendError" | "internalError" => Transient,
            _ => return None,
        })
    })
}

/// "Quota exceeded for metric: ..., limit: 0, model: ..." — the model is not in the key's tier.
fn says_limit_zero(lower: &str) -> bool {
    let mut rest = lower;
    while let Some(pos) = rest.find("limit: 0") {
        let after = rest.get(pos + "limit: 0".len()..).unwrap_or("");
        if !after.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            return true;
        }
        rest = after;
    }
    false
}

/// quotaResetDelay, else quotaResetTimeStamp, else RetryInfo.retryDelay.
fn apply_detail_waits(e: &mut ParsedError, d: &Details<'_>) {
    let ms = |s: &str| parse_duration(s).map(|d| d.as_millis().min(u64::MAX as u128) as u64);
    if let Some(ms) = d.quota_reset_delay.and_then(ms) {
        set_wait(e, Wait::AfterMs(ms));
    } else if let Some(t) = d.quota_reset_timestamp.and_then(parse_ts_clamped) {
        set_wait(e, Wait::At(t));
    } else if let Some(ms) = d.retry_delay.and_then(ms) {
        set_wait(e, Wait::AfterMs(ms));
    }
}

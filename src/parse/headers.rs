//! Waits stated by response headers: `retry-after-ms`, `Retry-After`
//! (seconds or HTTP-date), the exhausted limit's `x-ratelimit-reset-*` / `anthropic-ratelimit-*-
//! reset`, Claude's unified window (`anthropic-ratelimit-unified-*`) and Codex's
//! `x-codex-{primary,secondary}-*`. Quota observations from the same headers live in `observe`.

use std::time::SystemTime;

use chrono::{DateTime, Utc};

use super::Headers;
use crate::block::Wait;
use crate::time::{clamp, from_millis, parse_duration, parse_ts_clamped, Timestamp};

/// `retry-after-ms`, else `Retry-After` as seconds or an HTTP-date.
pub fn retry_after(h: &Headers) -> Option<Wait> {
    if let Some(ms) = h.get("retry-after-ms").and_then(non_negative) {
        return Some(Wait::AfterMs(ms.min(1e15) as u64));
    }
    let v = h.get("retry-after")?.trim();
    if let Some(secs) = non_negative(v) {
        return Some(Wait::AfterMs((secs * 1000.0).min(1e15) as u64));
    }
    let t = httpdate::parse_http_date(v).ok()?;
    Some(Wait::At(clamp(DateTime::<Utc>::from(
        t.max(SystemTime::UNIX_EPOCH),
    ))))
}

/// The reset of an exhausted OpenAI-style limit: `x-ratelimit-reset-{requests,tokens}` whose
/// `x-ratelimit-remaining-*` is 0 (the longest when both are). With `any_limit`, a reset counts
/// even when no remaining header says it is exhausted (the longest, to not retry too soon).
pub fn openai_reset(h: &Headers, any_limit: bool) -> Option<Wait> {
    ["requests", "tokens"]
        .iter()
        .filter(|w| any_limit || is_zero(h.get(&format!("x-ratelimit-remaining-{w}"))))
        .filter_map(|w| parse_duration(h.get(&format!("x-ratelimit-reset-{w}"))?))
        .map(|d| d.as_millis().min(u64::MAX as u128) as u64)
        .max()
        .map(Wait::AfterMs)
}

/// The reset (RFC 3339) of an exhausted `anthropic-ratelimit-{requests,tokens,...}` limit.
pub fn anthropic_reset(h: &Headers, any_limit: bool) -> Option<Wait> {
    ["requests", "tokens", "input-tokens", "output-tokens"]
        .iter()
        .filter(|w| any_limit || is_zero(h.get(&format!("anthropic-ratelimit-{w}-remaining"))))
        .filter_map(|w| parse_ts_clamped(h.get(&format!("anthropic-ratelimit-{w}-reset"))?))
        .max()
        .map(Wait::At)
}

/// Claude subscription windows: `Some(reset)` when the unified status, or a window's status
/// (`5h`, `7d`, the per-model weeklies `7d_opus`, `7d_sonnet`, `7d_oi`, ...: any window named by
/// its length), is `rejected` (an account-wide window is used up). The reset is the **latest**
/// of `anthropic-ratelimit-unified-reset` and the rejected windows' own resets: the unified
/// reset names one representative window, and the account stays shut until every rejected one
/// has reset. `Some(None)` when rejected without a reset. The `overage` status is no window.
pub fn claude_unified_rejected(h: &Headers) -> Option<Option<Timestamp>> {
    const PREFIX: &str = "anthropic-ratelimit-unified-";
    let rejected = |v: &str| v.trim().eq_ignore_ascii_case("rejected");
    let windows: Vec<&str> = h
        .iter()
        .filter(|(_, v)| rejected(v))
        .filter_map(|(k, _)| k.strip_prefix(PREFIX)?.strip_suffix("-status"))
        .filter(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    let overall_rejected = h
        .get("anthropic-ratelimit-unified-status")
        .is_some_and(rejected);
    if !overall_rejected && windows.is_empty() {
        return None;
    }
    let overall = h
        .get("anthropic-ratelimit-unified-reset")
        .and_then(epoch_or_rfc3339);
    let window_resets = windows.iter().filter_map(|w| {
        h.get(&format!("{PREFIX}{w}-reset"))
            .and_then(epoch_or_rfc3339)
    });
    Some(overall.into_iter().chain(window_resets).max())
}

/// Codex windows: the reset of an exhausted (`used-percent` ≥ 100) primary / secondary window,
/// the later one when both are.
pub fn codex_exhausted_reset(h: &Headers) -> Option<Wait> {
    ["primary", "secondary"]
        .iter()
        .filter(|w| {
            h.get(&format!("x-codex-{w}-used-percent"))
                .and_then(non_negative)
                .is_some_and(|p| p >= 100.0)
        })
        .filter_map(|w| codex_window_reset(h, w))
        .max_by_key(|w| match w {
            Wait::AfterMs(ms) => (0, *ms as i64),
            Wait::At(t) => (1, t.timestamp_millis()),
        })
}

/// Whether any Codex window header says the window is used up.
pub fn codex_any_exhausted(h: &Headers) -> bool {
    ["primary", "secondary"].iter().any(|w| {
        h.get(&format!("x-codex-{w}-used-percent"))
            .and_then(non_negative)
            .is_some_and(|p| p >= 100.0)
    })
}

/// `x-codex-{w}-reset-after-seconds`, else `x-codex-{w}-reset-at` (epoch seconds).
pub fn codex_window_reset(h: &Headers, w: &str) -> Option<Wait> {
    if let Some(secs) = h
        .get(&format!("x-codex-{w}-reset-after-seconds"))
        .and_then(non_negative)
    {
        return Some(Wait::AfterMs((secs * 1000.0).min(1e15) as u64));
    }
    h.get(&format!("x-codex-{w}-reset-at"))
        .and_then(epoch_or_rfc3339)
        .map(Wait::At)
}

/// Epoch seconds (or milliseconds, when implausibly large for seconds) or RFC 3339.
pub fn epoch_or_rfc3339(v: &str) -> Option<Timestamp> {
    let v = v.trim();
    match v.parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 0.0 => {
            let ms = if n > 1e11 { n } else { n * 1000.0 };
            if ms > 1e16 {
                return None;
            }
            Some(from_millis(ms as i64))
        }
        Ok(_) => None,
        Err(_) => parse_ts_clamped(v),
    }
}

/// A finite non-negative number.
pub fn non_negative(v: &str) -> Option<f64> {
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)
}

fn is_zero(v: Option<&str>) -> bool {
    v.and_then(non_negative).is_some_and(|n| n == 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::format_ts;

    fn h(pairs: &[(&str, &str)]) -> Headers {
        pairs.iter().copied().collect()
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(
            retry_after(&h(&[("Retry-After", "30")])),
            Some(Wait::AfterMs(30_000))
        );
        assert_eq!(
            retry_after(&h(&[("retry-after-ms", "250"), ("retry-after", "1")])),
            Some(Wait::AfterMs(250))
        );
        assert!(matches!(
            retry_after(&h(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")])),
            Some(Wait::At(_))
        ));
        assert_eq!(retry_after(&h(&[("retry-after", "soon")])), None);
        assert_eq!(retry_after(&h(&[("retry-after", "1e400")])), None);
    }

    #[test]
    fn only_the_exhausted_openai_limit_counts() {
        let hs = h(&[
            ("x-ratelimit-remaining-requests", "0"),
            ("x-ratelimit-reset-requests", "6m0s"),
            ("x-ratelimit-remaining-tokens", "39000"),
            ("x-ratelimit-reset-tokens", "1.5s"),
        ]);
        assert_eq!(openai_reset(&hs, false), Some(Wait::AfterMs(360_000)));
    }

    #[test]
    fn claude_unified_window() {
        let hs = h(&[
            ("anthropic-ratelimit-unified-status", "rejected"),
            ("anthropic-ratelimit-unified-reset", "1767000000"),
        ]);
        let t = claude_unified_rejected(&hs).unwrap().unwrap();
        assert_eq!(format_ts(t), "2025-12-29T09:20:00.000Z");
        let hs = h(&[
            ("anthropic-ratelimit-unified-7d-status", "rejected"),
            ("anthropic-ratelimit-unified-7d-reset", "1767000000"),
        ]);
        assert!(claude_unified_rejected(&hs).unwrap().is_some());
        assert!(
            claude_unified_rejected(&h(&[("anthropic-ratelimit-unified-status", "allowed")]))
                .is_none()
        );
        assert!(epoch_or_rfc3339("99999999999999999999").is_none());
        // Several windows rejected: the latest reset, whatever the unified reset names.
        let hs = h(&[
            ("anthropic-ratelimit-unified-status", "rejected"),
            ("anthropic-ratelimit-unified-reset", "1767000000"),
            ("anthropic-ratelimit-unified-5h-status", "rejected"),
            ("anthropic-ratelimit-unified-5h-reset", "1767000000"),
            ("anthropic-ratelimit-unified-7d_oi-status", "rejected"),
            ("anthropic-ratelimit-unified-7d_oi-reset", "1767400000"),
            ("anthropic-ratelimit-unified-overage-status", "rejected"),
            ("anthropic-ratelimit-unified-overage-reset", "1769000000"),
        ]);
        let t = claude_unified_rejected(&hs).unwrap().unwrap();
        assert_eq!(t.timestamp(), 1_767_400_000);
        // Overage credits refused is no window used up.
        let hs = h(&[("anthropic-ratelimit-unified-overage-status", "rejected")]);
        assert!(claude_unified_rejected(&hs).is_none());
    }
}

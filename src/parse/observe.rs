//! Quota observations read from the headers of any response, successful or failed: Claude's
//! unified 5h / 7d windows and `anthropic-ratelimit-*` limits, Codex's `x-codex-primary-*` /
//! `-secondary-*` windows, OpenAI's `x-ratelimit-*`. What a failure means is decided by the
//! parsers; this file only reports what the headers say, with relative resets made absolute,
//! and whose limit it is: the whole account's, or the model the request asked for.
//!
//! Scope, as each provider meters it: Claude's unified windows and Codex's primary / secondary
//! windows are the subscription's, shared by every model (model `None`); Claude's per-family
//! weekly windows (`7d_opus`, `7d_sonnet`) bind only that family; Anthropic's
//! `anthropic-ratelimit-*` and OpenAI's `x-ratelimit-*` limits are set per model, and a response
//! carries the ones of the model it served, so they say nothing about the account's other models.

use std::time::Duration;

use super::headers::{epoch_or_rfc3339, non_negative};
use super::Headers;
use crate::ids::{Model, Provider};
use crate::time::{add, parse_duration, parse_ts, Timestamp};
use crate::vocab::QuotaObservation;

/// Every quota window the headers of a response to a request for `model` describe. Header
/// families are distinct, so all are read whatever the provider (compatible endpoints forward
/// each other's headers).
pub fn observe_headers(
    _provider: Provider,
    model: &Model,
    headers: &Headers,
    received_at: Timestamp,
) -> Vec<QuotaObservation> {
    let mut out = Vec::new();
    claude_unified(headers, model, &mut out);
    claude_limits(headers, model, &mut out);
    codex_windows(headers, received_at, &mut out);
    openai_limits(headers, model, received_at, &mut out);
    out
}

fn blank(window: &str, source: String) -> QuotaObservation {
    QuotaObservation {
        window: window.into(),
        model: None,
        used_percent: None,
        remaining: None,
        limit: None,
        window_minutes: None,
        reset_at: None,
        source: source.into(),
    }
}

fn count(v: Option<&str>) -> Option<u64> {
    non_negative(v?).map(|n| n.min(u64::MAX as f64) as u64)
}

fn used_percent_of(limit: Option<u64>, remaining: Option<u64>) -> Option<f64> {
    let (l, r) = (limit?, remaining?);
    (l > 0).then(|| (l.saturating_sub(r) as f64 / l as f64 * 100.0).clamp(0.0, 100.0))
}

/// `anthropic-ratelimit-unified-{5h,7d,...}-{utilization,reset}`; utilization is a fraction
/// (0.85 = 85 %), values above 1 are taken as already in percent. A family's weekly window
/// (`7d_opus`) is kept for a request of that family, on its model; other requests skip it.
fn claude_unified(h: &Headers, model: &Model, out: &mut Vec<QuotaObservation>) {
    let lower = model.to_ascii_lowercase();
    for (window, minutes, family) in [
        ("5h", 300, None),
        ("7d", 10_080, None),
        ("7d_opus", 10_080, Some("opus")),
        ("7d_sonnet", 10_080, Some("sonnet")),
    ] {
        if family.is_some_and(|f| !lower.contains(f)) {
            continue;
        }
        let util_name = format!("anthropic-ratelimit-unified-{window}-utilization");
        let util = h.get(&util_name).and_then(non_negative);
        let reset = h
            .get(&format!("anthropic-ratelimit-unified-{window}-reset"))
            .and_then(epoch_or_rfc3339);
        let rejected = h
            .get(&format!("anthropic-ratelimit-unified-{window}-status"))
            .is_some_and(|s| s.trim().eq_ignore_ascii_case("rejected"));
        if util.is_none() && reset.is_none() && !rejected {
            continue;
        }
        let mut o = blank(window, util_name);
        o.used_percent = util.map(|u| if u <= 1.0 { u * 100.0 } else { u.min(100.0) });
        if rejected {
            o.used_percent = Some(100.0);
        }
        o.window_minutes = Some(minutes);
        o.reset_at = reset;
        o.model = family.map(|_| model.clone());
        out.push(o);
    }
    let status = h.get("anthropic-ratelimit-unified-status");
    let reset = h
        .get("anthropic-ratelimit-unified-reset")
        .and_then(epoch_or_rfc3339);
    if status.is_some() || reset.is_some() {
        let mut o = blank("unified", "anthropic-ratelimit-unified-status".into());
        if status.is_some_and(|s| s.trim().eq_ignore_ascii_case("rejected")) {
            o.used_percent = Some(100.0);
        }
        o.reset_at = reset;
        out.push(o);
    }
}

/// `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`:
/// the API's limits of the model that served the request.
fn claude_limits(h: &Headers, model: &Model, out: &mut Vec<QuotaObservation>) {
    for w in ["requests", "tokens", "input-tokens", "output-tokens"] {
        let limit = count(h.get(&format!("anthropic-ratelimit-{w}-limit")));
        let remaining = count(h.get(&format!("anthropic-ratelimit-{w}-remaining")));
        let reset = h
            .get(&format!("anthropic-ratelimit-{w}-reset"))
            .and_then(|v| parse_ts(v).ok());
        if limit.is_none() && remaining.is_none() && reset.is_none() {
            continue;
        }
        let mut o = blank(w, format!("anthropic-ratelimit-{w}-remaining"));
        o.model = Some(model.clone());
        o.limit = limit;
        o.remaining = remaining;
        o.used_percent = used_percent_of(limit, remaining);
        o.reset_at = reset;
        out.push(o);
    }
}

/// `x-codex-{primary,secondary}-{used-percent,window-minutes,reset-after-seconds,reset-at}`.
fn codex_windows(h: &Headers, at: Timestamp, out: &mut Vec<QuotaObservation>) {
    for w in ["primary", "secondary"] {
        let source = format!("x-codex-{w}-used-percent");
        let used = h.get(&source).and_then(non_negative);
        let minutes = count(h.get(&format!("x-codex-{w}-window-minutes")));
        let after = h
            .get(&format!("x-codex-{w}-reset-after-seconds"))
            .and_then(non_negative);
        let reset_at = h
            .get(&format!("x-codex-{w}-reset-at"))
            .and_then(epoch_or_rfc3339);
        if used.is_none() && minutes.is_none() && after.is_none() && reset_at.is_none() {
            continue;
        }
        let mut o = blank(w, source);
        o.used_percent = used.map(|u| u.min(100.0));
        o.window_minutes = minutes;
        o.reset_at = after
            .map(|s| add(at, Duration::from_secs_f64(s.min(1e12))))
            .or(reset_at);
        out.push(o);
    }
}

/// `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (reset as `6m0s`-style duration):
/// the limits of the model that served the request.
fn openai_limits(h: &Headers, model: &Model, at: Timestamp, out: &mut Vec<QuotaObservation>) {
    for w in ["requests", "tokens"] {
        let limit = count(h.get(&format!("x-ratelimit-limit-{w}")));
        let remaining = count(h.get(&format!("x-ratelimit-remaining-{w}")));
        let reset = h
            .get(&format!("x-ratelimit-reset-{w}"))
            .and_then(parse_duration);
        if limit.is_none() && remaining.is_none() && reset.is_none() {
            continue;
        }
        let mut o = blank(w, format!("x-ratelimit-remaining-{w}"));
        o.model = Some(model.clone());
        o.limit = limit;
        o.remaining = remaining;
        o.used_percent = used_percent_of(limit, remaining);
        o.reset_at = reset.map(|d| add(at, d));
        out.push(o);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{format_ts, parse_ts};

    #[test]
    fn claude_codex_and_openai_windows_with_the_scope_each_provider_means() {
        let at = parse_ts("2025-12-27T10:00:00Z").unwrap();
        let h: Headers = [
            ("anthropic-ratelimit-unified-5h-utilization", "0.42"),
            ("anthropic-ratelimit-unified-5h-reset", "1766844000"),
            ("anthropic-ratelimit-unified-7d_opus-utilization", "1.0"),
            ("anthropic-ratelimit-unified-7d_sonnet-utilization", "0.1"),
            ("anthropic-ratelimit-input-tokens-remaining", "0"),
            ("x-codex-primary-used-percent", "87.5"),
            ("x-codex-primary-window-minutes", "300"),
            ("x-codex-primary-reset-after-seconds", "600"),
            ("x-ratelimit-limit-requests", "100"),
            ("x-ratelimit-remaining-requests", "25"),
            ("x-ratelimit-reset-requests", "6m0s"),
        ]
        .into_iter()
        .collect();
        let model: Model = "claude-opus-4-5".into();
        let obs = observe_headers(Provider::Claude, &model, &h, at);
        let find = |w: &str| obs.iter().find(|o| o.window == w).unwrap();
        assert_eq!(find("5h").used_percent, Some(42.0));
        assert_eq!(
            format_ts(find("5h").reset_at.unwrap()),
            "2025-12-27T14:00:00.000Z"
        );
        assert_eq!(find("primary").window_minutes, Some(300));
        assert_eq!(
            format_ts(find("primary").reset_at.unwrap()),
            "2025-12-27T10:10:00.000Z"
        );
        assert_eq!(find("requests").used_percent, Some(75.0));
        assert_eq!(
            format_ts(find("requests").reset_at.unwrap()),
            "2025-12-27T10:06:00.000Z"
        );
        // Subscription windows are the account's; per-model limits are the served model's.
        assert_eq!(
            (find("5h").model.clone(), find("primary").model.clone()),
            (None, None)
        );
        for w in ["requests", "input-tokens", "7d_opus"] {
            assert_eq!(find(w).model.as_ref(), Some(&model), "{w}");
        }
        // Another family's weekly window says nothing about this model.
        assert!(obs.iter().all(|o| o.window != "7d_sonnet"));
        assert!(observe_headers(Provider::Openai, &model, &Headers::new(), at).is_empty());
    }
}

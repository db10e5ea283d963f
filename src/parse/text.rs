//! Waits that providers state only in prose: "try again in 11.054s", "in 20ms", "Please retry
//! in 41.31s", "reset after 19h42m5s", and GLM's Beijing wall-clock reset times
//! ("将在 2026-08-25 07:41:44 重置", "reset at 2026-08-25 07:41:44"). Hand-parsed, no regex;
//! which source wins over which is decided in `waits`, not here.

use chrono::{FixedOffset, NaiveDateTime, TimeZone};

use crate::time::{parse_duration, Timestamp};

/// Phrases after which a duration follows.
const WAIT_PHRASES: [&str; 7] = [
    "try again in ",
    "retry in ",
    "retry after ",
    "reset after ",
    "resets in ",
    "reset in ",
    "wait ",
];

/// A wait stated in the text, in milliseconds.
pub fn wait_in_text(msg: &str) -> Option<u64> {
    let lower = msg.to_ascii_lowercase();
    WAIT_PHRASES.iter().find_map(|phrase| {
        // Every occurrence, since "wait " may appear in prose before the real one.
        let mut from = 0;
        while let Some(pos) = lower.get(from..)?.find(phrase) {
            let start = from + pos + phrase.len();
            if let Some(ms) = lower.get(start..).and_then(duration_at_start) {
                return Some(ms);
            }
            from = start;
        }
        None
    })
}

/// Parses a duration at the start of `s`: `11.054s`, `20ms`, `6m0s`, `41.31 seconds`, `2 hours`.
fn duration_at_start(s: &str) -> Option<u64> {
    let token_len = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
        .unwrap_or(s.len());
    let token = s.get(..token_len)?.trim_end_matches('.');
    if !token.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if let Some(d) =
        parse_duration(token).filter(|_| token.ends_with(|c: char| c.is_ascii_alphabetic()))
    {
        return Some(d.as_millis().min(u64::MAX as u128) as u64);
    }
    // A number followed by a unit word: "41.31 seconds", "2 hours".
    let number: f64 = token.parse().ok()?;
    let unit: String = s
        .get(token_len..)?
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let scale = match unit.as_str() {
        "ms" | "millisecond" | "milliseconds" => 0.001,
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86400.0,
        _ => return None,
    };
    let ms = number * scale * 1000.0;
    (ms.is_finite() && ms >= 0.0).then(|| ms.min(1e15) as u64)
}

/// A Beijing (UTC+8) wall-clock reset time in a message that talks about a reset.
pub fn beijing_reset(msg: &str) -> Option<Timestamp> {
    let lower = msg.to_ascii_lowercase();
    if !(msg.contains("重置") || lower.contains("reset")) {
        return None;
    }
    let bytes = msg.as_bytes();
    const LEN: usize = 19; // "2026-08-25 07:41:44"
    (0..bytes.len().saturating_sub(LEN - 1)).find_map(|i| {
        let window = bytes.get(i..i + LEN)?;
        if !is_datetime_shape(window) {
            return None;
        }
        let s = std::str::from_utf8(window).ok()?;
        let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok()?;
        let beijing = FixedOffset::east_opt(8 * 3600)?;
        Some(beijing.from_local_datetime(&naive).single()?.to_utc())
    })
}

fn is_datetime_shape(w: &[u8]) -> bool {
    const SHAPE: &[u8; 19] = b"dddd-dd-dd dd:dd:dd";
    w.iter().zip(SHAPE).all(|(c, s)| match s {
        b'd' => c.is_ascii_digit(),
        b' ' => *c == b' ' || *c == b'T',
        other => c == other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::format_ts;

    #[test]
    fn waits_in_openai_and_google_prose() {
        let m = "Rate limit reached for gpt-4o. Please try again in 11.054s. Visit ...";
        assert_eq!(wait_in_text(m), Some(11_054));
        assert_eq!(wait_in_text("Please try again in 20ms."), Some(20));
        assert_eq!(wait_in_text("Please retry in 41.31s."), Some(41_310));
        assert_eq!(
            wait_in_text("Your quota will reset after 19h42m5s."),
            Some(70_925_000)
        );
        assert_eq!(wait_in_text("try again in 2 minutes"), Some(120_000));
        assert_eq!(wait_in_text("try again in 6m0s"), Some(360_000));
        assert_eq!(wait_in_text("please wait a moment"), None);
        assert_eq!(wait_in_text("try again later"), None);
        assert_eq!(
            wait_in_text("try again in 99999999999999999999999h"),
            Some(1_000_000_000_000_000)
        );
    }

    #[test]
    fn glm_beijing_reset_times() {
        let m = "已达到 5 小时的使用上限。您的限额将在 2026-08-25 07:41:44 重置。";
        assert_eq!(
            format_ts(beijing_reset(m).unwrap()),
            "2026-08-24T23:41:44.000Z"
        );
        let m = "Usage limit reached, reset at 2026-08-25 07:41:44";
        assert_eq!(
            format_ts(beijing_reset(m).unwrap()),
            "2026-08-24T23:41:44.000Z"
        );
        assert!(beijing_reset("created 2026-08-25 07:41:44").is_none());
        assert!(beijing_reset("reset at 2026-13-45 99:41:44").is_none());
    }
}

//! Time: the `Timestamp` type, the range and precision an event can hold (years 0000-9999,
//! whole milliseconds) and the clamp into it, RFC 3339 formatting and parsing, duration parsing
//! for configuration and headers, and the `Clock` the engine reads. The fold never reads a clock.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use parking_lot::Mutex;

use crate::error::Error;

/// A point in time, UTC; events hold it to whole milliseconds.
pub type Timestamp = DateTime<Utc>;

/// The earliest time an event can hold: RFC 3339 has four-digit years (0000-01-01T00:00:00Z).
pub const MIN_MS: i64 = -62_167_219_200_000;
/// The latest time an event can hold (9999-12-31T23:59:59.999Z).
pub const MAX_MS: i64 = 253_402_300_799_999;

/// The nearest time an event can hold: within years 0000-9999, truncated to whole
/// milliseconds. Every time rotor computes or reads from outside passes through here before it
/// enters an event, so what the projections keep is exactly what the log keeps.
pub fn clamp(t: Timestamp) -> Timestamp {
    let ms = t.timestamp_millis();
    // Most times are already whole milliseconds in range (every `select` clamps its `at`):
    // returned as they are, without rebuilding the date.
    let nanos = t.timestamp_subsec_nanos();
    // (A leap second's nanos run past 10^9: rebuilt like any other.)
    if nanos < 1_000_000_000 && nanos.is_multiple_of(1_000_000) && (MIN_MS..=MAX_MS).contains(&ms) {
        return t;
    }
    from_millis(ms)
}

/// Milliseconds since the epoch, saturating at the ends of the range an event can hold.
pub fn from_millis(ms: i64) -> Timestamp {
    let ms = ms.clamp(MIN_MS, MAX_MS);
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// RFC 3339, UTC, milliseconds: the format of `events.at` and of every time rotor prints. A
/// time outside the range is written as the nearest end of it, so a log never holds a time it
/// cannot read back (the sources clamp first, so this changes nothing rotor records).
pub fn format_ts(t: Timestamp) -> String {
    clamp(t).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses RFC 3339 (any offset) into UTC, to whole milliseconds; refuses a time outside the
/// range an event can hold (`0000-01-01T00:00:00+01:00` is in year -1). For what a person types
/// and what the log holds; times a provider states go through [`parse_ts_clamped`].
pub fn parse_ts(s: &str) -> Result<Timestamp, Error> {
    let t = DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| Error::InvalidInput(format!("not an RFC 3339 time: {s:?}")))?;
    let kept = clamp(t);
    if kept != t && (kept - t).num_milliseconds().abs() >= 1 {
        return Err(Error::InvalidInput(format!(
            "time out of range: {s:?} is outside 0000-01-01T00:00:00Z..9999-12-31T23:59:59.999Z"
        )));
    }
    Ok(kept)
}

/// Parses an RFC 3339 time a provider states, clamped into the range an event can hold (a
/// reset in year 10000 means "not soon": the 8-day wait clamp then applies).
pub fn parse_ts_clamped(s: &str) -> Option<Timestamp> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| clamp(t.with_timezone(&Utc)))
}

/// Adds a duration, saturating at the latest time an event can hold, to whole milliseconds.
pub fn add(t: Timestamp, d: Duration) -> Timestamp {
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| t.checked_add_signed(d))
        .map_or(from_millis(MAX_MS), clamp)
}

/// Serde helpers for `Timestamp` fields written as RFC 3339 with milliseconds.
pub mod serde_ts {
    use super::*;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the time as RFC 3339, UTC, milliseconds.
    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_ts(*t))
    }
    /// Reads an RFC 3339 time, refusing one outside the range an event can hold.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        parse_ts(&s).map_err(serde::de::Error::custom)
    }
}

/// Like [`serde_ts`] for `Option<Timestamp>`.
pub mod serde_ts_opt {
    use super::*;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the time as RFC 3339, or `null` when absent.
    pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&format_ts(*t)),
            None => s.serialize_none(),
        }
    }
    /// Reads an RFC 3339 time or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        let s = Option::<std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.map(|s| parse_ts(&s).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// Parses durations such as `30s`, `5m`, `1h30m`, `1.5s`, `20ms`, `6m0s`, `2d`, or a bare number
/// of seconds. Used for configuration and for `x-ratelimit-reset-*` headers.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(secs) = s.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(1e12)));
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" | "sec" | "secs" => 1.0,
            "m" | "min" | "mins" => 60.0,
            "h" | "hr" | "hrs" => 3600.0,
            "d" => 86400.0,
            "us" | "µs" => 0.000_001,
            "ns" => 0.000_000_001,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += n * scale;
    }
    (total.is_finite()).then(|| Duration::from_secs_f64(total.min(1e12)))
}

/// Where the engine reads the current time. Tests use [`ManualClock`].
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        clamp(Utc::now())
    }
}

/// A clock that moves only when told to; shared between clones.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<Timestamp>>);

impl ManualClock {
    /// A clock standing at `start` (clamped to whole milliseconds).
    pub fn new(start: Timestamp) -> Self {
        ManualClock(Arc::new(Mutex::new(clamp(start))))
    }
    /// A clock standing at an RFC 3339 time; panics on a malformed one (for tests).
    pub fn at(rfc3339: &str) -> Self {
        Self::new(parse_ts(rfc3339).expect("valid RFC 3339 start time"))
    }
    /// Moves the clock to `t`, forwards or back.
    pub fn set(&self, t: Timestamp) {
        *self.0.lock() = clamp(t);
    }
    /// Moves the clock forward by `d`.
    pub fn advance(&self, d: Duration) {
        let mut t = self.0.lock();
        *t = add(*t, d);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock()
    }
}

/// A clock that follows tokio's clock: a start time plus the `tokio::time::Instant` elapsed
/// since the clock was made. Under `tokio::time::pause()` it moves exactly as far as tokio's
/// sleeps do, so [`crate::Engine::execute`]'s waits and the engine's notion of "now" agree in
/// paused-time tests; in a normal runtime it is a monotonic wall clock anchored at `start`.
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    start: Timestamp,
    origin: tokio::time::Instant,
}

impl TokioClock {
    /// Call inside the runtime (after `pause()` when testing) so both clocks start together.
    pub fn new(start: Timestamp) -> Self {
        TokioClock {
            start: clamp(start),
            origin: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> Timestamp {
        add(self.start, self.origin.elapsed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_every_shape_providers_send() {
        assert_eq!(parse_duration("6m0s"), Some(Duration::from_secs(360)));
        assert_eq!(parse_duration("20ms"), Some(Duration::from_millis(20)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(
            parse_duration("3h5m10.5s"),
            Some(Duration::from_millis(11_110_500))
        );
        assert_eq!(parse_duration("30"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("2d"), Some(Duration::from_secs(172_800)));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("-5"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn timestamps_print_with_milliseconds_in_utc() {
        let t = parse_ts("2026-01-02T03:04:05.678+01:00").unwrap();
        assert_eq!(format_ts(t), "2026-01-02T02:04:05.678Z");
    }

    #[test]
    fn times_stay_within_what_an_event_can_hold() {
        let (min, max) = (from_millis(MIN_MS), from_millis(MAX_MS));
        assert_eq!(format_ts(min), "0000-01-01T00:00:00.000Z");
        assert_eq!(format_ts(max), "9999-12-31T23:59:59.999Z");
        assert_eq!(parse_ts(&format_ts(min)).unwrap(), min);
        assert_eq!(parse_ts(&format_ts(max)).unwrap(), max);
        // One hour past the end, in UTC: refused as typed, clamped when a provider says it.
        assert!(parse_ts("9999-12-31T23:59:59-01:00").is_err());
        assert!(parse_ts("0000-01-01T00:00:00+01:00").is_err());
        assert_eq!(parse_ts_clamped("9999-12-31T23:59:59-01:00"), Some(max));
        assert_eq!(parse_ts_clamped("0000-01-01T00:00:00+01:00"), Some(min));
        assert_eq!(add(max, Duration::from_secs(3600)), max);
        assert_eq!(add(DateTime::<Utc>::MAX_UTC, Duration::ZERO), max);
        assert_eq!(
            format_ts(DateTime::<Utc>::MIN_UTC),
            "0000-01-01T00:00:00.000Z"
        );
        assert_eq!(from_millis(i64::MAX), max);
        // Sub-millisecond parts are dropped on the way in, as the log would drop them.
        let t = parse_ts("2026-01-01T00:00:05.000500Z").unwrap();
        assert_eq!(t, parse_ts("2026-01-01T00:00:05Z").unwrap());
        assert_eq!(t, parse_ts(&format_ts(t)).unwrap());
        let later = add(t, Duration::from_micros(1500));
        assert_eq!(format_ts(later), "2026-01-01T00:00:05.001Z");
        assert_eq!(later, parse_ts(&format_ts(later)).unwrap());
    }
}

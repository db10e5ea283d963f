//! `Dur`, the configuration's duration: read as `30s`, `5m`, `1h30m`, `250ms` or a number of
//! seconds, written back in whole seconds when it is whole, else in milliseconds. Which keys are
//! durations, and their defaults, are the sections' (`sections.rs`, `defaults.rs`).

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};

/// A duration written as `30s`, `5m`, `1h30m`, `250ms`, or a number of seconds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Dur(pub Duration);

/// Written as it is read: whole seconds as `30s`, anything finer in milliseconds (`250ms`).
impl Serialize for Dur {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let ms = self.0.as_millis();
        if ms.is_multiple_of(1000) {
            s.collect_str(&format_args!("{}s", ms / 1000))
        } else {
            s.collect_str(&format_args!("{ms}ms"))
        }
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Secs(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Secs(s) => Ok(Dur(Duration::from_secs(s))),
            Raw::Text(t) => crate::time::parse_duration(&t).map(Dur).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "invalid duration {t:?} (write e.g. \"30s\", \"5m\", \"1h\", \"250ms\")"
                ))
            }),
        }
    }
}

/// `s` whole seconds, for the defaults.
pub(super) const fn secs(s: u64) -> Dur {
    Dur(Duration::from_secs(s))
}

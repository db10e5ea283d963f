//! `Observed`: the latest thing a provider said about one of its quota windows (used percent,
//! remaining of a limit, reset), how long it stays true, and the fraction it states. Kept by
//! `QuotaTracker` (in `tracker.rs`), which decides what to do with it.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::time::{add, Timestamp};

/// Provider windows remembered per tracker (e.g. Claude 5h + 7d, Codex primary + secondary,
/// Anthropic requests + tokens); the oldest is forgotten beyond this, keeping memory bounded.
pub const MAX_OBSERVED: usize = 4;
/// Window names are provider vocabulary (`5h`, `primary`); longer ones are cut.
pub(crate) const MAX_WINDOW_NAME: usize = 32;

/// The latest thing a provider said about one of its windows.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Observed {
    /// Boxed and cut to 32 bytes: this struct is kept up to `MAX_OBSERVED` times per tracker.
    pub window: Box<str>,
    pub used_percent: Option<f32>,
    pub remaining: Option<u64>,
    pub limit: Option<u64>,
    pub window_minutes: Option<u32>,
    pub reset_at: Option<Timestamp>,
    pub observed_at: Timestamp,
}

impl Observed {
    /// Valid until its stated reset; without one, for one window length after it was seen.
    pub(crate) fn valid_at(&self, now: Timestamp, default_len: Duration) -> bool {
        match self.reset_at {
            Some(r) => now < r,
            None => {
                let minutes = self
                    .window_minutes
                    .map(|m| Duration::from_secs(u64::from(m) * 60));
                now < add(self.observed_at, minutes.unwrap_or(default_len))
            }
        }
    }

    /// Remaining fraction in [0, 1] this observation states, if it states one.
    pub(crate) fn remaining_fraction(&self) -> Option<f64> {
        if let Some(p) = self.used_percent.filter(|p| p.is_finite()) {
            return Some((1.0 - f64::from(p) / 100.0).clamp(0.0, 1.0));
        }
        match (self.remaining, self.limit) {
            (Some(r), Some(l)) if l > 0 => Some((r as f64 / l as f64).clamp(0.0, 1.0)),
            (Some(0), _) => Some(0.0),
            _ => None,
        }
    }
}

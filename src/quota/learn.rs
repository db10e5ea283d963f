//! Learned quota limits: each quota error is a sample of the limit (the requests and tokens
//! used so far in its window); the estimate is a recency-weighted average of the last
//! `MAX_SAMPLES` samples, with a confidence that grows with samples and decays with age.
//! Windows and provider observations live elsewhere (`window.rs`, `tracker.rs`).

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// Samples kept; also the count at which confidence reaches 1 (confidence = min(1, samples / 10)).
pub const MAX_SAMPLES: usize = 10;
/// Confidence halves for every full period without a new sample.
pub const DECAY_PERIOD_MS: i64 = 7 * 24 * 3600 * 1000;
/// Estimates below this confidence are ignored.
pub const MIN_CONFIDENCE: f64 = 0.3;

/// One observed limit: what the window had used when the provider said "quota exceeded".
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Sample {
    pub at: Timestamp,
    /// u32 keeps a sample at 24 bytes (state stays within 2 KiB per (account, model)); no
    /// window holds 4 billion requests.
    pub requests: u32,
    pub tokens: u64,
}

/// Which usage dimension the limit is in.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitDimension {
    Requests,
    Tokens,
}

/// A usable estimate (confidence ≥ `MIN_CONFIDENCE`).
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Estimate {
    pub requests: u64,
    /// `None` when the samples carry no token counts (usage never reported).
    pub tokens: Option<u64>,
    /// The dimension whose samples agree best (smallest relative spread): a limit on requests
    /// makes request samples near-constant while token samples scatter, and vice versa.
    pub dimension: LimitDimension,
    pub confidence: f64,
}

/// The learned limit of one (account, model, window).
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct LearnedLimit {
    /// Oldest first; at most `MAX_SAMPLES`.
    samples: VecDeque<Sample>,
    /// The window the newest sample belongs to: several quota errors in one window (a burst
    /// of in-flight requests) are one sample, not several.
    last_window_start: Option<Timestamp>,
}

impl LearnedLimit {
    pub fn samples(&self) -> impl Iterator<Item = &Sample> {
        self.samples.iter()
    }

    /// Records a sample. A window with no counted request says nothing about the limit (the
    /// first request after a restart may be refused) and is dropped; a second sample for the
    /// same window replaces the first with the larger usage.
    pub fn add_sample(&mut self, window_start: Timestamp, s: Sample) {
        if s.requests == 0 {
            return;
        }
        if let Some(last) = self.samples.back_mut() {
            if self.last_window_start == Some(window_start) {
                last.at = last.at.max(s.at);
                last.requests = last.requests.max(s.requests);
                last.tokens = last.tokens.max(s.tokens);
                return;
            }
        }
        if self.samples.len() == MAX_SAMPLES {
            self.samples.pop_front();
        }
        if self.samples.capacity() == 0 {
            // exact, so a full history costs MAX_SAMPLES slots, not the next power of two
            self.samples.reserve_exact(MAX_SAMPLES);
        }
        self.samples.push_back(s);
        self.last_window_start = Some(window_start);
    }

    /// Bytes owned on the heap (bounded by `MAX_SAMPLES`).
    pub fn heap_bytes(&self) -> usize {
        self.samples.capacity() * std::mem::size_of::<Sample>()
    }

    /// min(1, samples / 10), halved for every full 7 days since the newest sample.
    pub fn confidence(&self, now: Timestamp) -> f64 {
        let Some(last) = self.samples.back() else {
            return 0.0;
        };
        let base = (self.samples.len() as f64 / MAX_SAMPLES as f64).min(1.0);
        let idle_ms = (now - last.at).num_milliseconds().max(0);
        let halvings = (idle_ms / DECAY_PERIOD_MS).min(64) as i32;
        base * 0.5f64.powi(halvings)
    }

    /// The estimate at `now`, or `None` when there is none worth using.
    ///
    /// Weights: the i-th sample, oldest first, weighs i + 1 (linear recency), so the newest of
    /// ten counts ten times the oldest: plans change and recent windows say more.
    pub fn estimate(&self, now: Timestamp) -> Option<Estimate> {
        // The epsilon keeps 3 / 10 from falling under 0.3 by rounding.
        self.raw_estimate(now)
            .filter(|e| e.confidence + 1e-9 >= MIN_CONFIDENCE)
    }

    /// The estimate whatever its confidence (for `status`, which shows learning in progress);
    /// `None` only without samples.
    pub fn raw_estimate(&self, now: Timestamp) -> Option<Estimate> {
        let confidence = self.confidence(now);
        let requests = weighted_mean(self.samples.iter().map(|s| s.requests as u64))?;
        let has_tokens = self.samples.iter().all(|s| s.tokens > 0);
        let tokens = if has_tokens {
            weighted_mean(self.samples.iter().map(|s| s.tokens))
        } else {
            None
        };
        let dimension = match tokens {
            Some(_)
                if spread(self.samples.iter().map(|s| s.tokens))
                    < spread(self.samples.iter().map(|s| s.requests as u64)) =>
            {
                LimitDimension::Tokens
            }
            _ => LimitDimension::Requests,
        };
        Some(Estimate {
            requests: requests.max(1),
            tokens,
            dimension,
            confidence,
        })
    }
}

fn weighted_mean(values: impl Iterator<Item = u64>) -> Option<u64> {
    let (mut num, mut den) = (0f64, 0f64);
    for (i, v) in values.enumerate() {
        let w = (i + 1) as f64;
        num += w * v as f64;
        den += w;
    }
    (den > 0.0).then(|| (num / den).round() as u64)
}

/// Coefficient of variation (std dev / mean); 0 for fewer than two samples.
fn spread(values: impl Iterator<Item = u64> + Clone) -> f64 {
    let n = values.clone().count();
    if n < 2 {
        return 0.0;
    }
    let mean = values.clone().map(|v| v as f64).sum::<f64>() / n as f64;
    if mean <= 0.0 {
        return f64::INFINITY;
    }
    let var = values.map(|v| (v as f64 - mean).powi(2)).sum::<f64>() / n as f64;
    var.sqrt() / mean
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_ts;

    fn t(s: &str) -> Timestamp {
        parse_ts(s).unwrap()
    }

    fn add(l: &mut LearnedLimit, day: u32, requests: u32, tokens: u64) {
        let at = t(&format!("2026-01-{day:02}T12:00:00Z"));
        l.add_sample(
            at,
            Sample {
                at,
                requests,
                tokens,
            },
        );
    }

    #[test]
    fn confidence_grows_with_samples_and_estimate_weighs_recent_more() {
        let mut l = LearnedLimit::default();
        add(&mut l, 1, 100, 0);
        add(&mut l, 2, 100, 0);
        let now = t("2026-01-02T13:00:00Z");
        assert_eq!(l.confidence(now), 0.2);
        assert_eq!(l.estimate(now), None, "below 0.3 is ignored");
        add(&mut l, 3, 130, 0);
        let e = l.estimate(t("2026-01-03T13:00:00Z")).unwrap();
        // (1*100 + 2*100 + 3*130) / 6 = 115; a plain mean would say 110
        assert_eq!(e.requests, 115);
        assert_eq!(e.tokens, None);
        assert!((e.confidence - 0.3).abs() < 1e-12);
    }

    #[test]
    fn samples_are_bounded_and_one_per_window() {
        let mut l = LearnedLimit::default();
        for d in 1..=15 {
            add(&mut l, d, 50, 10);
        }
        add(&mut l, 15, 60, 10); // same window again: merged
        add(&mut l, 16, 0, 0); // empty window: dropped
        assert_eq!(l.samples().count(), MAX_SAMPLES);
        assert_eq!(l.samples().last().unwrap().requests, 60);
        assert_eq!(l.confidence(t("2026-01-15T12:00:00Z")), 1.0);
    }

    #[test]
    fn confidence_halves_per_idle_week() {
        let mut l = LearnedLimit::default();
        for d in 1..=4 {
            add(&mut l, d, 10, 0);
        }
        assert!((l.confidence(t("2026-01-11T11:59:59Z")) - 0.4).abs() < 1e-12);
        assert!((l.confidence(t("2026-01-11T12:00:00Z")) - 0.2).abs() < 1e-12);
        assert_eq!(l.estimate(t("2026-01-11T12:00:00Z")), None);
        assert!((l.confidence(t("2026-01-18T12:00:00Z")) - 0.1).abs() < 1e-12);
    }

    #[test]
    fn the_dimension_whose_samples_agree_is_the_limit() {
        let mut l = LearnedLimit::default();
        // token limit ~1M: tokens agree, request counts scatter
        for (d, r) in [(1, 40), (2, 90), (3, 15)] {
            add(&mut l, d, r, 1_000_000 + d as u64);
        }
        let e = l.estimate(t("2026-01-03T13:00:00Z")).unwrap();
        assert_eq!(e.dimension, LimitDimension::Tokens);
        let mut l = LearnedLimit::default();
        for (d, tok) in [(1, 40_000), (2, 900_000), (3, 15_000)] {
            add(&mut l, d, 200, tok);
        }
        let e = l.estimate(t("2026-01-03T13:00:00Z")).unwrap();
        assert_eq!(e.dimension, LimitDimension::Requests);
    }
}

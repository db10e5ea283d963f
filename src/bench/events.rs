//! A deterministic generator of a realistic event mix for benches and baselines: `account_added`
//! for N accounts, then per request a `selected` and its outcome (mostly `request_succeeded`,
//! some `request_failed` with a ParsedError), over M models, seeded, with time advancing.
//! `rows::RawRow` is the same event as the events table stores it.

use std::sync::Arc;

use chrono::TimeZone;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::{Builder, Uuid};

use crate::event::*;
use crate::ids::{AccountId, Model, Provider, RequestId};
use crate::parse::{ErrorKind, ParsedError, Scope};
use crate::secret::fingerprint;
use crate::select::Strategy;
use crate::time::{add, Timestamp};

/// Shape of the generated log.
#[derive(Clone, Debug)]
pub struct MixConfig {
    pub accounts: usize,
    pub models: usize,
    pub seed: u64,
    pub start: Timestamp,
    /// Share of requests that fail (the rest succeed), in percent.
    pub fail_percent: u32,
}

impl MixConfig {
    pub fn new(accounts: usize, models: usize, seed: u64) -> Self {
        let start = chrono::Utc
            .timestamp_millis_opt(1_767_225_600_000)
            .single()
            .unwrap_or_default();
        MixConfig {
            accounts: accounts.max(1),
            models: models.max(1),
            seed,
            start,
            fail_percent: 8,
        }
    }
}

const BASE_MODELS: [&str; 10] = [
    "claude-sonnet-4-5",
    "claude-opus-4-1",
    "gpt-5-codex",
    "gpt-5",
    "gemini-3-pro-preview",
    "gemini-2.5-flash",
    "gpt-4o",
    "gpt-4.1-mini",
    "glm-4.6",
    "glm-4.5-air",
];
const PROVIDERS: [Provider; 5] = [
    Provider::Claude,
    Provider::Codex,
    Provider::Antigravity,
    Provider::Openai,
    Provider::Glm,
];

/// Model `j` of the mix: real names, suffixed once the list runs out.
pub fn model_name(j: usize) -> String {
    let base = BASE_MODELS[j % BASE_MODELS.len()];
    match j / BASE_MODELS.len() {
        0 => base.to_string(),
        k => format!("{base}-v{k}"),
    }
}

/// A failure drawn from the kinds real traffic shows most.
fn failure(rng: &mut StdRng) -> ParsedError {
    let (kind, status, code, ty, msg, wait_ms) = match rng.gen_range(0..10) {
        0..=3 => (
            ErrorKind::RateLimit,
            429,
            None,
            "rate_limit_error",
            "This request would exceed the rate limit for your organization.",
            Some(rng.gen_range(1..60) * 1000),
        ),
        4..=5 => (
            ErrorKind::QuotaExceeded,
            429,
            Some("usage_limit_reached"),
            "usage_limit_reached",
            "The usage limit has been reached",
            Some(rng.gen_range(600..18_000) * 1000),
        ),
        6..=7 => (
            ErrorKind::Overloaded,
            529,
            None,
            "overloaded_error",
            "Overloaded",
            None,
        ),
        8 => (
            ErrorKind::Transient,
            502,
            None,
            "bad_gateway",
            "<html><head><title>502 Bad Gateway</title></head>",
            None,
        ),
        _ => (
            ErrorKind::Authentication,
            401,
            Some("token_expired"),
            "authentication_error",
            "Provided authentication token is expired. Please try signing in again.",
            None,
        ),
    };
    let mut e = ParsedError::new(kind, Some(status), msg);
    e.code = code.map(Into::into);
    e.error_type = Some(ty.into());
    e.retry_after_ms = wait_ms;
    if kind == ErrorKind::QuotaExceeded {
        e.scope = Scope::Account;
    }
    e
}

fn uuid(rng: &mut StdRng) -> Uuid {
    Builder::from_random_bytes(rng.gen()).into_uuid()
}

/// `requests` requests' worth of events after `cfg.accounts` `account_added`: about
/// `accounts + 2 × requests` events in all. Same config, same events.
pub fn generate(cfg: &MixConfig, requests: usize) -> Vec<EventRecord> {
    let mut out = Vec::with_capacity(cfg.accounts + 2 * requests);
    generate_each(cfg, requests, |r| out.push(r));
    out
}

/// [`generate`], handing each event to `sink` instead of collecting: large logs are written in
/// chunks without holding every event in memory.
pub fn generate_each(cfg: &MixConfig, requests: usize, mut sink: impl FnMut(EventRecord)) {
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let mut seq = 0u64;
    let mut at = cfg.start;
    let mut push = |at: Timestamp, event: Event| {
        seq += 1;
        sink(EventRecord { seq, at, event });
    };
    let models: Vec<Model> = (0..cfg.models).map(|j| Arc::from(model_name(j))).collect();
    let mut accounts = Vec::with_capacity(cfg.accounts);
    for i in 0..cfg.accounts {
        let account = AccountId(uuid(&mut rng));
        let provider = PROVIDERS[i % PROVIDERS.len()];
        let oauth = provider.uses_oauth();
        accounts.push((account, provider));
        let event = Event::AccountAdded(AccountAdded {
            account,
            provider,
            label: format!("{provider}-{i:04}"),
            priority: (i % 3 == 2) as u32,
            weight: 1 + (i % 4) as u32,
            models: None,
            credential: if oauth {
                CredentialKind::Oauth
            } else {
                CredentialKind::ApiKey
            },
            fingerprint: fingerprint(&format!("secret-{}-{i}", cfg.seed)),
            expires_at: oauth
                .then(|| add(cfg.start, std::time::Duration::from_secs(3600 + i as u64))),
            identity: Identity::default(),
            quota_window_s: None,
        });
        push(at, event);
    }
    for _ in 0..requests {
        at = add(at, std::time::Duration::from_millis(rng.gen_range(1..20)));
        let (account, provider) = accounts[rng.gen_range(0..accounts.len())];
        let model = models[rng.gen_range(0..models.len())].clone();
        let mut rand10 = [0u8; 10];
        rng.fill(&mut rand10);
        let request = RequestId(
            Builder::from_unix_timestamp_millis(at.timestamp_millis() as u64, &rand10).into_uuid(),
        );
        let skipped = if rng.gen_range(0..10) == 0 {
            let (other, _) = accounts[rng.gen_range(0..accounts.len())];
            let until = Some(add(
                at,
                std::time::Duration::from_secs(rng.gen_range(1..300)),
            ));
            vec![Skip {
                account: other,
                reason: BlockReason::Error(ErrorKind::RateLimit),
                until,
            }]
        } else {
            Vec::new()
        };
        let tier = 0;
        let sel = Selected {
            request,
            provider,
            model: model.clone(),
            asked_model: None,
            account,
            generation: Some(1),
            strategy: Strategy::RoundRobin,
            tier,
            probe: false,
            session: None,
            excluded: Vec::new(),
            skipped,
            cooldown_disabled: false,
            cooldown_ignored: None,
        };
        push(at, Event::Selected(sel));
        at = add(
            at,
            std::time::Duration::from_millis(rng.gen_range(50..3000) / 10),
        );
        let latency_ms = Some(rng.gen_range(150..9000));
        let event = if rng.gen_range(0..100) < cfg.fail_percent {
            let error = failure(&mut rng);
            let block = rotor_block(&error, at);
            Event::RequestFailed(RequestFailed {
                request: Some(request),
                account,
                model,
                latency_ms,
                error,
                block,
                generation: Some(1),
                quota: Vec::new(),
                rule: None,
            })
        } else {
            let input = rng.gen_range(200..20_000u64);
            let output = rng.gen_range(10..2_000u64);
            let usage = Some(Usage {
                input_tokens: Some(input),
                output_tokens: Some(output),
                total_tokens: Some(input + output),
            });
            let quota = if rng.gen_range(0..3) == 0 {
                vec![QuotaObservation {
                    window: "5h".into(),
                    model: None,
                    used_percent: Some(f64::from(rng.gen_range(0..100u32))),
                    remaining: None,
                    limit: None,
                    window_minutes: Some(300),
                    reset_at: Some(add(
                        at,
                        std::time::Duration::from_secs(rng.gen_range(60..18_000)),
                    )),
                    source: "anthropic-ratelimit-unified-5h-utilization".into(),
                }]
            } else {
                Vec::new()
            };
            Event::RequestSucceeded(RequestSucceeded {
                request: Some(request),
                account,
                model,
                latency_ms,
                usage,
                quota,
            })
        };
        push(at, event);
    }
}

/// The block a generated failure records, as the engine would with default settings.
fn rotor_block(error: &crate::parse::ParsedError, at: Timestamp) -> Option<crate::event::BlockSet> {
    if error.kind == crate::vocab::ErrorKind::InvalidRequest {
        return None;
    }
    let reason = crate::vocab::BlockReason::Error(error.kind);
    let until = crate::block::until::stated_ahead(error, at)
        .unwrap_or_else(|| add(at, std::time::Duration::from_secs(5)));
    Some(crate::event::BlockSet {
        scope: error.scope,
        reason,
        until,
        level: 0,
    })
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;

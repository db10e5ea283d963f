//! Stateful in-test fake provider accounts for the simulated day: per-minute throttles with
//! `retry-after`, usage windows with reset hints, revoked keys (401), overloads, gateway HTML and
//! network errors, answered in the real wire formats of the cases in `tests/cases`. Deterministic:
//! every random draw comes from the caller's seeded RNG. No rotor logic here.

use std::collections::HashMap;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::Rng;
use rotor::parse::Headers;
use rotor::time::{add, format_ts, Timestamp};
use rotor::{Attempt, Outcome, Provider};

/// How one fake account behaves.
#[derive(Clone, Debug)]
pub struct Script {
    pub provider: Provider,
    /// Requests per (model, minute) before a 429 with `retry-after`.
    pub per_minute: u32,
    /// Requests per usage window (account-wide for Claude / Codex, per model for Google).
    pub window_limit: u32,
    pub window: Duration,
    /// The provider resets this window early (after this long) without saying so.
    pub early_reset: Option<Duration>,
    /// 401 between these times (a revoked key).
    pub revoked: Option<(Timestamp, Timestamp)>,
    /// 403 PERMISSION_DENIED from this time on.
    pub denied_from: Option<Timestamp>,
    /// Per-mille chance of an overload, a gateway page, a network error.
    pub overload_pm: u32,
    pub gateway_pm: u32,
    pub network_pm: u32,
}

/// One fake account's state.
pub struct Fake {
    pub script: Script,
    minute: HashMap<String, (i64, u32)>,
    windows: HashMap<String, (Timestamp, u32)>,
    /// Waits stated in a `retry-after` header on a response for a model (`w:<model>` when the
    /// statement is about the account's whole window): a request for that model before then is
    /// one the provider told the client not to send, whatever the client's parser knows.
    stated: HashMap<String, Timestamp>,
    pub served: u64,
}

impl Fake {
    pub fn new(script: Script) -> Self {
        Fake {
            script,
            minute: HashMap::new(),
            windows: HashMap::new(),
            stated: HashMap::new(),
            served: 0,
        }
    }

    /// Whether the provider had told the client to wait before sending this request.
    pub fn told_to_wait(&self, model: &str, now: Timestamp) -> bool {
        [model.to_string(), format!("w:{model}")]
            .iter()
            .any(|k| self.stated.get(k).is_some_and(|u| now < *u))
    }

    /// Answers one request for `model` arriving at `now`, with a latency to wait before it.
    pub fn answer(
        &mut self,
        model: &str,
        now: Timestamp,
        rng: &mut StdRng,
    ) -> (Attempt<()>, Duration) {
        let latency = Duration::from_millis(rng.gen_range(200..2500));
        let p = self.script.provider;
        let draw = rng.gen_range(0..1000u32);
        if self
            .script
            .revoked
            .is_some_and(|(a, b)| now >= a && now < b)
        {
            return (unauthorized(p), Duration::from_millis(80));
        }
        if self.script.denied_from.is_some_and(|t| now >= t) {
            return (
                fail(
                    403,
                    &[],
                    r#"{"error":{"code":403,"message":"The caller does not have permission","status":"PERMISSION_DENIED"}}"#,
                ),
                latency,
            );
        }
        if draw < self.script.network_pm {
            return (
                Attempt::Failure(Outcome::Network {
                    message: "connection reset by peer".into(),
                }),
                latency,
            );
        }
        if draw < self.script.network_pm + self.script.gateway_pm {
            return (fail(504, &[("content-type", "text/html")], "<html><body><h1>504 Gateway Time-out</h1>\nThe server didn't respond in time.\n</body></html>"), latency);
        }
        if draw < self.script.network_pm + self.script.gateway_pm + self.script.overload_pm {
            return (overloaded(p), latency);
        }
        // Usage window: account-wide except Google's per-model quotas.
        let key = if p == Provider::Antigravity {
            model.to_string()
        } else {
            "*".to_string()
        };
        let reset_after = self.script.early_reset.unwrap_or(self.script.window);
        let w = self.windows.entry(key).or_insert((now, 0));
        if add(w.0, reset_after) <= now {
            *w = (now, 0);
        }
        let reset = add(w.0, self.script.window);
        if w.1 >= self.script.window_limit {
            return (self.quota(model, now, reset), latency);
        }
        // Per-minute throttle per model, stated in `retry-after`.
        let minute = now.timestamp() / 60;
        let m = self.minute.entry(model.to_string()).or_insert((minute, 0));
        if m.0 != minute {
            *m = (minute, 0);
        }
        if m.1 >= self.script.per_minute {
            let secs = 60 - now.timestamp() % 60;
            self.stated.insert(
                model.to_string(),
                add(now, Duration::from_secs(secs as u64)),
            );
            return (throttled(p, secs), Duration::from_millis(50));
        }
        m.1 += 1;
        w.1 += 1;
        // Served: whatever it stated before no longer holds (an early reset).
        self.stated.remove(model);
        self.stated.retain(|k, _| !k.starts_with("w:"));
        self.served += 1;
        let usage = rotor::event::Usage {
            input_tokens: Some(1200),
            output_tokens: Some(300),
            total_tokens: None,
        };
        (
            Attempt::Success {
                value: (),
                usage: Some(usage),
                headers: Headers::new(),
            },
            latency,
        )
    }

    /// The provider's "usage window spent" answer, with its reset hint.
    fn quota(&mut self, model: &str, now: Timestamp, reset: Timestamp) -> Attempt<()> {
        let secs = (reset - now).num_seconds().max(1);
        match self.script.provider {
            // corpus claude: 429 rate_limit_error + unified window headers (account scope)
            Provider::Claude => {
                // Account-wide; the unified reset (whole seconds) is the moment that counts.
                let whole = chrono::DateTime::from_timestamp(reset.timestamp(), 0).unwrap_or(reset);
                let by_header = add(now, Duration::from_secs(secs as u64));
                self.stated
                    .insert(format!("w:{model}"), whole.min(by_header));
                let (s, r) = (secs.to_string(), reset.timestamp().to_string());
                fail(
                    429,
                    &[
                        ("retry-after", &s),
                        ("anthropic-ratelimit-unified-status", "rejected"),
                        ("anthropic-ratelimit-unified-reset", &r),
                    ],
                    r#"{"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed your account's rate limit. Please try again later."}}"#,
                )
            }
            // corpus codex/usage-limit-resets-in.json, with the x-codex-primary-* headers
            Provider::Codex => {
                let s = secs.to_string();
                let body = format!(
                    r#"{{"error":{{"type":"usage_limit_reached","message":"The usage limit has been reached","plan_type":"pro","resets_in_seconds":{secs}}}}}"#
                );
                fail(
                    429,
                    &[
                        ("x-codex-primary-used-percent", "100"),
                        ("x-codex-primary-window-minutes", "300"),
                        ("x-codex-primary-reset-after-seconds", &s),
                    ],
                    &body,
                )
            }
            // corpus antigravity/quota-reset-timestamp.json
            _ => {
                let body = format!(
                    r#"{{"error":{{"code":429,"message":"Quota exhausted.","status":"RESOURCE_EXHAUSTED","details":[{{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"QUOTA_EXHAUSTED","domain":"cloudcode-pa.googleapis.com","metadata":{{"quotaResetTimeStamp":"{}","quotaResetDelay":"{secs}s"}}}},{{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"{secs}s"}}]}}}}"#,
                    format_ts(reset)
                );
                fail(429, &[], &body)
            }
        }
    }
}

fn fail(status: u16, headers: &[(&str, &str)], body: &str) -> Attempt<()> {
    Attempt::failed(
        status,
        headers.iter().copied().collect(),
        body.as_bytes().to_vec(),
    )
}

fn throttled(p: Provider, secs: i64) -> Attempt<()> {
    let s = secs.to_string();
    match p {
        Provider::Claude => fail(
            429,
            &[("retry-after", &s)],
            r#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of requests has exceeded your per-minute rate limit"}}"#,
        ),
        Provider::Codex => fail(
            429,
            &[
                ("retry-after", &s),
                ("x-ratelimit-reset-requests", &format!("{secs}s")),
            ],
            r#"{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#,
        ),
        _ => fail(
            429,
            &[("retry-after", &s)],
            &format!(
                r#"{{"error":{{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED","details":[{{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED","domain":"cloudcode-pa.googleapis.com"}},{{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"{secs}s"}}]}}}}"#
            ),
        ),
    }
}

fn overloaded(p: Provider) -> Attempt<()> {
    match p {
        // corpus claude/overloaded-529.json
        Provider::Claude => fail(
            529,
            &[],
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        ),
        Provider::Codex => fail(
            500,
            &[],
            r#"{"error":{"message":"The server is overloaded or not ready yet.","type":"server_error","code":"server_is_overloaded"}}"#,
        ),
        // corpus antigravity/model-capacity.json
        _ => fail(
            429,
            &[],
            r#"{"error":{"code":429,"message":"No capacity available for model gemini-3-pro-preview on the server","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"MODEL_CAPACITY_EXHAUSTED","domain":"cloudcode-pa.googleapis.com","metadata":{"model":"gemini-3-pro-preview"}}]}}"#,
        ),
    }
}

fn unauthorized(p: Provider) -> Attempt<()> {
    match p {
        Provider::Claude => fail(
            401,
            &[],
            r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#,
        ),
        // corpus codex/token-expired.json
        Provider::Codex => fail(
            401,
            &[],
            r#"{"error":{"message":"Provided authentication token is expired. Please try signing in again.","type":null,"code":"token_expired","param":null},"status":401}"#,
        ),
        // corpus antigravity/unauthenticated.json shape
        _ => fail(
            401,
            &[],
            r#"{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}"#,
        ),
    }
}

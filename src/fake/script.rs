//! The fake world's shared state: accounts with their scripted behaviour, the credentials the
//! fake OAuth server has issued, and the deterministic decision of what each request gets.
//! Wire shapes live in the per-provider files; HTTP plumbing lives in `mod.rs`.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use crate::ids::Provider;
use crate::time::{add, Timestamp};

/// What an account does, by its own request count `n` (1-based, counting requests that passed
/// authentication). Every field at 0 / false means "never", so `FakeBehavior::default()` always
/// succeeds. The checks run in this order: forbidden, quota, rate limit, overloaded, gateway.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FakeBehavior {
    /// Every Nth request is a 429 rate limit stating `rate_limit_retry_after_s`.
    pub rate_limit_every: u32,
    /// The `Retry-After` the scripted 429 states, in seconds.
    pub rate_limit_retry_after_s: u64,
    /// After N successes in the current window the quota is exhausted for `quota_reset_s`
    /// (clock time), with the reset stated in the provider's own way; then the window restarts.
    pub quota_after: u32,
    /// How long the exhausted quota lasts, in seconds of clock time.
    pub quota_reset_s: u64,
    /// Every Nth request the provider is overloaded (Claude 529, Google 503 UNAVAILABLE, ...).
    pub overloaded_every: u32,
    /// Every Nth request a gateway answers 502 with an HTML page.
    pub bad_gateway_every: u32,
    /// Every request is a 403 in the provider's shape (suspended / region / plan).
    pub forbidden: bool,
    /// An access token stops working (401, "expired") after this many uses; 0 = only its
    /// `expires_at` ends it. Makes expiry reproducible without waiting for the clock.
    pub token_uses: u32,
    /// The fake token endpoint refuses this account's refresh token (`invalid_grant`).
    pub refresh_revoked: bool,
}

/// Why a request fails, before it is dressed in a provider's wire shape.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// 401. `expired`: a token we issued that has expired or was used up; else unknown/rotated.
    Unauthorized {
        expired: bool,
    },
    Forbidden,
    RateLimit {
        retry_after_s: u64,
    },
    Quota {
        reset_in_s: u64,
        reset_at: Timestamp,
    },
    Overloaded,
    BadGateway,
    /// The request itself is malformed (the caller's fault).
    BadRequest {
        message: String,
    },
}

/// What a request gets.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Ok(Success),
    Fault(Fault),
}

/// The facts a success response reports, so every provider's body and headers agree.
#[derive(Clone, Debug, PartialEq)]
pub struct Success {
    pub n: u32,
    pub model: String,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Share of the quota window used after this request, 0..=100.
    pub used_percent: f64,
    pub window_reset_in_s: u64,
    pub id: String,
}

/// Counts of what the fakes answered, per account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FakeAccountStats {
    /// The provider the account belongs to; always set for a world's accounts (`None` only in a
    /// default value).
    pub provider: Option<Provider>,
    /// The account's label.
    pub label: String,
    /// Requests that reached this account (authenticated), and answers by HTTP status.
    pub requests: u64,
    /// Answers per HTTP status.
    pub by_status: BTreeMap<u16, u64>,
    /// Token refreshes the fake endpoint granted.
    pub refreshes: u64,
    /// Token refreshes it refused (`invalid_grant`).
    pub refresh_rejected: u64,
}

pub(super) struct AccountState {
    pub provider: Provider,
    pub behavior: FakeBehavior,
    pub requests: u32,
    pub window_used: HashMap<String, u32>,
    pub exhausted_until: HashMap<String, Timestamp>,
    pub generation: u64,
    pub stats: FakeAccountStats,
}

pub(super) struct TokenInfo {
    pub account: usize,
    pub expires_at: Timestamp,
    pub uses: u32,
}

pub(super) struct RefreshInfo {
    pub account: usize,
    /// `false` once it was exchanged (rotation) or revoked: a reuse is `invalid_grant`.
    pub live: bool,
}

#[derive(Default)]
pub(super) struct World {
    pub seed: u64,
    pub accounts: Vec<AccountState>,
    pub api_keys: HashMap<String, usize>,
    pub access: HashMap<String, TokenInfo>,
    pub refresh: HashMap<String, RefreshInfo>,
    pub access_ttl: Duration,
    /// Google normally keeps the refresh token; set to make it rotate like the others.
    pub google_rotates: bool,
    /// 401s for bearers that match no account.
    pub unknown_bearer: u64,
}

/// Whether the provider's quota belongs to one model (Google) or to the whole account.
fn quota_key(provider: Provider, model: &str) -> String {
    match provider {
        Provider::Antigravity | Provider::Gemini => model.to_string(),
        _ => String::new(),
    }
}

/// SplitMix64: a tiny deterministic mixer, so tokens and usage derive from the seed alone.
pub(super) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

pub(super) fn hex_token(seed: u64, parts: &[u64], len: usize) -> String {
    let mut h = seed;
    let mut out = String::with_capacity(len + 16);
    let mut i = 0u64;
    while out.len() < len {
        h = mix(parts.iter().fold(h ^ i, |a, p| mix(a ^ p)));
        out.push_str(&format!("{h:016x}"));
        i += 1;
    }
    out.truncate(len);
    out
}

fn every(n: u32, k: u32) -> bool {
    k > 0 && n.is_multiple_of(k)
}

impl World {
    /// Decides the answer to one request carrying `bearer` for `model` at `now`.
    pub fn decide(
        &mut self,
        provider: Provider,
        bearer: &str,
        model: &str,
        now: Timestamp,
    ) -> Outcome {
        let idx = match self.resolve(provider, bearer, now) {
            Ok(i) => i,
            Err(f) => return Outcome::Fault(f),
        };
        let seed = self.seed;
        let acc = &mut self.accounts[idx];
        if acc.behavior.forbidden {
            return Outcome::Fault(Fault::Forbidden);
        }
        if model.is_empty() {
            let message = "model: field required".to_string();
            return Outcome::Fault(Fault::BadRequest { message });
        }
        acc.requests = acc.requests.saturating_add(1);
        acc.stats.requests += 1;
        let n = acc.requests;
        let b = acc.behavior.clone();
        let key = quota_key(provider, model);
        let window = Duration::from_secs(b.quota_reset_s.max(1));
        if let Some(&until) = acc.exhausted_until.get(&key) {
            if until > now {
                let reset_in_s = (until - now).num_seconds().max(1) as u64;
                return Outcome::Fault(Fault::Quota {
                    reset_in_s,
                    reset_at: until,
                });
            }
            acc.exhausted_until.remove(&key);
            acc.window_used.insert(key.clone(), 0);
        }
        let used = acc.window_used.get(&key).copied().unwrap_or(0);
        if b.quota_after > 0 && used >= b.quota_after {
            let until = add(now, window);
            acc.exhausted_until.insert(key, until);
            let reset_in_s = window.as_secs();
            return Outcome::Fault(Fault::Quota {
                reset_in_s,
                reset_at: until,
            });
        }
        if every(n, b.rate_limit_every) {
            let retry_after_s = b.rate_limit_retry_after_s.max(1);
            return Outcome::Fault(Fault::RateLimit { retry_after_s });
        }
        if every(n, b.overloaded_every) {
            return Outcome::Fault(Fault::Overloaded);
        }
        if every(n, b.bad_gateway_every) {
            return Outcome::Fault(Fault::BadGateway);
        }
        acc.window_used.insert(key, used + 1);
        let r = mix(seed ^ mix(idx as u64) ^ u64::from(n));
        let used_percent = if b.quota_after > 0 {
            (f64::from(used + 1) * 100.0 / f64::from(b.quota_after)).min(100.0)
        } else {
            ((r % 40) as f64) + 1.0
        };
        Outcome::Ok(Success {
            n,
            model: model.to_string(),
            input_tokens: 200 + r % 1800,
            output_tokens: 20 + (r >> 16) % 600,
            used_percent: (used_percent * 10.0).round() / 10.0,
            window_reset_in_s: window.as_secs().max(3600),
            id: hex_token(seed, &[idx as u64, u64::from(n), 7], 24),
        })
    }

    /// Maps a bearer to its account, or says why it is refused.
    fn resolve(
        &mut self,
        provider: Provider,
        bearer: &str,
        now: Timestamp,
    ) -> Result<usize, Fault> {
        let unknown = Fault::Unauthorized { expired: false };
        if let Some(&i) = self.api_keys.get(bearer) {
            return if self.accounts[i].provider == provider {
                Ok(i)
            } else {
                Err(unknown)
            };
        }
        let Some(tok) = self.access.get_mut(bearer) else {
            self.unknown_bearer += 1;
            return Err(unknown);
        };
        let acc = &self.accounts[tok.account];
        if acc.provider != provider {
            return Err(unknown);
        }
        tok.uses = tok.uses.saturating_add(1);
        let used_up = acc.behavior.token_uses > 0 && tok.uses > acc.behavior.token_uses;
        if tok.expires_at <= now || used_up {
            return Err(Fault::Unauthorized { expired: true });
        }
        Ok(tok.account)
    }

    /// Records the status of an answer against the account the bearer belongs to, if any.
    pub fn count(&mut self, bearer: &str, status: u16) {
        let idx = self
            .api_keys
            .get(bearer)
            .copied()
            .or_else(|| self.access.get(bearer).map(|t| t.account));
        if let Some(i) = idx {
            *self.accounts[i].stats.by_status.entry(status).or_default() += 1;
        }
    }
}

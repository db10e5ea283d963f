//! `Engine::execute`, the integration helper: select, call, report, and retry on
//! another account or after a short wait. The call says what happened as an [`Attempt`]; the
//! rules that classify and block live in `hot.rs` / `state::rules`, not here.
//!
//! Decisions made here:
//! - `opts.at` is ignored: `execute` always acts at the engine clock's now.
//! - A retry excludes the accounts already tried. When that leaves nothing, the tried accounts
//!   are let back in (their own blocks still apply), so a lone account is retried once its
//!   block lifts, if that happens within `retry.max_wait`.
//! - The waits of one `execute` add up to at most `retry.max_wait`; each wait is computed from
//!   the engine clock (`earliest_at - now`) plus a jitter of at most min(wait / 4, 2 s) drawn
//!   from the engine's seedable RNG (`EngineBuilder::jitter_seed`). Under tokio paused time use
//!   `time::TokioClock`, so the engine clock moves with the sleeps.

use std::future::Future;
use std::time::Duration;

use rand::Rng;

use super::{Engine, Lease, NoAccount, Outcome};
use crate::error::Error;
use crate::event::Usage;
use crate::ids::Provider;
use crate::parse::{ErrorKind, Headers, ParsedError};
use crate::select::SelectOpts;

/// What one call to the provider came to.
#[derive(Debug)]
pub enum Attempt<T> {
    /// A 2xx: `value` is returned from `execute`, usage and headers are reported.
    Success {
        /// What the call returned; handed back by `execute`.
        value: T,
        /// Tokens the response reported, when the caller read them.
        usage: Option<Usage>,
        /// The response headers, for quota and rate-limit figures.
        headers: Headers,
    },
    /// Anything else: an error response, a network error, or `Outcome::Cancelled`. A
    /// `Outcome::Success` here is reported as a success, but `execute` has no value to return
    /// and treats it as a failed attempt that is not retried.
    Failure(Outcome),
}

impl<T> Attempt<T> {
    /// A success with no usage or headers worth reporting.
    pub fn ok(value: T) -> Self {
        Attempt::Success {
            value,
            usage: None,
            headers: Headers::new(),
        }
    }
    /// An error response.
    pub fn failed(status: u16, headers: Headers, body: impl Into<Vec<u8>>) -> Self {
        Attempt::Failure(Outcome::failure(status, headers, body))
    }
    /// No HTTP response (connect refused, reset, timeout): transient, retried elsewhere.
    pub fn network(message: impl Into<String>) -> Self {
        Attempt::Failure(Outcome::Network {
            message: message.into(),
        })
    }
}

/// Why `execute` gave up.
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    /// Every account is blocked and none frees within `retry.max_wait` (or the wait budget is
    /// spent) before any attempt was made.
    #[error("{0}")]
    NoAccount(NoAccount),
    /// The last attempt failed and no retry is left (or the error is not retryable, e.g.
    /// `invalid_request`, which returns at once).
    #[error("{} after {attempts} attempt(s): {}", error.kind.as_str(), error.message)]
    Failed {
        /// The last attempt's error, as classified.
        error: ParsedError,
        /// Calls made, the failed last one included.
        attempts: u32,
    },
    /// The call reported `Outcome::Cancelled` (the caller gave up): recorded, nothing blocked.
    #[error("cancelled after {attempts} attempt(s)")]
    Cancelled {
        /// Calls made, the cancelled one included.
        attempts: u32,
    },
    /// The engine failed (its writer stopped, the account vanished).
    #[error(transparent)]
    Engine(#[from] Error),
}

/// Shortest sleep `execute` takes, so a wait budget cannot be spent in millisecond slivers.
const MIN_SLEEP: Duration = Duration::from_millis(10);
/// Cap of the jitter added to a wait.
const MAX_JITTER: Duration = Duration::from_secs(2);

impl Engine {
    /// Runs one request with rotation: selects an account, awaits `call(lease)`, reports what
    /// it returned, and on a retryable failure tries another account, up to
    /// `retry.max_attempts` calls. When every account is blocked and the earliest frees within
    /// what is left of `retry.max_wait`, sleeps until then (tokio) and tries again.
    pub async fn execute<F, Fut, T>(
        &self,
        provider: Provider,
        model: &str,
        opts: SelectOpts,
        mut call: F,
    ) -> Result<T, ExecuteError>
    where
        F: FnMut(Lease) -> Fut,
        Fut: Future<Output = Attempt<T>>,
    {
        let cfg = &self.inner.config.retry;
        let max_attempts = cfg.max_attempts.max(1);
        let mut budget = cfg.max_wait.0;
        let base_exclude = opts.exclude.len();
        let mut sel = SelectOpts { at: None, ..opts };
        let mut attempts = 0u32;
        let mut last: Option<ParsedError> = None;
        loop {
            let lease = match self.select(provider, model, &sel) {
                Ok(lease) => lease,
                Err(no) => {
                    if sel.exclude.len() > base_exclude {
                        // Only tried accounts are left: let them back in, blocks and all.
                        sel.exclude.truncate(base_exclude);
                        continue;
                    }
                    let now = self.now();
                    let wait = no
                        .earliest_at
                        .map(|t| (t - now).to_std().unwrap_or(Duration::ZERO).max(MIN_SLEEP));
                    match wait {
                        Some(w) if w <= budget => {
                            let w = w + self.jitter(w).min(budget - w);
                            budget -= w;
                            tracing::debug!(provider = %provider, model, wait_ms = w.as_millis() as u64, "every account blocked; waiting");
                            tokio::time::sleep(w).await;
                            continue;
                        }
                        _ => {
                            return Err(match last {
                                Some(error) => ExecuteError::Failed { error, attempts },
                                None => ExecuteError::NoAccount(no),
                            })
                        }
                    }
                }
            };
            attempts += 1;
            let account = lease.account;
            let guard = InFlight {
                engine: self,
                lease: Some(lease.clone()),
            };
            let attempt = call(lease.clone()).await;
            guard.disarm();
            let outcome = match attempt {
                Attempt::Success {
                    value,
                    usage,
                    headers,
                } => {
                    let ok = Outcome::Success {
                        usage,
                        headers,
                        body: None,
                    };
                    self.report(&lease, ok)?;
                    return Ok(value);
                }
                Attempt::Failure(outcome) => outcome,
            };
            let cancelled = matches!(outcome, Outcome::Cancelled);
            let reported = self.report(&lease, outcome)?;
            let error = match reported.error {
                Some(e) => e,
                None if cancelled => return Err(ExecuteError::Cancelled { attempts }),
                // A success without a value: recorded as such, nothing to retry.
                None => {
                    let e = ParsedError::new(
                        ErrorKind::Transient,
                        Some(200),
                        "success without a value",
                    );
                    return Err(ExecuteError::Failed { error: e, attempts });
                }
            };
            if !error.retryable
                || error.kind == ErrorKind::InvalidRequest
                || attempts >= max_attempts
            {
                return Err(ExecuteError::Failed { error, attempts });
            }
            sel.exclude.push(account);
            last = Some(error);
        }
    }

    /// A jitter in [0, min(wait / 4, 2 s)] from the engine's RNG.
    fn jitter(&self, wait: Duration) -> Duration {
        let cap = (wait / 4).min(MAX_JITTER).as_millis() as u64;
        Duration::from_millis(self.inner.jitter.lock().gen_range(0..=cap))
    }
}

/// A lease whose call is running. If the `execute` future is dropped meanwhile (the caller
/// gave up, a timeout fired), the request is reported cancelled: no fault of the account, and a
/// probe it held is released at once instead of after `probe.after`.
struct InFlight<'a> {
    engine: &'a Engine,
    lease: Option<Lease>,
}

impl InFlight<'_> {
    fn disarm(mut self) {
        self.lease = None;
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Some(lease) = self.lease.take() {
            if let Err(e) = self.engine.report(&lease, Outcome::Cancelled) {
                tracing::warn!(%e, request = %lease.request, "recording a dropped request failed");
            }
        }
    }
}

//! What `select` hands out and what the caller hands back: the `Lease` (with the credential to
//! use), the `Outcome` of the upstream call, and `NoAccount` when every candidate is blocked.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::event::{Skip, Usage};
use crate::ids::{AccountId, Model, Provider, RequestId};
use crate::parse::Headers;
use crate::secret::Secrets;
use crate::select::Strategy;
use crate::time::{format_ts, Timestamp};

/// One account leased for one request. `Debug` shows fingerprints, never secrets.
#[derive(Clone, Debug)]
pub struct Lease {
    /// The request id this lease was issued for; outcomes are reported against it.
    pub request: RequestId,
    /// The account leased.
    pub account: AccountId,
    /// The provider the account belongs to.
    pub provider: Provider,
    /// The model the lease is rotated, blocked and counted as (a variant's or an alias's
    /// canonical model); `asked_model` is the name the caller asked for.
    pub model: Model,
    /// The model name the caller asked for (the same as `model` unless it was a variant or
    /// an alias).
    pub asked_model: Model,
    /// The credential to call the provider with.
    pub credential: Arc<Secrets>,
    /// Credential generation the lease carries; a 401 against an older one is stale.
    pub generation: u64,
    /// When the lease was issued (engine clock).
    pub issued_at: Timestamp,
    /// The strategy that chose the account.
    pub strategy: Strategy,
    /// Leased to a half-open block as its one probe.
    pub probe: bool,
    /// Shared by the lease's clones: its outcome was reported (a request is reported once).
    pub(super) reported: Arc<AtomicBool>,
}

impl Lease {
    /// Marks the lease reported; `false` when it already was.
    pub(super) fn claim_report(&self) -> bool {
        !self.reported.swap(true, Ordering::AcqRel)
    }

    /// Undoes [`Lease::claim_report`] when recording the report failed.
    pub(super) fn release_report(&self) {
        self.reported.store(false, Ordering::Release);
    }

    /// The bearer secret (API key or access token) to put in the request.
    pub fn bearer(&self) -> Option<&str> {
        self.credential.bearer().map(|s| s.expose())
    }
}

/// What happened upstream.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// A 2xx. `body` (optional) lets rotor find usage and stream errors in it.
    Success {
        /// Tokens the response reported, when the caller read them.
        usage: Option<Usage>,
        /// The response headers: rate-limit and quota figures are read from them.
        headers: Headers,
        /// The response body, when available.
        body: Option<Vec<u8>>,
    },
    /// A response with an error status (or a 200 stream that carried an error).
    Failure {
        /// The HTTP status the provider answered with.
        status: u16,
        /// The response headers (`Retry-After`, rate-limit headers).
        headers: Headers,
        /// The response body; parsed to classify the error, never stored raw.
        body: Vec<u8>,
    },
    /// No HTTP response: connect refused, reset, timeout.
    Network {
        /// What the HTTP client said (scrubbed before it is recorded).
        message: String,
    },
    /// The caller gave up; no fault of the account.
    Cancelled,
}

impl Outcome {
    /// A 2xx with no headers, body or usage to learn from.
    pub fn success() -> Self {
        Outcome::Success {
            usage: None,
            headers: Headers::new(),
            body: None,
        }
    }
    /// An error response with its status, headers and body.
    pub fn failure(status: u16, headers: Headers, body: impl Into<Vec<u8>>) -> Self {
        Outcome::Failure {
            status,
            headers,
            body: body.into(),
        }
    }
}

/// Every candidate is blocked: when the first frees up, and why each was skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoAccount {
    /// The request that found no account.
    pub request: RequestId,
    /// The provider asked for.
    pub provider: Provider,
    /// The model asked for.
    pub model: Model,
    /// Earliest time any candidate becomes available (an honest `Retry-After`).
    pub earliest_at: Option<Timestamp>,
    /// Every candidate passed over, with its reason and until.
    pub skipped: Vec<Skip>,
}

impl std::fmt::Display for NoAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "no {} account available for {} ({} skipped)",
            self.provider,
            self.model,
            self.skipped.len()
        )?;
        if let Some(t) = self.earliest_at {
            write!(f, "; earliest at {}", format_ts(t))?;
        }
        Ok(())
    }
}

impl std::error::Error for NoAccount {}

/// The new account's settings and secrets.
#[derive(Clone, Debug)]
pub struct NewAccount {
    /// The provider the account belongs to.
    pub provider: Provider,
    /// Human-readable name shown in status and logs.
    pub label: String,
    /// Tier: lower numbers are tried first.
    pub priority: u32,
    /// Relative share of requests under the weighted strategy.
    pub weight: u32,
    /// Models the account may serve; `None` allows every model.
    pub models: Option<Vec<Model>>,
    /// The API key or OAuth tokens; kept in the credentials store, never in the log.
    pub secrets: Secrets,
    /// When the OAuth access token expires; `None` for API keys or when unknown.
    pub expires_at: Option<Timestamp>,
    /// Who the account is at the provider, when known (email, account id, plan).
    pub identity: crate::event::Identity,
}

impl NewAccount {
    /// An API-key account with default priority 0 and weight 1.
    pub fn api_key(provider: Provider, label: &str, key: &str) -> Self {
        NewAccount {
            provider,
            label: label.to_string(),
            priority: 0,
            weight: 1,
            models: None,
            secrets: Secrets::api_key(key),
            expires_at: None,
            identity: Default::default(),
        }
    }

    /// An OAuth account.
    pub fn oauth(
        provider: Provider,
        label: &str,
        access: &str,
        refresh: Option<&str>,
        expires_at: Option<Timestamp>,
    ) -> Self {
        NewAccount {
            provider,
            label: label.to_string(),
            priority: 0,
            weight: 1,
            models: None,
            secrets: Secrets::oauth(access, refresh.map(str::to_string)),
            expires_at,
            identity: Default::default(),
        }
    }
}

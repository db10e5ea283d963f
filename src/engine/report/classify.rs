//! Classifying an upstream outcome, outside any lock: the provider's parser for failures, the
//! usage a success's body states, quota observations from headers. Pure; recording is in
//! `mod.rs`, what the classification records in `events.rs`.

use super::Outcome;
use crate::event::{QuotaObservation, Usage};
use crate::ids::{Model, Provider};
use crate::parse::{self, ParsedError};
use crate::time::Timestamp;

/// An outcome after classification.
pub(super) enum Classified {
    Succeeded {
        usage: Option<Usage>,
        quota: Vec<QuotaObservation>,
    },
    Failed {
        error: ParsedError,
        quota: Vec<QuotaObservation>,
    },
    Cancelled,
}

/// Classifies `outcome` of a request to `provider` for `model`, observed at `at`. May read up
/// to 64 KiB of body: callers run it before taking the projection lock.
pub(super) fn classify(
    provider: Provider,
    model: &Model,
    outcome: Outcome,
    at: Timestamp,
) -> Classified {
    match outcome {
        Outcome::Success {
            usage,
            headers,
            body,
        } => Classified::Succeeded {
            // The caller's usage, else what the provider's body (or stream) says.
            usage: usage.or_else(|| {
                body.as_deref()
                    .and_then(|b| crate::quota::extract_usage(provider, b))
            }),
            quota: observations(provider, model, &headers, at),
        },
        Outcome::Failure {
            status,
            headers,
            body,
        } => Classified::Failed {
            error: parse::parse(provider, status, &headers, &body),
            quota: observations(provider, model, &headers, at),
        },
        Outcome::Network { message } => Classified::Failed {
            error: ParsedError::network(message.as_str()),
            quota: vec![],
        },
        Outcome::Cancelled => Classified::Cancelled,
    }
}

/// Quota observations from response headers (success and failure alike), scoped to `model`
/// where the provider's limit is the model's.
fn observations(
    provider: Provider,
    model: &Model,
    headers: &parse::Headers,
    at: Timestamp,
) -> Vec<QuotaObservation> {
    if headers.is_empty() {
        return Vec::new();
    }
    parse::observe_headers(provider, model, headers, at)
}

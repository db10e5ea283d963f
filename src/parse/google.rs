//! Google APIs (Antigravity / Cloud Code Assist and Gemini API keys): canonical `error.status`,
//! `details[]` (ErrorInfo.reason wins over status; RetryInfo.retryDelay; ErrorInfo.metadata
//! quotaResetDelay / quotaResetTimeStamp; QuotaFailure PerMinute vs PerDay; `limit: 0` →
//! not_found), legacy `errors[].reason` only without ErrorInfo. Envelope reading is in `envelope`.

use super::input::Input;
use super::rules::{anthropic, first_match, glm, google, openai, words, Rule};
use super::waits::finish;
use super::{Headers, ParsedError};

/// Google's rule order: what any envelope says in shared words (the request's own errors,
/// capacity, a dead grant), a used-up quota whose reset is stated only in words, its canonical
/// status and details, then the other envelopes.
const RULES: &[Rule] = &[
    words::request_scoped,
    words::at_capacity,
    words::dead_grant,
    google::quota_in_words,
    google::by_status,
    anthropic::by_type,
    openai::by_code,
    glm::by_code,
    anthropic::by_generic_type,
];

/// Classifies a Google (Antigravity, Gemini) error response: status, headers and body.
pub fn parse(status: u16, headers: &Headers, body: &[u8]) -> ParsedError {
    let input = Input::read(status, headers, body);
    finish(&input, first_match(&input, RULES))
}

/// What the `details` array says.
#[cfg(test)]
#[path = "google_tests.rs"]
mod tests;

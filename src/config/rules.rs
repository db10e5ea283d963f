//! `[[rules]]`: an operator's corrections to the built-in classification. A rule matches a
//! failure by provider, status, code and message words (every key it gives must hold) and sets
//! its kind, scope or wait; the first rule that matches applies. Applying is pure. The report
//! step records which rule applied on the `request_failed` event (with the parser's verdict it
//! replaced), so a replay never needs the rules; the block is decided after the rule.

use serde::{Deserialize, Serialize};

use super::Dur;
use crate::block::MAX_WAIT_MS;
use crate::ids::Provider;
use crate::vocab::AppliedRule;
use crate::vocab::{ErrorKind, ParsedError, Scope};

/// One `[[rules]]` entry, checked when the configuration is read: it matches on at least one
/// of provider, status, code, message and sets at least one of kind, scope, wait.
#[derive(Clone, PartialEq, Debug, Deserialize, Serialize)]
#[serde(try_from = "RawRule")]
pub struct ErrorRule {
    /// Recorded with the rule's index on the events it shapes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Matches failures from this provider only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<Provider>,
    /// Matches this HTTP status only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The provider's error code or type (`1302`, `cyber_policy`, `invalid_request_error`),
    /// compared without regard to case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Words the error message contains, without regard to case (the message as rotor keeps it:
    /// scrubbed, at most 512 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The kind a matching failure gets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<ErrorKind>,
    /// The scope a matching failure gets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// A wait that replaces any the payload stated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait: Option<Dur>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: Option<String>,
    provider: Option<Provider>,
    status: Option<u16>,
    code: Option<String>,
    message: Option<String>,
    kind: Option<ErrorKind>,
    scope: Option<Scope>,
    wait: Option<Dur>,
}

impl TryFrom<RawRule> for ErrorRule {
    type Error = String;

    fn try_from(r: RawRule) -> Result<Self, String> {
        let blank = |s: &Option<String>| s.as_deref().is_some_and(|s| s.trim().is_empty());
        if blank(&r.code) || blank(&r.message) {
            return Err("a [[rules]] entry's code and message must not be empty".into());
        }
        if r.provider.is_none() && r.status.is_none() && r.code.is_none() && r.message.is_none() {
            return Err(
                "a [[rules]] entry must match on at least one of provider, status, code, message"
                    .into(),
            );
        }
        if r.kind.is_none() && r.scope.is_none() && r.wait.is_none() {
            return Err("a [[rules]] entry sets nothing: give kind, scope or wait".into());
        }
        Ok(ErrorRule {
            name: r.name,
            provider: r.provider,
            status: r.status,
            code: r.code.map(|c| c.trim().to_string()),
            message: r.message.map(|m| m.trim().to_lowercase()),
            kind: r.kind,
            scope: r.scope,
            wait: r.wait,
        })
    }
}

impl ErrorRule {
    /// Whether every key this rule gives holds for `err` from `provider`.
    pub fn matches(&self, provider: Provider, err: &ParsedError) -> bool {
        let code_is = |want: &str| {
            [err.code.as_deref(), err.error_type.as_deref()]
                .into_iter()
                .flatten()
                .any(|c| c.eq_ignore_ascii_case(want))
        };
        self.provider.is_none_or(|p| p == provider)
            && self.status.is_none_or(|s| err.status == Some(s))
            && self.code.as_deref().is_none_or(code_is)
            && self
                .message
                .as_deref()
                .is_none_or(|m| err.message.to_lowercase().contains(m))
    }
}

/// Applies the first of `rules` that matches `err` (a failure from `provider`) and says which
/// it was and what the parser had said; `None` (and `err` untouched) when none matches.
pub fn apply(
    rules: &[ErrorRule],
    provider: Provider,
    err: &mut ParsedError,
) -> Option<AppliedRule> {
    let (index, rule) = rules
        .iter()
        .enumerate()
        .find(|(_, r)| r.matches(provider, err))?;
    let applied = AppliedRule {
        index: index as u32,
        name: rule.name.as_deref().map(Into::into),
        parsed_kind: err.kind,
        parsed_scope: err.scope,
    };
    if let Some(kind) = rule.kind {
        err.kind = kind;
        err.retryable = kind.retryable();
        // Only a permission error can disable an account for good.
        err.disables_account &= kind == ErrorKind::Permission;
    }
    if let Some(scope) = rule.scope {
        err.scope = scope;
    }
    if let Some(wait) = rule.wait {
        err.retry_after_ms = Some((wait.0.as_millis() as u64).min(MAX_WAIT_MS));
        err.reset_at = None;
    }
    Some(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<ErrorRule> {
        crate::config::Config::from_toml(text).unwrap().rules
    }

    #[test]
    fn the_first_matching_rule_applies_and_says_what_it_replaced() {
        let rules = rules(
            "[[rules]]\nprovider = \"codex\"\nstatus = 400\nmessage = \"AT CAPACITY\"\nkind = \"rate_limit\"\nwait = \"10s\"\n\
             [[rules]]\nname = \"second\"\nstatus = 400\nkind = \"transient\"\n",
        );
        let mut e = ParsedError::new(ErrorKind::InvalidRequest, Some(400), "Model is at capacity");
        e.reset_at = crate::time::parse_ts("2026-01-01T00:00:00Z").ok();
        let applied = apply(&rules, Provider::Codex, &mut e).unwrap();
        assert_eq!(
            (applied.index, applied.parsed_kind, applied.parsed_scope),
            (0, ErrorKind::InvalidRequest, Scope::Model)
        );
        assert_eq!(
            (e.kind, e.retryable, e.retry_after_ms, e.reset_at),
            (ErrorKind::RateLimit, true, Some(10_000), None)
        );
        // Another provider: the first rule does not match, the second does.
        let mut e = ParsedError::new(ErrorKind::InvalidRequest, Some(400), "Model is at capacity");
        let applied = apply(&rules, Provider::Openai, &mut e).unwrap();
        assert_eq!(
            (applied.index, applied.name.as_deref()),
            (1, Some("second"))
        );
        assert_eq!(e.kind, ErrorKind::Transient);
        // No match: untouched.
        let mut e = ParsedError::new(ErrorKind::NotFound, Some(404), "gone");
        let before = e.clone();
        assert!(apply(&rules, Provider::Openai, &mut e).is_none());
        assert_eq!(e, before);
    }

    #[test]
    fn a_code_matches_the_code_or_the_type_in_any_case() {
        let rules = rules("[[rules]]\ncode = \"Cyber_Policy\"\nkind = \"invalid_request\"\n");
        let mut e = ParsedError::new(ErrorKind::Transient, Some(502), "flagged");
        e.error_type = Some("cyber_policy".into());
        assert!(apply(&rules, Provider::Codex, &mut e).is_some());
        assert_eq!((e.kind, e.retryable), (ErrorKind::InvalidRequest, false));
    }
}

//! The scrubber, measured and property-tested in process: fixed sets of 20,000 generated
//! tokens in provider messages and 5,000 hostile responses leak none (the rate is printed per
//! shape); tokens of every shape in every field of every provider's envelope never reach a
//! `ParsedError`, its `classify --json` object or its `Debug`; scrubbing is bounded and
//! idempotent, so events carrying provider text decode to themselves.

use std::collections::BTreeMap;

use proptest::prelude::*;
use rotor::event::{AppliedRule, Event, Identity, RefreshSucceeded, RequestFailed};
use rotor::parse::{parse, ErrorKind, Headers, ParsedError, Scope, MAX_CODE, MAX_MESSAGE};
use rotor::scrub;
use rotor::{AccountId, Provider};

use super::hostile_bodies::{hostile, Hostile};
use super::token_shapes::*;

/// Leaked / total per shape, for the report and the failure message.
fn leak_table(results: &[(&'static str, bool)]) -> String {
    let mut by_shape: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (shape, leaked) in results {
        let e = by_shape.entry(shape).or_default();
        e.0 += *leaked as usize;
        e.1 += 1;
    }
    let leaked: usize = by_shape.values().map(|v| v.0).sum();
    let mut out = format!(
        "leaked {leaked} of {} tokens ({:.2} %)\n",
        results.len(),
        leaked as f64 * 100.0 / results.len() as f64
    );
    for (shape, (l, n)) in by_shape {
        out.push_str(&format!("  {shape:<16} {l:>5} / {n:<5}\n"));
    }
    out
}

#[test]
fn a_fixed_set_of_20000_generated_tokens_leaks_none_from_an_error_message() {
    let set = fixed_set(prose_with(token()), 20_000);
    let mut examples = Vec::new();
    let results: Vec<(&'static str, bool)> = set
        .iter()
        .map(|(message, tok)| {
            let body = serde_json::json!({"error": {
                "message": message, "type": "invalid_request_error", "code": "invalid_api_key"
            }});
            let e = parse(
                Provider::Openai,
                401,
                &Headers::new(),
                body.to_string().as_bytes(),
            );
            let logged = serde_json::to_string(&e).unwrap();
            let leaked = tok.leaked_in(&logged);
            if leaked && examples.len() < 5 {
                examples.push(format!("{message:?} -> {:?}", e.message));
            }
            (tok.shape, leaked)
        })
        .collect();
    let table = format!("{}{}", leak_table(&results), examples.join("\n"));
    eprintln!("scrubber on the fixed set: {table}");
    assert!(results.iter().all(|(_, leaked)| !leaked), "{table}");
}

fn at() -> rotor::time::Timestamp {
    rotor::time::parse_ts("2026-01-01T00:00:00Z").unwrap()
}

/// Everything a classified failure shows: the event JSON, `classify --json`, `Debug`.
fn shown(h: &Hostile) -> (ParsedError, String) {
    let e = parse(h.provider, h.status, &h.headers(), h.body.as_bytes());
    let text = format!(
        "{}\n{}\n{e:?}",
        serde_json::to_string(&e).unwrap(),
        e.classify_json(at())
    );
    (e, text)
}

fn within_bounds(e: &ParsedError) -> bool {
    e.message.chars().count() <= MAX_MESSAGE
        && [&e.code, &e.error_type]
            .iter()
            .all(|f| f.as_ref().is_none_or(|c| c.chars().count() <= MAX_CODE))
}

#[test]
fn a_fixed_set_of_5000_hostile_responses_leaks_no_token_from_any_field() {
    let set = fixed_set(hostile(), 5_000);
    let mut leaks = Vec::new();
    let results: Vec<(&'static str, bool)> = set
        .iter()
        .map(|h| {
            let (e, text) = shown(h);
            assert!(within_bounds(&e), "{h:?} -> {e:?}");
            let leaked = h.token.leaked_in(&text);
            if leaked && leaks.len() < 5 {
                leaks.push(format!(
                    "{} {:?}\n  {}\n  -> {text}",
                    h.place, h.provider, h.body
                ));
            }
            (h.token.shape, leaked)
        })
        .collect();
    let table = format!("{}{}", leak_table(&results), leaks.join("\n"));
    eprintln!("scrubber on hostile responses: {table}");
    assert!(leaks.is_empty(), "{table}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// Tokens of every shape, in every field of every envelope, never reach a classification.
    #[test]
    fn no_token_in_any_field_reaches_a_classification(h in hostile()) {
        let (e, text) = shown(&h);
        prop_assert!(!h.token.leaked_in(&text), "{} {:?}\n{}\n-> {}", h.place, h.provider, h.body, text);
        prop_assert!(within_bounds(&e), "{e:?}");
    }

    /// Scrubbing is bounded and idempotent, so a logged string decodes to itself.
    #[test]
    fn scrubbing_is_bounded_and_idempotent(
        text in prop_oneof![any::<String>(), prose_with(token()).prop_map(|(t, _)| t)],
        max in prop::sample::select(vec![0usize, 1, 5, MAX_CODE, MAX_MESSAGE]),
    ) {
        let once = scrub(&text, max);
        prop_assert!(once.chars().count() <= max);
        prop_assert_eq!(scrub(&once, max), once.clone());
    }

    /// Every event carrying provider text decodes back to an equal event.
    #[test]
    fn events_with_provider_text_decode_to_themselves(
        message in any::<String>(),
        code in any::<String>(),
        kind in prop::sample::select(vec![ErrorKind::RateLimit, ErrorKind::Authentication]),
        email in any::<String>(),
    ) {
        let mut error = ParsedError::new(kind, Some(429), &message);
        error.code = Some(code.as_str().into());
        error.error_type = Some(message.as_str().into());
        let failed = Event::RequestFailed(RequestFailed {
            request: None,
            account: AccountId::new_random(),
            model: "m".into(),
            latency_ms: None,
            error,
            block: None,
            generation: None,
            quota: vec![],
            rule: Some(AppliedRule {
                index: 0,
                name: Some(message.as_str().into()),
                parsed_kind: kind,
                parsed_scope: Scope::Model,
            }),
        });
        let identity = Identity { email: Some(email.as_str().into()), account_id: Some(code.as_str().into()), ..Identity::default() };
        let refreshed = Event::RefreshSucceeded(RefreshSucceeded {
            account: AccountId::new_random(),
            expires_at: None,
            generation: 2,
            fingerprint: "f".into(),
            identity,
        });
        for ev in [failed, refreshed] {
            let json = serde_json::to_string(&ev).unwrap();
            prop_assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), ev);
        }
    }
}

//! Quota learning through the engine: three windows that each end in a quota error at the same
//! usage teach a limit with confidence 0.3; in the fourth window the account is skipped as
//! `quota_predicted` once it reaches that limit, before the provider has to say so.

use std::time::Duration;

use rotor::event::BlockReason;
use rotor::parse::Headers;
use rotor::time::ManualClock;
use rotor::{NewAccount, Outcome, Provider, SelectOpts};

use super::common::*;

const QUOTA_BODY: &str = r#"{"error":{"code":429,"message":"Quota exhausted.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"QUOTA_EXHAUSTED","domain":"cloudcode-pa.googleapis.com"}]}}"#;

#[test]
fn a_learned_limit_skips_the_account_before_the_provider_refuses() {
    let clock = ManualClock::at(T0);
    let (_d, db) = temp_db();
    let e = engine_at(&db, &clock);
    let learner = e
        .add_account(NewAccount::api_key(
            Provider::Antigravity,
            "learner",
            "ya29-not-a-real-token-0123456789",
        ))
        .unwrap();
    let mut spare = NewAccount::api_key(
        Provider::Antigravity,
        "spare",
        "ya29-not-a-real-token-abcdefghij",
    );
    spare.priority = 1;
    e.add_account(spare).unwrap();
    let only = SelectOpts::default();

    for window in 0..3 {
        for _ in 0..20 {
            let l = e
                .select(Provider::Antigravity, "gemini-3-pro", &only)
                .unwrap();
            assert_eq!(
                l.account, learner,
                "window {window}: tier 0 serves until refused"
            );
            e.report(&l, Outcome::success()).unwrap();
            clock.advance(Duration::from_secs(30));
        }
        let l = e
            .select(Provider::Antigravity, "gemini-3-pro", &only)
            .unwrap();
        e.report(&l, Outcome::failure(429, Headers::new(), QUOTA_BODY))
            .unwrap();
        // Google's default for a quota error with no stated delay is 1 h; the 5 h window then
        // rolls over.
        clock.advance(Duration::from_secs(5 * 3600));
    }

    let view = rotor::status::status(&e.state(), rotor::time::Clock::now(&clock));
    let q = view.accounts[0]
        .quota
        .iter()
        .find(|q| q.model.as_deref() == Some("gemini-3-pro"))
        .unwrap();
    assert!(q.confidence.unwrap() >= 0.3, "{q:?}");
    assert_eq!(q.est_request_limit, Some(20), "{q:?}");

    for i in 0..20 {
        let l = e
            .select(Provider::Antigravity, "gemini-3-pro", &only)
            .unwrap();
        assert_eq!(l.account, learner, "request {i} of the fourth window");
        e.report(&l, Outcome::success()).unwrap();
        clock.advance(Duration::from_secs(30));
    }
    // The limit is reached: skipped as quota_predicted, the spare tier serves.
    let l = e
        .select(Provider::Antigravity, "gemini-3-pro", &only)
        .unwrap();
    assert_ne!(l.account, learner);
    let state = e.state();
    let u = state.accounts[&learner]
        .unavailable("gemini-3-pro", rotor::time::Clock::now(&clock))
        .unwrap();
    assert_eq!(u.reason, BlockReason::QuotaPredicted);
    // Other models of the account are not affected.
    assert_eq!(
        e.select(Provider::Antigravity, "gemini-3-flash", &only)
            .unwrap()
            .account,
        learner
    );
}

#[test]
fn a_configured_window_is_recorded_on_the_account_and_survives_a_config_change() {
    let clock = ManualClock::at(T0);
    let (_d, db) = temp_db();
    let config = rotor::Config::from_toml("[quota.window]\nopenai = \"1h\"\n").unwrap();
    let e = engine_with(&db, &clock, config);
    e.add_account(NewAccount::api_key(
        Provider::Openai,
        "o",
        "sk-proj-window-0123456789",
    ))
    .unwrap();
    let l = e
        .select(Provider::Openai, "gpt-4o", &SelectOpts::default())
        .unwrap();
    e.report(&l, Outcome::success()).unwrap();
    let resets = |e: &rotor::Engine| {
        let v = rotor::status::status(&e.state(), rotor::time::Clock::now(&clock));
        v.accounts[0]
            .quota
            .iter()
            .find(|q| q.model.as_deref() == Some("gpt-4o"))
            .unwrap()
            .resets_at
    };
    assert_eq!(
        resets(&e),
        Some(t("2026-01-01T01:00:00Z")),
        "the 1 h window, not OpenAI's 1 min default"
    );
    drop(e);
    // Reopened with the default configuration: the log still says 1 h.
    let e = engine_at(&db, &clock);
    assert_eq!(resets(&e), Some(t("2026-01-01T01:00:00Z")));
}

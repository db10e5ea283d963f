//! `[[rules]]` on a PostgreSQL log: the rule that reshaped a failure travels in the row (its
//! `data` JSON), so another instance with no rules in its configuration folds the same block,
//! reads back which rule applied, and `replay --verify` of the fleet's log needs no config.

use rotor::event::{AppliedRule, Event};
use rotor::parse::{ErrorKind, Headers, Scope};
use rotor::store::Unknown;
use rotor::time::{Clock, ManualClock};
use rotor::{Config, Engine, Outcome, Provider, SelectOpts};

use super::fleet::instance;
use super::fleet_replay::rotor_url;
use super::{harness, open};
use crate::it::common::{add_keys, json, t, until_of, T0};
use crate::it::error_rules::{CAPACITY_400, CAPACITY_RULE};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rule_a_writer_applied_is_read_back_by_an_instance_without_rules() {
    let server = crate::pg_or_skip!(harness::shared());
    let url = server.fresh_db().await;
    let clock = ManualClock::at(T0);
    let with_rules = Engine::builder()
        .path(&url)
        .clock(clock.clone())
        .config(Config::from_toml(CAPACITY_RULE).unwrap())
        .open()
        .unwrap();
    let [a, _b] = add_keys(&with_rules, Provider::Openai, &["a", "b"])[..] else {
        unreachable!()
    };

    // Given the gateway's capacity 400, reported on the instance that has the rule
    let lease = with_rules
        .select(Provider::Openai, "gpt-4o", &SelectOpts::default())
        .unwrap();
    assert_eq!(lease.account, a);
    let failure = Outcome::failure(400, Headers::new(), CAPACITY_400.to_string());
    let r = with_rules.report(&lease, failure).unwrap();
    assert_eq!(r.error.unwrap().kind, ErrorKind::RateLimit);
    with_rules.flush().await.unwrap();

    // Then an instance with no rules folds the same ten-second block
    let plain = instance(&url, &clock);
    plain.catch_up().await.unwrap();
    let blocked = Some((
        rotor::event::BlockReason::Error(ErrorKind::RateLimit),
        t("2026-01-01T00:00:10Z"),
    ));
    assert_eq!(until_of(&plain, a, "gpt-4o", clock.now()), blocked);

    // And the row holds the rule, with the parser's verdict it replaced
    let rows = open(&url)
        .await
        .events_after(0, 1000, Unknown::Fail)
        .await
        .unwrap();
    let failed = rows
        .iter()
        .find_map(|r| match &r.record.event {
            Event::RequestFailed(f) => Some(f.clone()),
            _ => None,
        })
        .expect("a request_failed row");
    assert_eq!(
        failed.rule,
        Some(AppliedRule {
            index: 0,
            name: Some("gateway capacity".into()),
            parsed_kind: ErrorKind::InvalidRequest,
            parsed_scope: Scope::Model,
        })
    );
    let name: Option<String> = harness::connect_url(&url)
        .await
        .query_one(
            "SELECT data->'rule'->>'name' FROM events WHERE kind = 'request_failed'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(name.as_deref(), Some("gateway capacity"));

    // And replay --verify of the log runs without the configuration that wrote it
    let dir = tempfile::tempdir().unwrap();
    let out = rotor_url(dir.path(), &url, &["replay", "--verify", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(json(&out)["decisions"], 1);
}

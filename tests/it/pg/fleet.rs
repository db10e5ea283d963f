//! A fleet: several engines on one PostgreSQL log, in one process. A 429 reported on one
//! instance makes another skip that account (after `catch_up`, and by the follower alone);
//! every event records its writer and what it had seen; writers committing concurrently never
//! make a follower miss an event. Helpers for the other fleet tests live here too.

use std::time::Duration;

use rotor::parse::Headers;
use rotor::time::{add, Clock, ManualClock};
use rotor::{Engine, Outcome, Provider, SelectOpts};

use super::harness::{self, connect_url};
use crate::it::common::{add_keys, t, T0};

/// An engine of the fleet on `url`, on the shared test clock.
pub fn instance(url: &str, clock: &ManualClock) -> Engine {
    Engine::builder()
        .path(url)
        .clock(clock.clone())
        .open()
        .unwrap_or_else(|e| panic!("open {url}: {e}"))
}

/// OpenAI's 429 with `retry-after: secs`.
pub fn rate_limited(secs: u64) -> Outcome {
    let wait = secs.to_string();
    let headers: Headers = [("retry-after", wait.as_str())].into_iter().collect();
    Outcome::failure(
        429,
        headers,
        r#"{"error":{"message":"Rate limit reached for gpt-4o","type":"requests","code":"rate_limit_exceeded"}}"#,
    )
}

/// Waits for `done`, checking every 10 ms; panics naming `what` if it never happens (a guard
/// against hanging, far above any delay the follower has: it is not a timing assertion).
pub async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..3000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never happened: {what}");
}

/// The block in force on (account, model) as `engine` sees it now: (reason, until).
fn block_seen(
    engine: &Engine,
    account: rotor::AccountId,
    model: &str,
) -> Option<(String, rotor::time::Timestamp)> {
    let now = engine.now();
    engine.with_state(|s| {
        s.accounts[&account]
            .unavailable(model, now)
            .map(|u| (u.reason.as_str().to_string(), u.until.unwrap()))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_reported_on_one_instance_makes_another_skip_that_account() {
    let server = crate::pg_or_skip!(harness::shared());
    let url = server.fresh_db().await;
    let clock = ManualClock::at(T0);
    let a = instance(&url, &clock);
    add_keys(&a, Provider::Openai, &["x", "y"]);
    a.flush().await.unwrap();
    let b = instance(&url, &clock);

    // Given a 429 with a minute to wait, reported on A and committed
    let lease = a
        .select(Provider::Openai, "gpt-4o", &SelectOpts::default())
        .unwrap();
    let limited = lease.account;
    a.report(&lease, rate_limited(60)).unwrap();
    a.flush().await.unwrap();

    // When B has caught up with the log
    b.catch_up().await.unwrap();

    // Then B never leases that account for gpt-4o, and says why and until when
    for _ in 0..4 {
        let l = b
            .select(Provider::Openai, "gpt-4o", &SelectOpts::default())
            .unwrap();
        assert_ne!(l.account, limited, "B leased the account A saw limited");
        b.report(&l, Outcome::success()).unwrap();
    }
    let other = b
        .resolve(if a.resolve("x").unwrap() == limited {
            "y"
        } else {
            "x"
        })
        .unwrap();
    let only_limited = SelectOpts {
        exclude: vec![other],
        ..Default::default()
    };
    let no = b
        .select(Provider::Openai, "gpt-4o", &only_limited)
        .unwrap_err();
    let skip = no.skipped.iter().find(|s| s.account == limited).unwrap();
    assert_eq!(
        (skip.reason.as_str(), skip.until),
        ("rate_limit", Some(add(t(T0), Duration::from_secs(60))))
    );

    // And the other way round with no catch_up: B's 429 reaches A through its follower alone.
    clock.advance(Duration::from_secs(1));
    let l = b
        .select(Provider::Openai, "gpt-4o", &SelectOpts::default())
        .unwrap();
    assert_eq!(l.account, other);
    b.report(&l, rate_limited(120)).unwrap();
    b.flush().await.unwrap();
    let until = add(clock.now(), Duration::from_secs(120));
    eventually("A applies B's 429", || {
        block_seen(&a, other, "gpt-4o") == Some(("rate_limit".into(), until))
    })
    .await;
    assert!(a
        .select(Provider::Openai, "gpt-4o", &SelectOpts::default())
        .is_err());

    // Every event names its writer; each instance announced itself with host and pid; what an
    // instance made after applying another's event says it had seen it.
    let client = connect_url(&url).await;
    let started = client
        .query(
            "SELECT writer, data->>'host', (data->>'pid')::int8 FROM events
             WHERE kind = 'instance_started' ORDER BY seq",
            &[],
        )
        .await
        .unwrap();
    let writers: Vec<uuid::Uuid> = started.iter().map(|r| r.get(0)).collect();
    assert_eq!(
        writers,
        vec![a.writer_id().unwrap(), b.writer_id().unwrap()]
    );
    for r in &started {
        assert!(!r.get::<_, String>(1).is_empty(), "host");
        assert_eq!(r.get::<_, i64>(2), std::process::id() as i64);
    }
    let unwritten: i64 = client
        .query_one("SELECT count(*) FROM events WHERE writer IS NULL", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(unwritten, 0);
    let a_429: i64 = client
        .query_one(
            "SELECT seq FROM events WHERE kind = 'request_failed' AND writer = $1",
            &[&a.writer_id().unwrap()],
        )
        .await
        .unwrap()
        .get(0);
    let b_seen: Vec<Option<i64>> = client
        .query(
            "SELECT seen FROM events WHERE kind = 'selected' AND writer = $1 ORDER BY seq",
            &[&b.writer_id().unwrap()],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(b_seen.len(), 5);
    assert!(
        b_seen.iter().all(|s| s.is_some_and(|s| s >= a_429)),
        "B's selections were made after it applied A's 429 (seq {a_429}): {b_seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_committing_concurrently_never_make_a_follower_miss_an_event() {
    const WRITERS: usize = 3;
    const ROUNDS: usize = 400;
    let server = crate::pg_or_skip!(harness::shared());
    let url = server.fresh_db().await;
    let clock = ManualClock::at(T0);
    let first = instance(&url, &clock);
    let labels: Vec<String> = (0..8).map(|i| format!("k{i}")).collect();
    let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
    add_keys(&first, Provider::Openai, &labels);
    first.flush().await.unwrap();
    let follower = instance(&url, &clock);
    let writers: Vec<Engine> = (0..WRITERS).map(|_| instance(&url, &clock)).collect();

    // Each writer selects and reports from a thread of its own, all at once; small batches
    // commit concurrently while the follower reads.
    let threads: Vec<_> = writers
        .iter()
        .cloned()
        .enumerate()
        .map(|(w, e)| {
            std::thread::spawn(move || {
                for i in 0..ROUNDS {
                    let model = format!("m{}", (w + i) % 3);
                    let l = e
                        .select(Provider::Openai, &model, &SelectOpts::default())
                        .unwrap();
                    e.report(&l, Outcome::success()).unwrap();
                    if i % 7 == 0 {
                        e.flush_blocking().unwrap();
                    }
                }
                e.flush_blocking().unwrap();
            })
        })
        .collect();
    for th in threads {
        th.join().unwrap();
    }

    // Every instance, follower and writers alike, has counted every lease and every success
    // of the whole fleet: none was skipped while others committed around it.
    let client = connect_url(&url).await;
    let count = |kind: &'static str| {
        let client = &client;
        async move {
            let n: i64 = client
                .query_one("SELECT count(*) FROM events WHERE kind = $1", &[&kind])
                .await
                .unwrap()
                .get(0);
            n as u64
        }
    };
    let (selected, succeeded) = (count("selected").await, count("request_succeeded").await);
    assert_eq!(selected, (WRITERS * ROUNDS) as u64);
    assert_eq!(succeeded, selected);
    for e in writers.iter().chain([&follower, &first]) {
        e.catch_up().await.unwrap();
        let now = clock.now();
        let s = e.state();
        let mut leases = 0;
        let mut served = 0;
        for a in s.accounts.values() {
            for model in a.health.keys() {
                leases += s.leased(Provider::Openai, model, a.id);
                served += a.quota.requests_in_window(now, model);
            }
        }
        assert_eq!(
            (leases, served),
            (selected, succeeded),
            "{:?}",
            e.writer_id()
        );
    }
}

//! Many tasks on one engine: 8 tokio tasks on a multi-thread runtime each make 10,000
//! select/report calls. No panic, no deadlock, and after `flush` the log holds exactly one
//! event per call (counted in SQLite). The timeout is a deadlock guard, not a speed check.

use std::time::Duration;

use rotor::parse::Headers;
use rotor::time::ManualClock;
use rotor::{Outcome, Provider, SelectOpts};

use super::common::*;

const TASKS: usize = 8;
const CALLS: usize = 10_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_tasks_ten_thousand_calls_each_one_event_per_call() {
    let clock = ManualClock::at(T0);
    let (_d, db) = temp_db();
    let e = engine_at(&db, &clock);
    add_keys(&e, Provider::Openai, &["a", "b", "c", "d", "e"]);
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let (e, clock) = (e.clone(), clock.clone());
        tasks.push(tokio::spawn(async move {
            let mut calls = 0;
            let mut pending = None;
            let model = if task % 2 == 0 { "gpt-4o" } else { "o3" };
            while calls < CALLS {
                match pending.take() {
                    None => {
                        pending = e
                            .select(Provider::Openai, model, &SelectOpts::default())
                            .ok();
                    }
                    Some(l) => {
                        let outcome = if calls % 13 == 0 {
                            Outcome::failure(
                                429,
                                [("retry-after", "1")].into_iter().collect::<Headers>(),
                                "",
                            )
                        } else {
                            Outcome::success()
                        };
                        e.report(&l, outcome).unwrap();
                    }
                }
                calls += 1;
                if calls % 100 == 0 {
                    clock.advance(Duration::from_millis(250));
                    tokio::task::yield_now().await;
                }
            }
            // A lease still out is simply never reported: the select was the call.
            calls
        }));
    }
    let run = async {
        let mut total = 0;
        for t in tasks {
            total += t.await.unwrap();
        }
        total
    };
    let total = tokio::time::timeout(Duration::from_secs(300), run)
        .await
        .expect("deadlock");
    e.flush().await.unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM events WHERE kind IN ('selected','no_account','request_succeeded','request_failed')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(total, TASKS * CALLS);
    assert_eq!(n as usize, total, "one event per call");
    let other: i64 = conn
        .query_row(
            "SELECT count(*) FROM events WHERE kind <> 'account_added'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(other as usize, total, "and nothing else");
    // The live projections equal a fresh fold of what was written.
    let mut live = e.state();
    let mut folded = rotor::state::State::fold(&records(&db));
    live.last_seq.set(0);
    folded.last_seq.set(0);
    assert!(
        live == folded,
        "live state differs from the fold of the log"
    );
}

//! Many tasks on one engine: 8 tokio tasks on a multi-thread runtime each make 10,000
//! select/report calls. No panic, no deadlock, and after `flush` the log holds exactly one
//! event per call (counted in SQLite), every decision recomputes to the one logged, and the
//! fold equals the live state. The timeout is a deadlock guard, not a speed check.

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
    // Every logged decision is what `decide` gives on the fold of the events before it (the
    // fold alone replays logged choices; this recomputes them).
    let log = records(&db);
    let decisions = log
        .iter()
        .filter(|r| matches!(r.event.kind(), "selected" | "no_account"))
        .count();
    let checked = rotor::replay::verify(&log, rotor::Config::default().probe.after.0)
        .unwrap_or_else(|m| panic!("the log does not replay: {m:?}"));
    assert_eq!(checked, decisions, "every decision recomputed");
    assert!(
        decisions >= total / 2,
        "{decisions} decisions of {total} calls"
    );
    // The live projections equal a fresh fold of what was written.
    let mut live = e.state();
    let mut folded = rotor::state::State::fold(&log);
    live.last_seq = 0;
    folded.last_seq = 0;
    assert!(
        live == folded,
        "live state differs from the fold of the log"
    );
}

/// Four OS threads select and report at once: several models (the shared-lock path, side by
/// side), sessions and half-open probes (the exclusive path), 429s that block models and 529s
/// that block accounts, a clock moving under them. Whatever the interleaving, the log must be
/// one that replays: every logged decision is what `decide` gives on the fold of the events
/// before it, and the fold of the whole log equals the live projections. Run for every strategy.
#[test]
fn parallel_selects_leave_a_log_that_replays_to_the_same_decisions() {
    use rotor::Strategy::*;
    let mut probes = 0;
    for strategy in [RoundRobin, FillFirst, LeastUsed, Weighted, QuotaAware] {
        let clock = ManualClock::at(T0);
        let (_d, db) = temp_db();
        let toml = format!(
            "strategy = \"{}\"\n[probe]\nafter = \"2s\"\n",
            strategy.as_str()
        );
        let config = rotor::Config::from_toml(&toml).unwrap();
        let probe_after = config.probe.after.0;
        let e = engine_with(&db, &clock, config);
        for (i, label) in ["a", "b", "c", "d", "e", "f"].into_iter().enumerate() {
            let key = format!("sk-test-{label}-0123456789abcdef0123");
            let mut account = rotor::NewAccount::api_key(Provider::Openai, label, &key);
            account.weight = 1 + i as u32 % 3;
            account.priority = u32::from(i == 5);
            e.add_account(account).unwrap();
        }
        let selects: usize = std::thread::scope(|s| {
            let threads: Vec<_> = (0..4u64)
                .map(|t| {
                    let (e, clock) = (&e, &clock);
                    s.spawn(move || {
                        let mut x = 0x2545_F491_4F6C_DD1Du64 ^ (t + 1);
                        let mut selects = 0;
                        for i in 0..5_000u64 {
                            x ^= x << 13;
                            x ^= x >> 7;
                            x ^= x << 17;
                            let model = ["gpt-4o", "o3", "o4-mini", "gpt-5"][(x % 4) as usize];
                            let opts = SelectOpts {
                                session: x.is_multiple_of(9).then(|| format!("s{}", x % 5)),
                                ..Default::default()
                            };
                            selects += 1;
                            let Ok(lease) = e.select(Provider::Openai, model, &opts) else {
                                continue;
                            };
                            if t == 0 && i % 40 == 0 {
                                clock.advance(Duration::from_millis(700));
                            }
                            // Most leases are never reported (the caller went away), so
                            // selections often run side by side.
                            if !x.is_multiple_of(4) {
                                continue;
                            }
                            let outcome = match (x >> 8) % 23 {
                                0..=2 => Outcome::failure(
                                    429,
                                    [("retry-after", "3")].into_iter().collect::<Headers>(),
                                    "",
                                ),
                                3 => Outcome::failure(529, Headers::new(), ""),
                                _ => Outcome::success(),
                            };
                            e.report(&lease, outcome).unwrap();
                        }
                        selects
                    })
                })
                .collect();
            threads.into_iter().map(|h| h.join().unwrap()).sum()
        });
        e.flush_blocking().unwrap();
        let log = records(&db);
        let checked = rotor::replay::verify(&log, probe_after)
            .unwrap_or_else(|m| panic!("{strategy:?}: the log does not replay: {m:?}"));
        assert_eq!(checked, selects, "{strategy:?}: every decision checked");
        probes += log
            .iter()
            .filter(|r| matches!(&r.event, rotor::event::Event::Selected(s) if s.probe))
            .count();
        assert!(
            e.state() == rotor::state::State::fold(&log),
            "{strategy:?}: live state differs from the fold of the log"
        );
    }
    assert!(
        probes > 0,
        "half-open probes (the exclusive path) were among the decisions"
    );
}

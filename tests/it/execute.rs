//! `Engine::execute` under tokio paused time with a `TokioClock`: retries on another account,
//! `invalid_request` at once, `max_attempts`, waits within `retry.max_wait`, `NoAccount` beyond
//! it, cancels. No wall clock: the paused runtime and the engine clock move together.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use rotor::parse::{ErrorKind, Headers};
use rotor::time::{Clock, TokioClock};
use rotor::{Attempt, Engine, ExecuteError, Outcome, Provider, SelectOpts};

use super::common::*;

const P: Provider = Provider::Claude;
const M: &str = "claude-sonnet-4-5";

fn engine(labels: &[&str]) -> (Engine, TokioClock, Vec<rotor::AccountId>) {
    let clock = TokioClock::new(t(T0));
    let e = Engine::builder()
        .clock(clock)
        .jitter_seed(7)
        .open()
        .unwrap();
    let ids = add_keys(&e, P, labels);
    (e, clock, ids)
}

fn overloaded() -> Attempt<&'static str> {
    Attempt::failed(
        529,
        Headers::new(),
        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
    )
}

#[tokio::test(start_paused = true)]
async fn a_retryable_failure_moves_the_request_to_another_account() {
    let (e, _c, ids) = engine(&["a", "b"]);
    let mut seen = vec![];
    let got = e
        .execute(P, M, SelectOpts::default(), |l| {
            seen.push(l.account);
            let first = seen.len() == 1;
            async move {
                if first {
                    overloaded()
                } else {
                    Attempt::ok("hello")
                }
            }
        })
        .await
        .unwrap();
    assert_eq!(got, "hello");
    assert_eq!(seen, ids);
}

#[tokio::test(start_paused = true)]
async fn invalid_request_returns_at_once() {
    let (e, _c, _ids) = engine(&["a", "b"]);
    let calls = AtomicU32::new(0);
    let r: Result<(), _> = e
        .execute(P, M, SelectOpts::default(), |_| {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Attempt::failed(400, Headers::new(), r#"{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long"}}"#) }
        })
        .await;
    match r {
        Err(ExecuteError::Failed { error, attempts }) => {
            assert_eq!((error.kind, attempts), (ErrorKind::InvalidRequest, 1));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn at_most_max_attempts_calls_then_the_last_error() {
    let (e, _c, _ids) = engine(&["a", "b", "c", "d"]);
    let calls = AtomicU32::new(0);
    let r: Result<(), _> = e
        .execute(P, M, SelectOpts::default(), |_| {
            calls.fetch_add(1, Ordering::SeqCst);
            async {
                Attempt::Failure(Outcome::Network {
                    message: "connection reset".into(),
                })
            }
        })
        .await;
    assert!(
        matches!(r, Err(ExecuteError::Failed { attempts: 3, ref error }) if error.kind == ErrorKind::Transient),
        "{r:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn a_lone_blocked_account_is_waited_for_within_max_wait() {
    let (e, clock, ids) = engine(&["solo"]);
    let start = tokio::time::Instant::now();
    let mut at = vec![];
    let got = e
        .execute(P, M, SelectOpts::default(), |l| {
            at.push((l.account, clock.now()));
            let first = at.len() == 1;
            async move {
                if first {
                    Attempt::failed(429, [("retry-after", "4")].into_iter().collect(), r#"{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}"#)
                } else {
                    Attempt::ok(42)
                }
            }
        })
        .await
        .unwrap();
    assert_eq!(got, 42);
    let waited = start.elapsed();
    // 4 s stated, plus at most min(4 s / 4, 2 s) of jitter.
    assert!(
        waited >= Duration::from_secs(4) && waited <= Duration::from_secs(5),
        "{waited:?}"
    );
    assert_eq!(at[1].0, ids[0]);
    assert!(
        at[1].1 >= t("2026-01-01T00:00:04Z"),
        "the engine clock moved with the sleep"
    );
}

#[tokio::test(start_paused = true)]
async fn a_block_longer_than_max_wait_returns_no_account_without_sleeping() {
    let (e, _c, _ids) = engine(&["a"]);
    let l = e.select(P, M, &SelectOpts::default()).unwrap();
    e.report(
        &l,
        Outcome::failure(429, [("retry-after", "120")].into_iter().collect(), ""),
    )
    .unwrap();
    let start = tokio::time::Instant::now();
    let r: Result<(), _> = e
        .execute(P, M, SelectOpts::default(), |_| async { Attempt::ok(()) })
        .await;
    match r {
        Err(ExecuteError::NoAccount(no)) => {
            assert_eq!(no.earliest_at, Some(t("2026-01-01T00:02:00Z")))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_call_is_recorded_and_blocks_nothing() {
    let (e, _c, ids) = engine(&["a"]);
    let r: Result<(), _> = e
        .execute(P, M, SelectOpts::default(), |_| async {
            Attempt::Failure(Outcome::Cancelled)
        })
        .await;
    assert!(
        matches!(r, Err(ExecuteError::Cancelled { attempts: 1 })),
        "{r:?}"
    );
    assert_eq!(
        e.select(P, M, &SelectOpts::default()).unwrap().account,
        ids[0]
    );
}

#[tokio::test(start_paused = true)]
async fn execute_runs_in_a_spawned_task() {
    // The future is Send: services call execute from tokio::spawn.
    let (e, _c, _ids) = engine(&["a"]);
    let h = tokio::spawn(async move {
        e.execute(P, M, SelectOpts::default(), |l| async move {
            Attempt::ok(l.model.to_string())
        })
        .await
        .unwrap()
    });
    assert_eq!(h.await.unwrap(), M);
}

#[tokio::test(start_paused = true)]
async fn a_dropped_execute_reports_its_request_cancelled() {
    let (e, _c, ids) = engine(&["a"]);
    let slow = e.execute(P, M, SelectOpts::default(), |_| async {
        tokio::time::sleep(Duration::from_secs(600)).await;
        Attempt::ok(())
    });
    assert!(tokio::time::timeout(Duration::from_secs(5), slow)
        .await
        .is_err());
    let st = e.state();
    let h = &st.accounts[&ids[0]].health[M];
    assert_eq!(
        (st.leased(P, M, ids[0]), h.failures, h.block.clone()),
        (1, 0, None)
    );
    assert_eq!(st.last_seq, 3, "account_added, selected, request_cancelled");
}

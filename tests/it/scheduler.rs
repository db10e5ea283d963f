//! The refresh scheduler under paused tokio time, with an in-process refresher (no sockets, so
//! auto-advancing time never fires a network timeout): it refreshes only within the lead and
//! wakes exactly at the due time, backs off 30 s doubling to the 10 min cap with jitter after
//! failures, and stops promptly on shutdown.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use rotor::event::RefreshErrorClass;
use rotor::refresh::{RefreshFailure, RefreshFuture, TokenRefresher, TokenResult};
use rotor::secret::Secrets;
use rotor::time::{add, Clock, Timestamp};
use rotor::{AccountId, Engine, NewAccount, Provider};

use super::common::*;

/// The engine clock follows tokio's (paused) clock from T0.
#[derive(Clone)]
struct TokioClock {
    base: Timestamp,
    start: tokio::time::Instant,
}

impl Clock for TokioClock {
    fn now(&self) -> Timestamp {
        add(self.base, self.start.elapsed())
    }
}

/// Records the time of each call; answers a fresh 1 h token, or a 500 while `failing`.
struct Scripted {
    calls: Mutex<Vec<Timestamp>>,
    failing: AtomicBool,
}

impl TokenRefresher for Scripted {
    fn provider(&self) -> Provider {
        Provider::Claude
    }
    fn refresh_lead(&self) -> Duration {
        Duration::from_secs(300)
    }
    fn refresh<'a>(&'a self, _current: &'a Secrets, now: Timestamp) -> RefreshFuture<'a> {
        Box::pin(async move {
            let n = {
                let mut c = self.calls.lock();
                c.push(now);
                c.len()
            };
            if self.failing.load(Ordering::SeqCst) {
                return Err(RefreshFailure::new(
                    RefreshErrorClass::Server,
                    Some(500),
                    "boom",
                ));
            }
            Ok(TokenResult {
                secrets: Secrets::oauth(format!("sched-at-{n}"), Some(format!("sched-rt-{n}"))),
                expires_at: Some(add(now, Duration::from_secs(3600))),
                identity: Default::default(),
            })
        })
    }
}

fn setup(failing: bool) -> (Engine, Arc<Scripted>, TokioClock) {
    let clock = TokioClock {
        base: t(T0),
        start: tokio::time::Instant::now(),
    };
    let r = Arc::new(Scripted {
        calls: Mutex::new(Vec::new()),
        failing: AtomicBool::new(failing),
    });
    let e = Engine::builder()
        .clock(clock.clone())
        .refresher(r.clone())
        .open()
        .unwrap();
    (e, r, clock)
}

fn add_oauth(e: &Engine, label: &str, expires_in: Duration) -> AccountId {
    let exp = add(t(T0), expires_in);
    e.add_account(NewAccount::oauth(
        Provider::Claude,
        label,
        &format!("{label}-access-0123456789"),
        Some(&format!("{label}-refresh-0123456789")),
        Some(exp),
    ))
    .unwrap()
}

fn start(
    e: &Engine,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let e = e.clone();
    let h = tokio::spawn(async move {
        e.run_scheduler(async {
            let _ = stopped.await;
        })
        .await
    });
    (stop, h)
}

/// Lets paused time pass in 1 s steps. Between steps the writer thread (a real thread that
/// paused time does not wait for) commits what is queued, so a refresh awaiting its flush
/// completes before time moves on; otherwise tokio would skip hours ahead in an instant.
async fn run_for(e: &Engine, total: Duration) {
    let step = Duration::from_secs(1);
    let mut passed = Duration::ZERO;
    while passed < total {
        let d = step.min(total - passed);
        tokio::time::sleep(d).await;
        passed += d;
        e.flush_blocking().unwrap();
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[tokio::test(start_paused = true)]
async fn refreshes_only_within_the_lead_exactly_when_due() {
    let (e, r, _) = setup(false);
    // Due at 15:10 (lead 5 min): not on a 30 s tick, so only an exact wake-up hits it.
    let soon = add_oauth(&e, "soon", secs(20 * 60 + 10));
    let later = add_oauth(&e, "later", secs(3 * 3600));
    let (stop, h) = start(&e);
    run_for(&e, secs(15 * 60 + 9)).await;
    assert!(r.calls.lock().is_empty(), "nothing before the lead");
    run_for(&e, secs(2)).await;
    assert_eq!(
        *r.calls.lock(),
        vec![add(t(T0), secs(15 * 60 + 10))],
        "woke exactly at the due time"
    );
    let state = e.state();
    assert_eq!(state.accounts[&soon].generation, 2);
    assert_eq!(state.accounts[&later].generation, 1, "outside its lead");
    // Each new token (1 h) is refreshed 55 min after the last; `later` at 2 h 55 min.
    run_for(&e, secs(3 * 3600)).await;
    let at = |s| add(t(T0), secs(s));
    let calls = r.calls.lock().clone();
    assert_eq!(
        calls,
        vec![
            at(910),
            at(910 + 3300),
            at(910 + 6600),
            at(3 * 3600 - 300),
            at(910 + 9900)
        ]
    );
    stop.send(()).unwrap();
    h.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn failures_back_off_doubling_from_30s_to_the_10min_cap_with_jitter() {
    let (e, r, _) = setup(true);
    let id = add_oauth(&e, "flaky", secs(60)); // already within the lead
    let (stop, h) = start(&e);
    run_for(&e, secs(60 * 60)).await;
    stop.send(()).unwrap();
    h.await.unwrap();
    let calls = r.calls.lock().clone();
    assert!(calls.len() >= 9, "{calls:?}");
    for (i, pair) in calls.windows(2).enumerate() {
        let gap = (pair[1] - pair[0]).num_milliseconds() as f64 / 1000.0;
        let base = (30.0 * f64::from(1u32 << i.min(5))).min(600.0);
        // Jitter ±20 %, never past the cap; +1 s for the scheduler's wake granularity.
        assert!(
            gap >= base * 0.8 && gap <= (base * 1.2).min(600.0) + 1.0,
            "gap {i}: {gap}s (base {base}s)"
        );
    }
    let a = e.with_state(|s| s.accounts[&id].clone());
    assert_eq!(a.status.as_str(), "active", "server errors never disable");
    assert_eq!(a.refresh.consecutive_failures as usize, calls.len());
    assert!(a
        .refresh
        .next_attempt_at
        .is_some_and(|n| n > *calls.last().unwrap()));
    // Once the endpoint recovers, the next attempt succeeds and resets the backoff.
    r.failing.store(false, Ordering::SeqCst);
    let (stop, h) = start(&e);
    run_for(&e, secs(11 * 60)).await;
    stop.send(()).unwrap();
    h.await.unwrap();
    let a = e.with_state(|s| s.accounts[&id].clone());
    assert_eq!((a.generation, a.refresh.consecutive_failures), (2, 0));
}

#[tokio::test(start_paused = true)]
async fn shutdown_stops_the_scheduler_promptly() {
    let (e, r, _) = setup(false);
    add_oauth(&e, "a", secs(20 * 60));
    let (stop, h) = start(&e);
    run_for(&e, secs(60)).await;
    stop.send(()).unwrap();
    // It is sleeping towards 15:00; shutdown must not wait for that.
    tokio::time::timeout(secs(1), h)
        .await
        .expect("stopped within 1 s")
        .unwrap();
    run_for(&e, secs(3600)).await;
    assert!(r.calls.lock().is_empty(), "no refresh after shutdown");
    assert!(e.with_state(|s| s
        .accounts
        .values()
        .all(|a| !a.refresh.in_flight && a.generation == 1)));
}

#[tokio::test(start_paused = true)]
async fn a_401_during_backoff_refreshes_when_the_backoff_ends_without_a_scheduler() {
    let (e, r, clock) = setup(true);
    let id = add_oauth(&e, "a", secs(60));
    let lease = e
        .select(Provider::Claude, "opus", &rotor::SelectOpts::default())
        .unwrap();
    let out = e
        .refresh_now(id, rotor::event::RefreshWhy::Scheduled)
        .await
        .unwrap();
    let rotor::RefreshOutcome::Failed {
        next_attempt_at: Some(next),
        ..
    } = out
    else {
        panic!("{out:?}")
    };
    r.failing.store(false, Ordering::SeqCst);
    let body = r#"{"type":"error","error":{"type":"authentication_error","message":"expired"}}"#;
    let rep = e
        .report(
            &lease,
            rotor::Outcome::failure(401, rotor::parse::Headers::new(), body),
        )
        .unwrap();
    assert!(rep.refresh_due);
    run_for(&e, secs(5)).await;
    assert_eq!(r.calls.lock().len(), 1, "still backing off");
    run_for(&e, (next - clock.now()).to_std().unwrap() + secs(2)).await;
    let calls = r.calls.lock().clone();
    assert_eq!(calls.len(), 2);
    assert!(calls[1] >= next && calls[1] - next < chrono::Duration::seconds(1));
    assert_eq!(e.with_state(|s| s.accounts[&id].generation), 2);
}

//! Single flight under load, against the loopback fake token server: round after round, every
//! task leases the current credential generation, then 100 tasks on their own threads report a
//! 401 at the same instant, mixed with stale 401s from every older generation. Each round makes
//! exactly one token request and one new generation, whoever asks first: a 401 or (in every
//! other round, with the token inside its refresh lead) the scheduler.

use std::sync::{Arc, Barrier};
use std::time::Duration;

use rotor::config::Dur;
use rotor::event::RefreshWhy;
use rotor::time::ManualClock;
use rotor::{Config, Lease, Provider, SelectOpts};

use super::common::*;
use super::fake_oauth::Scripted;
use super::refresh_engine::{add_claude, engine, expired_401};

const ROUNDS: u64 = 4;
const CALLERS: usize = 100;
/// Leases of each generation kept to report stale 401s in every later round.
const KEPT: usize = 30;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_round_of_a_hundred_concurrent_401s_makes_exactly_one_token_request() {
    let fake = super::fake_oauth::FakeOAuth::start().await;
    let (_dir, db) = temp_db();
    let clock = ManualClock::at(T0);
    let mut config = Config::default();
    config.refresh.interval = Dur(Duration::from_millis(5));
    let e = engine(&db, &clock, &fake, config);
    let (id, _) = add_claude(&e, &fake, "busy", Duration::from_secs(3600));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let sched = tokio::spawn({
        let e = e.clone();
        async move {
            e.run_scheduler(async {
                let _ = stopped.await;
            })
            .await
        }
    });

    // (the round that reports it, lease): a request is reported once, so each later round
    // gets leases of its own, kept unreported since their generation was current.
    let mut stale: Vec<(u64, Lease)> = Vec::new();
    for round in 1..=ROUNDS {
        let later = (ROUNDS - round) as usize;
        let mut leases: Vec<Lease> = (0..CALLERS + KEPT * later)
            .map(|_| {
                e.select(Provider::Claude, "opus", &SelectOpts::default())
                    .unwrap()
            })
            .collect();
        assert!(
            leases.iter().all(|l| l.generation == round),
            "round {round}"
        );
        let kept = leases.split_off(CALLERS);
        let (now_stale, rest) = std::mem::take(&mut stale)
            .into_iter()
            .partition::<Vec<_>, _>(|(r, _)| *r == round);
        stale = rest;
        if round % 2 == 0 {
            // Inside the 5 min lead: the scheduler races the 401s for this refresh.
            let expires = e.with_state(|s| s.accounts[&id].expires_at).unwrap();
            let now = rotor::time::Clock::now(&clock);
            clock.advance((expires - now).to_std().unwrap() - Duration::from_secs(120));
        }
        // A slow answer keeps the refresh in flight while the reports land.
        fake.script(Provider::Claude, Scripted::Slow(Duration::from_millis(100)));
        let reports: Vec<(bool, Lease)> = leases
            .iter()
            .cloned()
            .map(|l| (false, l))
            .chain(now_stale.into_iter().map(|(_, l)| (true, l)))
            .collect();
        let start = Arc::new(Barrier::new(reports.len()));
        let tasks: Vec<_> = reports
            .into_iter()
            .map(|(is_stale, lease)| {
                let (e, start) = (e.clone(), start.clone());
                tokio::task::spawn_blocking(move || {
                    start.wait();
                    let r = e.report(&lease, expired_401()).unwrap();
                    (is_stale, r.refresh_due)
                })
            })
            .collect();
        let mut asked = (0, 0);
        for t in tasks {
            match t.await.unwrap() {
                (false, due) => asked.0 += usize::from(due),
                (true, due) => asked.1 += usize::from(due),
            }
        }
        assert_eq!(asked.1, 0, "round {round}: a stale 401 asked for a refresh");
        if round % 2 == 1 {
            assert_eq!(asked.0, 1, "round {round}: the first 401 asks, no other");
        }
        // Join the refresh in flight (or find it done): it has ended when this returns.
        e.refresh_now(id, RefreshWhy::On401).await.unwrap();
        assert_eq!(
            fake.requests(Provider::Claude),
            round as usize,
            "round {round}: exactly one token request"
        );
        let a = e.with_state(|s| s.accounts[&id].clone());
        assert_eq!(a.generation, round + 1, "round {round}");
        assert!(!a.refresh.in_flight, "round {round}");
        e.flush().await.unwrap();
        let log = records(&db);
        let count = |k: &str| log.iter().filter(|r| r.event.kind() == k).count();
        assert_eq!(
            (count("refresh_due"), count("refresh_succeeded")),
            (round as usize, round as usize),
            "round {round}: one refresh asked for and done"
        );
        for (i, lease) in kept.into_iter().enumerate() {
            stale.push((round + 1 + (i / KEPT) as u64, lease));
        }
    }
    stop.send(()).unwrap();
    sched.await.unwrap();
    assert_eq!(fake.violations(), Vec::<String>::new());
    let lease = e
        .select(Provider::Claude, "opus", &SelectOpts::default())
        .unwrap();
    assert_eq!(
        lease.generation,
        ROUNDS + 1,
        "unblocked with the newest token"
    );
}

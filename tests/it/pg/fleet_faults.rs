//! A fleet when PostgreSQL goes away under load and comes back: `select` keeps answering from
//! the last known state (and says the log is unreachable), reports queue in memory, `flush`
//! acknowledges nothing until the server commits, and once it is back every queued report
//! lands; no instance panics or deadlocks. This test has a server of its own to stop.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rotor::time::ManualClock;
use rotor::{Outcome, Provider, SelectOpts};

use super::fleet::{eventually, instance};
use super::harness::{connect_url, PgServer};
use crate::it::common::{add_keys, T0};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_stopped_under_load_loses_nothing_acknowledged_and_queued_reports_land() {
    let server = crate::pg_or_skip!(PgServer::start());
    let url = server.fresh_db().await;
    let clock = ManualClock::at(T0);
    let fleet = vec![instance(&url, &clock), instance(&url, &clock)];
    add_keys(&fleet[0], Provider::Openai, &["x", "y", "z"]);
    fleet[0].flush().await.unwrap();
    fleet[1].catch_up().await.unwrap();

    // Load: each instance selects and reports successes from a thread of its own, counting them.
    let stop = Arc::new(AtomicBool::new(false));
    let counts: Vec<Arc<AtomicU64>> = fleet.iter().map(|_| Default::default()).collect();
    let threads: Vec<_> = fleet
        .iter()
        .cloned()
        .zip(counts.iter().cloned())
        .map(|(e, reported)| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let l = e
                        .select(Provider::Openai, "gpt-4o", &SelectOpts::default())
                        .expect("select answers whether or not the log is reachable");
                    e.report(&l, Outcome::success()).unwrap();
                    reported.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(2));
                }
            })
        })
        .collect();
    let before = counts[0].load(Ordering::Relaxed);
    eventually("load runs", || {
        counts[0].load(Ordering::Relaxed) > before + 50
    })
    .await;
    fleet[0].flush().await.unwrap();

    // The server goes away for a few seconds.
    server.stop();
    eventually("both instances notice", || {
        fleet.iter().all(|e| !e.log_reachable())
    })
    .await;
    let during = counts[0].load(Ordering::Relaxed);
    eventually("selects and reports go on while it is down", || {
        counts[0].load(Ordering::Relaxed) > during + 100
    })
    .await;
    // A flush waits for a commit: none can happen now.
    let pending = tokio::time::timeout(Duration::from_millis(500), fleet[1].flush()).await;
    assert!(
        pending.is_err(),
        "flush acknowledged while the server was down"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    server.restart();

    let after = counts[0].load(Ordering::Relaxed);
    eventually("load goes on after the restart", || {
        counts[0].load(Ordering::Relaxed) > after + 50
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    for th in threads {
        th.join().expect("no load thread panicked");
    }
    for e in &fleet {
        e.flush()
            .await
            .expect("the queue commits once the server is back");
        assert!(e.log_reachable());
    }

    // Every report of every instance is in the log, once.
    let client = connect_url(&url).await;
    for (e, reported) in fleet.iter().zip(&counts) {
        let n: i64 = client
            .query_one(
                "SELECT count(*) FROM events WHERE kind = 'request_succeeded' AND writer = $1",
                &[&e.writer_id().unwrap()],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(n as u64, reported.load(Ordering::Relaxed));
    }
    let dupes: i64 = client
        .query_one(
            "SELECT count(*) FROM (SELECT request FROM events WHERE kind = 'request_succeeded'
             GROUP BY request HAVING count(*) > 1) d",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(dupes, 0, "an in-doubt batch was written twice");
    // And each instance has applied the other's reports since.
    for e in &fleet {
        e.catch_up().await.unwrap();
    }
    let total: u64 = counts.iter().map(|c| c.load(Ordering::Relaxed)).sum();
    for e in &fleet {
        let s = e.state();
        let leases: u64 = s
            .accounts
            .keys()
            .map(|a| s.leased(Provider::Openai, "gpt-4o", *a))
            .sum();
        assert_eq!(leases, total);
    }
}

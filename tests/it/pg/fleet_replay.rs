//! A fleet's log replays exactly: instances apply each other's events in different orders
//! (their own at once, the others' when the follower brings them), yet after catching up each
//! one's health and quota projections equal a fresh fold of the log in seq order, and
//! `replay --verify` recomputes every decision of every writer from the order it applied
//! events in. Instances run on clocks of their own, a little apart, as replicas do.

use std::time::Duration;

use rotor::time::{add, ManualClock};
use rotor::{Engine, Outcome, Provider, SelectOpts};

use super::fleet::rate_limited;
use super::harness;
use crate::it::common::{add_keys, json, t, T0};

fn instance_at(url: &str, clock: &ManualClock) -> Engine {
    super::fleet::instance(url, clock)
}

/// What every instance must agree on after catching up: each account's projection (status,
/// blocks with when they began and end, failure counts, quota windows and learned limits,
/// refresh state). Selector cursors and sessions are per instance and not in it; nor is the
/// count of failures since the last success, which counts in the order an instance saw them.
fn shared_projection(e: &Engine) -> serde_json::Value {
    let s = e.state();
    let mut accounts: Vec<_> = s.accounts.values().cloned().collect();
    accounts.sort_by_key(|a| a.id);
    let mut v = serde_json::to_value(accounts).unwrap();
    for a in v.as_array_mut().unwrap() {
        for h in a["health"].as_object_mut().unwrap().values_mut() {
            h.as_object_mut().unwrap().remove("consecutive_failures");
        }
    }
    v
}

/// Leases `account` on `e` for `model` (every other account excluded).
fn lease_of(
    e: &Engine,
    model: &str,
    account: rotor::AccountId,
    all: &[rotor::AccountId],
) -> rotor::Lease {
    let opts = SelectOpts {
        exclude: all.iter().filter(|a| **a != account).copied().collect(),
        ..Default::default()
    };
    e.select(Provider::Openai, model, &opts).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_instance_converges_on_the_fold_of_the_log_and_replay_verifies_every_writer() {
    let server = crate::pg_or_skip!(harness::shared());
    let url = server.fresh_db().await;
    let clocks: Vec<ManualClock> = (0..3)
        .map(|i| ManualClock::at(T0).tap_advance(Duration::from_millis(400 * i)))
        .collect();
    let fleet: Vec<Engine> = clocks.iter().map(|c| instance_at(&url, c)).collect();
    let (a, b) = (&fleet[0], &fleet[1]);
    let ids = add_keys(a, Provider::Openai, &["x", "y", "z"]);
    a.flush().await.unwrap();
    for e in &fleet {
        e.catch_up().await.unwrap();
    }
    let x = ids[0];

    // Two 429s on x reported back to back, each instance applying its own first: A's waits
    // 100 s from T0+1, B's 10 s from T0+2. The block lasts until the latest end either way.
    clocks[0].set(add(t(T0), Duration::from_secs(1)));
    clocks[1].set(add(t(T0), Duration::from_secs(2)));
    let (la, lb) = (lease_of(a, "m1", x, &ids), lease_of(b, "m1", x, &ids));
    a.report(&la, rate_limited(100)).unwrap();
    b.report(&lb, rate_limited(10)).unwrap();

    // B leases x for m2 at T0+4, before A's 429 of T0+3 on m2 reaches it, and reports a
    // success: its lease came after that block began, so the block is lifted in every order.
    clocks[1].set(add(t(T0), Duration::from_secs(4)));
    let lb = lease_of(b, "m2", x, &ids);
    clocks[0].set(add(t(T0), Duration::from_secs(3)));
    let la = lease_of(a, "m2", x, &ids);
    a.report(&la, rate_limited(100)).unwrap();
    clocks[1].advance(Duration::from_secs(1));
    b.report(&lb, Outcome::success()).unwrap();

    // Once everyone has everything, all agree: m1 is blocked until A's end, from A's start,
    // and m2's block is lifted, though B applied its success before A's failure.
    for e in &fleet {
        e.flush().await.unwrap();
    }
    for (i, e) in fleet.iter().enumerate() {
        e.catch_up().await.unwrap();
        e.with_state(|s| {
            let h = &s.accounts[&x].health;
            let m1 = h["m1"].block.as_ref().map(|b| (b.since, b.until));
            let from_a = (
                add(t(T0), Duration::from_secs(1)),
                add(t(T0), Duration::from_secs(101)),
            );
            assert_eq!(m1, Some(from_a), "instance {i}: m1");
            assert_eq!(h["m2"].block, None, "instance {i}: m2");
        });
    }

    // Then load from all three at once, each on its own clock: successes, 429s, 529s.
    let threads: Vec<_> = fleet
        .iter()
        .cloned()
        .zip(clocks.iter().cloned())
        .enumerate()
        .map(|(w, (e, clock))| {
            std::thread::spawn(move || {
                for i in 0..150usize {
                    clock.advance(Duration::from_millis(150));
                    let model = format!("m{}", (i + w) % 3);
                    let Ok(l) = e.select(Provider::Openai, &model, &SelectOpts::default()) else {
                        continue;
                    };
                    let outcome = match (i * 7 + w) % 5 {
                        0 => rate_limited(2 + (i % 5) as u64),
                        1 => Outcome::failure(529, Default::default(), r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#),
                        _ => Outcome::success(),
                    };
                    e.report(&l, outcome).unwrap();
                }
            })
        })
        .collect();
    for th in threads {
        th.join().unwrap();
    }

    // After quiescence: everything committed, everyone caught up.
    for e in &fleet {
        e.flush().await.unwrap();
    }
    for e in &fleet {
        e.catch_up().await.unwrap();
    }
    let fresh = instance_at(&url, &ManualClock::at(T0));
    let want = shared_projection(&fresh);
    for (i, e) in fleet.iter().enumerate() {
        assert_eq!(
            shared_projection(e),
            want,
            "instance {i} differs from a fresh fold"
        );
    }

    // replay --verify accepts the fleet's log: every writer's decisions, recomputed.
    let decisions: i64 = super::harness::connect_url(&url)
        .await
        .query_one(
            "SELECT count(*) FROM events WHERE kind IN ('selected', 'no_account')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let dir = tempfile::tempdir().unwrap();
    let out = rotor_url(dir.path(), &url, &["replay", "--verify", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(json(&out)["decisions"], decisions);

    // --explain names the writer of the decision.
    let out = rotor_url(
        dir.path(),
        &url,
        &["replay", "--explain", &lb.request.to_string(), "--json"],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(json(&out)["writer"], b.writer_id().unwrap().to_string());
}

/// `rotor --db URL ARGS` run in `dir`.
pub fn rotor_url(dir: &std::path::Path, url: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_rotor"))
        .arg("--db")
        .arg(url)
        .args(args)
        .env_remove("ROTOR_DB")
        .current_dir(dir)
        .output()
        .unwrap()
}

/// `ManualClock::at(..)` moved on by `by`, in one expression.
trait TapAdvance {
    fn tap_advance(self, by: Duration) -> Self;
}

impl TapAdvance for ManualClock {
    fn tap_advance(self, by: Duration) -> Self {
        self.advance(by);
        self
    }
}

//! One refresh per account across a fleet: 100 concurrent 401s spread over three instances
//! make exactly one request to the (loopback, fake) token endpoint, the new generation is
//! stored once, and every instance then leases it, with the same new token.

use std::sync::{Arc, Barrier};
use std::time::Duration;

use rotor::time::ManualClock;
use rotor::{Engine, Provider, SelectOpts};

use super::fleet::eventually;
use super::harness::{self, connect_url};
use crate::it::common::T0;
use crate::it::fake_oauth::{FakeOAuth, Scripted};
use crate::it::refresh_engine::{add_claude, expired_401};

const CALLERS: usize = 100;

fn instance(url: &str, clock: &ManualClock, fake: &FakeOAuth) -> Engine {
    Engine::builder()
        .path(url)
        .clock(clock.clone())
        .endpoints(fake.endpoints(Duration::from_secs(30)))
        .open()
        .unwrap_or_else(|e| panic!("open {url}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_401s_over_three_instances_make_one_token_request() {
    let server = crate::pg_or_skip!(harness::shared());
    let fake = FakeOAuth::start().await;
    let url = server.fresh_db().await;
    let clock = ManualClock::at(T0);
    let fleet: Vec<Engine> = (0..3).map(|_| instance(&url, &clock, &fake)).collect();
    let (id, _) = add_claude(&fleet[0], &fake, "busy", Duration::from_secs(3600));
    fleet[0].flush().await.unwrap();
    for e in &fleet {
        e.catch_up().await.unwrap();
    }

    // Every caller holds a lease of generation 1, from the instance it talks to.
    let leases: Vec<(Engine, rotor::Lease)> = (0..CALLERS)
        .map(|i| {
            let e = fleet[i % 3].clone();
            let l = e
                .select(Provider::Claude, "opus", &SelectOpts::default())
                .unwrap();
            assert_eq!(l.generation, 1);
            (e, l)
        })
        .collect();
    // A slow token endpoint keeps the refresh in flight while the 401s land everywhere.
    fake.script(Provider::Claude, Scripted::Slow(Duration::from_millis(200)));
    let start = Arc::new(Barrier::new(CALLERS));
    let tasks: Vec<_> = leases
        .into_iter()
        .map(|(e, l)| {
            let start = start.clone();
            tokio::task::spawn_blocking(move || {
                start.wait();
                e.report(&l, expired_401()).unwrap();
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }

    // Each instance ends up on generation 2 and no longer refreshing.
    for (i, e) in fleet.iter().enumerate() {
        eventually(&format!("instance {i} leases generation 2"), || {
            e.with_state(|s| {
                let a = &s.accounts[&id];
                a.generation == 2 && !a.refresh.in_flight
            })
        })
        .await;
    }
    assert_eq!(fake.requests(Provider::Claude), 1, "token requests");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
    let bearers: Vec<String> = fleet
        .iter()
        .map(|e| {
            let l = e
                .select(Provider::Claude, "opus", &SelectOpts::default())
                .unwrap();
            assert_eq!(l.generation, 2);
            l.bearer().unwrap().to_string()
        })
        .collect();
    assert!(
        bearers.iter().all(|b| *b == bearers[0]),
        "one new token for all"
    );

    // The log holds one refresh_succeeded and one credential row per generation.
    let client = connect_url(&url).await;
    let one = |sql: &'static str| {
        let client = &client;
        async move {
            client
                .query_one(sql, &[&id.0])
                .await
                .unwrap()
                .get::<_, i64>(0)
        }
    };
    assert_eq!(
        one("SELECT count(*) FROM events WHERE kind = 'refresh_succeeded' AND account = $1").await,
        1
    );
    assert_eq!(
        one("SELECT max(generation) FROM credentials WHERE account = $1").await,
        2
    );
    // The holder releases its claim after the new generation committed, on its own task:
    // wait for that release rather than race it.
    let mut claims = 1;
    for _ in 0..3000 {
        claims = one("SELECT count(*) FROM refresh_claims WHERE account = $1").await;
        if claims == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(claims, 0, "the claim was released");
}

//! The refresh claim as the fleet demo leans on it, with two engines and a slow (loopback,
//! fake) token endpoint: a claim lasts in real time however fast the engines' clock runs, so
//! a refresh in flight is never made a second time; and a refresh that fails for good on one
//! instance (a revoked grant) is not tried again by another that was waiting for the claim.

use std::time::Duration;

use rotor::event::RefreshWhy;
use rotor::state::AccountStatus;
use rotor::time::ManualClock;
use rotor::{Engine, Provider, RefreshOutcome, RefreshSkip, SelectOpts};

use super::fleet::eventually;
use super::harness::{self, connect_url};
use crate::it::common::T0;
use crate::it::fake_oauth::{FakeOAuth, Scripted};
use crate::it::refresh_engine::{add_claude, expired_401};

fn instance(url: &str, clock: &ManualClock, fake: &FakeOAuth) -> Engine {
    Engine::builder()
        .path(url)
        .clock(clock.clone())
        .endpoints(fake.endpoints(Duration::from_secs(30)))
        .open()
        .unwrap_or_else(|e| panic!("open {url}: {e}"))
}

/// Two instances on a fresh log sharing `clock`, with one Claude account (a live grant);
/// returns them, the account and its refresh token.
async fn two_instances(
    server: &harness::PgServer,
    clock: &ManualClock,
    fake: &FakeOAuth,
) -> (String, [Engine; 2], rotor::AccountId, String) {
    let url = server.fresh_db().await;
    let (a, b) = (instance(&url, clock, fake), instance(&url, clock, fake));
    let (id, secrets) = add_claude(&a, fake, "shared", Duration::from_secs(3600));
    a.flush().await.unwrap();
    b.catch_up().await.unwrap();
    let refresh = secrets.refresh_token.unwrap().expose().to_string();
    (url, [a, b], id, refresh)
}

/// A 401 on a lease of the account from `e`: its refresh starts on this runtime.
fn report_401(e: &Engine) {
    let lease = e
        .select(Provider::Claude, "opus", &SelectOpts::default())
        .unwrap();
    e.report(&lease, expired_401()).unwrap();
}

/// What `e` does about its own 401 of the same generation once it has applied the other's
/// (the refresh its 401 would run, had it not seen the other's first).
async fn refresh_after_401(e: &Engine, id: rotor::AccountId) -> RefreshOutcome {
    e.catch_up().await.unwrap();
    let (refresh, generation) = e.with_state(|s| {
        let a = &s.accounts[&id];
        (a.refresh.clone(), a.generation)
    });
    assert!(refresh.in_flight, "generation {generation}: {refresh:?}");
    let e = e.clone();
    tokio::spawn(async move { e.refresh_now(id, RefreshWhy::On401).await })
        .await
        .unwrap()
        .unwrap()
}

/// Waits until some instance holds the account's refresh claim.
async fn claimed(url: &str, id: rotor::AccountId) {
    let client = connect_url(url).await;
    for _ in 0..3000 {
        let n: i64 = client
            .query_one(
                "SELECT count(*) FROM refresh_claims WHERE account = $1",
                &[&id.0],
            )
            .await
            .unwrap()
            .get(0);
        if n == 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("no instance claimed the refresh");
}

async fn count(url: &str, kind: &str) -> i64 {
    connect_url(url)
        .await
        .query_one("SELECT count(*) FROM events WHERE kind = $1", &[&kind])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_holds_in_real_time_while_the_engines_clock_races_ahead() {
    let server = crate::pg_or_skip!(harness::shared());
    let fake = FakeOAuth::start().await;
    let clock = ManualClock::at(T0);
    let (url, [a, b], id, _) = two_instances(server, &clock, &fake).await;

    // A's refresh holds the claim while its token request is slow...
    fake.script(Provider::Claude, Scripted::Slow(Duration::from_millis(500)));
    report_401(&a);
    claimed(&url, id).await;
    a.flush().await.unwrap(); // its refresh_due is in the log for B to apply
                              // ...and meanwhile the engines' clock runs ten minutes on (a simulation, as the demo's):
                              // far past how long a claim lasts, yet no real time has passed for its holder.
    clock.advance(Duration::from_secs(600));
    let on_b = refresh_after_401(&b, id).await;
    assert!(
        matches!(
            on_b,
            RefreshOutcome::Skipped {
                reason: RefreshSkip::AlreadyRefreshed,
                ..
            }
        ),
        "{on_b:?}"
    );

    for e in [&a, &b] {
        eventually("both instances on generation 2", || {
            e.with_state(|s| s.accounts[&id].generation == 2 && !s.accounts[&id].refresh.in_flight)
        })
        .await;
    }
    assert_eq!(fake.requests(Provider::Claude), 1, "token requests");
    assert_eq!(count(&url, "refresh_succeeded").await, 1);
    assert_eq!(count(&url, "refresh_failed").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_that_died_on_one_instance_is_not_tried_again_by_the_other() {
    let server = crate::pg_or_skip!(harness::shared());
    let fake = FakeOAuth::start().await;
    let clock = ManualClock::at(T0);
    let (url, [a, b], id, refresh) = two_instances(server, &clock, &fake).await;

    // The grant is revoked; A's request to the endpoint is slow, so B's refresh starts while
    // A holds the claim, and B waits for it.
    fake.revoke(&refresh);
    fake.script(Provider::Claude, Scripted::Slow(Duration::from_millis(500)));
    report_401(&a);
    claimed(&url, id).await;
    a.flush().await.unwrap(); // its refresh_due is in the log for B to apply
    let on_b = refresh_after_401(&b, id).await;
    assert!(
        matches!(
            on_b,
            RefreshOutcome::Skipped {
                reason: RefreshSkip::Disabled,
                ..
            }
        ),
        "{on_b:?}"
    );

    for e in [&a, &b] {
        eventually("both instances see the account needs a person", || {
            e.with_state(|s| {
                let acc = &s.accounts[&id];
                matches!(acc.status, AccountStatus::Disabled(_)) && !acc.refresh.in_flight
            })
        })
        .await;
    }
    assert_eq!(fake.requests(Provider::Claude), 1, "token requests");
    assert_eq!(count(&url, "refresh_failed").await, 1);
    assert_eq!(count(&url, "account_disabled").await, 1);
}

//! Engine-driven token refresh against a real SQLite file and the loopback fake token server:
//! rotated tokens stored durably as generation 2 and leased next; stale 401s ignored (single
//! flight under concurrent 401s is in `refresh_flight`); dead grants → `needs_reauth`;
//! 500 / 429 / network failures back off with growing `next_attempt_at`, never disabling.

use std::time::Duration;

use rotor::event::{RefreshErrorClass, RefreshWhy};
use rotor::parse::Headers;
use rotor::refresh::{refresher_for, token_client};
use rotor::secret::Secrets;
use rotor::state::AccountStatus;
use rotor::time::{add, ManualClock};
use rotor::{AccountId, Config, Engine, NewAccount, Outcome, Provider, RefreshOutcome, SelectOpts};

use super::common::*;
use super::fake_oauth::{FakeOAuth, Scripted};

const T: Duration = Duration::from_secs(10);
const EXPIRED_401: &str = r#"{"type":"error","error":{"type":"authentication_error","message":"OAuth token has expired"}}"#;

pub(super) fn engine(
    db: &std::path::Path,
    clock: &ManualClock,
    fake: &FakeOAuth,
    config: Config,
) -> Engine {
    Engine::builder()
        .path(db)
        .clock(clock.clone())
        .config(config)
        .endpoints(fake.endpoints(T))
        .open()
        .unwrap()
}

/// A Claude account signed in at the fake, expiring `expires_in` after T0.
pub(super) fn add_claude(
    e: &Engine,
    fake: &FakeOAuth,
    label: &str,
    expires_in: Duration,
) -> (AccountId, Secrets) {
    let s = fake.sign_in(Provider::Claude, &format!("{label}@example.com"));
    let new = NewAccount {
        secrets: s.clone(),
        ..NewAccount::oauth(
            Provider::Claude,
            label,
            "x",
            None,
            Some(add(t(T0), expires_in)),
        )
    };
    (e.add_account(new).unwrap(), s)
}

pub(super) fn expired_401() -> Outcome {
    Outcome::failure(401, Headers::new(), EXPIRED_401)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_stores_the_rotated_token_as_generation_2_durably() {
    let fake = FakeOAuth::start().await;
    let (_dir, db) = temp_db();
    let clock = ManualClock::at(T0);
    let e = engine(&db, &clock, &fake, Config::default());
    let (id, first) = add_claude(&e, &fake, "a", Duration::from_secs(60));
    let out = e.refresh_now(id, RefreshWhy::Manual).await.unwrap();
    let RefreshOutcome::Refreshed {
        generation,
        rotated,
        ..
    } = out
    else {
        panic!("{out:?}")
    };
    assert_eq!((generation, rotated), (2, true));

    // Durable before refresh_now returned: read the file beside the open engine.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (g, secrets): (i64, String) = conn
        .query_row(
            "SELECT generation, secrets FROM credentials WHERE account = ?1",
            [id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let stored: Secrets = serde_json::from_str(&secrets).unwrap();
    let (_, current) = e.secrets(id).unwrap();
    assert_eq!((g, &stored), (2, &current));
    assert_ne!(stored.access_token, first.access_token);
    assert_ne!(stored.refresh_token, first.refresh_token);

    let lease = e
        .select(Provider::Claude, "opus", &SelectOpts::default())
        .unwrap();
    assert_eq!(lease.generation, 2);
    assert_eq!(
        lease.bearer(),
        stored.access_token.as_ref().map(|s| s.expose())
    );

    // The fake refuses the rotated-away refresh token: the old one is dead for good.
    let r = refresher_for(
        Provider::Claude,
        &fake.endpoints(T),
        token_client().unwrap(),
    )
    .unwrap()
    .unwrap();
    let reused = r.refresh(&first, t(T0)).await.unwrap_err();
    assert_eq!(reused.class, RefreshErrorClass::InvalidGrant);
    assert_eq!(fake.violations(), Vec::<String>::new());

    // Reopening folds the same state and the same secrets.
    drop(lease);
    drop(e);
    let e = engine(&db, &clock, &fake, Config::default());
    assert_eq!(e.secrets(id).unwrap(), (2, stored));
    assert_eq!(e.with_state(|s| s.accounts[&id].generation), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_against_a_replaced_token_triggers_nothing() {
    let fake = FakeOAuth::start().await;
    let (_dir, db) = temp_db();
    let clock = ManualClock::at(T0);
    let e = engine(&db, &clock, &fake, Config::default());
    let (id, _) = add_claude(&e, &fake, "a", Duration::from_secs(3600));
    let old = e
        .select(Provider::Claude, "opus", &SelectOpts::default())
        .unwrap();
    e.refresh_now(id, RefreshWhy::Manual).await.unwrap();
    let before = e.state().last_seq;
    let r = e.report(&old, expired_401()).unwrap();
    assert!(!r.refresh_due && r.block.is_none(), "{r:?}");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(fake.requests(Provider::Claude), 1);
    assert_eq!(
        e.state().last_seq,
        before + 1,
        "only request_failed was recorded"
    );
    assert!(!e.with_state(|s| s.accounts[&id].refresh.in_flight));
    assert_eq!(
        e.select(Provider::Claude, "opus", &SelectOpts::default())
            .unwrap()
            .generation,
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_grant_makes_the_account_needs_reauth() {
    let fake = FakeOAuth::start().await;
    let (_dir, db) = temp_db();
    let clock = ManualClock::at(T0);
    let e = engine(&db, &clock, &fake, Config::default());
    let (dead, s) = add_claude(&e, &fake, "dead", Duration::from_secs(60));
    let (live, _) = add_claude(&e, &fake, "live", Duration::from_secs(3600));
    fake.revoke(s.refresh_token.as_ref().unwrap().expose());
    let out = e.refresh_now(dead, RefreshWhy::Scheduled).await.unwrap();
    let RefreshOutcome::Failed {
        class,
        status,
        needs_reauth,
        ..
    } = out
    else {
        panic!("{out:?}")
    };
    assert_eq!(
        (class, status, needs_reauth),
        (RefreshErrorClass::InvalidGrant, Some(400), true)
    );
    let state = e.state();
    assert_eq!(state.accounts[&dead].status.as_str(), "needs_reauth");
    let view = rotor::status::status(&state, clock_now(&clock));
    let row = view.accounts.iter().find(|a| a.id == dead).unwrap();
    assert_eq!(row.status, "needs_reauth");
    for _ in 0..4 {
        assert_eq!(
            e.select(Provider::Claude, "opus", &SelectOpts::default())
                .unwrap()
                .account,
            live
        );
    }
    // Disabled accounts are not refreshed again, by the scheduler or by hand.
    assert!(e.due_for_refresh(clock_now(&clock)).due.is_empty());
    let again = e.refresh_now(dead, RefreshWhy::Manual).await.unwrap();
    assert!(matches!(again, RefreshOutcome::Skipped { .. }), "{again:?}");
    assert_eq!(fake.requests(Provider::Claude), 1);
}

fn clock_now(c: &ManualClock) -> rotor::time::Timestamp {
    use rotor::time::Clock;
    c.now()
}

/// `next_attempt_at - now` of a failed outcome, in seconds.
fn wait_of(out: &RefreshOutcome, now: rotor::time::Timestamp) -> f64 {
    let RefreshOutcome::Failed {
        next_attempt_at: Some(n),
        needs_reauth: false,
        ..
    } = out
    else {
        panic!("{out:?}")
    };
    (*n - now).num_milliseconds() as f64 / 1000.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_429_and_network_failures_back_off_without_disabling() {
    let fake = FakeOAuth::start().await;
    let (_dir, db) = temp_db();
    let clock = ManualClock::at(T0);
    let e = engine(&db, &clock, &fake, Config::default());
    let (id, _) = add_claude(&e, &fake, "flaky", Duration::from_secs(60));
    let mut waits = Vec::new();
    for (n, script) in [
        Scripted::ServerError,
        Scripted::TooManyRequests {
            retry_after_secs: 1,
        },
        Scripted::ServerError,
    ]
    .into_iter()
    .enumerate()
    {
        fake.script(Provider::Claude, script);
        let now = clock_now(&clock);
        let out = e.refresh_now(id, RefreshWhy::Scheduled).await.unwrap();
        let w = wait_of(&out, now);
        let base = 30.0 * f64::from(1u32 << n);
        assert!(
            w >= base * 0.8 && w <= base * 1.2,
            "failure {}: waited {w}s",
            n + 1
        );
        waits.push(w);
        let a = e.with_state(|s| s.accounts[&id].clone());
        assert_eq!(a.status, AccountStatus::Active);
        assert_eq!(a.refresh.consecutive_failures, n as u32 + 1);
        // Before the backoff is over the scheduler asks nothing.
        let skipped = e.refresh_now(id, RefreshWhy::Scheduled).await.unwrap();
        assert!(
            matches!(skipped, RefreshOutcome::Skipped { .. }),
            "{skipped:?}"
        );
        clock.advance(Duration::from_secs_f64(w + 1.0));
    }
    assert_eq!(fake.requests(Provider::Claude), 3);

    // No answer at all (nothing listens on the port): network, backs off, still active.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut ends = fake.endpoints(Duration::from_secs(2));
    ends.codex_token_url = format!("http://127.0.0.1:{port}/oauth/token");
    drop(e);
    let e = Engine::builder()
        .path(&db)
        .clock(clock.clone())
        .endpoints(ends)
        .open()
        .unwrap();
    let codex = e
        .add_account(NewAccount::oauth(
            Provider::Codex,
            "c",
            "codex-access-0123456789",
            Some("codex-refresh-0123456789"),
            Some(t(T0)),
        ))
        .unwrap();
    let now = clock_now(&clock);
    let out = e.refresh_now(codex, RefreshWhy::Manual).await.unwrap();
    let RefreshOutcome::Failed { class, .. } = &out else {
        panic!("{out:?}")
    };
    assert_eq!(*class, RefreshErrorClass::Network);
    assert!((24.0..=36.0).contains(&wait_of(&out, now)));
    assert_eq!(
        e.with_state(|s| s.accounts[&codex].status),
        AccountStatus::Active
    );
}

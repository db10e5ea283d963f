//! Faults of the server under a store: stopped and started again, the store fails cleanly
//! meanwhile and then reconnects (appends and tails resume, nothing committed is lost); a
//! commit whose answer is lost is reported in doubt and appending the same batch again never
//! writes it twice. Each test has a server of its own, since it stops or reconfigures it.

use std::time::Duration;

use rotor::store::Unknown;
use rotor::Error;

use super::harness::{connect_url, PgServer};
use super::{open, tag_of, tagged};

/// Appends until it works (the first call after a restart may find its connection dead).
async fn append_when_back(store: &rotor::store::postgres::PgStore, tag: &str) -> Vec<u64> {
    for _ in 0..50 {
        match store.append(&[tagged(tag)]).await {
            Ok(c) => return c.seqs(),
            Err(Error::Postgres { .. }) => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(e) => panic!("unexpected error after restart: {e}"),
        }
    }
    panic!("appends never resumed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_server_fails_appends_cleanly_and_the_store_resumes_when_it_is_back() {
    let server = crate::pg_or_skip!(PgServer::start());
    let url = server.fresh_db().await;
    let store = open(&url).await;
    let mut tail = store.tail(0, Unknown::Fail);
    store
        .append(&[tagged("before-1"), tagged("before-2")])
        .await
        .unwrap();
    assert_eq!(tail.read().await.unwrap().len(), 2);

    server.stop();
    for _ in 0..3 {
        let err = store.append(&[tagged("while-down")]).await.unwrap_err();
        assert!(matches!(err, Error::Postgres { .. }), "{err}");
    }
    assert!(tail.read().await.is_err(), "the tail says it cannot read");
    assert!(store
        .claim_refresh(
            rotor::AccountId::new_random(),
            crate::it::common::t(crate::it::common::T0),
            Duration::from_secs(5)
        )
        .await
        .is_err());

    server.restart();
    assert_eq!(append_when_back(&store, "after").await, vec![3]);
    let mut read = Vec::new();
    for _ in 0..50 {
        match tail.read().await {
            Ok(events) => {
                read = events;
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    let tags: Vec<String> = read.iter().map(|e| tag_of(&e.record.event)).collect();
    assert_eq!(tags, ["after"], "the tail resumes after its last event");
    let all = store.events_after(0, 100, Unknown::Fail).await.unwrap();
    let all: Vec<String> = all.iter().map(|e| tag_of(&e.record.event)).collect();
    assert_eq!(
        all,
        ["before-1", "before-2", "after"],
        "what committed before the stop is kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_in_doubt_is_resolved_by_appending_the_same_batch_again() {
    let server = crate::pg_or_skip!(PgServer::start());
    let url = server.fresh_db().await;
    let store = std::sync::Arc::new(open(&url).await);
    store.append(&[tagged("first")]).await.unwrap();
    let admin = connect_url(&url).await;
    // A synchronous standby that never comes: COMMIT is written locally, then waits forever.
    sync_standby(&admin, "'never_connects'").await;
    commits_wait_for_the_standby(&admin, &url).await;
    let batch = vec![tagged("doubt-1"), tagged("doubt-2")];
    let appender = {
        let (store, batch) = (store.clone(), batch.clone());
        tokio::spawn(async move { store.append(&batch).await })
    };
    // Cut the connection while it waits: the answer to COMMIT is lost.
    let mut cut = 0;
    for _ in 0..500 {
        cut = admin
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE wait_event = 'SyncRep'",
                &[],
            )
            .await
            .unwrap()
            .get::<_, i64>(0);
        if cut > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(cut, 1, "the append was waiting on its commit");
    let err = appender.await.unwrap().unwrap_err();
    assert!(
        matches!(err, Error::CommitInDoubt { events: 2, .. }),
        "{err}"
    );
    sync_standby(&admin, "''").await;

    // Another batch first is refused: the store must learn the fate of the one in doubt.
    let refused = store.append(&[tagged("other")]).await.unwrap_err();
    assert!(matches!(refused, Error::InvalidInput(_)), "{refused}");
    let resolved = store.append(&batch).await.unwrap();
    assert_eq!(
        resolved.seqs(),
        vec![2, 3],
        "it had committed: same seqs, not written again"
    );
    store.append(&[tagged("next")]).await.unwrap();
    let tags: Vec<String> = store
        .events_after(0, 100, Unknown::Fail)
        .await
        .unwrap()
        .iter()
        .map(|e| tag_of(&e.record.event))
        .collect();
    assert_eq!(tags, ["first", "doubt-1", "doubt-2", "next"]);
}

/// Sets the server's synchronous standby names (each statement alone: ALTER SYSTEM refuses a
/// transaction block) and reloads; a session started afterwards sees the new value.
async fn sync_standby(admin: &tokio_postgres::Client, names: &str) {
    admin
        .batch_execute(&format!(
            "ALTER SYSTEM SET synchronous_standby_names = {names}"
        ))
        .await
        .unwrap();
    admin
        .batch_execute("SELECT pg_reload_conf()")
        .await
        .unwrap();
}

/// The server applies a new standby list a moment after the reload: commit probes until one
/// waits for the standby (then cut it), so the append below is sure to wait too.
async fn commits_wait_for_the_standby(admin: &tokio_postgres::Client, url: &str) {
    for attempt in 0..100 {
        let probe = connect_url(url).await;
        let commit = tokio::spawn(async move {
            probe
                .batch_execute(&format!("CREATE TABLE sync_probe_{attempt} ()"))
                .await
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let waiting: i64 = admin
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE wait_event = 'SyncRep'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        let _ = commit.await;
        if waiting > 0 {
            return;
        }
    }
    panic!("commits never waited for the synchronous standby");
}

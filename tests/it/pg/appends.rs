//! Appends under concurrent writers: a tail reading `seq > last` never skips an event, and the
//! reason is the advisory lock: a naive identity-column tail loses an event committed late,
//! while the store makes a second writer wait for the first to commit.

use std::collections::HashSet;
use std::time::Duration;

use rotor::store::postgres::APPEND_LOCK;
use rotor::store::Unknown;

use super::harness::{self, connect_url};
use super::{open, tag_of, tagged};

const WRITERS: usize = 4;
const BATCHES: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_never_make_a_tailer_skip_an_event() {
    let server = crate::pg_or_skip!(harness::shared());
    let url = server.fresh_db().await;
    let reader = open(&url).await;
    let mut tail = reader.tail(0, Unknown::Fail);

    let mut writers = Vec::new();
    let mut expected = HashSet::new();
    for w in 0..WRITERS {
        let store = open(&url).await;
        let batches: Vec<Vec<_>> = (0..BATCHES)
            .map(|b| {
                (0..=(b % 7))
                    .map(|i| tagged(&format!("w{w}-b{b}-i{i}")))
                    .collect()
            })
            .collect();
        for batch in &batches {
            expected.extend(batch.iter().map(|a| a.row.model.clone().unwrap()));
        }
        writers.push(tokio::spawn(async move {
            for batch in batches {
                let committed = store.append(&batch).await.expect("append");
                assert_eq!(committed.seqs().len(), batch.len());
                tokio::task::yield_now().await;
            }
        }));
    }

    // Read while the writers write: every read must continue exactly where the last ended.
    let total = expected.len();
    let follow = tokio::spawn(async move {
        let mut seen = Vec::new();
        while seen.len() < total {
            for e in tail.next().await.expect("tail") {
                seen.push((e.record.seq, tag_of(&e.record.event), e.writer));
            }
        }
        seen
    });
    for w in writers {
        w.await.expect("every writer's appends commit");
    }
    let seen = tokio::time::timeout(Duration::from_secs(120), follow)
        .await
        .expect("the tail caught up with every writer")
        .unwrap();

    let seqs: Vec<u64> = seen.iter().map(|(s, _, _)| *s).collect();
    assert_eq!(
        seqs,
        (1..=total as u64).collect::<Vec<_>>(),
        "no gap, no skip"
    );
    let tags: HashSet<String> = seen.iter().map(|(_, t, _)| t.clone()).collect();
    assert_eq!(tags, expected, "every appended event was read once");
    let writers: HashSet<_> = seen.iter().map(|(_, _, w)| *w).collect();
    assert_eq!(writers.len(), WRITERS, "each event names its writer");
    // Within one writer, its events keep the order it appended them in.
    for w in 0..WRITERS {
        let mine: Vec<&String> = seen
            .iter()
            .map(|(_, t, _)| t)
            .filter(|t| t.starts_with(&format!("w{w}-")))
            .collect();
        let mut sorted = mine.clone();
        sorted.sort_by_key(|t| {
            let n: Vec<usize> = t
                .split('-')
                .skip(1)
                .map(|p| p[1..].parse().unwrap())
                .collect();
            (n[0], n[1])
        });
        assert_eq!(mine, sorted, "writer {w}'s order");
    }
}

/// Why the lock exists: with a seq drawn from an identity column and no lock, a transaction
/// that drew a lower seq but commits later is behind a reader that has moved past it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_naive_identity_tail_skips_an_event_that_commits_late() {
    let server = crate::pg_or_skip!(harness::shared());
    let url = server.fresh_db().await;
    let mut slow = connect_url(&url).await;
    let fast = connect_url(&url).await;
    let reader = connect_url(&url).await;
    fast.batch_execute(
        "CREATE TABLE naive_events (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tag text)",
    )
    .await
    .unwrap();

    let late = slow.transaction().await.unwrap();
    late.execute("INSERT INTO naive_events (tag) VALUES ('late')", &[])
        .await
        .unwrap(); // draws seq 1, not yet committed
    fast.execute("INSERT INTO naive_events (tag) VALUES ('early')", &[])
        .await
        .unwrap(); // draws seq 2, commits at once

    let naive_tail = |after: i64| {
        let reader = &reader;
        async move {
            reader
                .query(
                    "SELECT seq, tag FROM naive_events WHERE seq > $1 ORDER BY seq",
                    &[&after],
                )
                .await
                .unwrap()
                .iter()
                .map(|r| (r.get::<_, i64>(0), r.get::<_, String>(1)))
                .collect::<Vec<_>>()
        }
    };
    let mut read = naive_tail(0).await;
    let last = read.last().map(|(s, _)| *s).unwrap();
    late.commit().await.unwrap();
    read.extend(naive_tail(last).await);

    let tags: Vec<&str> = read.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(tags, ["early"], "the naive tail lost the late event");
    let stored: i64 = reader
        .query_one("SELECT count(*) FROM naive_events", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        stored, 2,
        "both events are in the table, one was never read"
    );
}

/// The same interleaving through the store: while one transaction holds the append lock, a
/// second append waits, so the tail reads the first event before the second exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_append_waits_for_the_batch_holding_the_lock_so_the_tail_skips_nothing() {
    let server = crate::pg_or_skip!(harness::shared());
    let url = server.fresh_db().await;
    let store = std::sync::Arc::new(open(&url).await);
    let mut tail = store.tail(0, Unknown::Fail);
    let mut slow = connect_url(&url).await;
    let watcher = connect_url(&url).await;

    // A writer mid-batch, doing what an append does: lock, then max+1.
    let late = slow.transaction().await.unwrap();
    late.execute(
        "SELECT pg_advisory_xact_lock($1, $2)",
        &[&APPEND_LOCK.0, &APPEND_LOCK.1],
    )
    .await
    .unwrap();
    late.execute(
        "INSERT INTO events (seq, at, kind, v, data)
         SELECT COALESCE(max(seq), 0) + 1, '2026-01-01T00:00:00.000Z', 'state_cleared', 1,
                '{\"kind\":\"state_cleared\",\"account\":\"00000000-0000-0000-0000-000000000007\",\"model\":\"late\"}'
         FROM events",
        &[],
    )
    .await
    .unwrap();

    let appender = {
        let store = store.clone();
        tokio::spawn(async move { store.append(&[tagged("early")]).await })
    };
    wait_for_lock_waiter(&watcher).await;
    assert!(!appender.is_finished(), "the append waits for the lock");
    assert!(
        tail.read().await.unwrap().is_empty(),
        "nothing is committed yet"
    );

    late.commit().await.unwrap();
    let committed = appender.await.unwrap().expect("append after the lock");
    assert_eq!(committed.seqs(), vec![2]);
    let mut read = tail.read().await.unwrap();
    read.extend(tail.read().await.unwrap());
    let got: Vec<(u64, String)> = read
        .iter()
        .map(|e| (e.record.seq, tag_of(&e.record.event)))
        .collect();
    assert_eq!(got, [(1, "late".to_string()), (2, "early".to_string())]);
}

/// Polls `pg_locks` until some backend waits on the append lock (bounded).
async fn wait_for_lock_waiter(client: &tokio_postgres::Client) {
    for _ in 0..500 {
        let waiting: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                 AND classid = $1::int::oid AND objid = $2::int::oid",
                &[&APPEND_LOCK.0, &APPEND_LOCK.1],
            )
            .await
            .unwrap()
            .get(0);
        if waiting > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no append ever waited on the lock");
}

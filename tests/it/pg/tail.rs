//! Reading a PostgreSQL log: rows come back exactly as appended (any model name, NUL included),
//! an event this rotor cannot read stops a tail naming its seq unless told to skip, and
//! checkpoints keep the newest fold at a seq that is in the log.

use proptest::prelude::*;
use rotor::bench::events::{generate, MixConfig};
use rotor::store::postgres::Append;
use rotor::store::{EventRow, Unknown};

use super::harness::{self, connect_url};
use super::{open, tagged};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_read_back_exactly_as_appended() {
    let server = crate::pg_or_skip!(harness::shared());
    let url = server.fresh_db().await;
    let store = open(&url).await;
    let records = generate(&MixConfig::new(6, 3, 11), 300);
    for chunk in records.chunks(64) {
        let batch: Vec<Append> = chunk
            .iter()
            .map(|r| Append::event(EventRow::from_record(r), Some(r.seq)))
            .collect();
        store.append(&batch).await.unwrap();
    }
    let read = store
        .events_after(0, usize::MAX >> 1, Unknown::Fail)
        .await
        .unwrap();
    assert_eq!(read.len(), records.len());
    for (got, want) in read.iter().zip(&records) {
        assert_eq!(got.record.event, want.event);
        assert_eq!(got.record.at, want.at);
        assert_eq!(got.writer, Some(store.writer()));
        assert_eq!(got.seen, Some(want.seq), "seen is stored as given");
    }
    // The columns hold the same text the SQLite store writes.
    let client = connect_url(&url).await;
    let rows = client
        .query(
            "SELECT at, kind, v, account::text, model, request::text, data::text FROM events ORDER BY seq",
            &[],
        )
        .await
        .unwrap();
    for (row, rec) in rows.iter().zip(&records) {
        let want = EventRow::from_record(rec);
        assert_eq!(row.get::<_, &str>(0), want.at);
        assert_eq!(row.get::<_, &str>(1), want.kind);
        assert_eq!(row.get::<_, i32>(2) as u32, want.v);
        assert_eq!(row.get::<_, Option<String>>(3), want.account);
        assert_eq!(row.get::<_, Option<String>>(4), want.model);
        assert_eq!(row.get::<_, Option<String>>(5), want.request);
        assert_eq!(row.get::<_, &str>(6), want.data);
    }
    // `data` is queryable JSON.
    let kinds: i64 = client
        .query_one(
            "SELECT count(*) FROM events WHERE data->>'kind' = kind",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(kinds as usize, records.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_kind_stops_the_tail_naming_its_seq_unless_skipped() {
    let server = crate::pg_or_skip!(harness::shared());
    let url = server.fresh_db().await;
    let store = open(&url).await;
    store.append(&[tagged("before")]).await.unwrap();
    connect_url(&url)
        .await
        .batch_execute(
            "INSERT INTO events (seq, at, kind, v, data)
             VALUES (2, '2026-01-01T00:00:00.000Z', 'from_the_future', 1, '{\"kind\":\"from_the_future\"}')",
        )
        .await
        .unwrap();
    store.append(&[tagged("after")]).await.unwrap();

    let mut strict = store.tail(0, Unknown::Fail);
    let err = strict.read().await.unwrap_err().to_string();
    assert!(
        err.contains("seq 2") && err.contains("from_the_future"),
        "{err}"
    );

    let mut lenient = store.tail(0, Unknown::Skip);
    let seqs: Vec<u64> = lenient
        .read()
        .await
        .unwrap()
        .iter()
        .map(|e| e.record.seq)
        .collect();
    assert_eq!(seqs, [1, 3]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_keep_the_newest_fold_at_a_seq_in_the_log() {
    let server = crate::pg_or_skip!(harness::shared());
    let url = server.fresh_db().await;
    let store = open(&url).await;
    let batch: Vec<Append> = (0..5).map(|i| tagged(&format!("e{i}"))).collect();
    store.append(&batch).await.unwrap();
    assert!(
        !store.write_checkpoint(9, b"beyond").await.unwrap(),
        "seq 9 is not in the log"
    );
    assert!(store.write_checkpoint(2, b"two").await.unwrap());
    assert!(store.write_checkpoint(4, b"four").await.unwrap());
    assert!(
        !store.write_checkpoint(4, b"again").await.unwrap(),
        "the first stays"
    );
    assert_eq!(
        store.latest_checkpoint(u64::MAX).await.unwrap(),
        Some((4, b"four".to_vec()))
    );
    assert_eq!(
        store.latest_checkpoint(3).await.unwrap(),
        None,
        "older ones are dropped"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Model names come from callers: whatever they hold (NUL, quotes, any script), the event
    /// reads back equal, and the indexed column holds the name with NUL replaced.
    #[test]
    fn any_model_name_reads_back_equal(model in "\\PC{0,40}|[\\x00-\\x1f\"'\\\\]{1,8}") {
        let Some(server) = harness::shared() else { return Ok(()) };
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            static URL: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
            let url = URL.get_or_init(|| server.fresh_db()).await;
            let store = open(url).await;
            let committed = store.append(&[tagged(&model)]).await.unwrap();
            let seq = committed.seqs()[0];
            let got = store.events_after(seq - 1, 1, Unknown::Fail).await.unwrap();
            prop_assert_eq!(super::tag_of(&got[0].record.event), model.clone());
            let column: String = connect_url(url)
                .await
                .query_one("SELECT model FROM events WHERE seq = $1", &[&(seq as i64)])
                .await
                .unwrap()
                .get(0);
            prop_assert_eq!(column, model.replace('\0', "\u{fffd}"));
            Ok(())
        })?;
    }
}

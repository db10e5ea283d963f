//! Checkpoints: a projection loaded from a checkpoint plus the folded tail equals the
//! fold from seq 1; a checkpoint that cannot be trusted (garbage, other version, wrong seq) is
//! ignored, never an error; the engine writes one on close and keeps numbering events right.

use std::path::Path;

use proptest::prelude::*;
use rotor::bench::baseline;
use rotor::bench::events::{generate, MixConfig};
use rotor::bench::rows::to_rows;
use rotor::engine::checkpoint::{self, load_state, CLOSE_MIN_TAIL};
use rotor::state::State;
use rotor::store::{self, Unknown};
use rotor::{Engine, Outcome, Provider, SelectOpts};

use super::common::{add_keys, temp_db};

/// A rotor log (schema by the engine) holding a generated mix; returns its event count.
fn generated_log(path: &Path, accounts: usize, requests: usize, seed: u64) -> u64 {
    drop(Engine::open(path).unwrap());
    let mut conn = baseline::open(path).unwrap();
    let rows = to_rows(&generate(&MixConfig::new(accounts, 4, seed), requests));
    baseline::raw_insert(&mut conn, &rows, 1_000).unwrap().rows
}

fn fold_from_seq1(path: &Path) -> State {
    let conn = store::open_read_only(path).unwrap();
    let mut s = State::default();
    checkpoint::fold_onto(&conn, &mut s, Unknown::Fail).unwrap();
    s
}

fn put_checkpoint(path: &Path, seq: u64, bytes: &[u8]) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute(
        "INSERT OR REPLACE INTO checkpoints (seq, data) VALUES (?1, ?2)",
        rusqlite::params![seq as i64, bytes],
    )
    .unwrap();
}

fn load(path: &Path) -> (State, checkpoint::Loaded) {
    load_state(&store::open_read_only(path).unwrap(), Unknown::Fail).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    /// Given a generated log and a checkpoint at any seq, when it is opened, then the state is
    /// the fold from seq 1 and only the tail after the checkpoint was folded.
    #[test]
    fn checkpoint_plus_tail_equals_fold_from_seq1(seed in 0u64..1_000, at_permille in 0u64..=1_000) {
        let (_dir, path) = temp_db();
        let total = generated_log(&path, 12, 600, seed);
        let full = fold_from_seq1(&path);
        let seq = (total * at_permille / 1_000).max(1);
        rotor::bench::engine::write_checkpoint_at(&path, seq).unwrap();
        let (state, loaded) = load(&path);
        prop_assert_eq!(loaded.checkpoint_seq, seq);
        prop_assert_eq!(loaded.folded, total - seq);
        prop_assert_eq!(state.last_seq, total);
        prop_assert!(state == full, "checkpoint + tail differs from the fold from seq 1");
    }
}

#[test]
fn an_untrusted_checkpoint_is_ignored_and_the_log_folds_from_seq1() {
    let (_dir, path) = temp_db();
    let total = generated_log(&path, 8, 300, 3);
    let full = fold_from_seq1(&path);
    let good = checkpoint::encode(&full).unwrap();
    let other_version = String::from_utf8(good.clone()).unwrap().replacen(
        &format!("{{\"v\":{}", checkpoint::PROJECTION_VERSION),
        "{\"v\":999",
        1,
    );
    let cases: [(&str, Vec<u8>, u64); 5] = [
        ("garbage", b"\x00\xffnot json".to_vec(), total),
        ("cut short", good[..good.len() / 2].to_vec(), total),
        (
            "other projection version",
            other_version.into_bytes(),
            total,
        ),
        ("state of another seq", good.clone(), total - 10),
        (
            "json of another shape",
            br#"{"v":1,"state":{"x":1}}"#.to_vec(),
            total,
        ),
    ];
    for (why, bytes, seq) in cases {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute("DELETE FROM checkpoints", []).unwrap();
        drop(conn);
        put_checkpoint(&path, seq, &bytes);
        let (state, loaded) = load(&path);
        assert_eq!(loaded.checkpoint_seq, 0, "{why}: the checkpoint was used");
        assert_eq!(loaded.folded, total, "{why}");
        assert!(
            state == full,
            "{why}: state differs from the fold from seq 1"
        );
        // The engine opens such a log too.
        let e = Engine::open(&path).unwrap();
        assert_eq!(e.last_seq(), total, "{why}");
    }
}

#[test]
fn a_checkpoint_past_the_end_of_the_log_is_not_used() {
    let (_dir, path) = temp_db();
    let total = generated_log(&path, 5, 100, 1);
    let full = fold_from_seq1(&path);
    let mut ahead = full.clone();
    ahead.last_seq = total + 50;
    put_checkpoint(&path, total + 50, &checkpoint::encode(&ahead).unwrap());
    let (state, loaded) = load(&path);
    assert_eq!(loaded.checkpoint_seq, 0);
    assert!(state == full);
}

#[test]
fn the_engine_checkpoints_on_close_and_keeps_numbering_events_after_reopening() {
    let (_dir, path) = temp_db();
    let e = Engine::open(&path).unwrap();
    add_keys(&e, Provider::Openai, &["a", "b", "c"]);
    let opts = SelectOpts::default();
    while e.last_seq() < CLOSE_MIN_TAIL {
        let lease = e.select(Provider::Openai, "gpt-5", &opts).unwrap();
        e.report(&lease, Outcome::success()).unwrap();
    }
    let last = e.last_seq();
    drop(e);

    let conn = store::open_read_only(&path).unwrap();
    let cp = store::read::latest_checkpoint(&conn, i64::MAX as u64).unwrap();
    assert_eq!(cp.map(|(seq, _)| seq), Some(last), "a checkpoint at close");
    drop(conn);
    let (_, loaded) = load(&path);
    assert_eq!((loaded.checkpoint_seq, loaded.folded), (last, 0));

    // Reopened from the checkpoint, the engine numbers new events after the log's end.
    let e = Engine::open(&path).unwrap();
    assert!(e.state() == fold_from_seq1(&path));
    let lease = e.select(Provider::Openai, "gpt-5", &opts).unwrap();
    e.report(&lease, Outcome::success()).unwrap();
    e.flush_blocking().unwrap();
    let live = e.state();
    assert_eq!(live.last_seq, last + 2);
    let conn = store::open_read_only(&path).unwrap();
    assert_eq!(store::read::last_seq(&conn).unwrap(), last + 2);
    drop(conn);
    assert!(
        live == fold_from_seq1(&path),
        "live projections equal the fold"
    );

    // Closing again after a long tail replaces the checkpoint: only the newest is kept.
    while e.last_seq() < last + 2 + CLOSE_MIN_TAIL {
        let lease = e.select(Provider::Openai, "gpt-5", &opts).unwrap();
        e.report(&lease, Outcome::success()).unwrap();
    }
    let end = e.last_seq();
    drop(e);
    let conn = store::open_read_only(&path).unwrap();
    let seqs: Vec<i64> = conn
        .prepare("SELECT seq FROM checkpoints")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(seqs, vec![end as i64]);
    drop(conn);
    let e = Engine::open(&path).unwrap();
    assert_eq!(e.last_seq(), end);
    assert!(e.state() == fold_from_seq1(&path));
}

#[test]
fn selections_on_the_shared_path_checkpoint_every_hundred_thousand_events() {
    // Given an engine whose selections go the shared-lock path (no reports, two models)
    let (_dir, path) = temp_db();
    let e = Engine::open(&path).unwrap();
    add_keys(&e, Provider::Openai, &["a", "b", "c"]);
    let opts = SelectOpts::default();
    // When two threads select until the log passes the first checkpoint boundary
    std::thread::scope(|s| {
        for model in ["gpt-5", "o3"] {
            let (e, opts) = (&e, &opts);
            s.spawn(move || {
                while e.last_seq() < rotor::engine::checkpoint::CHECKPOINT_EVERY + 10 {
                    for _ in 0..100 {
                        e.select(Provider::Openai, model, opts).unwrap();
                    }
                }
            });
        }
    });
    e.flush_blocking().unwrap();
    // Then a checkpoint was written during the run (not at close), at or just past the boundary,
    // and it is exactly the fold of the log up to its seq
    let conn = store::open_read_only(&path).unwrap();
    let (seq, bytes) = store::read::latest_checkpoint(&conn, i64::MAX as u64)
        .unwrap()
        .expect("a checkpoint");
    let every = rotor::engine::checkpoint::CHECKPOINT_EVERY;
    assert!((every..every + 300).contains(&seq), "checkpoint at {seq}");
    let stored = checkpoint::decode(seq, &bytes).expect("a checkpoint that decodes");
    let mut upto = rotor::state::State::default();
    store::read::for_each_event(&conn, 0, Some(seq), store::Unknown::Fail, |rec| {
        upto.apply(&rec);
        Ok(())
    })
    .unwrap();
    assert!(stored == upto, "the checkpoint equals the fold up to {seq}");
}

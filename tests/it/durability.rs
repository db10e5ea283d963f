//! Durability and replay equivalence: a process killed with SIGKILL right after `flush` loses
//! nothing; reopening gives the same projections; after random operations the live state equals
//! a fresh fold of the log (property test).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use proptest::prelude::*;
use rotor::parse::Headers;
use rotor::state::State;
use rotor::store::{self, Unknown};
use rotor::time::ManualClock;
use rotor::{Engine, Outcome, Provider, SelectOpts};

use super::common::*;

fn fold_file(db: &std::path::Path) -> State {
    let conn = store::open_read_only(db).unwrap();
    State::fold(&store::read::all_events(&conn, Unknown::Fail).unwrap())
}

fn count_events(db: &std::path::Path) -> u64 {
    let conn = store::open_read_only(db).unwrap();
    store::read::last_seq(&conn).unwrap()
}

const CHILD_ENV: &str = "ROTOR_TEST_CRASH_CHILD";

/// In the child: record, flush, say how many events are durable, then keep writing until killed.
fn crash_child(db: &str) {
    let e = Engine::open(db).unwrap();
    let ids = add_keys(&e, Provider::Openai, &["a", "b"]);
    let mut recorded = ids.len() as u64;
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for _ in 0..300 {
        let l = e
            .select(Provider::Openai, "gpt-4o", &SelectOpts::default())
            .unwrap();
        e.report(&l, Outcome::success()).unwrap();
        recorded += 2;
    }
    rt.block_on(e.flush()).unwrap();
    println!("\nFLUSHED {recorded}");
    loop {
        if let Ok(l) = e.select(Provider::Openai, "gpt-4o", &SelectOpts::default()) {
            let _ = e.report(&l, Outcome::success());
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

#[test]
fn sigkill_right_after_flush_loses_no_flushed_event() {
    if let Ok(db) = std::env::var(CHILD_ENV) {
        crash_child(&db);
        return;
    }
    let (_d, db) = temp_db();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "it::durability::sigkill_right_after_flush_loses_no_flushed_event",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let mut flushed = None;
    for line in out.lines() {
        let line = line.unwrap();
        // libtest prints "test name ... " before the child's own output on the same line.
        if let Some(n) = line.split("FLUSHED ").nth(1) {
            flushed = Some(n.trim().parse::<u64>().unwrap());
            break;
        }
    }
    let flushed = flushed.expect("child reported its flush");
    // Child::kill sends SIGKILL on Unix: no destructor, no final flush.
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        count_events(&db) >= flushed,
        "flushed {flushed}, found {}",
        count_events(&db)
    );
    // The log reopens for writing and the projections equal a fresh fold.
    let e = Engine::open(&db).unwrap();
    assert_eq!(e.state(), fold_file(&db));
}

#[test]
fn reopening_gives_the_same_projections() {
    let clock = ManualClock::at(T0);
    let (_d, db) = temp_db();
    let before = {
        let e = engine_at(&db, &clock);
        add_keys(&e, Provider::Claude, &["x", "y"]);
        let l = e
            .select(
                Provider::Claude,
                "opus",
                &SelectOpts {
                    session: Some("s1".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        e.report(
            &l,
            Outcome::failure(
                529,
                Headers::new(),
                r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
            ),
        )
        .unwrap();
        e.select(Provider::Claude, "opus", &SelectOpts::default())
            .unwrap();
        e.state()
    };
    let e = engine_at(&db, &clock);
    assert_eq!(e.state(), before);
    assert!(!before.selector.sessions.is_empty());
}

#[derive(Clone, Debug)]
enum Op {
    Add(u8, u8),
    Select(u8, u8, bool),
    Report(usize, u8),
    Advance(u16),
    Disable(usize),
    Enable(usize),
    Clear(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..3, 0u8..3).prop_map(|(p, t)| Op::Add(p, t)),
        (0u8..3, 0u8..3, any::<bool>()).prop_map(|(p, m, s)| Op::Select(p, m, s)),
        (0usize..64, 0u8..8).prop_map(|(i, k)| Op::Report(i, k)),
        (0u16..4000).prop_map(Op::Advance),
        (0usize..16).prop_map(Op::Disable),
        (0usize..16).prop_map(Op::Enable),
        (0usize..16).prop_map(Op::Clear),
    ]
}

fn outcome(kind: u8) -> Outcome {
    let h = |k: &str, v: &str| -> Headers { [(k, v)].into_iter().collect() };
    match kind {
        0 => Outcome::success(),
        1 => Outcome::failure(429, h("retry-after", "30"), ""),
        2 => Outcome::failure(500, Headers::new(), "<html>oops</html>"),
        3 => Outcome::failure(401, Headers::new(), "{}"),
        4 => Outcome::failure(
            429,
            Headers::new(),
            r#"{"error":{"type":"usage_limit_reached","resets_in_seconds":600}}"#,
        ),
        5 => Outcome::Network {
            message: "connection reset".into(),
        },
        6 => Outcome::Cancelled,
        _ => Outcome::failure(
            400,
            Headers::new(),
            r#"{"error":{"code":"context_length_exceeded"}}"#,
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn live_state_always_equals_a_fresh_fold(ops in proptest::collection::vec(op(), 1..60)) {
        let providers = [Provider::Openai, Provider::Claude, Provider::Codex];
        let models = ["m1", "m2", "m3"];
        let clock = ManualClock::at(T0);
        let (_d, db) = temp_db();
        let e = engine_at(&db, &clock);
        let mut accounts = Vec::new();
        let mut leases = Vec::new();
        for op in ops {
            match op {
                Op::Add(p, tier) => {
                    let mut n = rotor::NewAccount::api_key(providers[p as usize], &format!("acct{}", accounts.len()), "sk-prop-0123456789abcdef");
                    n.priority = tier as u32;
                    accounts.push(e.add_account(n).unwrap());
                }
                Op::Select(p, m, s) => {
                    let opts = SelectOpts { session: s.then(|| "sess".to_string()), ..Default::default() };
                    if let Ok(l) = e.select(providers[p as usize], models[m as usize], &opts) { leases.push(l) }
                }
                // A request is reported once: its lease leaves the pool.
                Op::Report(i, k) => if !leases.is_empty() { let l = leases.swap_remove(i % leases.len()); e.report(&l, outcome(k)).unwrap(); },
                Op::Advance(s) => clock.advance(Duration::from_secs(s as u64)),
                Op::Disable(i) => if !accounts.is_empty() { e.disable_account(accounts[i % accounts.len()], rotor::event::DisableReason::Manual).unwrap() },
                Op::Enable(i) => if !accounts.is_empty() { e.enable_account(accounts[i % accounts.len()]).unwrap() },
                Op::Clear(i) => if !accounts.is_empty() { e.clear(accounts[i % accounts.len()], None).unwrap() },
            }
        }
        e.flush_blocking().unwrap();
        let live = e.state();
        prop_assert_eq!(&live, &fold_file(&db));
        drop(e);
        let reopened = engine_at(&db, &clock);
        prop_assert_eq!(&live, &reopened.state());
    }
}

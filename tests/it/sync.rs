//! Durable means synced: `flush` (and so every credential write it acknowledges) returns only
//! after the log's WAL was written *and* fsync'd. Observed from outside: a child engine runs
//! under `strace`, and in its system calls the last write to `rotor.db-wal` before each
//! acknowledgement is followed by an `fsync`/`fdatasync` of that file that completes before the
//! acknowledgement is printed.

use std::path::Path;
use std::process::Command;

use rotor::{Engine, Outcome, Provider, SelectOpts};

use super::common::*;

const CHILD_ENV: &str = "ROTOR_TEST_SYNC_CHILD";
const TEST: &str = "it::sync::flush_returns_only_after_the_wal_is_synced";

/// In the child: a credential write, then a select + report, each acknowledged by `flush`.
fn child(db: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let e = Engine::open(db).unwrap();
    add_keys(&e, Provider::Openai, &["a", "b"]);
    rt.block_on(e.flush()).unwrap();
    println!("\nACK credentials");
    let l = e
        .select(Provider::Openai, "gpt-4o", &SelectOpts::default())
        .unwrap();
    e.report(&l, Outcome::success()).unwrap();
    rt.block_on(e.flush()).unwrap();
    println!("\nACK report");
    std::mem::forget(e); // no closing commit after the last acknowledgement
}

/// One system call of the trace: who made it, what, on which file, and on which lines of the
/// trace it started and returned (`strace -f` splits a call other threads interrupt).
#[derive(Debug)]
struct Call {
    pid: String,
    name: String,
    file: String,
    arg: String,
    started: usize,
    returned: Option<usize>,
}

fn parse_trace(text: &str) -> Vec<Call> {
    let mut calls: Vec<Call> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some((pid, rest)) = line.split_once(' ') else {
            continue;
        };
        let rest = rest.trim_start();
        if let Some(resumed) = rest.strip_prefix("<... ") {
            let name = resumed.split_whitespace().next().unwrap_or("");
            if let Some(c) = calls
                .iter_mut()
                .rev()
                .find(|c| c.pid == pid && c.name == name && c.returned.is_none())
            {
                c.returned = Some(i);
            }
            continue;
        }
        let Some((name, args)) = rest.split_once('(') else {
            continue;
        };
        // With -y the first argument reads `5</path/to/file>`.
        let file = args
            .split_once('<')
            .and_then(|(_, f)| f.split_once('>'))
            .map_or("", |(f, _)| f);
        calls.push(Call {
            pid: pid.to_string(),
            name: name.to_string(),
            file: file.to_string(),
            arg: args.to_string(),
            started: i,
            returned: (!rest.contains("<unfinished ...>")).then_some(i),
        });
    }
    calls
}

/// Whether `strace` can trace here; CI must have it (`.ci/run` installs it).
fn strace_usable() -> bool {
    let ok = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=none", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && std::env::var_os("CI").is_some() {
        panic!("strace is missing or cannot trace in CI");
    }
    if !ok {
        eprintln!("skipping: strace is missing or cannot trace here (apt-get install strace)");
    }
    ok
}

#[test]
fn flush_returns_only_after_the_wal_is_synced() {
    if let Ok(db) = std::env::var(CHILD_ENV) {
        child(&db);
        return;
    }
    if !strace_usable() {
        return;
    }
    let (dir, db) = temp_db();
    let trace = dir.path().join("trace.txt");
    let o = Command::new("strace")
        .args(["-f", "-y", "-qq", "-s", "256", "-o"])
        .arg(&trace)
        .args([
            "-e",
            "trace=write,pwrite64,pwritev,pwritev2,fsync,fdatasync",
        ])
        .arg(std::env::current_exe().unwrap())
        .args([TEST, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &db)
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    let calls = parse_trace(&std::fs::read_to_string(&trace).unwrap());
    let wal = format!("{}-wal", db.display());
    for ack in ["ACK credentials", "ACK report"] {
        let acked = calls
            .iter()
            .find(|c| c.name == "write" && c.arg.contains(ack))
            .unwrap_or_else(|| panic!("no {ack:?} in the trace"))
            .started;
        assert_synced_before(&calls, &wal, acked, ack);
    }
    // The child's log holds what it acknowledged.
    assert_eq!(records(Path::new(&db)).len(), 4);
}

/// The last write to the WAL before line `acked` is followed by a sync of the WAL that
/// returned before `acked`.
fn assert_synced_before(calls: &[Call], wal: &str, acked: usize, ack: &str) {
    let written = calls
        .iter()
        .filter(|c| c.name.starts_with("pwrite") || c.name == "write")
        .filter(|c| c.file == wal && c.started < acked)
        .filter_map(|c| c.returned)
        .max()
        .unwrap_or_else(|| panic!("{ack}: no write to {wal} before it"));
    let synced = calls.iter().any(|c| {
        matches!(c.name.as_str(), "fsync" | "fdatasync")
            && c.file == wal
            && c.started > written
            && c.returned.is_some_and(|r| r < acked)
    });
    assert!(
        synced,
        "{ack}: the WAL was written (trace line {written}) but not synced before the \
         acknowledgement (line {acked})"
    );
}

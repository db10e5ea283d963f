//! Builders shared by the engine tests: a manual clock, engines on temp files, CLI runs.

use std::path::{Path, PathBuf};
use std::process::Output;

use rotor::time::{parse_ts, ManualClock, Timestamp};
use rotor::{Engine, NewAccount, Provider};

pub const T0: &str = "2026-01-01T00:00:00Z";

pub fn t(s: &str) -> Timestamp {
    parse_ts(s).unwrap()
}

pub fn engine_at(path: &Path, clock: &ManualClock) -> Engine {
    Engine::builder()
        .path(path)
        .clock(clock.clone())
        .open()
        .unwrap()
}

pub fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("rotor.db");
    (dir, p)
}

pub fn add_keys(e: &Engine, provider: Provider, labels: &[&str]) -> Vec<rotor::AccountId> {
    labels
        .iter()
        .map(|l| {
            e.add_account(NewAccount::api_key(
                provider,
                l,
                &format!("sk-test-{l}-0123456789abcdef0123"),
            ))
            .unwrap()
        })
        .collect()
}

/// Runs the `rotor` binary with `args` against `db`.
pub fn rotor(db: &Path, args: &[&str]) -> Output {
    rotor_env(db, args, &[])
}

pub fn rotor_env(db: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rotor"));
    cmd.arg("--db").arg(db).args(args).env_remove("ROTOR_DB");
    cmd.current_dir(db.parent().unwrap());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            stdout(o),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

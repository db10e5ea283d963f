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

/// An engine on the log at `path`, on `clock`, with `config`.
pub fn engine_with(path: &Path, clock: &ManualClock, config: rotor::Config) -> Engine {
    Engine::builder()
        .path(path)
        .clock(clock.clone())
        .config(config)
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

/// The `data` of every event of `kind` in the SQLite log at `db`, in log order, read with
/// plain SQL as any tool reading the file would.
pub fn logged(db: &Path, kind: &str) -> Vec<serde_json::Value> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut q = conn
        .prepare("SELECT data FROM events WHERE kind = ?1 ORDER BY seq")
        .unwrap();
    let rows = q
        .query_map([kind], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|d| serde_json::from_str(&d.unwrap()).unwrap())
        .collect();
    rows
}

/// Runs the `rotor` binary with `--config conf` and `args` against `db`, off the async runtime
/// (so a fake server on the same runtime keeps answering).
pub async fn rotor_with_config(db: &Path, conf: &Path, args: &[&str]) -> Output {
    let (db, conf) = (db.to_path_buf(), conf.to_path_buf());
    let mut full = vec!["--config".to_owned(), conf.display().to_string()];
    full.extend(args.iter().map(|s| s.to_string()));
    tokio::task::spawn_blocking(move || {
        let full: Vec<&str> = full.iter().map(String::as_str).collect();
        rotor(&db, &full)
    })
    .await
    .unwrap()
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

/// An in-memory engine on `clock` with `cfg`.
pub fn mem_engine(clock: &ManualClock, cfg: rotor::Config) -> Engine {
    Engine::builder()
        .clock(clock.clone())
        .config(cfg)
        .open()
        .unwrap()
}

/// The default configuration with another strategy.
pub fn with_strategy(s: rotor::Strategy) -> rotor::Config {
    rotor::Config {
        strategy: s,
        ..Default::default()
    }
}

/// Selects with no options; panics when nothing is available (tests that expect a lease).
pub fn lease(e: &Engine, p: Provider, m: &str) -> rotor::Lease {
    e.select(p, m, &rotor::SelectOpts::default()).unwrap()
}

/// A classified failure of `kind` at `scope` with no stated wait.
pub fn perr(
    kind: rotor::parse::ErrorKind,
    scope: rotor::parse::Scope,
) -> rotor::parse::ParsedError {
    let mut e = rotor::parse::ParsedError::new(kind, Some(429), "test");
    e.scope = scope;
    e
}

/// Every event of the log at `db` (read-only, beside a writer).
pub fn records(db: &Path) -> Vec<rotor::event::EventRecord> {
    let conn = rotor::store::open_read_only(db).unwrap();
    rotor::store::read::all_events(&conn, rotor::store::Unknown::Fail).unwrap()
}

/// Why `id` is unavailable for `model` at `now`, and until when (`None`: available).
pub fn until_of(
    e: &Engine,
    id: rotor::AccountId,
    model: &str,
    now: Timestamp,
) -> Option<(rotor::event::BlockReason, Timestamp)> {
    e.with_state(|s| {
        s.accounts[&id]
            .unavailable(model, now)
            .map(|u| (u.reason, u.until.unwrap()))
    })
}

/// `rotor account add` of an API-key account (the key, one per label, comes from an
/// environment variable).
pub fn add_key_account(db: &Path, provider: &str, label: &str) {
    let key = format!("sk-test-cli-{label}-0123456789abcdef");
    let o = rotor_env(
        db,
        &[
            "account",
            "add",
            "--provider",
            provider,
            "--label",
            label,
            "--api-key-env",
            "K",
        ],
        &[("K", &key)],
    );
    assert!(o.status.success(), "{o:?}");
}

/// Adds four accounts through the CLI whose refreshability differs: Claude `stuck` (no refresh
/// token; its token expires at `stuck_expires_at`), Claude `fine` (a refresh token), Antigravity
/// `ag` (a refresh token, but refreshable only with an Antigravity client configured) and OpenAI
/// `key` (an API key). Returns the path of an empty config file beside `db`.
pub fn add_refreshability_mix(db: &Path, stuck_expires_at: &str) -> String {
    let add = |args: &[&str]| {
        let mut full = vec!["account", "add"];
        full.extend_from_slice(args);
        let o = rotor(db, &full);
        assert_eq!(o.status.code(), Some(0), "{o:?}");
    };
    let claude = |label: &str, expires_at: &str, refresh: Option<&str>| {
        let token = format!("sk-ant-oat01-test-{label}-0123456789");
        let mut args = vec!["--provider", "claude", "--label", label];
        args.extend(["--access-token", &token, "--expires-at", expires_at]);
        if let Some(rt) = refresh {
            args.extend(["--refresh-token", rt]);
        }
        add(&args);
    };
    claude("stuck", stuck_expires_at, None);
    claude(
        "fine",
        "2030-01-01T00:00:00Z",
        Some("rt-test-fine-0123456789"),
    );
    add(&[
        "--provider",
        "antigravity",
        "--label",
        "ag",
        "--access-token",
        "ya29.test-ag-0123456789",
        "--refresh-token",
        "1//test-ag-0123456789",
        "--expires-at",
        "2030-01-01T00:00:00Z",
    ]);
    add_key_account(db, "openai", "key");
    let conf = db.parent().unwrap().join("empty.toml");
    std::fs::write(&conf, "").unwrap();
    conf.display().to_string()
}

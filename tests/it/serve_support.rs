//! Helpers for the `rotor serve` tests: an in-process server on a loopback port with its own
//! engine (clock and refreshers under the test's control), a JSON client that always shows what
//! came back, and the real binary started as `rotor serve` (address parsed from its stderr).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use reqwest::{Method, StatusCode};
use rotor::serve::{self, ServeOptions, Token};
use rotor::Engine;
use serde_json::Value;
use tokio::sync::oneshot;

pub const TOKEN: &str = "test-token-0123456789abcdef";

/// A server in this process. Dropping it without [`Srv::stop`] leaves it to the runtime.
pub struct Srv {
    pub addr: SocketAddr,
    pub engine: Engine,
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<rotor::Result<()>>>,
}

impl Srv {
    /// Serves `engine` (on a file) on 127.0.0.1:0 with [`TOKEN`]; no scheduler, no Prometheus.
    pub async fn start(engine: Engine) -> Srv {
        let opts = ServeOptions {
            token: Token::new(TOKEN).unwrap(),
            public_metrics: false,
            prometheus: None,
            scheduler: false,
        };
        let bound = serve::bind(engine.clone(), "127.0.0.1:0".parse().unwrap(), opts)
            .await
            .unwrap();
        let addr = bound.local_addr();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(bound.run(async move {
            let _ = rx.await;
        }));
        Srv {
            addr,
            engine,
            http: reqwest::Client::new(),
            stop: Some(tx),
            task: Some(task),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A request with the token; the status and the body as JSON (`Null` when not JSON).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, self.url(path)).bearer_auth(TOKEN);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    /// `POST /v1/select`, expecting a lease.
    pub async fn select(&self, provider: &str, model: &str) -> Value {
        let (s, v) = self
            .post(
                "/v1/select",
                serde_json::json!({"provider": provider, "model": model}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v
    }

    /// Stops the server the way a signal does and waits for it to finish.
    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap().unwrap();
    }
}

/// `rotor serve` as a child process, with the address it printed.
pub struct ServeProcess {
    pub child: Child,
    pub addr: SocketAddr,
    /// Every stderr line read so far (start-up lines).
    pub stderr: Vec<String>,
    pub rest: std::thread::JoinHandle<Vec<String>>,
}

impl ServeProcess {
    /// Starts `rotor --db DB serve --listen 127.0.0.1:0 ARGS` and waits for its address.
    pub fn start(db: &Path, args: &[&str], env: &[(&str, &str)]) -> ServeProcess {
        Self::start_in(db.parent().unwrap(), db.as_os_str(), args, env)
    }

    /// As [`ServeProcess::start`], for any `--db` (a `postgres://` URL too), run in `dir`.
    pub fn start_in(
        dir: &Path,
        db: &std::ffi::OsStr,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> ServeProcess {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rotor"));
        cmd.arg("--db")
            .arg(db)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args);
        cmd.env_remove("ROTOR_DB")
            .env_remove("ROTOR_SERVE_TOKEN")
            .env("ROTOR_LOG", "info");
        cmd.current_dir(dir);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut stderr = Vec::new();
        let addr = loop {
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("rotor serve exited: {stderr:?}"))
                .unwrap();
            stderr.push(line.clone());
            if let Some(rest) = line.strip_prefix("rotor serve: listening on http://") {
                break rest.split_whitespace().next().unwrap().parse().unwrap();
            }
        };
        // The dashboard line follows the address.
        stderr.push(lines.next().unwrap().unwrap());
        let rest = std::thread::spawn(move || lines.map_while(Result::ok).collect());
        ServeProcess {
            child,
            addr,
            stderr,
            rest,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Sends SIGTERM and returns the exit status and the rest of stderr.
    pub fn terminate(self) -> (std::process::ExitStatus, Vec<String>) {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(ok.success());
        self.wait_exit()
    }

    /// Waits for the process to end (after a signal sent elsewhere).
    pub fn wait_exit(mut self) -> (std::process::ExitStatus, Vec<String>) {
        let status = self.child.wait().unwrap();
        (status, self.rest.join().unwrap())
    }
}

pub const KEY_A: &str = "sk-proj-serve-aaaa-0123456789abcdef";
pub const KEY_B: &str = "sk-proj-serve-bbbb-0123456789abcdef";

/// A served file log on a manual clock with OpenAI accounts `a` (KEY_A) and `b` (KEY_B).
pub async fn two_keys(dir: &Path, clock: &rotor::time::ManualClock) -> Srv {
    let engine = super::common::engine_at(&dir.join("rotor.db"), clock);
    for (label, key) in [("a", KEY_A), ("b", KEY_B)] {
        engine
            .add_account(rotor::NewAccount::api_key(
                rotor::Provider::Openai,
                label,
                key,
            ))
            .unwrap();
    }
    Srv::start(engine).await
}

/// A report body: the provider's 429 with `retry-after` for `lease`.
pub fn rate_limited(lease: &Value, retry_after: &str) -> Value {
    serde_json::json!({
        "request": lease["request"], "status": 429,
        "headers": {"retry-after": retry_after},
        "body": r#"{"error":{"message":"Rate limit reached for gpt-4o","type":"requests","code":"rate_limit_exceeded"}}"#,
    })
}

/// A log with OpenAI accounts whose keys are `sk-test-{label}-...` (distinct per account),
/// added through the CLI.
pub fn db_with(labels: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, db) = super::common::temp_db();
    for l in labels {
        let key = format!("sk-test-{l}-0123456789abcdef");
        let args = [
            "account",
            "add",
            "--provider",
            "openai",
            "--label",
            l,
            "--api-key-env",
            "K",
        ];
        let o = super::common::rotor_env(&db, &args, &[("K", &key)]);
        assert!(o.status.success(), "{o:?}");
    }
    (dir, db)
}

/// A runtime for tests that also run processes.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// POSTs `body` with `token`; the status and the JSON answer.
pub async fn post(
    http: &reqwest::Client,
    url: String,
    token: &str,
    body: Value,
) -> reqwest::Result<(StatusCode, Value)> {
    let res = http.post(url).bearer_auth(token).json(&body).send().await?;
    let status = res.status();
    Ok((status, res.json().await.unwrap_or(Value::Null)))
}

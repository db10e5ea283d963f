//! The dashboard in a real headless Chromium, driven over WebDriver (Debian's `chromium` and
//! `chromium-driver`, JSON over HTTP): the page takes the token from its URL fragment, shows
//! the accounts and the block a report just caused (with the event behind it), and a clear
//! behind a confirmation makes the block go. Skips loudly without Chromium unless `CI` is set.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Client;
use rotor::Provider;
use serde_json::{json, Value};

use super::serve_support::*;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How long to wait for the page to show something before failing (a deadline, not a figure).
const PATIENCE: Duration = Duration::from_secs(60);

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Chromium and its WebDriver, or `None` (after saying so loudly) when they are absent outside CI.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let chromium = on_path("chromium").or_else(|| on_path("chromium-browser"));
    let driver = on_path("chromedriver");
    match (chromium, driver) {
        (Some(c), Some(d)) => Some((c, d)),
        missing => {
            let msg = format!("chromium and chromedriver are needed for the dashboard test (found {missing:?}); install Debian's `chromium chromium-driver`");
            assert!(std::env::var_os("CI").is_none(), "{msg}");
            eprintln!("\n==================== SKIPPED ====================\n{msg}\n=================================================\n");
            None
        }
    }
}

/// One chromedriver process and one browser session in it.
struct WebDriver {
    http: Client,
    base: String,
    session: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl WebDriver {
    async fn start(chromium: PathBuf, driver: PathBuf) -> WebDriver {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let http = Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(started.elapsed() < PATIENCE, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,1450",
        ];
        let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args}}}});
        let res: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = res["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {res}"))
            .to_string();
        WebDriver {
            http,
            base,
            session,
            driver: child,
            _profile: profile,
        }
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if !body.is_null() {
            req = req.json(&body);
        }
        let res: Value = req.send().await.unwrap().json().await.unwrap();
        res["value"].clone()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.cmd(reqwest::Method::POST, path, body).await
    }

    async fn find_all(&self, css: &str) -> Vec<String> {
        let v = self
            .post("/elements", json!({"using": "css selector", "value": css}))
            .await;
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e[ELEMENT].as_str().map(str::to_string))
            .collect()
    }

    /// Waits for `css` to match; returns the first match.
    async fn wait_for(&self, css: &str) -> String {
        let started = Instant::now();
        loop {
            if let Some(e) = self.find_all(css).await.into_iter().next() {
                return e;
            }
            if started.elapsed() > PATIENCE {
                let png = self.screenshot().await;
                let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dashboard-failed.png");
                std::fs::write(&shot, png).unwrap();
                let source = self.cmd(reqwest::Method::GET, "/source", Value::Null).await;
                panic!(
                    "the page never showed {css}; screenshot in {}; page:\n{}",
                    shot.display(),
                    source.as_str().unwrap_or("")
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn wait_gone(&self, css: &str) {
        let started = Instant::now();
        while !self.find_all(css).await.is_empty() {
            assert!(started.elapsed() < PATIENCE, "{css} never went away");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn text(&self, element: &str) -> String {
        self.cmd(
            reqwest::Method::GET,
            &format!("/element/{element}/text"),
            Value::Null,
        )
        .await
        .as_str()
        .unwrap_or("")
        .to_string()
    }

    async fn click(&self, element: &str) {
        self.post(&format!("/element/{element}/click"), json!({}))
            .await;
    }

    async fn screenshot(&self) -> Vec<u8> {
        use base64::Engine;
        let b64 = self
            .cmd(reqwest::Method::GET, "/screenshot", Value::Null)
            .await;
        base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap()
    }

    async fn quit(mut self) {
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = self.http.delete(url).send().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_a_fresh_block_and_clears_it_behind_a_confirmation() {
    let Some((chromium, driver)) = browser() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let engine = rotor::Engine::open(dir.path().join("rotor.db")).unwrap();
    for (p, label) in [
        (Provider::Openai, "team-a"),
        (Provider::Openai, "team-b"),
        (Provider::Openai, "team-c"),
        (Provider::Glm, "glm-main"),
    ] {
        engine
            .add_account(rotor::NewAccount::api_key(
                p,
                label,
                &format!("sk-dash-{label}-0123456789abcdef"),
            ))
            .unwrap();
    }
    let srv = Srv::start(engine).await;
    // Some traffic: successes with usage, every account blocked on o3 (a no_account answer),
    // and the block under test, team-b on gpt-4o for an hour.
    for _ in 0..3 {
        let l = srv.select("openai", "gpt-4o-mini").await;
        srv.post("/v1/report", json!({"request": l["request"], "success": true, "usage": {"input_tokens": 120, "output_tokens": 40}})).await;
    }
    for _ in 0..3 {
        let l = srv.select("openai", "o3").await;
        srv.post(
            "/v1/report",
            json!({"request": l["request"], "status": 529, "body": "overloaded"}),
        )
        .await;
    }
    srv.post("/v1/select", json!({"provider": "openai", "model": "o3"}))
        .await;
    let l = srv.select("glm", "glm-4.6").await;
    srv.post(
        "/v1/report",
        json!({"request": l["request"], "success": true}),
    )
    .await;
    srv.select("openai", "gpt-4o").await;
    let lease = srv.select("openai", "gpt-4o").await;
    assert_eq!(lease["label"], "team-b");
    let body = r#"{"error":{"message":"Rate limit reached for gpt-4o on requests per day (RPD)","type":"requests","code":"rate_limit_exceeded"}}"#;
    let (_, r) = srv.post("/v1/report", json!({"request": lease["request"], "status": 429, "headers": {"retry-after": "3600"}, "body": body})).await;
    assert_eq!(r["block"]["reason"], "rate_limit");

    let wd = WebDriver::start(chromium, driver).await;
    wd.post(
        "/url",
        json!({"url": format!("{}/#token={TOKEN}", srv.url(""))}),
    )
    .await;
    let block = r#".block[data-reason="rate_limit"][data-model="gpt-4o"]"#;
    wd.wait_for(block).await;
    let matrix = wd.text(&wd.wait_for("#matrix").await).await;
    for label in ["team-a", "team-b", "team-c", "glm-main"] {
        assert!(matrix.contains(label), "{label} missing from {matrix}");
    }
    let cell = wd
        .text(
            &wd.wait_for(r#"td:has(> .block[data-model="gpt-4o"])"#)
                .await,
        )
        .await;
    let (_, failed) = srv
        .get("/v1/events?kind=request_failed&last=true&limit=1")
        .await;
    assert!(
        cell.contains(&format!("caused by event #{}", failed["events"][0]["seq"])),
        "{cell}"
    );
    assert!(cell.contains("until "), "{cell}");
    wd.wait_for(r#"#timeline li[data-kind="no_account"]"#).await;
    wd.wait_for(r#"#tail li[data-kind="request_failed"]"#).await;
    let url = wd.cmd(reqwest::Method::GET, "/url", Value::Null).await;
    assert!(
        !url.as_str().unwrap().contains("token"),
        "the token leaves the address bar: {url}"
    );
    let page = wd.cmd(reqwest::Method::GET, "/source", Value::Null).await;
    assert!(
        !page.as_str().unwrap().contains("sk-dash-"),
        "no secret on the page"
    );

    let png = wd.screenshot().await;
    assert!(png.starts_with(b"\x89PNG"));
    std::fs::write(
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dashboard.png"),
        &png,
    )
    .unwrap();
    if std::env::var_os("ROTOR_UPDATE_SCREENSHOT").is_some() {
        std::fs::write(
            concat!(env!("CARGO_MANIFEST_DIR"), "/docs/dashboard.png"),
            &png,
        )
        .unwrap();
    }

    // Clear: the button asks first; cancelling leaves the block, confirming lifts it.
    let button = r#"td:has(> .block[data-model="gpt-4o"]) button.clear"#;
    wd.click(&wd.wait_for(button).await).await;
    wd.click(&wd.wait_for("#confirm[open] #confirm-no").await)
        .await;
    wd.wait_gone("#confirm[open]").await;
    assert!(
        !wd.find_all(block).await.is_empty(),
        "cancel keeps the block"
    );
    wd.click(&wd.wait_for(button).await).await;
    let question = wd
        .text(&wd.wait_for("#confirm[open] #confirm-text").await)
        .await;
    assert_eq!(question, "Clear the rate_limit block of team-b on gpt-4o?");
    wd.click(&wd.wait_for("#confirm-yes").await).await;
    wd.wait_gone(block).await;
    wd.wait_for(r#"#tail li[data-kind="state_cleared"]"#).await;
    let b = srv.engine.resolve("team-b").unwrap();
    assert!(srv.engine.with_state(|s| s.accounts[&b]
        .unavailable("gpt-4o", srv.engine.now())
        .is_none()));
    wd.quit().await;
    srv.stop().await;
}

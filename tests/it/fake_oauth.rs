//! A loopback fake of the three OAuth token endpoints (Claude, Codex, Google), for refresher,
//! scheduler and single-flight tests. It checks every request exactly (method, content type,
//! each field), rotates refresh tokens like the real providers, rejects reused or unknown ones
//! in each provider's real error shape, and can be scripted to answer 429 / 500 / slowly /
//! with malformed JSON. Nothing here is shared with the library: it is the far side of the wire.

mod handlers;

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::any;
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use parking_lot::Mutex;
use rotor::refresh::RefreshEndpoints;
use rotor::secret::{Secret, Secrets};
use rotor::Provider;
use serde_json::{json, Value};

pub const CLAUDE_CLIENT_ID: &str = "9d1c250a-e61b-44d9-88ed-5944d1962f5e";
pub const CODEX_CLIENT_ID: &str = "app_EMoamEEZ73f0CkXaXp7hrann";
pub const GOOGLE_CLIENT_ID: &str = "fake-antigravity.apps.googleusercontent.com";
pub const GOOGLE_CLIENT_SECRET: &str = "fake-antigravity-client-secret";
/// Lifetime the fake states in `expires_in`.
pub const EXPIRES_IN: u64 = 3600;
/// `exp` of the fake Codex access-token JWTs (2100-01-01), for answers without `expires_in`.
pub const ACCESS_JWT_EXP: i64 = 4_102_444_800;

/// A scripted answer, consumed by the next token request of its provider.
#[derive(Clone, Debug)]
pub enum Scripted {
    TooManyRequests {
        retry_after_secs: u64,
    },
    ServerError,
    /// Waits this long, then answers normally (rotating the token).
    Slow(Duration),
    /// 200 with a body that is not JSON.
    Malformed,
}

/// Who a live grant belongs to.
#[derive(Clone, Debug)]
pub(super) struct Grant {
    provider: Provider,
    email: String,
}

#[derive(Default)]
pub(super) struct Inner {
    /// Refresh tokens that may be used now.
    live: HashMap<String, Grant>,
    /// Refresh tokens already exchanged (rotated away) or revoked.
    dead: HashSet<String>,
    requests: HashMap<Provider, usize>,
    scripts: HashMap<Provider, VecDeque<Scripted>>,
    violations: Vec<String>,
    /// Whether Google also rotates (it usually does not).
    google_rotates: bool,
    codex_omits_expires_in: bool,
    seq: u64,
}

/// The running fake. Dropping it stops the server.
pub struct FakeOAuth {
    addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeOAuth {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeOAuth {
    /// Binds 127.0.0.1:0 and serves until dropped.
    pub async fn start() -> FakeOAuth {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new()
            .route("/claude/v1/oauth/token", any(handlers::claude))
            .route("/codex/oauth/token", any(handlers::codex))
            .route("/google/token", any(handlers::google))
            .route("/redirect", any(handlers::redirect))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeOAuth { addr, inner, task }
    }

    pub fn token_url(&self, p: Provider) -> String {
        let path = match p {
            Provider::Claude => "claude/v1/oauth/token",
            Provider::Codex => "codex/oauth/token",
            _ => "google/token",
        };
        format!("http://{}/{path}", self.addr)
    }

    /// A URL that answers 307 to the Codex token endpoint (a client must not follow it).
    pub fn redirect_url(&self) -> String {
        format!("http://{}/redirect", self.addr)
    }

    /// Endpoints pointing every provider here, with the fake Google client, and `timeout`.
    pub fn endpoints(&self, timeout: Duration) -> RefreshEndpoints {
        RefreshEndpoints {
            claude_token_url: self.token_url(Provider::Claude),
            codex_token_url: self.token_url(Provider::Codex),
            antigravity_token_url: self.token_url(Provider::Antigravity),
            antigravity_client_id: Some(GOOGLE_CLIENT_ID.into()),
            antigravity_client_secret: Some(Secret::new(GOOGLE_CLIENT_SECRET)),
            timeout,
            leads: Default::default(),
        }
    }

    /// Writes `dir/rotor.toml` pointing Claude's token endpoint here, for runs of the binary.
    pub fn write_claude_config(&self, dir: &std::path::Path) -> std::path::PathBuf {
        let p = dir.join("rotor.toml");
        let text = format!(
            "[endpoints.claude]\ntoken_url = \"{}\"\n",
            self.token_url(Provider::Claude)
        );
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Signs `email` in: a fresh grant whose refresh token is live, as an import would hold it.
    pub fn sign_in(&self, p: Provider, email: &str) -> Secrets {
        let mut g = self.inner.lock();
        let (access, refresh) = (g.token(p, "at"), g.token(p, "rt"));
        let grant = Grant {
            provider: p,
            email: email.into(),
        };
        g.live.insert(refresh.clone(), grant);
        Secrets::oauth(access, Some(refresh))
    }

    /// Queues an answer for the next token request of `p`.
    pub fn script(&self, p: Provider, s: Scripted) {
        self.inner.lock().scripts.entry(p).or_default().push_back(s);
    }

    /// Revokes a refresh token (a person signed out elsewhere).
    pub fn revoke(&self, refresh_token: &str) {
        let mut g = self.inner.lock();
        g.live.remove(refresh_token);
        g.dead.insert(refresh_token.into());
    }

    /// Codex answers without `expires_in`, leaving only the access token's `exp`.
    pub fn set_codex_omits_expires_in(&self, on: bool) {
        self.inner.lock().codex_omits_expires_in = on;
    }

    pub fn set_google_rotates(&self, on: bool) {
        self.inner.lock().google_rotates = on;
    }

    /// Token requests received for `p`, whatever their answer.
    pub fn requests(&self, p: Provider) -> usize {
        self.inner.lock().requests.get(&p).copied().unwrap_or(0)
    }

    /// Everything a request got wrong (method, content type, a field); empty when all were exact.
    pub fn violations(&self) -> Vec<String> {
        self.inner.lock().violations.clone()
    }
}

impl Inner {
    pub(super) fn token(&mut self, p: Provider, kind: &str) -> String {
        self.seq += 1;
        format!(
            "fake-{p}-{kind}-{:06}-{}",
            self.seq,
            uuid::Uuid::new_v4().simple()
        )
    }

    /// Counts the request, records violations, and pops the next script.
    pub(super) fn begin(&mut self, p: Provider, problems: Vec<String>) -> Option<Scripted> {
        *self.requests.entry(p).or_default() += 1;
        self.violations
            .extend(problems.into_iter().map(|v| format!("{p}: {v}")));
        self.scripts.get_mut(&p).and_then(VecDeque::pop_front)
    }

    /// Exchanges `rt`: `Ok((grant, new refresh token or None when not rotated))`, or
    /// `Err(reused)` when it is dead (`true`) or never existed / belongs elsewhere (`false`).
    fn exchange(
        &mut self,
        p: Provider,
        rt: &str,
        rotate: bool,
    ) -> Result<(Grant, Option<String>), bool> {
        match self.live.get(rt) {
            Some(g) if g.provider == p => {
                let g = g.clone();
                if !rotate {
                    return Ok((g, None));
                }
                self.live.remove(rt);
                self.dead.insert(rt.into());
                let next = self.token(p, "rt");
                self.live.insert(next.clone(), g.clone());
                Ok((g, Some(next)))
            }
            _ => Err(self.dead.contains(rt)),
        }
    }
}

/// An unsigned JWT, as an OpenAI id_token / access token looks to a client that does not verify.
pub fn fake_jwt(claims: &Value) -> String {
    let enc = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.fakesig",
        enc(&json!({"alg": "RS256", "typ": "JWT"})),
        enc(claims)
    )
}

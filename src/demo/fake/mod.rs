//! In-process loopback fake providers and OAuth token endpoints for `rotor demo` and tests.
//! `FakeWorld::start` binds one axum server on 127.0.0.1:0 serving every provider under its own
//! path prefix, plus the token endpoints; dropping the world (or `shutdown`) stops it. Scripted
//! behaviour lives in `script`, wire shapes in one file per provider, the client side in `client`.

mod antigravity;
mod claude;
mod client;
mod codex;
mod glm;
mod oauth;
mod openai;
mod script;

pub use client::{call, FakeResponse};
pub use oauth::{CLAUDE_CLIENT_ID, CODEX_CLIENT_ID};
pub use script::{FakeAccountStats, FakeBehavior};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;

use crate::ids::Provider;
use crate::secret::{Secret, Secrets};
use crate::time::{Clock, SystemClock, Timestamp};
use script::{hex_token, AccountState, Outcome, World};

/// One scripted account of the fake world.
#[derive(Clone, Debug)]
pub struct FakeAccountConfig {
    pub provider: Provider,
    pub label: String,
    pub behavior: FakeBehavior,
}

/// What the world serves. Claude, Codex and Antigravity accounts get OAuth tokens; OpenAI and
/// GLM accounts get API keys. Gemini is not served.
#[derive(Clone)]
pub struct FakeWorldConfig {
    /// Every token, id and usage figure derives from this seed: same seed, same world.
    pub seed: u64,
    pub accounts: Vec<FakeAccountConfig>,
    /// Lifetime of each access token issued (initial ones included); the SPEC's refresh lead is
    /// 5 min, so a TTL under that makes every token "due" at once.
    pub access_ttl: Duration,
    /// Google usually keeps its refresh token; `true` makes it rotate like Claude and Codex.
    pub google_rotates_refresh: bool,
    /// The fakes' notion of now (token expiry, quota windows). Share a `ManualClock` with the
    /// engine for a reproducible run.
    pub clock: Arc<dyn Clock>,
}

impl Default for FakeWorldConfig {
    fn default() -> Self {
        FakeWorldConfig {
            seed: 1,
            accounts: Vec::new(),
            access_ttl: Duration::from_secs(3600),
            google_rotates_refresh: false,
            clock: Arc::new(SystemClock),
        }
    }
}

impl FakeWorldConfig {
    /// The demo's cast: two or three accounts per provider, each failing in its own way.
    pub fn demo(seed: u64) -> Self {
        let b = FakeBehavior::default;
        let acc = |p, l: &str, behavior| FakeAccountConfig { provider: p, label: l.into(), behavior };
        use Provider::*;
        let accounts = vec![
            acc(Claude, "claude-a", FakeBehavior { rate_limit_every: 7, rate_limit_retry_after_s: 20, token_uses: 40, ..b() }),
            acc(Claude, "claude-b", FakeBehavior { overloaded_every: 11, quota_after: 60, quota_reset_s: 300, ..b() }),
            acc(Claude, "claude-c", FakeBehavior { forbidden: true, ..b() }),
            acc(Codex, "codex-a", FakeBehavior { quota_after: 50, quota_reset_s: 600, token_uses: 30, ..b() }),
            acc(Codex, "codex-b", FakeBehavior { bad_gateway_every: 13, ..b() }),
            acc(Codex, "codex-c", FakeBehavior { token_uses: 20, refresh_revoked: true, ..b() }),
            acc(Antigravity, "antigravity-a", FakeBehavior { rate_limit_every: 5, rate_limit_retry_after_s: 10, quota_after: 80, quota_reset_s: 3600, ..b() }),
            acc(Antigravity, "antigravity-b", FakeBehavior { overloaded_every: 9, token_uses: 50, ..b() }),
            acc(Openai, "openai-a", b()),
            acc(Openai, "openai-b", FakeBehavior { rate_limit_every: 4, rate_limit_retry_after_s: 2, quota_after: 100, quota_reset_s: 1800, ..b() }),
            acc(Glm, "glm-a", FakeBehavior { quota_after: 40, quota_reset_s: 900, ..b() }),
            acc(Glm, "glm-b", FakeBehavior { rate_limit_every: 6, bad_gateway_every: 17, ..b() }),
        ];
        FakeWorldConfig { seed, accounts, access_ttl: Duration::from_secs(900), ..Default::default() }
    }
}

/// The credential an account starts with, as a user would import it.
#[derive(Clone, Debug)]
pub enum FakeCredential {
    ApiKey(Secret),
    Oauth { access: Secret, refresh: Secret, expires_at: Timestamp, id_token: Option<Secret> },
}

/// One account as the demo registers it with rotor.
#[derive(Clone, Debug)]
pub struct FakeAccountSpec {
    pub provider: Provider,
    pub label: String,
    pub credential: FakeCredential,
}

impl FakeAccountSpec {
    /// The row for rotor's `credentials` table.
    pub fn secrets(&self) -> Secrets {
        match &self.credential {
            FakeCredential::ApiKey(k) => Secrets::api_key(k.expose()),
            FakeCredential::Oauth { access, refresh, id_token, .. } => Secrets {
                id_token: id_token.clone(),
                ..Secrets::oauth(access.expose(), Some(refresh.expose().to_string()))
            },
        }
    }
    pub fn expires_at(&self) -> Option<Timestamp> {
        match &self.credential {
            FakeCredential::Oauth { expires_at, .. } => Some(*expires_at),
            FakeCredential::ApiKey(_) => None,
        }
    }
}

/// What the fakes answered so far.
#[derive(Clone, Debug, Default)]
pub struct FakeStats {
    pub accounts: Vec<FakeAccountStats>,
    /// 401s for bearers that belong to no account (rotated-away or made-up tokens).
    pub unknown_bearer: u64,
}

struct Shared {
    world: Mutex<World>,
    clock: Arc<dyn Clock>,
    next_request: AtomicU64,
}

/// A running fake world. Dropping it stops the server.
pub struct FakeWorld {
    root: String,
    pub accounts: Vec<FakeAccountSpec>,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// An HTTP answer before axum: status, headers in order, body bytes.
pub(crate) struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn json(status: u16, v: &serde_json::Value) -> Reply {
        let r = Reply { status, headers: Vec::new(), body: v.to_string().into_bytes() };
        r.header("content-type", "application/json")
    }
    fn header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }
    /// A gateway in front of any provider: HTML, not the provider's JSON.
    fn bad_gateway() -> Reply {
        let body = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n";
        Reply { status: 502, headers: Vec::new(), body: body.as_bytes().to_vec() }
            .header("content-type", "text/html")
            .header("server", "cloudflare")
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut headers = HeaderMap::new();
        for (k, v) in &self.headers {
            if let (Ok(k), Ok(v)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(v)) {
                headers.append(k, v);
            }
        }
        (status, headers, self.body).into_response()
    }
}

/// Path prefix and endpoint of each served provider.
const ROUTES: [(Provider, &str); 5] = [
    (Provider::Claude, "/v1/messages"),
    (Provider::Codex, "/backend-api/codex/responses"),
    (Provider::Antigravity, "/v1internal:generateContent"),
    (Provider::Openai, "/v1/chat/completions"),
    (Provider::Glm, "/api/paas/v4/chat/completions"),
];
const TOKEN_PATHS: [(Provider, &str); 3] = [
    (Provider::Claude, "/oauth/claude/v1/oauth/token"),
    (Provider::Codex, "/oauth/codex/oauth/token"),
    (Provider::Antigravity, "/oauth/google/token"),
];

impl FakeWorld {
    /// Issues every account's initial credentials and starts serving on 127.0.0.1 (any port).
    pub async fn start(config: FakeWorldConfig) -> std::io::Result<FakeWorld> {
        let now = config.clock.now();
        let mut world = World {
            seed: config.seed,
            access_ttl: config.access_ttl,
            google_rotates: config.google_rotates_refresh,
            ..Default::default()
        };
        let mut specs = Vec::new();
        for (idx, a) in config.accounts.iter().enumerate() {
            if !ROUTES.iter().any(|(p, _)| *p == a.provider) {
                let msg = format!("the fake world does not serve provider {}", a.provider);
                return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, msg));
            }
            world.accounts.push(AccountState {
                provider: a.provider,
                behavior: a.behavior.clone(),
                requests: 0,
                window_used: Default::default(),
                exhausted_until: Default::default(),
                generation: 0,
                stats: FakeAccountStats { provider: Some(a.provider), label: a.label.clone(), ..Default::default() },
            });
            let credential = if a.provider.uses_oauth() {
                let i = oauth::issue(&mut world, idx, now, true);
                let id_token = (a.provider == Provider::Codex)
                    .then(|| Secret::new(oauth::codex_id_token(config.seed, idx, &a.label, now)));
                FakeCredential::Oauth {
                    access: Secret::new(i.access),
                    refresh: Secret::new(i.refresh),
                    expires_at: i.expires_at,
                    id_token,
                }
            } else {
                let h = |n| hex_token(config.seed, &[idx as u64, 3], n);
                let key = match a.provider {
                    Provider::Glm => format!("{}.{}", h(32), &h(48)[32..]),
                    _ => format!("sk-proj-{}", h(48)),
                };
                world.api_keys.insert(key.clone(), idx);
                FakeCredential::ApiKey(Secret::new(key))
            };
            specs.push(FakeAccountSpec { provider: a.provider, label: a.label.clone(), credential });
        }
        let shared = Arc::new(Shared { world: Mutex::new(world), clock: config.clock, next_request: AtomicU64::new(1) });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let root = format!("http://{}", listener.local_addr()?);
        let app = axum::Router::new().fallback(handle).with_state(shared.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!("fake world server stopped: {e}");
            }
        });
        Ok(FakeWorld { root, accounts: specs, shared, stop: Some(stop), task: Some(task) })
    }

    /// Base URL of a provider's API (`call` appends the endpoint path).
    pub fn base_url(&self, provider: Provider) -> String {
        format!("{}/{}", self.root, provider.as_str())
    }

    /// The token endpoint for OAuth providers; `None` for API-key providers.
    pub fn token_url(&self, provider: Provider) -> Option<String> {
        TOKEN_PATHS.iter().find(|(p, _)| *p == provider).map(|(_, path)| format!("{}{path}", self.root))
    }

    pub fn stats(&self) -> FakeStats {
        let w = self.shared.world.lock();
        FakeStats { accounts: w.accounts.iter().map(|a| a.stats.clone()).collect(), unknown_bearer: w.unknown_bearer }
    }

    /// Stops the server and waits (briefly) for it to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
        }
    }
}

impl Drop for FakeWorld {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The bearer a request presents: `Authorization: Bearer`, else `x-api-key` / `x-goog-api-key`.
fn bearer(headers: &HeaderMap) -> String {
    let get = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(a) = get("authorization") {
        if a.len() > 7 && a[..7].eq_ignore_ascii_case("bearer ") {
            return a[7..].trim().to_string();
        }
    }
    get("x-api-key").or_else(|| get("x-goog-api-key")).unwrap_or_default().to_string()
}

async fn handle(State(s): State<Arc<Shared>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path();
    let now = s.clock.now();
    if let Some((p, _)) = TOKEN_PATHS.iter().find(|(_, tp)| *tp == path) {
        if method != Method::POST {
            return StatusCode::METHOD_NOT_ALLOWED.into_response();
        }
        return oauth::token(&mut s.world.lock(), *p, &body, now).into_response();
    }
    let route = ROUTES
        .iter()
        .find(|(p, endpoint)| path.strip_prefix('/').and_then(|r| r.strip_prefix(p.as_str())) == Some(endpoint));
    let Some((provider, _)) = route else {
        return Reply::json(404, &serde_json::json!({"error": {"message": "not found"}})).into_response();
    };
    if method != Method::POST {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let model = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("model").and_then(|m| m.as_str()).map(str::to_string))
        .unwrap_or_default();
    let bearer = bearer(&headers);
    let n = s.next_request.fetch_add(1, Ordering::Relaxed);
    let mut w = s.world.lock();
    let req_id = format!("req_{}", hex_token(w.seed, &[n, 5], 24));
    let outcome = w.decide(*provider, &bearer, &model, now);
    let reply = match (provider, &outcome) {
        (_, Outcome::Fault(script::Fault::BadGateway)) => Reply::bad_gateway(),
        (Provider::Claude, o) => claude::render(o, now, &req_id),
        (Provider::Codex, o) => codex::render(o, now, &req_id),
        (Provider::Antigravity, o) => antigravity::render(o, now, &req_id),
        (Provider::Openai, o) => openai::render(o, now, &req_id),
        (_, o) => glm::render(o, now, &req_id),
    };
    w.count(&bearer, reply.status);
    drop(w);
    reply.into_response()
}

//! A loopback fake of the three OAuth token endpoints (Claude, Codex, Google), for refresher,
//! scheduler and single-flight tests. It checks every request exactly (method, content type,
//! each field), rotates refresh tokens like the real providers, rejects reused or unknown ones
//! in each provider's real error shape, and can be scripted to answer 429 / 500 / slowly /
//! with malformed JSON. Nothing here is shared with the library: it is the far side of the wire.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
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
struct Grant {
    provider: Provider,
    email: String,
}

#[derive(Default)]
struct Inner {
    /// Refresh tokens that may be used now.
    live: HashMap<String, Grant>,
    /// Refresh tokens already exchanged (rotated away) or revoked.
    dead: HashSet<String>,
    requests: HashMap<Provider, usize>,
    scripts: HashMap<Provider, VecDeque<Scripted>>,
    violations: Vec<String>,
    /// Whether Google also rotates (it usually does not).
    google_rotates: bool,
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
            .route("/claude/v1/oauth/token", any(claude))
            .route("/codex/oauth/token", any(codex))
            .route("/google/token", any(google))
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
    fn token(&mut self, p: Provider, kind: &str) -> String {
        self.seq += 1;
        format!(
            "fake-{p}-{kind}-{:06}-{}",
            self.seq,
            uuid::Uuid::new_v4().simple()
        )
    }

    /// Counts the request, records violations, and pops the next script.
    fn begin(&mut self, p: Provider, problems: Vec<String>) -> Option<Scripted> {
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

type Shared = State<Arc<Mutex<Inner>>>;

fn check_common(method: &Method, headers: &HeaderMap, content_type: &str) -> Vec<String> {
    let mut v = Vec::new();
    if method != Method::POST {
        v.push(format!("method {method}, expected POST"));
    }
    let h = |n: header::HeaderName| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !h(header::CONTENT_TYPE).starts_with(content_type) {
        v.push(format!(
            "content-type {:?}, expected {content_type}",
            h(header::CONTENT_TYPE)
        ));
    }
    if h(header::ACCEPT) != "application/json" {
        v.push(format!("accept {:?}", h(header::ACCEPT)));
    }
    if !h(header::USER_AGENT).starts_with("rotor/") {
        v.push(format!("user-agent {:?}", h(header::USER_AGENT)));
    }
    v
}

/// Checks that `fields` holds exactly `expected` (`None` = present, any value) and no more.
fn check_fields(
    fields: &HashMap<String, String>,
    expected: &[(&str, Option<&str>)],
) -> Vec<String> {
    let mut v = Vec::new();
    for (k, want) in expected {
        match (fields.get(*k), want) {
            (None, _) => v.push(format!("missing field {k}")),
            (Some(got), Some(want)) if got != want => {
                v.push(format!("field {k} = {got:?}, expected {want:?}"))
            }
            _ => {}
        }
    }
    for k in fields.keys() {
        if !expected.iter().any(|(e, _)| e == k) {
            v.push(format!("unexpected field {k}"));
        }
    }
    v
}

fn form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// Applies a script that answers without touching grants; `Slow` sleeps and falls through.
async fn scripted(s: Option<Scripted>) -> Option<Response> {
    match s? {
        Scripted::TooManyRequests { retry_after_secs } => Some(
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, retry_after_secs.to_string())],
                Json(json!({"error": "rate_limited", "error_description": "slow down"})),
            )
                .into_response(),
        ),
        Scripted::ServerError => {
            Some((StatusCode::INTERNAL_SERVER_ERROR, "upstream connect error").into_response())
        }
        Scripted::Malformed => Some(
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                "{\"access_token\": ",
            )
                .into_response(),
        ),
        Scripted::Slow(d) => {
            tokio::time::sleep(d).await;
            None
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

async fn claude(State(s): Shared, method: Method, headers: HeaderMap, body: Bytes) -> Response {
    let fields: HashMap<String, String> = serde_json::from_slice::<HashMap<String, Value>>(&body)
        .map(|m| {
            m.into_iter()
                .map(|(k, v)| (k, v.as_str().unwrap_or("<not a string>").to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let mut problems = check_common(&method, &headers, "application/json");
    problems.extend(check_fields(
        &fields,
        &[
            ("grant_type", Some("refresh_token")),
            ("refresh_token", None),
            ("client_id", Some(CLAUDE_CLIENT_ID)),
        ],
    ));
    let script = s.lock().begin(Provider::Claude, problems);
    if let Some(r) = scripted(script).await {
        return r;
    }
    let rt = fields.get("refresh_token").cloned().unwrap_or_default();
    let mut g = s.lock();
    match g.exchange(Provider::Claude, &rt, true) {
        Ok((grant, next)) => Json(json!({
            "token_type": "Bearer",
            "access_token": g.token(Provider::Claude, "at"),
            "expires_in": EXPIRES_IN,
            "refresh_token": next,
            "scope": "user:inference user:profile",
            "organization": {"uuid": "org-fake-1", "name": "Fake Org"},
            "account": {"uuid": "acct-fake-1", "email_address": grant.email},
        }))
        .into_response(),
        // Anthropic answers RFC 6749 errors; a reused token is just an invalid grant.
        Err(_) => (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant", "error_description": "Invalid 'refresh_token' in request."}))).into_response(),
    }
}

async fn codex(State(s): Shared, method: Method, headers: HeaderMap, body: Bytes) -> Response {
    let fields = form(&body);
    let mut problems = check_common(&method, &headers, "application/x-www-form-urlencoded");
    problems.extend(check_fields(
        &fields,
        &[
            ("client_id", Some(CODEX_CLIENT_ID)),
            ("grant_type", Some("refresh_token")),
            ("refresh_token", None),
            ("scope", Some("openid profile email")),
        ],
    ));
    let script = s.lock().begin(Provider::Codex, problems);
    if let Some(r) = scripted(script).await {
        return r;
    }
    let rt = fields.get("refresh_token").cloned().unwrap_or_default();
    let mut g = s.lock();
    match g.exchange(Provider::Codex, &rt, true) {
        Ok((grant, next)) => {
            let auth = json!({"chatgpt_account_id": "acct-codex-1", "chatgpt_plan_type": "plus"});
            let id = fake_jwt(&json!({"email": grant.email, "exp": 4_102_444_800u64, "https://api.openai.com/auth": auth}));
            Json(json!({
                "id_token": id,
                "access_token": g.token(Provider::Codex, "at"),
                "refresh_token": next,
                "expires_in": EXPIRES_IN,
                "token_type": "Bearer",
                "scope": "openid profile email",
            }))
            .into_response()
        }
        // OpenAI's shape, as the Codex CLI sees it when a rotated token is sent again.
        Err(true) => (StatusCode::UNAUTHORIZED, Json(json!({"error": {"message": "Your refresh token has already been used to generate a new access token. Please try signing in again.", "type": "invalid_request_error", "param": null, "code": "refresh_token_reused"}}))).into_response(),
        Err(false) => (StatusCode::UNAUTHORIZED, Json(json!({"error": {"message": "Could not validate your refresh token. Please try signing in again.", "type": "invalid_request_error", "param": null, "code": "refresh_token_invalidated"}}))).into_response(),
    }
}

async fn google(State(s): Shared, method: Method, headers: HeaderMap, body: Bytes) -> Response {
    let fields = form(&body);
    let mut problems = check_common(&method, &headers, "application/x-www-form-urlencoded");
    problems.extend(check_fields(
        &fields,
        &[
            ("client_id", Some(GOOGLE_CLIENT_ID)),
            ("client_secret", Some(GOOGLE_CLIENT_SECRET)),
            ("grant_type", Some("refresh_token")),
            ("refresh_token", None),
        ],
    ));
    let script = s.lock().begin(Provider::Antigravity, problems);
    if let Some(r) = scripted(script).await {
        return r;
    }
    let rt = fields.get("refresh_token").cloned().unwrap_or_default();
    let mut g = s.lock();
    let rotate = g.google_rotates;
    match g.exchange(Provider::Antigravity, &rt, rotate) {
        Ok((_, next)) => {
            let mut v = json!({
                "access_token": format!("ya29.{}", g.token(Provider::Antigravity, "at")),
                "expires_in": EXPIRES_IN - 1,
                "scope": "https://www.googleapis.com/auth/cloud-platform",
                "token_type": "Bearer",
            });
            if let Some(next) = next {
                v["refresh_token"] = json!(next);
            }
            Json(v).into_response()
        }
        Err(_) => (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}))).into_response(),
    }
}

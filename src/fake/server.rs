//! The HTTP side of the fake world: one axum fallback handler that routes by path to a
//! provider (or a token endpoint), reads the bearer and model, asks the shared `World` for the
//! scripted outcome and renders it in that provider's wire shape (`Reply`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;

use super::reply::Reply;
use super::script::{self, hex_token, Outcome, World};
use super::{antigravity, claude, codex, glm, oauth, openai};
use crate::ids::Provider;
use crate::time::Clock;

pub(super) struct Shared {
    pub world: Mutex<World>,
    pub clock: Arc<dyn Clock>,
    pub next_request: AtomicU64,
}

/// Path prefix and endpoint of each served provider.
pub(super) const ROUTES: [(Provider, &str); 5] = [
    (Provider::Claude, "/v1/messages"),
    (Provider::Codex, "/backend-api/codex/responses"),
    (Provider::Antigravity, "/v1internal:generateContent"),
    (Provider::Openai, "/v1/chat/completions"),
    (Provider::Glm, "/api/paas/v4/chat/completions"),
];
pub(super) const TOKEN_PATHS: [(Provider, &str); 3] = [
    (Provider::Claude, "/oauth/claude/v1/oauth/token"),
    (Provider::Codex, "/oauth/codex/oauth/token"),
    (Provider::Antigravity, "/oauth/google/token"),
];

/// The bearer a request presents: `Authorization: Bearer`, else `x-api-key` / `x-goog-api-key`.
fn bearer(headers: &HeaderMap) -> String {
    let get = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(a) = get("authorization") {
        // `get` on byte ranges: a header is ASCII here, but never slice blindly.
        if let (Some(scheme), Some(token)) = (a.get(..7), a.get(7..)) {
            if scheme.eq_ignore_ascii_case("bearer ") {
                return token.trim().to_string();
            }
        }
    }
    get("x-api-key")
        .or_else(|| get("x-goog-api-key"))
        .unwrap_or_default()
        .to_string()
}

pub(super) async fn handle(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let now = s.clock.now();
    if let Some((p, _)) = TOKEN_PATHS.iter().find(|(_, tp)| *tp == path) {
        if method != Method::POST {
            return StatusCode::METHOD_NOT_ALLOWED.into_response();
        }
        return oauth::token(&mut s.world.lock(), *p, &body, now).into_response();
    }
    let route = ROUTES.iter().find(|(p, endpoint)| {
        path.strip_prefix('/')
            .and_then(|r| r.strip_prefix(p.as_str()))
            == Some(endpoint)
    });
    let Some((provider, _)) = route else {
        return Reply::json(404, &serde_json::json!({"error": {"message": "not found"}}))
            .into_response();
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

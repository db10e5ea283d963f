//! The fake's three token endpoints: exact request checks (method, content type, headers,
//! every field), scripted trouble, and answers and errors in each provider's real shape.
//! State and the public API live in the parent module.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use parking_lot::Mutex;
use rotor::Provider;
use serde_json::{json, Value};

use super::{
    fake_jwt, Inner, Scripted, ACCESS_JWT_EXP, CLAUDE_CLIENT_ID, CODEX_CLIENT_ID, EXPIRES_IN,
    GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET,
};

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

pub(super) async fn claude(
    State(s): Shared,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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

pub(super) async fn codex(
    State(s): Shared,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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
            // Codex access tokens are JWTs too; `jti` keeps each one distinct.
            let jti = g.token(Provider::Codex, "at");
            let access = fake_jwt(&json!({"exp": ACCESS_JWT_EXP, "jti": jti}));
            let mut v = json!({
                "id_token": id,
                "access_token": access,
                "refresh_token": next,
                "expires_in": EXPIRES_IN,
                "token_type": "Bearer",
                "scope": "openid profile email",
            });
            if g.codex_omits_expires_in {
                v.as_object_mut().map(|o| o.remove("expires_in"));
            }
            Json(v).into_response()
        }
        // OpenAI's shape, as the Codex CLI sees it when a rotated token is sent again.
        Err(true) => (StatusCode::UNAUTHORIZED, Json(json!({"error": {"message": "Your refresh token has already been used to generate a new access token. Please try signing in again.", "type": "invalid_request_error", "param": null, "code": "refresh_token_reused"}}))).into_response(),
        Err(false) => (StatusCode::UNAUTHORIZED, Json(json!({"error": {"message": "Could not validate your refresh token. Please try signing in again.", "type": "invalid_request_error", "param": null, "code": "refresh_token_invalidated"}}))).into_response(),
    }
}

pub(super) async fn google(
    State(s): Shared,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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

/// 307 keeps method and body: following it would re-send the refresh token elsewhere.
pub(super) async fn redirect() -> Response {
    (
        StatusCode::TEMPORARY_REDIRECT,
        [(header::LOCATION, "/codex/oauth/token")],
    )
        .into_response()
}

//! Managing accounts over HTTP, since the server holds the log: list, add (an API key or OAuth
//! tokens), import (a credential file's content), update (label, priority, weight, models,
//! enabled, cooldown), remove, refresh now and clear blocks. Secrets go in and never come out: answers
//! carry fingerprints. `{id}` is an account id or a label naming exactly one account.

use std::collections::HashMap;

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

use super::error::{raw_body, ApiError, JsonBody};
use super::App;
use crate::engine::AccountChanges;
use crate::event::{DisableReason, Identity, RefreshWhy};
use crate::ids::{AccountId, Model, Provider};
use crate::secret::Secrets;
use crate::state::{Account, State as Projections};
use crate::time::{format_ts, parse_ts};
use crate::NewAccount;

/// One account as `GET /v1/accounts` shows it: settings, status, token expiry, refresh state
/// (and why it can never be refreshed, from `stuck`: [`crate::Engine::cannot_refresh`]) and
/// per-model counters, with the credential's fingerprint only.
/// `leased(provider, model, account)` counts the leases so far.
pub fn account_json(
    a: &Account,
    leased: &dyn Fn(Provider, &str, AccountId) -> u64,
    stuck: &HashMap<AccountId, String>,
) -> Value {
    let mut health: Vec<_> = a.health.iter().collect();
    health.sort_unstable_by(|x, y| x.0.cmp(y.0));
    json!({
        "id": a.id, "label": a.label, "provider": a.provider, "status": a.status.as_str(),
        "priority": a.priority, "weight": a.weight, "models": a.models,
        "cooldown": !a.cooldown_off,
        "credential": a.credential, "fingerprint": a.fingerprint, "generation": a.generation,
        "expires_at": a.expires_at.map(format_ts), "identity": a.identity,
        "cannot_refresh": stuck.get(&a.id),
        "refresh": {
            "in_flight": a.refresh.in_flight, "blocking": a.refresh.blocking,
            "consecutive_failures": a.refresh.consecutive_failures,
            "next_attempt_at": a.refresh.next_attempt_at.map(format_ts),
            "last_error": a.refresh.last_error,
        },
        "health": health.iter().map(|(m, h)| json!({
            "model": m, "requests": leased(a.provider, m, a.id), "failures": h.failures,
            "consecutive_failures": h.consecutive_failures,
        })).collect::<Vec<_>>(),
    })
}

/// Accounts in provider then rotation order.
fn ordered(s: &Projections) -> Vec<&Account> {
    Provider::ALL
        .into_iter()
        .flat_map(|p| s.provider_accounts(p))
        .collect()
}

pub async fn list(State(app): State<App>) -> Json<Value> {
    let stuck = app.engine.cannot_refresh();
    Json(app.engine.with_leases(|s, l| {
        let rows = ordered(s).into_iter().map(|a| account_json(a, l, &stuck));
        rows.collect()
    }))
}

fn resolve(app: &App, id: &str) -> Result<AccountId, ApiError> {
    Ok(app.engine.resolve(id)?)
}

fn one(app: &App, id: AccountId) -> Result<Json<Value>, ApiError> {
    let stuck = app.engine.cannot_refresh();
    app.engine
        .with_leases(|s, l| s.accounts.get(&id).map(|a| account_json(a, l, &stuck)))
        .map(Json)
        .ok_or_else(|| ApiError::not_found("unknown_account", format!("no account {id}")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddBody {
    provider: String,
    label: String,
    #[serde(default)]
    api_key: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_at: Option<String>,
    #[serde(default)]
    priority: u32,
    #[serde(default = "one_weight")]
    weight: u32,
    #[serde(default)]
    models: Option<Vec<String>>,
    /// Who the credential belongs to (e.g. a Codex `account_id`, an Antigravity `project_id`).
    #[serde(default)]
    identity: Identity,
}

fn one_weight() -> u32 {
    1
}

pub async fn add(
    State(app): State<App>,
    JsonBody(b): JsonBody<AddBody>,
) -> Result<Response, ApiError> {
    let secrets = match (b.api_key, b.access_token) {
        (Some(k), None) if b.refresh_token.is_none() => Secrets::api_key(k.trim()),
        (None, Some(t)) => Secrets::oauth(t.trim(), b.refresh_token.map(|r| r.trim().to_string())),
        _ => return Err(ApiError::bad_request(
            "give either api_key, or access_token (with refresh_token and expires_at when known)",
        )),
    };
    let provider: Provider = b.provider.parse()?;
    let expires_at = b.expires_at.as_deref().map(parse_ts).transpose()?;
    let id = app.engine.add_account(NewAccount {
        provider,
        label: b.label.trim().to_string(),
        priority: b.priority,
        weight: b.weight,
        models: b
            .models
            .map(|m| m.iter().map(|s| Model::from(s.trim())).collect()),
        secrets,
        expires_at,
        identity: b.identity,
    })?;
    Ok((StatusCode::CREATED, one(&app, id)?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// The file's name, to label an account whose content names no email.
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    priority: Option<u32>,
    #[serde(default)]
    weight: Option<u32>,
}

/// `POST /v1/accounts/import`: the body is the credential file itself.
pub async fn import(
    State(app): State<App>,
    Query(q): Query<ImportQuery>,
    req: Request,
) -> Result<Response, ApiError> {
    let bytes = raw_body(req).await?;
    let stem = q
        .name
        .as_deref()
        .map(|n| n.rsplit('/').next().unwrap_or(n).trim_end_matches(".json"));
    let cred = crate::import::read_credential_bytes(
        &bytes,
        stem.filter(|s| !s.is_empty()).unwrap_or("imported"),
    )
    .map_err(|why| ApiError::bad_request(format!("import: {why}")))?;
    let (id, action) =
        app.engine
            .import_credential(&cred, q.priority.unwrap_or(0), q.weight.unwrap_or(1))?;
    let summary = cred.summary();
    let status = if action == crate::engine::ImportAction::Added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let body = json!({
        "id": id, "label": summary.label, "provider": summary.provider, "action": action,
        "format": summary.format, "expires_at": summary.expires_at.map(format_ts),
        "identity": summary.identity, "fingerprints": summary.fingerprints,
    });
    Ok((status, Json(body)).into_response())
}

/// `null` and absent differ for `models`: `null` clears the allow-list, absent keeps it.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    priority: Option<u32>,
    #[serde(default)]
    weight: Option<u32>,
    #[serde(default, deserialize_with = "present")]
    models: Option<Option<Vec<String>>>,
    #[serde(default)]
    enabled: Option<bool>,
    /// `false` switches the account's cooldowns off, `true` back on.
    #[serde(default)]
    cooldown: Option<bool>,
}

pub async fn patch(
    State(app): State<App>,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<PatchBody>,
) -> Result<Response, ApiError> {
    let account = resolve(&app, &id)?;
    let changes = AccountChanges {
        label: b.label,
        priority: b.priority,
        weight: b.weight,
        models: b
            .models
            .map(|m| m.map(|m| m.iter().map(|s| Model::from(s.trim())).collect())),
        cooldown: b.cooldown,
    };
    if !changes.is_empty() {
        app.engine.change_account(account, changes)?;
    }
    match b.enabled {
        Some(true) => app.engine.enable_account(account)?,
        Some(false) => app.engine.disable_account(account, DisableReason::Manual)?,
        None => {}
    }
    Ok(one(&app, account)?.into_response())
}

pub async fn remove(
    State(app): State<App>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let account = resolve(&app, &id)?;
    app.engine.remove_account(account)?;
    Ok(Json(json!({"id": account, "removed": true})))
}

/// `POST /v1/accounts/{id}/refresh`: refreshes now (a manual refresh skips the backoff) and
/// answers with the outcome (`refreshed`, `failed` or `skipped`, fingerprints only).
pub async fn refresh(
    State(app): State<App>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let account = resolve(&app, &id)?;
    let outcome = app.engine.refresh_now(account, RefreshWhy::Manual).await?;
    Ok(Json(serde_json::to_value(outcome).unwrap_or(Value::Null)))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ClearBody {
    #[serde(default)]
    model: Option<String>,
}

/// `POST /v1/accounts/{id}/clear`: lifts one model's block, or every block of the account.
/// An empty body clears them all.
pub async fn clear(
    State(app): State<App>,
    Path(id): Path<String>,
    req: Request,
) -> Result<Json<Value>, ApiError> {
    let account = resolve(&app, &id)?;
    let bytes = raw_body(req).await?;
    let b: ClearBody = if bytes.iter().all(u8::is_ascii_whitespace) {
        ClearBody::default()
    } else {
        serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::bad_request(format!("body is not the expected JSON: {e}")))?
    };
    app.engine.clear(account, b.model.as_deref())?;
    Ok(Json(
        json!({"account": account, "model": b.model, "cleared": true}),
    ))
}

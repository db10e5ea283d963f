//! Looking at the engine over HTTP: `GET /v1/status` (the `status --json` document, each block
//! with the seq of the failure that caused it), `GET /v1/explain/{request}` (the
//! `replay --explain --json` document) and `GET /v1/events` (pages of the log).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::Json;
use parking_lot::Mutex;
use rustc_hash::FxHashMap;
use serde::Deserialize;
use serde_json::Value;

use super::error::ApiError;
use super::logread;
use super::App;
use crate::ids::{AccountId, RequestId};
use crate::time::{parse_ts, Timestamp};

/// Causes found so far, by (account, model, until): a block's cause never changes.
pub type CauseCache = Arc<Mutex<FxHashMap<(AccountId, Option<String>, Timestamp), Option<u64>>>>;
/// Entries kept before the cache starts over.
const CAUSES_KEPT: usize = 10_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusQuery {
    /// Evaluate blocks at this time (RFC 3339) instead of now, as `status --at`.
    #[serde(default)]
    at: Option<String>,
}

pub async fn status(
    State(app): State<App>,
    Query(q): Query<StatusQuery>,
) -> Result<Json<Value>, ApiError> {
    let at = match q.at.as_deref() {
        Some(t) => parse_ts(t)?,
        None => app.engine.now(),
    };
    let view = app.engine.status(at);
    let mut doc = serde_json::to_value(&view).unwrap_or(Value::Null);
    add_causes(&app, &mut doc).await?;
    Ok(Json(doc))
}

/// Adds `cause_seq` (the `request_failed` that set it, or null) to every block with an `until`.
async fn add_causes(app: &App, doc: &mut Value) -> Result<(), ApiError> {
    let mut wanted = Vec::new();
    for a in doc["accounts"].as_array().into_iter().flatten() {
        let Some(id) = a["id"].as_str().and_then(|s| s.parse::<AccountId>().ok()) else {
            continue;
        };
        for b in a["blocks"].as_array().into_iter().flatten() {
            let Some(until) = b["until"].as_str().and_then(|t| parse_ts(t).ok()) else {
                continue;
            };
            wanted.push((id, b["model"].as_str().map(str::to_string), until));
        }
    }
    let missing: Vec<_> = {
        let cache = app.causes.lock();
        wanted
            .iter()
            .filter(|k| !cache.contains_key(*k))
            .cloned()
            .collect()
    };
    if !missing.is_empty() {
        // The failure that set a block may still be in the writer's queue.
        app.engine.flush().await?;
        let mut found = Vec::with_capacity(missing.len());
        for (a, m, u) in missing {
            let cause = app.log.block_cause(a, m.clone(), u).await?;
            found.push(((a, m, u), cause));
        }
        let mut cache = app.causes.lock();
        if cache.len() > CAUSES_KEPT {
            cache.clear();
        }
        cache.extend(found);
    }
    let cache = app.causes.lock();
    for a in doc["accounts"].as_array_mut().into_iter().flatten() {
        let Some(id) = a["id"].as_str().and_then(|s| s.parse::<AccountId>().ok()) else {
            continue;
        };
        for b in a["blocks"].as_array_mut().into_iter().flatten() {
            let until = b["until"].as_str().and_then(|t| parse_ts(t).ok());
            let key = until.map(|u| (id, b["model"].as_str().map(str::to_string), u));
            let seq = key.and_then(|k| cache.get(&k).copied().flatten());
            b["cause_seq"] = seq.map_or(Value::Null, Value::from);
        }
    }
    Ok(())
}

pub async fn explain(
    State(app): State<App>,
    Path(request): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let request: RequestId = request.parse()?;
    app.engine.flush().await?;
    match app.log.explain(request).await? {
        Some(ex) => Ok(Json(serde_json::to_value(ex).unwrap_or(Value::Null))),
        None => Err(ApiError::not_found(
            "unknown_request",
            format!("no decision for request {request} in the log"),
        )),
    }
}

/// Largest page of `GET /v1/events`.
pub const MAX_PAGE: u32 = 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Events after this seq (default 0).
    #[serde(default)]
    after: u64,
    /// At most this many (default 100, at most 1000).
    #[serde(default)]
    limit: Option<u32>,
    /// Only events of this kind (e.g. `no_account`).
    #[serde(default)]
    kind: Option<String>,
    /// The newest `limit` events instead of the oldest after `after`.
    #[serde(default)]
    last: bool,
}

/// `GET /v1/events?after=SEQ&limit=N[&kind=K][&last=true]` → `{"events": [...], "next_after"}`.
pub async fn events(
    State(app): State<App>,
    Query(q): Query<EventsQuery>,
) -> Result<Json<Value>, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::bad_request(format!(
            "limit must be 1 to {MAX_PAGE}"
        )));
    }
    let page = app.log.page(q.after, limit, q.kind.clone(), q.last).await?;
    let next_after = page.last().map_or(q.after, |r| r.seq);
    let events: Vec<Value> = page.iter().map(logread::to_json).collect();
    Ok(Json(
        serde_json::json!({"events": events, "next_after": next_after}),
    ))
}

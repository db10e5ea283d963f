//! `POST /v1/report` over HTTP: the outcome of a leased request, by request id only (status,
//! headers and body; success with usage; a network error; a cancel). The lease comes from
//! memory, else from the log; a request is reported once.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::error::{ApiError, JsonBody};
use super::leases::{Pending, Take};
use super::logread::Found;
use super::App;
use crate::event::Usage;
use crate::ids::RequestId;
use crate::parse::Headers;
use crate::time::format_ts;
use crate::Outcome;

#[derive(Deserialize, Clone, Copy, Debug)]
#[serde(rename_all = "snake_case")]
pub enum NetworkError {
    Connect,
    Timeout,
    Reset,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    request: RequestId,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    success: Option<bool>,
    #[serde(default)]
    usage: Option<Usage>,
    #[serde(default)]
    network_error: Option<NetworkError>,
    #[serde(default)]
    cancelled: Option<bool>,
}

impl ReportBody {
    /// The outcome this body describes: exactly one of success, status, network error, cancel.
    /// A 2xx status without `success` is a success (its body is scanned for usage).
    fn outcome(self) -> Result<Outcome, ApiError> {
        let headers: Headers = self.headers.iter().collect();
        let body = self.body.map(String::into_bytes);
        let given = [
            self.success == Some(true),
            self.status.is_some(),
            self.network_error.is_some(),
            self.cancelled == Some(true),
        ];
        let success =
            self.success == Some(true) || self.status.is_some_and(|s| (200..300).contains(&s));
        if let Some(s) = self.status.filter(|s| !(100..=599).contains(s)) {
            return Err(ApiError::bad_request(format!(
                "status {s} is not an HTTP status"
            )));
        }
        if self.usage.is_some() && !success {
            return Err(ApiError::bad_request("usage goes with a success"));
        }
        let conflicting = given.iter().filter(|g| **g).count() > 1
            && !(self.success == Some(true)
                && self.status.is_some_and(|s| (200..300).contains(&s)));
        if conflicting {
            return Err(ApiError::bad_request(
                "give only one of success, status, network_error, cancelled",
            ));
        }
        Ok(match (self.cancelled, self.network_error, self.status) {
            (Some(true), _, _) => Outcome::Cancelled,
            (_, Some(n), _) => Outcome::Network {
                message: format!("{n:?}").to_lowercase(),
            },
            _ if success => Outcome::Success {
                usage: self.usage,
                headers,
                body,
            },
            (_, _, Some(status)) => Outcome::failure(status, headers, body.unwrap_or_default()),
            _ => {
                return Err(ApiError::bad_request(
                    "give one of success, status, network_error, cancelled",
                ))
            }
        })
    }
}

pub async fn report(
    State(app): State<App>,
    JsonBody(b): JsonBody<ReportBody>,
) -> Result<Response, ApiError> {
    let request = b.request;
    let outcome = b.outcome()?;
    let cancelled = matches!(outcome, Outcome::Cancelled);
    let pending = match app.leases.take(request) {
        Take::Pending(p) => p,
        Take::Reporting => return Err(already_reported(request)),
        Take::Missing => leased_in_log(&app, request).await?,
    };
    let at = app.engine.now();
    let latency = (at - pending.issued_at).to_std().ok();
    let target = crate::ReportFor {
        request: Some(request),
        generation: pending.generation,
        latency,
        ..crate::ReportFor::new(pending.account, &pending.model, at)
    };
    let r = app.engine.report_for(target, outcome);
    // The outcome is queued (or refused): from now on the log answers for this request.
    app.leases.reported(request);
    let r = r?;
    let (kind, scope) = match &r.error {
        Some(e) => (e.kind.as_str(), Some(e.scope)),
        None if cancelled => ("cancelled", None),
        None => ("success", None),
    };
    let block = r
        .block
        .as_ref()
        .map(|b| json!({"scope": b.scope, "reason": b.reason, "until": format_ts(b.until)}));
    Ok(Json(json!({
        "request": request, "account": pending.account, "model": &*pending.model,
        "kind": kind, "scope": scope, "block": block, "refresh_due": r.refresh_due,
    }))
    .into_response())
}

/// A lease this server no longer holds in memory: flushed first, so an outcome reported a moment
/// ago is in the log and a second report is refused.
async fn leased_in_log(app: &App, request: RequestId) -> Result<Pending, ApiError> {
    app.engine.flush().await?;
    match app.log.find_request(request).await? {
        Found::Leased(account, model, issued_at, generation) => Ok(Pending {
            account,
            model,
            generation,
            issued_at,
        }),
        Found::Reported => Err(already_reported(request)),
        Found::Unknown => Err(ApiError::not_found(
            "unknown_request",
            format!("no lease with request id {request}"),
        )),
    }
}

fn already_reported(request: RequestId) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "already_reported",
        format!("request {request} was already reported"),
    )
}

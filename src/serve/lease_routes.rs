//! `POST /v1/select` over HTTP: a lease with its credential (and the provider extras a request
//! needs), or 429 with an honest `Retry-After` and every skip. The engine decides; this file
//! translates JSON both ways and remembers the lease for its report (`report_routes.rs`).

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::error::{ApiError, JsonBody};
use super::leases::Pending;
use super::App;
use crate::ids::{AccountId, Provider, RequestId};
use crate::select::{SelectOpts, Strategy};
use crate::time::{format_ts, serde_ts_opt, Timestamp};
use crate::{Lease, NoAccount};

/// Model names longer than this are refused (they become log rows and metric labels).
const MAX_MODEL: usize = 256;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectBody {
    provider: String,
    model: String,
    #[serde(default)]
    session: Option<String>,
    /// Accounts (id or label) already tried for this request.
    #[serde(default)]
    exclude: Vec<String>,
}

#[derive(Serialize)]
struct LeaseOut<'a> {
    request: RequestId,
    account: AccountId,
    label: &'a str,
    provider: Provider,
    /// The model the lease is rotated as; `asked_model` is the name asked for (a variant or
    /// an alias of it, or the same).
    model: &'a str,
    asked_model: &'a str,
    strategy: Strategy,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    probe: bool,
    credential: CredentialOut<'a>,
    #[serde(with = "serde_ts_opt")]
    expires_at: Option<Timestamp>,
}

#[derive(Serialize)]
struct CredentialOut<'a> {
    kind: &'static str,
    bearer: Option<&'a str>,
    /// Codex: the ChatGPT account id its requests carry.
    #[serde(skip_serializing_if = "Option::is_none")]
    account_id: Option<&'a str>,
    /// Antigravity: the Google Cloud project its requests name.
    #[serde(skip_serializing_if = "Option::is_none")]
    project_id: Option<&'a str>,
}

pub async fn select(
    State(app): State<App>,
    JsonBody(b): JsonBody<SelectBody>,
) -> Result<Response, ApiError> {
    let provider: Provider = b.provider.parse()?;
    let model = b.model.trim();
    if model.is_empty() || model.len() > MAX_MODEL {
        return Err(ApiError::bad_request(format!(
            "model must be 1 to {MAX_MODEL} characters"
        )));
    }
    let exclude = if b.exclude.is_empty() {
        Vec::new()
    } else {
        app.engine.with_state(|s| {
            b.exclude
                .iter()
                .map(|n| crate::status::resolve_account(s, n))
                .collect::<crate::Result<Vec<_>>>()
        })?
    };
    let opts = SelectOpts {
        session: b.session,
        exclude,
        at: None,
    };
    match app.engine.select(provider, model, &opts) {
        Ok(lease) => {
            app.leases.insert(lease.request, Pending::from(&lease));
            Ok(lease_response(&app, &lease))
        }
        Err(no) => Ok(no_account_response(&app, &no)),
    }
}

fn lease_response(app: &App, lease: &Lease) -> Response {
    let kind = if lease.credential.api_key.is_some() {
        "api_key"
    } else {
        "oauth"
    };
    app.engine.with_state(|s| {
        let account = s.accounts.get(&lease.account);
        let identity = account.map(|a| &a.identity);
        // What a request to that provider must carry besides the bearer.
        let (account_id, project_id) = match lease.provider {
            Provider::Codex => (identity.and_then(|i| i.account_id.as_deref()), None),
            Provider::Antigravity => (None, identity.and_then(|i| i.project_id.as_deref())),
            _ => (None, None),
        };
        Json(LeaseOut {
            request: lease.request,
            account: lease.account,
            label: account.map_or("", |a| &a.label),
            provider: lease.provider,
            model: &lease.model,
            asked_model: &lease.asked_model,
            strategy: lease.strategy,
            probe: lease.probe,
            credential: CredentialOut {
                kind,
                bearer: lease.bearer(),
                account_id,
                project_id,
            },
            expires_at: account.and_then(|a| a.expires_at),
        })
        .into_response()
    })
}

/// 429 with `Retry-After` (whole seconds, at least 1) when some account frees by itself.
fn no_account_response(app: &App, no: &NoAccount) -> Response {
    let now = app.engine.now();
    let retry_after = no.earliest_at.map(|t| {
        ((t - now).num_milliseconds().max(0) as u64)
            .div_ceil(1000)
            .max(1)
    });
    let skipped: Vec<_> = app.engine.with_state(|s| {
        no.skipped
            .iter()
            .map(|k| {
                let label = s.accounts.get(&k.account).map(|a| a.label.as_str());
                json!({"account": k.account, "label": label, "reason": k.reason, "until": k.until.map(format_ts)})
            })
            .collect()
    });
    let body = json!({
        "error": "no_account",
        "message": no.to_string(),
        "request": no.request,
        "provider": no.provider,
        "model": &*no.model,
        "earliest_at": no.earliest_at.map(format_ts),
        "retry_after_s": retry_after,
        "skipped": skipped,
    });
    let mut res = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    if let Some(s) = retry_after {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    res
}

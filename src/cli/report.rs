//! `rotor report`: record the outcome of a request (success with its usage, an HTTP failure
//! with its headers and body, a network error, a cancel) and say what was blocked. A request
//! is reported once: a second report of a request id is refused (exit 2).

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::input::parse_usage;
use super::{parse_at, read_body, Ctx};
use crate::event::Event;
use crate::ids::{AccountId, RequestId};
use crate::parse::{Headers, Scope};
use crate::store::{self, Unknown};
use crate::time::{format_ts, Timestamp};
use crate::{Error, Outcome, Result};

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The request id `select` returned (each request is reported once).
    #[arg(long, value_name = "ID", conflicts_with_all = ["account", "model"])]
    pub request: Option<RequestId>,
    /// Instead of --request: the account (id or label) that served the request (with --model).
    #[arg(long, requires = "model")]
    pub account: Option<String>,
    /// With --account: the model the request was for.
    #[arg(long)]
    pub model: Option<String>,
    /// HTTP status of a failed response.
    #[arg(long, value_name = "N", conflicts_with = "success")]
    pub status: Option<u16>,
    /// The request got no HTTP response: a `transient` failure.
    #[arg(long, value_name = "KIND", value_enum, conflicts_with_all = ["success", "status"])]
    pub network_error: Option<NetworkError>,
    /// The caller gave up on the request: no fault of the account, nothing is blocked.
    #[arg(long, conflicts_with_all = ["success", "status", "network_error"])]
    pub cancelled: bool,
    /// A response header, 'name: value' (repeatable); rate-limit headers are read from it.
    #[arg(long, value_name = "HEADER")]
    pub header: Vec<String>,
    /// The response body: a file, or - for standard input (at most 4 MiB).
    #[arg(long, value_name = "FILE")]
    pub body: Option<PathBuf>,
    /// The request succeeded.
    #[arg(long)]
    pub success: bool,
    /// Token usage of a success, as JSON in Anthropic's ({"input_tokens","output_tokens"}),
    /// OpenAI's ({"prompt_tokens","completion_tokens"}) or Gemini's ({"promptTokenCount",
    /// "candidatesTokenCount"}) shape.
    #[arg(long, value_name = "JSON", requires = "success")]
    pub usage: Option<String>,
    /// When the response arrived (RFC 3339; default now): stated waits count from it.
    #[arg(long, value_name = "TIME", value_parser = parse_at)]
    pub at: Option<Timestamp>,
}

/// How a request with no HTTP response ended.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum NetworkError {
    /// The connection was refused or could not be made.
    Connect,
    /// No response came in time.
    Timeout,
    /// The connection was reset mid-request.
    Reset,
}

impl NetworkError {
    /// The words the `request_failed` event records (its kind first, so the log says which).
    fn message(self) -> &'static str {
        match self {
            NetworkError::Connect => "connect: the connection was refused or could not be made",
            NetworkError::Timeout => "timeout: no response came in time",
            NetworkError::Reset => "reset: the connection was reset",
        }
    }
}

pub fn report(ctx: &Ctx, a: ReportArgs) -> Result<i32> {
    let mut headers = Headers::new();
    for h in &a.header {
        headers.parse_line(h)?;
    }
    if !a.success && a.status.is_none() && a.network_error.is_none() && !a.cancelled {
        return Err(Error::InvalidInput(
            "give --success, --status N, --network-error KIND or --cancelled".into(),
        ));
    }
    let body = match a.status {
        Some(_) => read_body(&a.body)?,
        None => Vec::new(),
    };
    // The writer lock first, so no other report of this request can land after the check.
    let engine = ctx.engine()?;
    let (account, model, generation) = match (a.request, &a.account, &a.model) {
        (Some(r), _, _) => find_request(ctx, r)?,
        (None, Some(acct), Some(model)) => (engine.resolve(acct)?, model.clone(), None),
        _ => {
            return Err(Error::InvalidInput(
                "give --request ID, or --account ID --model M".into(),
            ))
        }
    };
    let provider = engine
        .with_state(|s| s.accounts.get(&account).map(|x| x.provider))
        .ok_or_else(|| Error::UnknownAccount(account.to_string()))?;
    let outcome = match a.status {
        None if a.cancelled => Outcome::Cancelled,
        None if a.network_error.is_some() => Outcome::Network {
            message: a.network_error.map_or("", NetworkError::message).into(),
        },
        None => Outcome::Success {
            usage: a
                .usage
                .as_deref()
                .map(|u| parse_usage(provider, u))
                .transpose()?,
            headers,
            body: None,
        },
        Some(status) => Outcome::failure(status, headers, body),
    };
    let at = a.at.unwrap_or_else(|| engine.now());
    let target = crate::ReportFor {
        request: a.request,
        generation,
        ..crate::ReportFor::new(account, &model, at)
    };
    let r = engine.report_for(target, outcome)?;
    engine.flush_blocking()?;
    if ctx.json {
        ctx.print_json(
            &json!({"account": account, "model": model, "error": r.error.as_ref().map(|e| e.kind),
            "block": r.block, "refresh_due": r.refresh_due, "cancelled": a.cancelled}),
        )?;
        return Ok(0);
    }
    match (&r.error, &r.block) {
        (None, _) if a.cancelled => out!("recorded a cancel: nothing blocked"),
        (None, _) => out!("recorded success"),
        (Some(e), Some(b)) => {
            let what = match b.scope {
                Scope::Model => model.clone(),
                Scope::Account => "the whole account".to_string(),
            };
            out!(
                "{}: {what} blocked ({}) until {}",
                e.kind.as_str(),
                b.reason.as_str(),
                format_ts(b.until)
            );
        }
        (Some(e), None) => out!("{}: no block", e.kind.as_str()),
    }
    Ok(0)
}

/// The (account, model, credential generation) a request was leased for, from its `selected`
/// event; refused when an outcome of that request is already in the log.
fn find_request(ctx: &Ctx, request: RequestId) -> Result<(AccountId, String, Option<u64>)> {
    let mut found = None;
    let mut reported = false;
    let mut look = |rec: crate::event::EventRecord| -> Result<()> {
        match rec.event {
            Event::Selected(e) if e.request == request => {
                found = Some((e.account, e.model.to_string(), e.generation));
            }
            Event::RequestSucceeded(e) if e.request == Some(request) => reported = true,
            Event::RequestFailed(e) if e.request == Some(request) => reported = true,
            Event::RequestCancelled { request: r, .. } if r == Some(request) => reported = true,
            _ => {}
        }
        Ok(())
    };
    match super::inspect::fleet_log(ctx, Unknown::Skip)? {
        Some(events) => {
            for e in events {
                look(e.record)?;
            }
        }
        None => {
            let conn = store::open_read_only(&ctx.db)?;
            store::read::for_each_event(&conn, 0, None, Unknown::Skip, look)?;
        }
    }
    if reported {
        return Err(Error::AlreadyReported(request));
    }
    found.ok_or_else(|| Error::InvalidInput(format!("no selected event for request {request}")))
}

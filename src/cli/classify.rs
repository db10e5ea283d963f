//! `rotor classify`: run one provider parser on a status, headers and body, apply the
//! configuration's `[[rules]]` as a report would, and print the classification (and the rule
//! that reshaped it). Reads nothing from the log and writes nothing.

use std::path::PathBuf;

use clap::Args;

use super::input::provider;
use super::output::word;
use super::{parse_at, read_body, Ctx};
use crate::ids::Provider;
use crate::parse::{self, Headers};
use crate::time::{format_ts, Timestamp};
use crate::Result;

#[derive(Args, Debug)]
pub struct ClassifyArgs {
    /// The provider that answered (each has its own parser).
    #[arg(long, value_parser = provider())]
    pub provider: Provider,
    /// HTTP status of the response.
    #[arg(long, value_name = "N")]
    pub status: u16,
    /// A response header, 'name: value' (repeatable).
    #[arg(long, value_name = "HEADER")]
    pub header: Vec<String>,
    /// The response body: a file, or - for standard input (at most 4 MiB).
    #[arg(long, value_name = "FILE")]
    pub body: Option<PathBuf>,
    /// The time the response arrived (RFC 3339; stated waits count from it); default now.
    #[arg(long, value_name = "TIME", value_parser = parse_at)]
    pub at: Option<Timestamp>,
}

pub fn classify(ctx: &Ctx, a: ClassifyArgs) -> Result<i32> {
    let mut headers = Headers::new();
    for h in &a.header {
        headers.parse_line(h)?;
    }
    let body = read_body(&a.body)?;
    let at = a.at.unwrap_or_else(chrono::Utc::now);
    let mut err = parse::parse(a.provider, a.status, &headers, &body);
    let rule = crate::config::rules::apply(&ctx.config.rules, a.provider, &mut err);
    let mut v = err.classify_json(at);
    if let Some(r) = &rule {
        v["rule"] = serde_json::json!(r);
    }
    if ctx.json {
        ctx.print_json(&v)?;
    } else {
        let wait = match err.stated_until(at) {
            Some(t) => format!("wait until {} ({}s)", format_ts(t), v["retry_after_s"]),
            None => "no stated wait".to_string(),
        };
        out!(
            "{} ({} scope{}), {wait}",
            err.kind.as_str(),
            word(&err.scope),
            if err.retryable {
                ", retry on another account"
            } else {
                ", not retryable"
            }
        );
        if let Some(c) = v["code"].as_str() {
            out!("code: {c}");
        }
        if !err.message.is_empty() {
            out!("message: {}", err.message);
        }
        if let Some(r) = &rule {
            let name = r
                .name
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            out!(
                "rule {}{name}: the parser said {} ({} scope)",
                r.index,
                r.parsed_kind.as_str(),
                word(&r.parsed_scope)
            );
        }
    }
    Ok(0)
}

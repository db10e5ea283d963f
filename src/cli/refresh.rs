//! `rotor refresh [ACCOUNT]`: refreshes one account now (whatever its expiry), or every OAuth
//! account that is due (within its lead, backoff over), and names every account it left alone
//! and why (API key, disabled, no refresh token, no refresher configured, not due, backing
//! off). Exits 1 when a refresh failed, so scripts notice without parsing.

use clap::Args;
use serde_json::{json, Value};

use super::output::word;
use super::Ctx;
use crate::engine::{RefreshOutcome, RefreshSkip, SkippedRefresh};
use crate::event::RefreshWhy;
use crate::ids::AccountId;
use crate::time::format_ts;
use crate::{Engine, Error, Result};

#[derive(Args, Debug)]
pub struct RefreshArgs {
    /// Account id or label; without it, every account that is due.
    pub account: Option<String>,
}

pub fn refresh(ctx: &Ctx, a: RefreshArgs) -> Result<i32> {
    let engine = ctx.engine()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Read before refreshing, so an account refreshed now is not also reported as not due.
    let mut skipped = match a.account {
        Some(_) => Vec::new(),
        None => engine.refresh_skips(engine.now()),
    };
    let outcomes: Vec<RefreshOutcome> = rt.block_on(async {
        match &a.account {
            Some(acct) => {
                let id = engine.resolve(acct)?;
                Ok::<_, Error>(vec![engine.refresh_now(id, RefreshWhy::Manual).await?])
            }
            None => engine
                .refresh_due(RefreshWhy::Manual)
                .await
                .into_iter()
                .map(|(_, r)| r)
                .collect(),
        }
    })?;
    rt.block_on(engine.flush())?;
    skipped.retain(|s| outcomes.iter().all(|o| account_of(o) != s.account));
    let failed = outcomes
        .iter()
        .any(|o| matches!(o, RefreshOutcome::Failed { .. }));
    if ctx.json {
        let mut rows: Vec<Value> = outcomes
            .iter()
            .map(|o| serde_json::to_value(o).unwrap_or_default())
            .collect();
        rows.extend(skipped.iter().map(|s| {
            let mut v = json!({"result": "skipped"});
            if let (Value::Object(row), Ok(Value::Object(fields))) =
                (&mut v, serde_json::to_value(s))
            {
                row.extend(fields);
            }
            v
        }));
        ctx.print_json(&rows)?;
        return Ok(if failed { 1 } else { 0 });
    }
    if outcomes.is_empty() {
        out!("no account is due for a refresh");
    }
    for o in &outcomes {
        let name = label(&engine, account_of(o));
        match o {
            RefreshOutcome::Refreshed {
                generation,
                fingerprint,
                ..
            } => out!("{name}: refreshed (generation {generation}, token {fingerprint})"),
            RefreshOutcome::Failed {
                class,
                message,
                needs_reauth,
                ..
            } => {
                let reauth = if *needs_reauth {
                    "; the account needs a new sign-in"
                } else {
                    ""
                };
                out!(
                    "{name}: refresh failed ({}): {message}{reauth}",
                    word(class)
                )
            }
            RefreshOutcome::Skipped { reason, until, .. } => {
                let until = until.map(format_ts);
                out!("{name}: skipped: {}", skip_words(*reason, until.as_deref()))
            }
        }
    }
    for s in &skipped {
        out!("{}: skipped: {}", s.label, skipped_words(s));
    }
    Ok(if failed { 1 } else { 0 })
}

fn account_of(o: &RefreshOutcome) -> AccountId {
    match o {
        RefreshOutcome::Refreshed { account, .. }
        | RefreshOutcome::Failed { account, .. }
        | RefreshOutcome::Skipped { account, .. } => *account,
    }
}

fn label(engine: &Engine, id: AccountId) -> String {
    engine.with_state(|s| {
        s.accounts
            .get(&id)
            .map_or_else(|| id.to_string(), |a| a.label.clone())
    })
}

/// A pass-over of a scan, in words.
fn skipped_words(s: &SkippedRefresh) -> String {
    match (s.reason, &s.detail) {
        (RefreshSkip::NoRefresher, Some(detail)) => format!("no token refresher: {detail}"),
        (RefreshSkip::NotDue, _) => match (s.until, s.expires_at) {
            (Some(due), Some(exp)) => format!(
                "not due until {} (the token expires at {})",
                format_ts(due),
                format_ts(exp)
            ),
            _ => "not due: the token's lifetime is unknown, so it is refreshed after a 401 \
                  or by name (rotor refresh ACCOUNT)"
                .to_string(),
        },
        (reason, _) => skip_words(reason, s.until.map(format_ts).as_deref()),
    }
}

/// Why a refresh did not call the token endpoint, in words.
fn skip_words(reason: RefreshSkip, until: Option<&str>) -> String {
    match reason {
        RefreshSkip::NotOauth => "an API key, nothing to refresh".into(),
        RefreshSkip::NoRefreshToken => {
            "no refresh token is stored; import fresh credentials".into()
        }
        RefreshSkip::Disabled => "disabled (rotor account enable, or import fresh credentials \
                                  when it needs a new sign-in)"
            .into(),
        RefreshSkip::NotDue => format!("not due until {}", until.unwrap_or("-")),
        RefreshSkip::AlreadyRefreshed => "already refreshed".into(),
        RefreshSkip::BackingOff => format!(
            "backing off after failed refreshes until {}",
            until.unwrap_or("-")
        ),
        RefreshSkip::Superseded => "fresh credentials were imported meanwhile".into(),
        RefreshSkip::NoRefresher => "no token refresher is configured for its provider".into(),
    }
}

//! The human timeline of `rotor replay`: one line per event, in words, with account labels
//! as they were when the event happened. Verifying and explaining decisions live beside it
//! (`replay.rs`, `explain.rs`).

use crate::event::{
    CredentialKind, DisableReason, Event, EventRecord, RefreshErrorClass, RefreshWhy,
};
use crate::ids::AccountId;
use crate::parse::Scope;
use crate::state::State;
use crate::time::{format_ts, Timestamp};

/// What an `account_updated` changed, in words (`: label x, weight 0, cooldown off`).
fn changed(e: &crate::event::AccountUpdated) -> String {
    let mut parts = Vec::new();
    if let Some(l) = &e.label {
        parts.push(format!("label {l}"));
    }
    if let Some(p) = e.priority {
        parts.push(format!("tier {p}"));
    }
    if let Some(w) = e.weight {
        parts.push(format!("weight {w}"));
    }
    match &e.models {
        Some(Some(m)) => {
            let names: Vec<&str> = m.iter().map(|m| &**m).collect();
            parts.push(format!("models {}", names.join(",")));
        }
        Some(None) => parts.push("every model".into()),
        None => {}
    }
    if let Some(on) = e.cooldown {
        parts.push(format!("cooldown {}", if on { "on" } else { "off" }));
    }
    if e.fingerprint.is_some() {
        parts.push("new credentials".into());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(": {}", parts.join(", "))
    }
}

/// One line of the human timeline, written with the state before the event (for labels).
pub fn timeline_line(state: &State, rec: &EventRecord) -> String {
    format!(
        "{:>6}  {}  {:<17} {}",
        rec.seq,
        format_ts(rec.at),
        rec.event.kind(),
        timeline_text(state, rec)
    )
}

/// What happened, in words: the timeline line without its seq, time and kind.
pub fn timeline_text(state: &State, rec: &EventRecord) -> String {
    let label = |id: &AccountId| {
        state
            .accounts
            .get(id)
            .map_or_else(|| id.to_string(), |a| a.label.clone())
    };
    let until = |t: Option<Timestamp>| t.map_or("-".to_string(), format_ts);
    match &rec.event {
        Event::AccountAdded(e) => format!(
            "{} {} added (tier {}, weight {}, {})",
            e.provider,
            e.label,
            e.priority,
            e.weight,
            match e.credential {
                CredentialKind::ApiKey => "API key",
                CredentialKind::Oauth => "OAuth",
            }
        ),
        Event::AccountUpdated(e) => format!("{} updated{}", label(&e.account), changed(e)),
        Event::AccountRemoved { account } => format!("{} removed", label(account)),
        Event::AccountDisabled { account, reason } => {
            let why = match reason {
                DisableReason::Manual => "by hand",
                DisableReason::NeedsReauth => "needs a new sign-in",
                DisableReason::Billing => "billing",
                DisableReason::Permission => "permission",
            };
            format!("{} disabled ({why})", label(account))
        }
        Event::AccountEnabled { account } => format!("{} enabled", label(account)),
        Event::InstanceStarted { host, pid } => {
            format!("an instance started on {} (pid {pid})", host.as_str())
        }
        Event::Selected(e) => {
            let skipped: Vec<String> = e
                .skipped
                .iter()
                .map(|s| {
                    format!(
                        "{} {} until {}",
                        label(&s.account),
                        s.reason.as_str(),
                        until(s.until)
                    )
                })
                .collect();
            let asked = e
                .asked_model
                .as_ref()
                .map_or(String::new(), |m| format!(" (asked {m})"));
            let ignored = e.cooldown_ignored.as_ref().map_or(String::new(), |i| {
                let whose = match i.by {
                    crate::event::CooldownOff::Config => "cooldowns off",
                    crate::event::CooldownOff::Account => "its cooldowns off",
                };
                format!(
                    "; {whose}: looked past {} until {}",
                    i.reason.as_str(),
                    until(i.until)
                )
            });
            format!(
                "{}/{}{asked} -> {} ({}, tier {}{}){}{ignored}",
                e.provider,
                e.model,
                label(&e.account),
                e.strategy.as_str(),
                e.tier,
                if e.probe { ", probe" } else { "" },
                if skipped.is_empty() {
                    String::new()
                } else {
                    format!("; skipped {}", skipped.join(", "))
                }
            )
        }
        Event::NoAccount(e) => format!(
            "{}/{} -> no account; earliest {}",
            e.provider,
            e.model,
            until(e.earliest_at)
        ),
        Event::RequestSucceeded(e) => format!("{} {} ok", label(&e.account), e.model),
        Event::RequestFailed(e) => {
            let block = e.block.as_ref().map_or(String::new(), |b| {
                let what = match b.scope {
                    Scope::Model => "model",
                    Scope::Account => "whole account",
                };
                format!(
                    "; {what} blocked ({}) until {}",
                    b.reason.as_str(),
                    format_ts(b.until)
                )
            });
            format!(
                "{} {} failed {} {}{}",
                label(&e.account),
                e.model,
                e.error.status.map_or("-".into(), |s| s.to_string()),
                e.error.kind.as_str(),
                block
            )
        }
        Event::RequestCancelled { account, model, .. } => {
            format!("{} {model} cancelled", label(account))
        }
        Event::QuotaObserved(e) => format!(
            "{} quota {} observed",
            label(&e.account),
            e.observation.window
        ),
        Event::RefreshDue { account, why, .. } => {
            let why = match why {
                RefreshWhy::Scheduled => "scheduled",
                RefreshWhy::On401 => "after a 401",
                RefreshWhy::Manual => "by hand",
                RefreshWhy::Expired => "its token expired",
            };
            format!("{} refresh due ({why})", label(account))
        }
        Event::RefreshSucceeded(e) => format!(
            "{} refreshed, expires {}",
            label(&e.account),
            until(e.expires_at)
        ),
        Event::RefreshFailed(e) => format!(
            "{} refresh failed ({}), next {}",
            label(&e.account),
            match e.error {
                RefreshErrorClass::Network => "network",
                RefreshErrorClass::InvalidGrant => "invalid grant",
                RefreshErrorClass::Rejected => "rejected",
                RefreshErrorClass::Server => "server",
            },
            until(e.next_attempt_at)
        ),
        Event::StateCleared {
            account,
            model,
            account_wide,
        } => format!(
            "{} cleared {}{}",
            label(account),
            model.as_deref().unwrap_or("(all models)"),
            if *account_wide && model.is_some() {
                ", with the account-wide block and quota"
            } else {
                ""
            }
        ),
    }
}

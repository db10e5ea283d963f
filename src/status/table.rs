//! The human `rotor status` table: one row per account x model (plus the account's own row
//! when it has a block or an account-wide quota), then a health summary per provider. Pure
//! rendering of a [`StatusView`]; the JSON form is the view itself.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::{AccountView, StatusView};
use crate::ids::Provider;
use crate::quota::QuotaView;
use crate::time::{format_ts, Timestamp};

/// Provider health from the share of accounts available: ≥ 50 % healthy, ≥ 20 % degraded.
pub fn health(available: usize, total: usize) -> &'static str {
    if total == 0 {
        return "no accounts";
    }
    let share = available as f64 / total as f64;
    if share >= 0.5 {
        "healthy"
    } else if share >= 0.2 {
        "degraded"
    } else {
        "critical"
    }
}

/// Available: active and without an account-wide block (or used-up account quota) in force.
fn account_available(a: &AccountView) -> bool {
    a.status == "active" && a.blocks.iter().all(|b| b.model.is_some())
}

fn time_or_dash(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "-".to_string(), |t| format_ts(t)[..19].replace('T', " "))
}

fn quota_cells(q: Option<&QuotaView>) -> [String; 5] {
    let Some(q) = q else {
        return ["-".into(), "-".into(), "-".into(), "-".into(), "-".into()];
    };
    [
        q.used_percent.map_or("-".into(), |p| format!("{p:.0}%")),
        q.requests.to_string(),
        time_or_dash(q.resets_at),
        q.est_request_limit.map_or("-".into(), |l| l.to_string()),
        q.confidence.map_or("-".into(), |c| format!("{c:.2}")),
    ]
}

/// Renders the table and the per-provider summary.
pub fn render(view: &StatusView) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<11} {:<16} {:<12} {:<22} {:<15} {:<19} {:>5} {:>5} {:<19} {:>5} {:>5}",
        "provider",
        "account",
        "status",
        "model",
        "state",
        "until",
        "used",
        "reqs",
        "resets",
        "limit",
        "conf"
    );
    for a in &view.accounts {
        let mut models: BTreeSet<Option<&str>> = BTreeSet::new();
        for b in &a.blocks {
            models.insert(b.model.as_deref());
        }
        for q in &a.quota {
            models.insert(q.model.as_deref());
        }
        if models.is_empty() {
            models.insert(Some("*"));
        }
        for m in models {
            // A model row says what `select` would do for it; the account's row, its own block.
            let skip = a.skipped.iter().find(|s| Some(&*s.model) == m);
            let account_block = a.blocks.iter().find(|b| b.model.is_none());
            let quota = a.quota.iter().find(|q| q.model.as_deref() == m);
            let (state, until) = match (skip, account_block) {
                (Some(s), _) => (s.reason.as_str(), time_or_dash(s.until)),
                (None, Some(b)) => (b.reason.as_str(), time_or_dash(b.until)),
                (None, None) if a.status != "active" => (a.status, "-".to_string()),
                (None, None) => ("available", "-".to_string()),
            };
            let [used, reqs, resets, limit, conf] = quota_cells(quota);
            let _ = writeln!(
                out,
                "{:<11} {:<16} {:<12} {:<22} {:<15} {:<19} {:>5} {:>5} {:<19} {:>5} {:>5}",
                a.provider.as_str(),
                a.label,
                a.status,
                m.unwrap_or("(account)"),
                state,
                until,
                used,
                reqs,
                resets,
                limit,
                conf
            );
        }
    }
    out.push('\n');
    for p in Provider::ALL {
        let accounts: Vec<_> = view.accounts.iter().filter(|a| a.provider == p).collect();
        if accounts.is_empty() {
            continue;
        }
        let available = accounts.iter().filter(|a| account_available(a)).count();
        let _ = writeln!(
            out,
            "{:<11} {available}/{} accounts available: {}",
            p.as_str(),
            accounts.len(),
            health(available, accounts.len())
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_thresholds() {
        assert_eq!(health(5, 10), "healthy");
        assert_eq!(health(4, 10), "degraded");
        assert_eq!(health(2, 10), "degraded");
        assert_eq!(health(1, 10), "critical");
        assert_eq!(health(0, 0), "no accounts");
    }
}

//! The human `rotor status` table: per provider a line with its health, then one row per
//! account x model (plus the account's own row when it has a block or an account-wide quota),
//! within 100 columns (long labels and models end in an ellipsis), then what holds no row
//! (cooldowns switched off, accounts that can never be refreshed) and a legend. Pure
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

/// How `until` and `resets` read, and what the quota columns mean.
const LEGEND: &str = "\
until, resets: time left (s, m, h, d) until the block lifts / the quota window resets
used: share of the quota window used (as the provider states it, else as rotor learned it)
reqs: requests counted in the window; limit: the request limit rotor learned for it
conf: how sure rotor is of that limit, 0-1 (from 0.3 it skips the account at the limit)";

/// The legend's line for rows whose block `select` looks past.
const LEGEND_COOLDOWN_OFF: &str =
    "cooldown off: a block is in force until then, but cooldowns are off: select looks past it";

/// The state column of a row whose block `select` looks past.
const COOLDOWN_OFF: &str = "cooldown off";

/// `t` as the time left from `at`: `42s`, `4m05s`, `2h03m`, `6d23h`; `-` for none.
pub fn time_left(t: Option<Timestamp>, at: Timestamp) -> String {
    let Some(t) = t else {
        return "-".into();
    };
    let s = (t - at).num_seconds();
    match s {
        ..=0 => "now".into(),
        1..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{}h", s / 86_400, s % 86_400 / 3600),
    }
}

/// `s` cut to `width` characters, the last one an ellipsis when cut.
pub fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut cut: String = s.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn quota_cells(q: Option<&QuotaView>, at: Timestamp) -> [String; 5] {
    let Some(q) = q else {
        return ["-".into(), "-".into(), "-".into(), "-".into(), "-".into()];
    };
    [
        q.used_percent.map_or("-".into(), |p| format!("{p:.0}%")),
        q.requests.to_string(),
        q.est_request_limit.map_or("-".into(), |l| l.to_string()),
        q.confidence.map_or("-".into(), |c| format!("{c:.2}")),
        time_left(q.resets_at, at),
    ]
}

/// One row: account, model, state, until, used, reqs, limit, conf, resets; 96 columns at most,
/// so the table fits a 100-column terminal.
fn row(out: &mut String, cells: [&str; 9]) {
    let [account, model, state, until, used, reqs, limit, conf, resets] = cells;
    let line = format!(
        "  {:<16} {:<20} {:<15} {:<7} {:>5} {:>5} {:>6} {:>5} {:<7}",
        fit(account, 16),
        fit(model, 20),
        state,
        until,
        used,
        reqs,
        fit(limit, 6),
        conf,
        resets
    );
    let _ = writeln!(out, "{}", line.trim_end());
}

/// Renders the table, per provider under a line with its health, and the legend.
pub fn render(view: &StatusView) -> String {
    let at = view.at;
    let mut out = String::new();
    let _ = writeln!(out, "at {}", format_ts(at));
    if view.cooldown_disabled {
        let _ = writeln!(
            out,
            "cooldowns are off for every account (cooldown.disabled = true in the configuration):\n\
             failures are recorded with their blocks, but select looks past them"
        );
    }
    for p in Provider::ALL {
        let accounts: Vec<_> = view.accounts.iter().filter(|a| a.provider == p).collect();
        if accounts.is_empty() {
            continue;
        }
        let available = accounts.iter().filter(|a| account_available(a)).count();
        let _ = writeln!(
            out,
            "\n{} {available}/{} accounts available: {}",
            p.as_str(),
            accounts.len(),
            health(available, accounts.len())
        );
        row(
            &mut out,
            [
                "account", "model", "state", "until", "used", "reqs", "limit", "conf", "resets",
            ],
        );
        for a in accounts {
            render_account(&mut out, a, at);
        }
    }
    let notes: Vec<_> = view
        .accounts
        .iter()
        .flat_map(|a| {
            // The configuration's switch is said once, above; an account's own, here.
            let off = (!a.cooldown && !view.cooldown_disabled).then(|| {
                format!(
                    "{}: cooldowns off for this account (account update --cooldown turns them on)",
                    a.label
                )
            });
            let stuck = a
                .cannot_refresh
                .as_ref()
                .map(|why| format!("{}: cannot refresh: {why}", a.label));
            off.into_iter().chain(stuck)
        })
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(out, "\n{}", notes.join("\n"));
    }
    let _ = writeln!(out, "\n{LEGEND}");
    if view
        .accounts
        .iter()
        .flat_map(|a| &a.blocks)
        .any(|b| b.ignored_by.is_some())
    {
        let _ = writeln!(out, "{LEGEND_COOLDOWN_OFF}");
    }
    out
}

/// The rows of one account: one per model it has a block or quota for, `*` when none.
fn render_account(out: &mut String, a: &AccountView, at: Timestamp) {
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
        // A block cooldowns let `select` look past reads `cooldown off` until it ends.
        let skip = a.skipped.iter().find(|s| Some(&*s.model) == m);
        let own_block = a.blocks.iter().find(|b| b.model.as_deref() == m);
        let account_block = a.blocks.iter().find(|b| b.model.is_none());
        let quota = a.quota.iter().find(|q| q.model.as_deref() == m);
        let (state, until) = match (skip, own_block.or(account_block)) {
            (Some(s), _) => (s.reason.as_str(), time_left(s.until, at)),
            (None, Some(b)) if b.ignored_by.is_some() => (COOLDOWN_OFF, time_left(b.until, at)),
            (None, Some(b)) => (b.reason.as_str(), time_left(b.until, at)),
            (None, None) if a.status != "active" => (a.status, "-".to_string()),
            (None, None) => ("available", "-".to_string()),
        };
        let [used, reqs, limit, conf, resets] = quota_cells(quota, at);
        row(
            out,
            [
                &a.label,
                m.unwrap_or("(account)"),
                state,
                &until,
                &used,
                &reqs,
                &limit,
                &conf,
                &resets,
            ],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_and_fit() {
        let at = crate::time::parse_ts("2026-01-01T00:00:00Z").unwrap();
        let t = |s: i64| Some(at + chrono::Duration::seconds(s));
        assert_eq!(time_left(t(42), at), "42s");
        assert_eq!(time_left(t(245), at), "4m05s");
        assert_eq!(time_left(t(7380), at), "2h03m");
        assert_eq!(time_left(t(6 * 86_400 + 23 * 3600), at), "6d23h");
        assert_eq!(time_left(t(-5), at), "now");
        assert_eq!(time_left(None, at), "-");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abcd", 4), "abcd");
    }

    #[test]
    fn health_thresholds() {
        assert_eq!(health(5, 10), "healthy");
        assert_eq!(health(4, 10), "degraded");
        assert_eq!(health(2, 10), "degraded");
        assert_eq!(health(1, 10), "critical");
        assert_eq!(health(0, 0), "no accounts");
    }
}

//! One account as a row: the JSON object and the text line that `account list` and
//! `account update` both print. Choosing and fetching the accounts is their commands' job.

use crate::status::AccountView;
use crate::time::format_ts;

/// One account as `account list --json` and `account update --json` print it.
pub(super) fn row_json(a: &AccountView) -> serde_json::Value {
    serde_json::json!({"id": a.id, "label": a.label, "provider": a.provider, "status": a.status,
       "priority": a.priority, "weight": a.weight, "models": a.models, "cooldown": a.cooldown,
       "expires_at": a.expires_at.map(format_ts), "fingerprint": a.fingerprint,
       "cannot_refresh": a.cannot_refresh})
}

/// One account as a line of `account list`, with what sets it apart at the end.
pub(super) fn row_text(a: &AccountView) -> String {
    let mut line = format!(
        "{:<36}  {:<12} {:<20} {:<12} {:>4} {:>6}  {:<24} {}",
        a.id.to_string(),
        a.provider.as_str(),
        a.label,
        a.status,
        a.priority,
        a.weight,
        a.expires_at.map_or("-".into(), format_ts),
        a.fingerprint
    );
    if let Some(models) = &a.models {
        let names: Vec<&str> = models.iter().map(|m| &**m).collect();
        line += &format!("  models {}", names.join(","));
    }
    if !a.cooldown {
        line += "  cooldown off";
    }
    if let Some(why) = &a.cannot_refresh {
        line += &format!("  cannot refresh: {why}");
    }
    line
}

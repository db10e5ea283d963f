//! CLIProxyAPI auth files: one JSON object per account with `"type"` naming the provider and
//! snake_case token fields (`access_token`, `refresh_token`, `id_token`, `expired` as RFC 3339,
//! `email`, `account_id`; Antigravity adds `project_id` and `timestamp` + `expires_in`).

use chrono::TimeZone;
use serde_json::Value;

use super::{require_tokens, secret_of, str_of, ImportedCredential, SourceFormat};
use crate::event::Identity;
use crate::ids::Provider;
use crate::refresh::jwt::decode_claims;
use crate::secret::Secrets;
use crate::time::{add, parse_ts, Timestamp};

pub(super) fn read(v: &Value) -> Result<ImportedCredential, String> {
    let provider = match str_of(v, "type").as_deref() {
        Some("claude") => Provider::Claude,
        Some("codex") => Provider::Codex,
        Some("antigravity") => Provider::Antigravity,
        other => return Err(unsupported(other)),
    };
    let secrets = Secrets {
        api_key: None,
        access_token: secret_of(v, "access_token"),
        refresh_token: secret_of(v, "refresh_token"),
        id_token: secret_of(v, "id_token"),
    };
    require_tokens(&secrets, "CLIProxyAPI auth file")?;
    let claims = secrets
        .id_token
        .as_ref()
        .and_then(|t| decode_claims(t.expose()))
        .unwrap_or_default();
    let identity = Identity {
        email: str_of(v, "email").or(claims.email).map(Into::into),
        account_id: str_of(v, "account_id")
            .or(claims.chatgpt_account_id)
            .map(Into::into),
        plan: claims.chatgpt_plan_type.map(Into::into),
        // Kept apart on the credential (`project_id`) and set on the account when it is added.
        project_id: None,
    };
    Ok(ImportedCredential {
        provider,
        format: SourceFormat::Cliproxy,
        label: String::new(),
        // No `expired`: a JWT access token (Codex) still says when it dies.
        expires_at: expiry(v).or_else(|| {
            let access = secrets.access_token.as_ref()?;
            decode_claims(access.expose())?.exp
        }),
        secrets,
        identity,
        project_id: str_of(v, "project_id"),
    })
}

/// `expired` (RFC 3339), else `timestamp` (ms, when obtained) + `expires_in` (s).
fn expiry(v: &Value) -> Option<Timestamp> {
    if let Some(t) = str_of(v, "expired").and_then(|s| parse_ts(&s).ok()) {
        return Some(t);
    }
    let obtained = chrono::Utc
        .timestamp_millis_opt(v.get("timestamp")?.as_i64()?)
        .single()?;
    let secs = v.get("expires_in")?.as_u64()?;
    Some(add(obtained, std::time::Duration::from_secs(secs)))
}

fn unsupported(kind: Option<&str>) -> String {
    format!("CLIProxyAPI auth file of type {kind:?}: rotor imports claude, codex and antigravity")
}

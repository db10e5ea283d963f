//! CLIProxyAPI auth files: one JSON object per account with `"type"` naming the provider and
//! snake_case token fields (`access_token`, `refresh_token`, `id_token`, `expired` as RFC 3339,
//! `email`, `account_id`; Antigravity adds `project_id` and `timestamp` + `expires_in`). Types
//! rotor does not rotate (gemini, qwen, iflow, ...) are recognised so they can be skipped.

use chrono::TimeZone;
use serde_json::Value;

use super::{require_tokens, secret_of, str_of, ImportedCredential, SourceFormat};
use crate::event::Identity;
use crate::ids::Provider;
use crate::refresh::jwt::decode_claims;
use crate::secret::Secrets;
use crate::time::{add, parse_ts, Timestamp};

/// The provider of a CLIProxyAPI `type`, when rotor rotates accounts of that type.
pub(super) fn provider_of(kind: &str) -> Option<Provider> {
    match kind.trim() {
        "claude" => Some(Provider::Claude),
        "codex" => Some(Provider::Codex),
        "antigravity" => Some(Provider::Antigravity),
        _ => None,
    }
}

pub(super) fn read(v: &Value, provider: Provider) -> Result<ImportedCredential, String> {
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

/// The stated expiry: `expired` (or `expire`) as RFC 3339 or epoch seconds / milliseconds
/// wins, since CLIProxyAPI rewrites it on every refresh while `timestamp` + `expires_in` may be
/// left from the first sign-in; else `timestamp` (ms, when obtained) + `expires_in` (s).
fn expiry(v: &Value) -> Option<Timestamp> {
    let explicit = ["expired", "expire"].iter().find_map(|k| match v.get(*k)? {
        Value::String(s) => parse_ts(s).ok(),
        Value::Number(n) => epoch(n.as_i64()?),
        _ => None,
    });
    if explicit.is_some() {
        return explicit;
    }
    let obtained = chrono::Utc
        .timestamp_millis_opt(v.get("timestamp")?.as_i64()?)
        .single()?;
    let secs = v.get("expires_in")?.as_u64()?;
    Some(add(obtained, std::time::Duration::from_secs(secs)))
}

/// An epoch number: milliseconds when it is too large to be seconds of this millennium.
fn epoch(n: i64) -> Option<Timestamp> {
    if n.abs() >= 100_000_000_000 {
        chrono::Utc.timestamp_millis_opt(n).single()
    } else {
        chrono::Utc.timestamp_opt(n, 0).single()
    }
}

/// Why a file of another `type` is skipped.
pub(super) fn unsupported(kind: &str) -> String {
    format!(
        "a CLIProxyAPI auth file of type \"{}\", which rotor does not rotate (it imports claude, codex and antigravity)",
        kind.escape_debug()
    )
}

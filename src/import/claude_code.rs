//! Claude Code's `~/.claude/.credentials.json`: `{"claudeAiOauth": {accessToken, refreshToken,
//! expiresAt (epoch ms), scopes, subscriptionType}}`. The file names no email, so the label
//! falls back to the file stem; the subscription type is recorded as the plan.

use chrono::TimeZone;
use serde_json::Value;

use super::{require_tokens, secret_of, str_of, ImportedCredential, SourceFormat};
use crate::event::Identity;
use crate::ids::Provider;
use crate::secret::Secrets;

pub(super) fn read(v: &Value) -> Result<ImportedCredential, String> {
    let o = v
        .get("claudeAiOauth")
        .filter(|o| o.is_object())
        .ok_or("claudeAiOauth is not an object")?;
    let secrets = Secrets {
        api_key: None,
        access_token: secret_of(o, "accessToken"),
        refresh_token: secret_of(o, "refreshToken"),
        id_token: None,
    };
    require_tokens(&secrets, "Claude Code credentials")?;
    let expires_at = o
        .get("expiresAt")
        .and_then(Value::as_i64)
        .and_then(|ms| chrono::Utc.timestamp_millis_opt(ms).single());
    Ok(ImportedCredential {
        provider: Provider::Claude,
        format: SourceFormat::ClaudeCode,
        label: String::new(),
        secrets,
        expires_at,
        identity: Identity {
            plan: str_of(o, "subscriptionType").map(Into::into),
            ..Identity::default()
        },
        project_id: None,
    })
}

//! The Codex CLI's `~/.codex/auth.json`: `{"OPENAI_API_KEY", "tokens": {id_token, access_token,
//! refresh_token, account_id}, "last_refresh"}`. Expiry and identity come from the JWT claims
//! (the access token's `exp`, the id_token's email and plan). A key-only file is an OpenAI key.

use serde_json::Value;

use super::{require_tokens, secret_of, str_of, ImportedCredential, SourceFormat};
use crate::event::Identity;
use crate::ids::Provider;
use crate::refresh::jwt::decode_claims;
use crate::secret::Secrets;

pub(super) fn read(v: &Value) -> Result<ImportedCredential, String> {
    let tokens = match v.get("tokens") {
        Some(t @ Value::Object(_)) => t,
        _ => {
            let key = str_of(v, "OPENAI_API_KEY")
                .ok_or("Codex auth.json without tokens or OPENAI_API_KEY")?;
            return Ok(ImportedCredential {
                provider: Provider::Openai,
                format: SourceFormat::CodexCli,
                label: String::new(),
                secrets: Secrets::api_key(key),
                expires_at: None,
                identity: Identity::default(),
                project_id: None,
            });
        }
    };
    let secrets = Secrets {
        api_key: None,
        access_token: secret_of(tokens, "access_token"),
        refresh_token: secret_of(tokens, "refresh_token"),
        id_token: secret_of(tokens, "id_token"),
    };
    require_tokens(&secrets, "Codex auth.json tokens")?;
    let claims = secrets
        .id_token
        .as_ref()
        .and_then(|t| decode_claims(t.expose()))
        .unwrap_or_default();
    let expires_at = secrets
        .access_token
        .as_ref()
        .and_then(|t| decode_claims(t.expose()))
        .and_then(|c| c.exp);
    let identity = Identity {
        email: claims.email.map(Into::into),
        account_id: str_of(tokens, "account_id")
            .or(claims.chatgpt_account_id)
            .map(Into::into),
        plan: claims.chatgpt_plan_type.map(Into::into),
        project_id: None,
    };
    Ok(ImportedCredential {
        provider: Provider::Codex,
        format: SourceFormat::CodexCli,
        label: String::new(),
        secrets,
        expires_at,
        identity,
        project_id: None,
    })
}

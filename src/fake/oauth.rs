//! Fake OAuth token endpoints: Claude (JSON body), Codex (form body, answers an `id_token` JWT)
//! and Google (form body). They rotate refresh tokens, refuse a reused or revoked one, and issue
//! short-lived access tokens that the fake providers then accept (shared `World` state).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::reply::Reply;
use super::script::{hex_token, RefreshInfo, TokenInfo, World};
use crate::ids::Provider;
use crate::time::{add, Timestamp};

/// Claude Code's public OAuth client id, which the fake token endpoint expects.
pub const CLAUDE_CLIENT_ID: &str = "9d1c250a-e61b-44d9-88ed-5944d1962f5e";
/// The Codex CLI's public OAuth client id, which the fake token endpoint expects.
pub const CODEX_CLIENT_ID: &str = "app_EMoamEEZ73f0CkXaXp7hrann";

/// A freshly issued credential pair.
pub(super) struct Issued {
    pub access: String,
    pub refresh: String,
    pub expires_at: Timestamp,
}

fn jwt(payload: &Value) -> String {
    let head = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(payload.to_string());
    format!("{head}.{body}.ZmFrZS1zaWduYXR1cmU")
}

pub(super) fn email(label: &str) -> String {
    format!(
        "{}@example.com",
        label.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    )
}

/// The Codex `id_token`: identity claims only (rotor decodes it without checking signatures).
pub(super) fn codex_id_token(seed: u64, idx: usize, label: &str, now: Timestamp) -> String {
    jwt(&json!({
        "iss": "https://auth.openai.com", "aud": [CODEX_CLIENT_ID],
        "email": email(label), "email_verified": true,
        "iat": now.timestamp(), "exp": now.timestamp() + 3600,
        "https://api.openai.com/auth": {
            "chatgpt_account_id": hex_token(seed, &[idx as u64, 11], 32),
            "chatgpt_plan_type": "plus"
        }
    }))
}

/// Issues generation `g+1` of an account's tokens, registering them as the valid ones; the
/// previous access token stops working at once (a rotated token answers 401).
pub(super) fn issue(w: &mut World, idx: usize, now: Timestamp, rotate_refresh: bool) -> Issued {
    let seed = w.seed;
    let acc = &mut w.accounts[idx];
    acc.generation += 1;
    let g = acc.generation;
    let provider = acc.provider;
    let tok = hex_token(seed, &[idx as u64, g, 1], 48);
    let access = match provider {
        Provider::Claude => format!("sk-ant-oat01-{tok}"),
        Provider::Codex => jwt(&json!({"sub": format!("user-{idx}"), "gen": g, "jti": tok})),
        _ => format!("ya29.a0{tok}"),
    };
    let fresh_refresh = match provider {
        Provider::Claude => format!("sk-ant-ort01-{}", hex_token(seed, &[idx as u64, g, 2], 48)),
        Provider::Codex => format!("rt_{}", hex_token(seed, &[idx as u64, g, 2], 48)),
        _ => format!("1//0g{}", hex_token(seed, &[idx as u64, g, 2], 48)),
    };
    let expires_at = add(now, w.access_ttl);
    w.access.retain(|_, t| t.account != idx);
    w.access.insert(
        access.clone(),
        TokenInfo {
            account: idx,
            expires_at,
            uses: 0,
        },
    );
    let current = w
        .refresh
        .iter()
        .find(|(_, r)| r.account == idx && r.live)
        .map(|(k, _)| k.clone());
    let refresh = match current {
        Some(old) if !rotate_refresh => old,
        old => {
            if let Some(old) = old {
                if let Some(r) = w.refresh.get_mut(&old) {
                    r.live = false;
                }
            }
            w.refresh.insert(
                fresh_refresh.clone(),
                RefreshInfo {
                    account: idx,
                    live: true,
                },
            );
            fresh_refresh
        }
    };
    Issued {
        access,
        refresh,
        expires_at,
    }
}

/// Decodes `application/x-www-form-urlencoded` (`+` is a space, `%XX` a byte).
fn form(body: &[u8]) -> Vec<(String, String)> {
    let dec = |s: &str| {
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < b.len() => {
                    let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz");
                    match u8::from_str_radix(hex, 16) {
                        Ok(v) => {
                            out.push(v);
                            i += 2;
                        }
                        Err(_) => out.push(b'%'),
                    }
                }
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (dec(k), dec(v))
        })
        .collect()
}

fn oauth_error(status: u16, code: &str, description: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": code, "error_description": description}),
    )
}

/// Answers one token request for `provider` (`Claude`, `Codex`, or `Antigravity` for Google).
pub(super) fn token(w: &mut World, provider: Provider, body: &[u8], now: Timestamp) -> Reply {
    let fields: Vec<(String, String)> = if provider == Provider::Claude {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => m
                .into_iter()
                .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
                .collect(),
            _ => return oauth_error(400, "invalid_request", "Request body must be a JSON object"),
        }
    } else {
        form(body)
    };
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    if get("grant_type") != "refresh_token" {
        return oauth_error(
            400,
            "unsupported_grant_type",
            "grant_type must be refresh_token",
        );
    }
    let client_ok = match provider {
        Provider::Claude => get("client_id") == CLAUDE_CLIENT_ID,
        Provider::Codex => get("client_id") == CODEX_CLIENT_ID,
        _ => !get("client_id").is_empty() && !get("client_secret").is_empty(),
    };
    if !client_ok {
        return oauth_error(401, "invalid_client", "Client authentication failed");
    }
    let presented = get("refresh_token").to_string();
    let found = w.refresh.get(&presented).map(|r| (r.account, r.live));
    let idx = match found {
        Some((idx, _)) if w.accounts[idx].provider != provider => None,
        other => other,
    };
    let reject = |w: &mut World, idx: Option<usize>, reused: bool| {
        if let Some(i) = idx {
            w.accounts[i].stats.refresh_rejected += 1;
        }
        match provider {
            Provider::Codex if reused => Reply::json(
                401,
                &json!({"error": {
                "message": "Your refresh token has already been used to generate a new access token. Please try signing in again.",
                "type": "invalid_request_error", "param": null, "code": "refresh_token_reused"}}),
            ),
            Provider::Claude => {
                oauth_error(400, "invalid_grant", "Refresh token not found or invalid")
            }
            Provider::Codex => oauth_error(400, "invalid_grant", "Invalid refresh token"),
            _ => oauth_error(400, "invalid_grant", "Token has been expired or revoked."),
        }
    };
    let Some((idx, live)) = idx else {
        return reject(w, None, false);
    };
    if !live || w.accounts[idx].behavior.refresh_revoked {
        return reject(w, Some(idx), !live);
    }
    let rotate = provider != Provider::Antigravity || w.google_rotates;
    let issued = issue(w, idx, now, rotate);
    let acc = &mut w.accounts[idx];
    acc.stats.refreshes += 1;
    let expires_in = (issued.expires_at - now).num_seconds().max(0);
    let label = acc.stats.label.clone();
    let body = match provider {
        Provider::Claude => json!({
            "token_type": "Bearer", "access_token": issued.access, "expires_in": expires_in,
            "refresh_token": issued.refresh, "scope": "user:inference user:profile",
            "organization": {"uuid": hex_token(w.seed, &[idx as u64, 12], 32), "name": label},
            "account": {"uuid": hex_token(w.seed, &[idx as u64, 13], 32), "email_address": email(&label)}
        }),
        Provider::Codex => json!({
            "access_token": issued.access, "refresh_token": issued.refresh,
            "id_token": codex_id_token(w.seed, idx, &label, now),
            "expires_in": expires_in, "token_type": "Bearer", "scope": "openid profile email offline_access"
        }),
        _ => {
            let mut b = json!({"access_token": issued.access, "expires_in": expires_in,
                "scope": "https://www.googleapis.com/auth/cloud-platform", "token_type": "Bearer"});
            if rotate {
                b["refresh_token"] = json!(issued.refresh);
            }
            b
        }
    };
    Reply::json(200, &body)
}

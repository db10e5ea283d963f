//! Reads the payload of a JWT (an OpenAI id_token or access token) for identity only: email,
//! ChatGPT account id and plan, and `exp`. No signature check: nothing here is trusted for
//! authorization, only shown to people and recorded in events. Bad input gives `None`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;

use crate::event::Identity;
use crate::time::Timestamp;

/// The claims rotor cares about.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JwtClaims {
    /// The `email` claim.
    pub email: Option<String>,
    /// ChatGPT account id (OpenAI's auth claim).
    pub chatgpt_account_id: Option<String>,
    /// ChatGPT plan (`plus`, `pro`, ...).
    pub chatgpt_plan_type: Option<String>,
    /// The `exp` claim: when the token expires.
    pub exp: Option<Timestamp>,
}

impl JwtClaims {
    /// The claims as an account identity (scrubbed).
    pub fn identity(&self) -> Identity {
        Identity {
            email: self.email.as_deref().map(Into::into),
            account_id: self.chatgpt_account_id.as_deref().map(Into::into),
            plan: self.chatgpt_plan_type.as_deref().map(Into::into),
            project_id: None,
        }
    }
}

/// The claims of `token`'s payload; `None` when it is not a JWT with a JSON object payload.
pub fn decode_claims(token: &str) -> Option<JwtClaims> {
    let mut parts = token.trim().split('.');
    let (_header, payload) = (parts.next()?, parts.next()?);
    parts.next()?; // a JWT has three segments; a two-part string is not one
                   // Some issuers pad; the no-pad engine rejects '=', so strip it first.
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    let v = v.as_object()?;
    let s = |o: Option<&Value>| {
        o.and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let auth = v.get("https://api.openai.com/auth");
    let profile = v.get("https://api.openai.com/profile");
    Some(JwtClaims {
        email: s(v.get("email")).or_else(|| s(profile.and_then(|p| p.get("email")))),
        chatgpt_account_id: s(auth.and_then(|a| a.get("chatgpt_account_id"))),
        chatgpt_plan_type: s(auth.and_then(|a| a.get("chatgpt_plan_type"))),
        exp: v
            .get("exp")
            .and_then(Value::as_i64)
            // An expiry an event cannot hold (past year 9999) is garbage: unknown, like "soon".
            .and_then(|e| e.checked_mul(1000))
            .filter(|ms| (crate::time::MIN_MS..=crate::time::MAX_MS).contains(ms))
            .map(crate::time::from_millis),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        format!(
            "eyJhbGciOiJub25lIn0.{}.sig",
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn reads_openai_identity_claims() {
        let t = jwt(
            r#"{"email":"a@b.c","exp":1767225600,"https://api.openai.com/auth":
            {"chatgpt_account_id":"acc-1","chatgpt_plan_type":"plus"}}"#,
        );
        let c = decode_claims(&t).unwrap();
        assert_eq!(c.email.as_deref(), Some("a@b.c"));
        assert_eq!(c.chatgpt_account_id.as_deref(), Some("acc-1"));
        assert_eq!(c.chatgpt_plan_type.as_deref(), Some("plus"));
        assert_eq!(
            crate::time::format_ts(c.exp.unwrap()),
            "2026-01-01T00:00:00.000Z"
        );
        assert_eq!(c.identity().plan.as_deref(), Some("plus"));
    }

    #[test]
    fn padded_payloads_and_profile_email_are_accepted() {
        let body =
            URL_SAFE_NO_PAD.encode(r#"{"https://api.openai.com/profile":{"email":"p@q.r"}}"#);
        let c = decode_claims(&format!("h.{body}==.s")).unwrap();
        assert_eq!(c.email.as_deref(), Some("p@q.r"));
    }

    #[test]
    fn bad_input_is_none_never_a_panic() {
        for bad in [
            "",
            ".",
            "..",
            "a.b",
            "a.b.c",
            "a.!!!.c",
            "x.bnVsbA.y",
            "x.WzFd.y",
        ] {
            assert_eq!(decode_claims(bad), None, "{bad}");
        }
        assert_eq!(decode_claims(&jwt(r#"{"exp":"soon"}"#)).unwrap().exp, None);
        assert_eq!(
            decode_claims(&jwt(r#"{"exp":99999999999999999}"#))
                .unwrap()
                .exp,
            None
        );
    }
}

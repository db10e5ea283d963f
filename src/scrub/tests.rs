//! Examples of what the scrubber redacts and keeps, and where it cuts. The generated,
//! property-based proof is in the integration tests (`scrub_props`, `scrub_cli`).

use super::shapes::REDACTED;
use super::*;

fn s(text: &str) -> String {
    scrub(text, MAX_MESSAGE)
}

#[test]
fn tokens_in_the_places_the_old_scrubber_missed() {
    let key = "sk-ant-api03-AbCdEf0123456789GhIjKl";
    for text in [
        format!("bad key `{key}` given"),
        format!("bad key *{key}* given"),
        format!("bad key **{key}** given"),
        format!("| {key} |"),
        format!("|{key}|"),
        format!("“{key}”"),
        format!("‘{key}’"),
        format!("key={key}"),
        format!("token:{key}"),
        format!("密钥：{key}。"),
        format!("密钥{key}无效"),
        format!("GET /v1/models?key={key}&alt=sse"),
    ] {
        let out = s(&text);
        assert!(!out.contains("AbCdEf0123"), "{text} -> {out}");
        assert!(out.contains(REDACTED), "{text} -> {out}");
    }
    assert_eq!(
        s("Authorization: Bearer abc123XYZ"),
        "Authorization: Bearer [redacted]"
    );
    assert_eq!(s("bearer: shorttok1."), "bearer: [redacted].");
    assert_eq!(
        s("https://x.googleapis.com/v1?key=AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW&alt=sse"),
        "https://x.googleapis.com/v1?key=[redacted]&alt=sse"
    );
}

#[test]
fn every_shape_is_redacted() {
    for token in [
        "sk-proj-Ab12Cd34Ef56Gh78Ij90",
        "sk-ant-oat01-Zz9Yy8Xx7Ww6Vv5Uu4",
        "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe",
        "ya29.a0AfH6SMBx-example-access.token",
        "1//0gLmN-refresh_token_value",
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl",
        "0123456789abcdef0123456789abcdef.AbCdEfGhIjKlMnOp",
        "rt_Ab12Cd34Ef56Gh78Ij90Kl",
        "Xk9QpL2mVr8ZtB4nWc7YhD1s",
        "9f86d081884c7d659a2feaa0c55ad015",
        "q83vEjRhPnYb+k/2Lw0ZsXa9Tc==",
    ] {
        assert_eq!(s(&format!("x {token} y")), "x [redacted] y", "{token}");
    }
}

#[test]
fn words_model_names_ids_urls_and_numbers_are_kept() {
    for text in [
        "Number of request tokens has exceeded your per-minute rate limit",
        "claude-sonnet-4-5-20250929 gpt-4o-mini gpt-4o-mini-2024-07-18 o3-mini-2025-01-31",
        "gemini-2.5-flash-preview-05-20 gemini-2.0-flash-thinking-exp-01-21 glm-4.6",
        "Meta-Llama-3-8B-Instruct accounts/fireworks/models/llama-v3p1-70b-instruct",
        "request req_011CUXmVfZbNBsy6SRKrHg7F message msg_01XFDUDYJgAACzvnptvVoYEL",
        "id 123e4567-e89b-12d3-a456-426614174000 trace request-123e4567-e89b-12d3-a456-426614174000",
        "https://platform.openai.com/docs/guides/error-codes/api-errors",
        "https://console.anthropic.com/settings/billing?tab=plans",
        "GenerateRequestsPerMinutePerProjectPerModel-FreeTier RESOURCE_EXHAUSTED",
        "generativelanguage.googleapis.com/generate_content_free_tier_input_token_count",
        "reset at 2026-08-25T07:41:44Z (1762952400000), try again in 41.31s",
        "Incorrect API key provided: sk-proj-****abcd. You can find your API key at ...",
        "provide your API key in an Authorization header (i.e. Authorization: Bearer YOUR_KEY).",
        "token: expired key=invalid_api_key Bearer token missing; max_tokens=4096",
        "您的额度已用完，请于 2026-08-25 07:41:44 重置",
        "XMLHttpRequestUpload userRateLimitExceeded SSLHandshakeException",
    ] {
        assert_eq!(s(text), text);
    }
}

#[test]
fn a_cut_never_leaves_a_stub_of_a_run() {
    assert_eq!(scrub(&"x".repeat(2000), MAX_MESSAGE), "…");
    let words = "word ".repeat(200);
    let out = scrub(&words, MAX_MESSAGE);
    assert_eq!(out.chars().count(), MAX_MESSAGE - 1);
    assert!(out.ends_with("word …"), "{out}");
    assert_eq!(scrub("short", 0), "");
    assert_eq!(scrub("abc def", 5), "abc …");
    // A token past the cut is dropped whole, never half shown.
    let text = format!("{}sk-ant-api03-{}", "a ".repeat(250), "Q".repeat(40));
    let out = scrub(&text, MAX_MESSAGE);
    assert!(!out.contains("QQQQ") && out.chars().count() <= MAX_MESSAGE);
}

#[test]
fn scrubbing_twice_changes_nothing() {
    for text in [
        "key=sk-abcdefghijklmnop+/Xk9QpL2mVr8ZtB4nWc7YhD1s",
        "Bearer abcdefgh.",
        "token: [redacted]",
        "`sk-ant-api03-AbCdEf0123456789` and eyJabcdefgh.eyJ12345678.sig",
    ] {
        let once = s(text);
        assert_eq!(s(&once), once, "{text}");
    }
}

#[test]
fn scrubbed_decodes_to_itself_and_scrubs_what_it_reads() {
    let m: ScrubbedMessage =
        serde_json::from_str(r#""leaked sk-proj-Ab12Cd34Ef56Gh78Ij90""#).unwrap();
    assert_eq!(m, "leaked [redacted]");
    let json = serde_json::to_string(&m).unwrap();
    assert_eq!(serde_json::from_str::<ScrubbedMessage>(&json).unwrap(), m);
    let code: ScrubbedCode = "x".repeat(1988).into();
    assert!(code.chars().count() <= MAX_CODE);
}

/// How often a bare random run escapes, per alphabet and length (run with --ignored).
#[test]
#[ignore]
fn measure_bare_random_runs() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let alphabets = [
        (
            "b62",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        ),
        (
            "b64url",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        ),
        (
            "b64",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        ),
        ("hex", "0123456789abcdef"),
        ("b36", "abcdefghijklmnopqrstuvwxyz0123456789"),
        (
            "b52",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        ),
    ];
    let n = 1_000_000;
    for (name, alphabet) in alphabets {
        let chars: Vec<char> = alphabet.chars().collect();
        let mut row = format!("{name:<7}");
        for len in [24, 32, 40, 48] {
            let missed = (0..n)
                .filter(|_| {
                    let t: String = (0..len)
                        .map(|_| chars[rng.gen_range(0..chars.len())])
                        .collect();
                    !runs::looks_random(&t)
                })
                .count();
            row.push_str(&format!(" {len}:{:.1e}", missed as f64 / n as f64));
        }
        eprintln!("{row}");
    }
}

//! Generators for the scrubber's tests: tokens of every shape a provider or a client can put in
//! an error (prefixed keys, OAuth tokens, JWTs, GLM keys, bare high-entropy runs, short Bearer
//! credentials), the wrappers and contexts they stand in, and prose to embed them in.
//! `Token::leaked_in` is the one definition of a leak that every scrubber test uses.

use std::ops::RangeInclusive;

use base64::Engine as _;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

pub const B62: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
pub const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
pub const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
pub const HEX: &str = "0123456789abcdef";
pub const HEX_UPPER: &str = "0123456789ABCDEF";

/// A generated credential: `text` as it stands in a message, `cores` the random parts that
/// must not survive (a prefix such as `sk-ant-api03-` or the word `Bearer` is no secret).
#[derive(Clone, Debug)]
pub struct Token {
    pub shape: &'static str,
    pub text: String,
    pub cores: Vec<String>,
}

impl Token {
    /// Whether `out` still holds the token or any 12-character piece of its random parts (all
    /// of a part shorter than that).
    pub fn leaked_in(&self, out: &str) -> bool {
        out.contains(&self.text)
            || self.cores.iter().any(|core| {
                let chars: Vec<char> = core.chars().collect();
                let w = chars.len().min(12);
                chars
                    .windows(w)
                    .any(|piece| out.contains(&piece.iter().collect::<String>()))
            })
    }
}

/// `len` characters drawn from `alphabet`.
pub fn run_of(alphabet: &'static str, len: RangeInclusive<usize>) -> BoxedStrategy<String> {
    let chars: Vec<char> = alphabet.chars().collect();
    prop::collection::vec(prop::sample::select(chars), len)
        .prop_map(|v| v.into_iter().collect())
        .boxed()
}

fn prefixed(
    shape: &'static str,
    prefixes: &'static [&'static str],
    alphabet: &'static str,
    len: RangeInclusive<usize>,
) -> BoxedStrategy<Token> {
    (prop::sample::select(prefixes), run_of(alphabet, len))
        .prop_map(move |(p, core)| Token {
            shape,
            text: format!("{p}{core}"),
            cores: vec![core],
        })
        .boxed()
}

/// A JWT: base64url JSON header and claims, and a signature.
fn jwt() -> BoxedStrategy<Token> {
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    (
        prop::sample::select(&["RS256", "HS256", "ES256", "none"][..]),
        run_of(B62, 8..=40),
        run_of(B62, 4..=30),
        run_of(B64URL, 20..=90),
    )
        .prop_map(move |(alg, sub, email, sig)| {
            let header = b64(&format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
            let claims = b64(&format!(
                r#"{{"sub":"{sub}","email":"{email}@example.com","exp":1767000000}}"#
            ));
            Token {
                shape: "jwt",
                text: format!("{header}.{claims}.{sig}"),
                cores: vec![claims, sig],
            }
        })
        .boxed()
}

/// Every shape the scrubber must recognise, each with random lengths and alphabets.
pub fn token() -> BoxedStrategy<Token> {
    let glm = (run_of(HEX, 32..=32), run_of(B62, 16..=16)).prop_map(|(id, secret)| Token {
        shape: "glm",
        text: format!("{id}.{secret}"),
        cores: vec![id, secret],
    });
    let bare = (
        prop::sample::select(&[B62, B64URL, B64, HEX, HEX_UPPER][..]),
        32usize..=96,
        prop::sample::select(&["", "=", "=="][..]),
    )
        .prop_flat_map(|(alphabet, n, pad)| {
            run_of(alphabet, n..=n).prop_map(move |core| Token {
                shape: "high_entropy",
                text: format!("{core}{pad}"),
                cores: vec![core],
            })
        });
    let bearer = (
        prop::sample::select(&["Bearer ", "bearer ", "BEARER ", "Bearer  ", "Bearer: "][..]),
        prop::sample::select(&[B62, B64URL][..]),
        8usize..=31,
    )
        .prop_flat_map(|(word, alphabet, n)| {
            run_of(alphabet, n..=n).prop_map(move |core| Token {
                shape: "bearer_short",
                text: format!("{word}{core}"),
                cores: vec![core],
            })
        });
    prop_oneof![
        prefixed("sk", &["sk-"], B64URL, 20..=120),
        prefixed(
            "sk_variants",
            &["sk-proj-", "sk-svcacct-", "sk-admin-", "sk-or-v1-"],
            B64URL,
            20..=160
        ),
        prefixed(
            "sk_ant",
            &[
                "sk-ant-api03-",
                "sk-ant-oat01-",
                "sk-ant-ort01-",
                "sk-ant-admin01-"
            ],
            B64URL,
            20..=100
        ),
        prefixed("aiza", &["AIza"], B64URL, 20..=40),
        prefixed("ya29", &["ya29.", "ya29.a0"], B64URL, 20..=200),
        prefixed("google_refresh", &["1//0", "1//"], B64URL, 20..=100),
        prefixed("openai_refresh", &["rt_", "sess-"], B62, 20..=64),
        jwt(),
        glm.boxed(),
        bare.boxed(),
        bearer.boxed(),
    ]
    .boxed()
}

/// What a token may stand between: markdown, quotes, brackets, `key=`, `token:`, full-width
/// punctuation, a URL query, CJK text glued to it, sentence punctuation after it.
pub fn context() -> impl Strategy<Value = (&'static str, &'static str)> {
    prop::sample::select(
        &[
            ("", ""),
            ("`", "`"),
            ("``", "``"),
            ("*", "*"),
            ("**", "**"),
            ("|", "|"),
            ("\"", "\""),
            ("'", "'"),
            ("“", "”"),
            ("‘", "’"),
            ("«", "»"),
            ("(", ")"),
            ("[", "]"),
            ("{", "}"),
            ("<", ">"),
            ("「", "」"),
            ("【", "】"),
            ("key=", ""),
            ("api_key=", "&alt=sse"),
            ("apikey=", ";"),
            ("token:", ""),
            ("token: ", "."),
            ("access_token=", "&"),
            ("Authorization: ", ""),
            ("x-api-key: ", ","),
            ("x-goog-api-key:", ""),
            ("：", "。"),
            ("key：", "，"),
            ("密钥", "无效"),
            ("令牌:", ""),
            (
                "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent?key=",
                "&alt=sse",
            ),
            ("https://api.example.com/v1/chat?access_token=", ""),
            ("\"api_key\":\"", "\""),
            ("=", ""),
            ("/", "/"),
            ("#", ""),
            ("", "."),
            ("", ","),
            ("", ";"),
            ("", "!"),
            ("", "…"),
            ("", ")."),
            ("\t", "\n"),
        ][..],
    )
}

/// Prose a provider might write, with model names, request ids, UUIDs, URLs and numbers.
pub const WORDS: &[&str] = &[
    "Incorrect",
    "API",
    "key",
    "provided:",
    "Please",
    "retry",
    "in",
    "41.31s.",
    "quota",
    "exceeded",
    "for",
    "model",
    "claude-sonnet-4-5-20250929",
    "gpt-4o-mini",
    "gemini-2.5-flash-preview-05-20",
    "glm-4.6",
    "request",
    "req_011CUXmVfZbNBsy6SRKrHg7F",
    "123e4567-e89b-12d3-a456-426614174000",
    "https://platform.openai.com/docs/guides/error-codes/api-errors.",
    "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
    "RESOURCE_EXHAUSTED",
    "1762952400",
    "您的额度已用完",
    "token",
    "Bearer",
    "invalid",
    "|",
    "—",
];

/// A sentence of `WORDS` with `token` (inside `context`) at a random position.
pub fn prose_with(token: impl Strategy<Value = Token>) -> impl Strategy<Value = (String, Token)> {
    (
        prop::collection::vec(prop::sample::select(WORDS), 0..12),
        any::<prop::sample::Index>(),
        token,
        context(),
        prop::sample::select(&[" ", "\n", "　", " - "][..]),
    )
        .prop_map(|(words, at, tok, (before, after), gap)| {
            let mut parts: Vec<String> = words.iter().map(|w| w.to_string()).collect();
            let i = at.index(parts.len() + 1);
            parts.insert(i, format!("{before}{}{after}", tok.text));
            (parts.join(gap), tok)
        })
}

/// `n` values of `strategy` from a fixed seed: the same set on every run.
pub fn fixed_set<T: std::fmt::Debug>(strategy: impl Strategy<Value = T>, n: usize) -> Vec<T> {
    let mut runner = TestRunner::deterministic();
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

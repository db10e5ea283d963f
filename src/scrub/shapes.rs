//! Where tokens stand, by shape: the value after `Bearer` or after a `key=` / `token:` /
//! `"api_key": "` marker, the prefixed shapes providers issue (`sk-…`, `AIza…`, `ya29.…`,
//! `1//…`, JWTs, GLM `<id>.<secret>` keys), then bare runs of key characters that `runs`
//! judges random. Whatever punctuation is around them: only ASCII word boundaries count, so
//! backticks, `*`, `|`, curly quotes, full-width colons and CJK text all end a token.

use std::sync::LazyLock;

use regex::{Captures, Regex, RegexSet, SetMatches};

use super::runs::looks_random;

/// No rule redacts fewer consecutive key characters than this (a 6-character Bearer value).
pub const SHORTEST_TOKEN: usize = 6;

/// What a token is replaced with. Holds no character a rule could match again.
pub const REDACTED: &str = "[redacted]";

/// `Bearer ` (also `Bearer: `, `bearer=`): a credential follows, whatever its length.
const BEARER_PATTERN: &str = r"(?i)(?-u:\b)bearer(?:\s*[:=]\s*|\s+)";
static BEARER: LazyLock<Regex> = LazyLock::new(|| Regex::new(BEARER_PATTERN).unwrap());

/// A name ending in key / token / secret / password and its separator: `key=`, `api_key:`,
/// `x-goog-api-key: `, `"access_token": "`, `token：`.
const KEYED_PATTERN: &str = concat!(
    r"(?i)(?-u:\b)[a-z0-9_\-]*(?:key|token|secret|password|passwd|credential|signature)s?",
    r#"["'`]?\s*(?:[:=：]|%3a|%3d)\s*["'`“‘]?\s*"#,
);
static KEYED: LazyLock<Regex> = LazyLock::new(|| Regex::new(KEYED_PATTERN).unwrap());

/// Shapes that are tokens wherever they stand, anchored at an ASCII word boundary.
const SHAPES_PATTERN: &str = concat!(
    r"(?-u:\b)(?:",
    // OpenAI, Anthropic (sk-ant-api03 / oat01 / ort01), OpenRouter, DeepSeek, ...
    r"sk-[A-Za-z0-9_\-]{8,}",
    // Other vendors' prefixed keys and OpenAI session / refresh tokens.
    r"|(?:sess-|rt_|xai-|gsk_|hf_|gh[opsu]_|github_pat_|pplx-|GOCSPX-)[A-Za-z0-9_\-]{12,}",
    // Google API keys, OAuth access tokens, refresh tokens.
    r"|AIza[A-Za-z0-9_\-]{10,}",
    r"|ya29\.[A-Za-z0-9_\-.]{8,}",
    r"|1//[A-Za-z0-9_\-]{8,}",
    // JWTs and JWEs: base64url JSON (`{"` encodes as `eyJ`), up to four more dot parts.
    r"|eyJ[A-Za-z0-9_\-]{6,}(?:\.[A-Za-z0-9_\-]+){0,4}",
    // GLM / Zhipu keys: a 32-hex id, a dot, the secret.
    r"|[0-9a-fA-F]{32}\.[A-Za-z0-9]{8,}",
    r")",
);
static SHAPES: LazyLock<Regex> = LazyLock::new(|| Regex::new(SHAPES_PATTERN).unwrap());

/// Maximal runs of base64 / base64url / hex key characters (dots excluded: they split words,
/// hosts and versions; the dotted shapes above are caught first).
const RUN_PATTERN: &str = r"[A-Za-z0-9_\-+/=~]{16,}";
static RUN: LazyLock<Regex> = LazyLock::new(|| Regex::new(RUN_PATTERN).unwrap());

/// All four markers at once: most text (a provider's message, a code) matches none of them,
/// and one scan that says so spares the four rewriting passes (this runs on every string an
/// event carries, when it is made and again when the log is read).
static ANY: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([BEARER_PATTERN, KEYED_PATTERN, SHAPES_PATTERN, RUN_PATTERN]).unwrap()
});

/// Words that follow "Bearer" in prose or in a `WWW-Authenticate` header, not credentials.
const BEARER_PROSE: [&str; 13] = [
    "token",
    "tokens",
    "auth",
    "authentication",
    "authorization",
    "header",
    "scheme",
    "realm",
    "error",
    "credential",
    "credentials",
    "prefix",
    "type",
];

/// Every token in `text` replaced with [`REDACTED`]; everything else as it was.
pub fn redact(text: &str) -> String {
    let mut text = text.to_string();
    // A pass whose marker the text does not hold would change nothing: skip it. After a pass
    // that ran, ask again of the text it left, so skipping never differs from running.
    let mut hits = ANY.matches(&text);
    let pass = |hits: &mut SetMatches, i: usize, text: &mut String, f: &dyn Fn(&str) -> String| {
        if hits.matched(i) {
            *text = f(text);
            *hits = ANY.matches(text);
        }
    };
    pass(&mut hits, 0, &mut text, &|t| {
        redact_after(&BEARER, t, |value| {
            let word = value.trim_end_matches('=');
            value.len() >= 6
                && !BEARER_PROSE.contains(&word.to_ascii_lowercase().as_str())
                && !is_placeholder(word)
                && !is_masked(value)
        })
    });
    pass(&mut hits, 1, &mut text, &|t| {
        redact_after(&KEYED, t, is_keyed_secret)
    });
    pass(&mut hits, 2, &mut text, &|t| {
        SHAPES.replace_all(t, REDACTED).into_owned()
    });
    pass(&mut hits, 3, &mut text, &|t| {
        RUN.replace_all(t, |c: &Captures| {
            if looks_random(&c[0]) {
                REDACTED.to_string()
            } else {
                c[0].to_string()
            }
        })
        .into_owned()
    });
    text
}

/// The value after each `marker` (a run of b64token characters, up to the next marker: in
/// `Bearer Bearer x` or `key=token=x` the last marker owns `x`) replaced when `secret` says
/// so. A sentence's closing dots stay outside the redaction.
fn redact_after(marker: &Regex, text: &str, secret: impl Fn(&str) -> bool) -> String {
    let markers: Vec<(usize, usize)> = marker
        .find_iter(text)
        .map(|m| (m.start(), m.end()))
        .collect();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (i, &(_, end)) in markers.iter().enumerate() {
        let limit = markers.get(i + 1).map_or(text.len(), |next| next.0);
        let value_len = text[end..limit]
            .find(|c: char| !is_value_char(c))
            .unwrap_or(limit - end);
        let value = text[end..end + value_len].trim_end_matches('.');
        if !value.is_empty() && secret(value) {
            out.push_str(&text[copied..end]);
            out.push_str(REDACTED);
            copied = end + value.len();
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Characters of an RFC 6750 `b64token`, plus `*` so that a mask is read whole.
fn is_value_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~+/=*".contains(c)
}

/// Documentation's stand-ins (`Bearer YOUR_KEY`, `Bearer your-api-token`): letters of one
/// case and `_` / `-`, naming a key or token.
fn is_placeholder(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    is_plain_word(word) && (lower.contains("key") || lower.contains("token"))
}

/// Letters of one case, with `_`, `-` or `.` between words: `invalid_api_key`, `EXPIRED`.
fn is_plain_word(v: &str) -> bool {
    let joiner = |b: u8| b == b'_' || b == b'-' || b == b'.';
    v.bytes().all(|b| b.is_ascii_lowercase() || joiner(b))
        || v.bytes().all(|b| b.is_ascii_uppercase() || joiner(b))
}

/// A provider's own mask (`sk-proj-****abcd`): kept, it helps a person and hides nothing.
fn is_masked(value: &str) -> bool {
    value.contains("***")
}

/// Whether the value after a `key=`-like marker is a credential: 8 characters or more, not a
/// number, not a plain word, not a mask.
fn is_keyed_secret(v: &str) -> bool {
    let number = v.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    v.len() >= 8 && !is_plain_word(v) && !number && !is_masked(v)
}

//! Whether a bare run of key characters (no prefix, no `key=` before it) is a credential:
//! long hex, or characters that change class (letter / digit, lower / upper) far more often
//! than words, model names, dates and CamelCase identifiers do. UUIDs and provider request
//! ids are kept: they identify a request, not a person or a credential, and a bug report
//! needs them.

/// Runs shorter than this many letters and digits are never judged random.
pub const MIN_RANDOM_RUN: usize = 16;

/// Characters that separate the segments of a run (`-`, `_`) or pad base64 (`=`).
const SEPARATORS: &[char] = &['-', '_', '+', '/', '=', '~'];

/// Prefixes of the ids providers give requests and responses (`req_011C…`, `msg_01…`,
/// `chatcmpl-…`, `resp_…`): public handles, quoted to support, never credentials.
const REQUEST_ID_PREFIXES: [&str; 6] = ["req_", "req-", "request_", "msg_", "chatcmpl-", "resp_"];

/// The judgement on one run of `[A-Za-z0-9_\-+/=~]`.
pub fn looks_random(run: &str) -> bool {
    let core = run.trim_matches(SEPARATORS);
    let alnum = core.bytes().filter(u8::is_ascii_alphanumeric).count();
    if alnum < MIN_RANDOM_RUN || is_uuid(core) || is_request_id(core) {
        return false;
    }
    let mut pairs = 0usize;
    let mut changes = 0usize;
    let mut digits = 0usize;
    for segment in core.split(SEPARATORS).filter(|s| !s.is_empty()) {
        let b = segment.as_bytes();
        if is_long_hex(b) {
            return true;
        }
        digits += b.iter().filter(|c| c.is_ascii_digit()).count();
        let mixed_case =
            b.iter().any(u8::is_ascii_uppercase) && b.iter().any(u8::is_ascii_lowercase);
        for w in b.windows(2) {
            pairs += 1;
            changes += class_change(w[0], w[1], mixed_case) as usize;
        }
    }
    // Mostly digits: a number, a date, a timestamp.
    if digits * 10 >= alnum * 6 {
        return false;
    }
    // Words change class about once in six characters, random key text every other one;
    // identifiers mixing upper, lower and digits (`Meta-Llama-3-8B`) stay near one in seven.
    let all_classes = core.bytes().any(|b| b.is_ascii_uppercase())
        && core.bytes().any(|b| b.is_ascii_lowercase())
        && digits > 0;
    let threshold = if all_classes { 2 } else { 3 };
    (pairs > 0 && changes * 10 >= pairs * threshold) || rich_in_both_cases(core)
}

/// Many distinct characters of both cases: words and paths repeat a small vocabulary (the
/// longest CamelCase quota id uses 19 characters), a random base62 string of 40 uses ~30.
fn rich_in_both_cases(core: &str) -> bool {
    let mut seen = [false; 128];
    for b in core.bytes().filter(u8::is_ascii_alphanumeric) {
        seen[b as usize] = true;
    }
    let count = |r: std::ops::RangeInclusive<u8>| r.filter(|&b| seen[b as usize]).count();
    let (upper, lower, digit) = (count(b'A'..=b'Z'), count(b'a'..=b'z'), count(b'0'..=b'9'));
    upper >= 3 && lower >= 3 && upper + lower + digit >= 23
}

/// A change that words rarely make: letter <-> digit, lower -> upper, and upper -> upper
/// inside a mixed-case segment (`XkQ` is not a CamelCase word; `RESOURCE` is a word).
fn class_change(a: u8, b: u8, mixed_case: bool) -> bool {
    if a.is_ascii_digit() != b.is_ascii_digit() {
        return true;
    }
    (a.is_ascii_lowercase() && b.is_ascii_uppercase())
        || (mixed_case && a.is_ascii_uppercase() && b.is_ascii_uppercase())
}

/// 16 or more hex digits of one case, with both digits and letters: a hash, an id, a key.
fn is_long_hex(b: &[u8]) -> bool {
    let lower = b
        .iter()
        .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c));
    let upper = b
        .iter()
        .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c));
    b.len() >= 16
        && (lower || upper)
        && b.iter().any(u8::is_ascii_digit)
        && b.iter().any(u8::is_ascii_alphabetic)
}

/// `8-4-4-4-12` hex, alone or after a word (`request-<uuid>`).
fn is_uuid(core: &str) -> bool {
    let uuid = core.get(core.len().saturating_sub(36)..).unwrap_or("");
    let before = &core[..core.len() - uuid.len()];
    let groups: Vec<&str> = uuid.split('-').collect();
    let shape_ok = groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|c| c.is_ascii_hexdigit()));
    shape_ok
        && (before.is_empty()
            || (before.ends_with(['-', '_'])
                && before[..before.len() - 1]
                    .bytes()
                    .all(|c| c.is_ascii_alphabetic())))
}

fn is_request_id(core: &str) -> bool {
    REQUEST_ID_PREFIXES.iter().any(|p| {
        core.strip_prefix(p)
            .is_some_and(|rest| rest.bytes().all(|c| c.is_ascii_alphanumeric()))
    })
}

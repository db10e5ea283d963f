//! The one door outside text takes into an event: [`scrub`] replaces every token-shaped string
//! with `[redacted]` and truncates, and [`Scrubbed`] is a string that went through it (built,
//! deserialized or converted, there is no other way to make one). Provider messages, codes,
//! types, reasons, quota names and identities are `Scrubbed` fields, so no path can skip it.
//! Which shapes count as tokens is in `shapes` and `runs`.

mod runs;
mod shapes;

use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize};

/// Messages (a provider's `message`, a refresh failure) keep at most this many characters.
pub const MAX_MESSAGE: usize = 512;
/// Codes, types, reasons, statuses and quota window names: identifiers, never prose, so a
/// quarter of a message is plenty (the longest real one, a Google quota id, is under 100).
pub const MAX_CODE: usize = 128;
/// Identity fields: an e-mail address may be 254 characters long.
pub const MAX_IDENTITY: usize = 256;

/// A provider message: scrubbed, at most [`MAX_MESSAGE`] characters.
pub type ScrubbedMessage = Scrubbed<MAX_MESSAGE>;
/// A provider code, type, reason or quota name: scrubbed, at most [`MAX_CODE`] characters.
pub type ScrubbedCode = Scrubbed<MAX_CODE>;
/// An identity field (e-mail, account id, plan, project): scrubbed, at most [`MAX_IDENTITY`].
pub type ScrubbedIdentity = Scrubbed<MAX_IDENTITY>;

/// Text from outside rotor is read this far at most: beyond it nothing can reach the output.
const READ_FACTOR: usize = 8;

/// `text` with every token replaced by `[redacted]`, cut to at most `max_chars` characters.
/// Idempotent: scrubbing a scrubbed string changes nothing, so a logged value decodes to
/// itself. A cut never splits a run of key characters (it would leave a stub the rules no
/// longer recognise): the partial run is dropped and `…` marks the cut.
pub fn scrub(text: &str, max_chars: usize) -> String {
    if text.len() > RECENT_MAX_LEN {
        return scrub_uncached(text, max_chars);
    }
    RECENT.with_borrow_mut(|clean| {
        if clean.get(text) == Some(&max_chars) {
            return text.to_owned();
        }
        let done = scrub_uncached(text, max_chars);
        if done == text {
            if clean.len() >= RECENT_ENTRIES {
                clean.clear();
            }
            clean.insert(text.into(), max_chars);
        }
        done
    })
}

/// Texts up to this many bytes are remembered by [`scrub`] (longer ones are rare and unlike).
const RECENT_MAX_LEN: usize = 1024;
/// How many texts a thread remembers before it starts afresh.
const RECENT_ENTRIES: usize = 512;

thread_local! {
    /// Texts this thread scrubbed lately that came out unchanged, with the limit they were
    /// scrubbed under. Events repeat a few messages, codes and quota names, and a log is
    /// scrubbed again as it is read, so folding a log asks about the same texts over and
    /// over; `scrub` is a pure function of (text, limit), so a remembered answer is the answer.
    /// Only clean texts are kept: nothing with a token in it stays in memory for this.
    // Fx hashing: at most `RECENT_ENTRIES` entries, so colliding texts cannot cost much.
    static RECENT: std::cell::RefCell<rustc_hash::FxHashMap<Box<str>, usize>> =
        Default::default();
}

fn scrub_uncached(text: &str, max_chars: usize) -> String {
    let read = cut(text, max_chars.saturating_mul(READ_FACTOR));
    if !has_run_of(&read, shapes::SHORTEST_TOKEN) {
        return cut(&read, max_chars);
    }
    cut(&shapes::redact(&read), max_chars)
}

/// Whether `text` holds `n` token characters in a row (no rule matches less).
fn has_run_of(text: &str, n: usize) -> bool {
    let mut run = 0;
    text.chars().any(|c| {
        run = if is_token_char(c) { run + 1 } else { 0 };
        run >= n
    })
}

/// Characters a token, a `key=value` or a masked key can be made of: a cut is never made
/// between two of them.
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_.~+/=*".contains(c)
}

fn cut(text: &str, max_chars: usize) -> String {
    let Some((end, _)) = text.char_indices().nth(max_chars) else {
        return text.to_string();
    };
    if max_chars == 0 {
        return String::new();
    }
    // Room for the ellipsis, then back to the start of a run the cut would split.
    let (mut end, _) = text.char_indices().nth(max_chars - 1).unwrap_or((end, ' '));
    let next = text[end..].chars().next();
    if next.is_some_and(is_token_char) {
        while let Some(c) = text[..end]
            .chars()
            .next_back()
            .filter(|c| is_token_char(*c))
        {
            end -= c.len_utf8();
        }
    }
    format!("{}…", &text[..end])
}

/// A string that went through [`scrub`] with a bound of `MAX` characters.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
#[serde(transparent)]
pub struct Scrubbed<const MAX: usize>(String);

impl<const MAX: usize> Scrubbed<MAX> {
    pub fn new(text: &str) -> Self {
        Scrubbed(scrub(text, MAX))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

impl<const MAX: usize> Deref for Scrubbed<MAX> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> AsRef<str> for Scrubbed<MAX> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> From<&str> for Scrubbed<MAX> {
    fn from(text: &str) -> Self {
        Scrubbed::new(text)
    }
}

impl<const MAX: usize> From<String> for Scrubbed<MAX> {
    fn from(text: String) -> Self {
        Scrubbed::new(&text)
    }
}

impl<const MAX: usize> From<&String> for Scrubbed<MAX> {
    fn from(text: &String) -> Self {
        Scrubbed::new(text)
    }
}

impl<const MAX: usize> From<Scrubbed<MAX>> for String {
    fn from(s: Scrubbed<MAX>) -> String {
        s.0
    }
}

/// A log written by an older rotor (or edited by hand) is scrubbed as it is read.
impl<'de, const MAX: usize> Deserialize<'de> for Scrubbed<MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ok(Scrubbed::new(&text))
    }
}

impl<const MAX: usize> fmt::Display for Scrubbed<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<const MAX: usize> fmt::Debug for Scrubbed<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<const MAX: usize> PartialEq<str> for Scrubbed<MAX> {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl<const MAX: usize> PartialEq<&str> for Scrubbed<MAX> {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl<const MAX: usize> PartialEq<String> for Scrubbed<MAX> {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

#[cfg(test)]
mod tests;

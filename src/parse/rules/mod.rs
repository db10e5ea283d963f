//! The classification rules the provider parsers share, one file per envelope they read
//! (`anthropic`, `openai`, `google`, `glm`), and `words` for what any of them says in words or
//! in a code every provider shares. A rule answers or passes; each provider parser
//! states its own order as one table of rules, tried first to last, with the status code as
//! the last word. Rules call no provider parser, and provider parsers do not call each other.

pub mod anthropic;
pub mod glm;
pub mod google;
pub mod openai;
pub mod words;

use super::input::Input;
use super::ParsedError;

/// One classification rule: a verdict, or `None` to let the next rule try.
pub type Rule = fn(&Input<'_>) -> Option<ParsedError>;

/// The first verdict of `rules`, in order; the status-code fallback when none answers.
pub fn first_match(input: &Input<'_>, rules: &[Rule]) -> ParsedError {
    rules
        .iter()
        .find_map(|rule| rule(input))
        .unwrap_or_else(|| input.fallback())
}

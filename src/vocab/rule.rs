//! `AppliedRule`: which of the operator's `[[rules]]` reshaped a failure, as the `request_failed`
//! event records it beside the result, with the parser's own verdict it replaced. The event then
//! holds everything a replay needs; the rules themselves live in the configuration
//! (`config::rules`).

use serde::{Deserialize, Serialize};

use super::{ErrorKind, Scope};
use crate::scrub::ScrubbedCode;

/// The rule that matched a failure: its place in the configuration, its name if it had one, and
/// the kind and scope the parser had given before the rule applied.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct AppliedRule {
    /// Position in the configuration's `[[rules]]`, from 0.
    pub index: u32,
    /// The rule's `name`, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<ScrubbedCode>,
    /// The kind the parser had given.
    pub parsed_kind: ErrorKind,
    /// The scope the parser had given.
    pub parsed_scope: Scope,
}

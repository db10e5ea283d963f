//! Decoding an event's `data` fast: the variant is chosen from the `kind` column and the
//! variant's struct decoded directly, skipping serde's internally-tagged path (which buffers
//! every field into an intermediate tree before it can look at the tag). Only for rows shaped
//! exactly as rotor writes them; anything else takes the generic path, which checks everything.

use crate::event::Event;

/// Decodes `data` of a row whose column says `kind`. The fast path is taken only when `data`
/// opens with that same tag (`{"kind":"<kind>"`, as serde writes it), so a row whose data and
/// column disagree still reaches the generic decode and its mismatch check.
pub fn event(kind: &str, data: &str) -> serde_json::Result<Event> {
    if tagged_as(data, kind) {
        // Variants holding one struct, without `flatten` (the struct ignores the `kind` key).
        let fast = match kind {
            "selected" => Some(serde_json::from_str(data).map(Event::Selected)),
            "request_succeeded" => Some(serde_json::from_str(data).map(Event::RequestSucceeded)),
            "request_failed" => Some(serde_json::from_str(data).map(Event::RequestFailed)),
            "no_account" => Some(serde_json::from_str(data).map(Event::NoAccount)),
            "account_added" => Some(serde_json::from_str(data).map(Event::AccountAdded)),
            _ => None,
        };
        if let Some(decoded) = fast {
            return decoded;
        }
    }
    serde_json::from_str(data)
}

/// Whether `data` opens with the tag `kind` exactly as serde writes it. (The fast and generic
/// paths are held equal on the bench generator's whole mix in `bench/events_tests.rs`.)
fn tagged_as(data: &str, kind: &str) -> bool {
    data.strip_prefix(r#"{"kind":""#)
        .and_then(|rest| rest.strip_prefix(kind))
        .is_some_and(|rest| rest.starts_with('"'))
}

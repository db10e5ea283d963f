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

fn tagged_as(data: &str, kind: &str) -> bool {
    data.strip_prefix(r#"{"kind":""#)
        .and_then(|rest| rest.strip_prefix(kind))
        .is_some_and(|rest| rest.starts_with('"'))
}

// The generator that drives this check lives on the binary side (`bench`).
#[cfg(all(test, feature = "cli"))]
mod tests {
    use super::*;
    use crate::bench::events::{generate, MixConfig};
    use crate::bench::rows::to_rows;

    #[test]
    fn fast_decode_equals_the_generic_decode_for_every_generated_row() {
        let events = generate(&MixConfig::new(10, 4, 7), 2_000);
        for (rec, row) in events.iter().zip(to_rows(&events)) {
            assert!(tagged_as(&row.data, row.kind), "{}", row.data);
            assert_eq!(event(row.kind, &row.data).unwrap(), rec.event);
        }
    }

    #[test]
    fn a_row_whose_data_disagrees_with_its_column_takes_the_generic_path() {
        let events = generate(&MixConfig::new(2, 1, 1), 1);
        let row = &to_rows(&events)[3];
        let decoded = event("selected", &row.data).unwrap();
        // The generic decode follows the data's own tag; read.rs then reports the mismatch.
        assert_eq!(decoded.kind(), row.kind);
        assert!(event("selected", r#"{"kind":"selected","x":1}"#).is_err());
        assert!(event("selected", "not json").is_err());
    }
}

//! Older versions of an event kind brought to today's shape, as JSON, before typed decoding:
//! the one place that knows what each version bump changed. A row already at today's version
//! passes through untouched (no parsing).

use std::borrow::Cow;

/// `data` of a `kind` row written as version `v`, in today's shape.
pub fn upcast<'a>(kind: &str, v: u32, data: &'a str) -> Cow<'a, str> {
    match (kind, v) {
        // Version 2 of `selected` records the credential generation leased; a version 1
        // event did not know it: unknown, so a 401 against it counts as against today's.
        ("selected", 1) => add_field(data, "generation", serde_json::Value::Null),
        _ => Cow::Borrowed(data),
    }
}

/// `data` with `field` set to `value` where absent; `data` as it is when it is not a JSON
/// object (the typed decode then reports it).
fn add_field<'a>(data: &'a str, field: &str, value: serde_json::Value) -> Cow<'a, str> {
    let Ok(serde_json::Value::Object(mut map)) = serde_json::from_str(data) else {
        return Cow::Borrowed(data);
    };
    map.entry(field).or_insert(value);
    serde_json::to_string(&map).map_or(Cow::Borrowed(data), Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;

    /// A `selected` event as version 1 wrote it (kept verbatim: never regenerate it).
    const SELECTED_V1: &str = r#"{"kind":"selected","request":"01936f3e-0000-7000-8000-000000000001","provider":"openai","model":"gpt-4o","account":"00000000-0000-0000-0000-000000000001","strategy":"round_robin","tier":0,"skipped":[]}"#;

    #[test]
    fn a_version_1_selected_event_decodes_with_no_generation() {
        let up = upcast("selected", 1, SELECTED_V1);
        assert!(up.contains(r#""generation":null"#), "{up}");
        let Event::Selected(e) = serde_json::from_str(&up).unwrap() else {
            panic!("not a selection")
        };
        assert_eq!((e.generation, &*e.model), (None, "gpt-4o"));
        // Today's version passes through as it is.
        assert!(matches!(upcast("selected", 2, SELECTED_V1), Cow::Borrowed(_)));
    }
}

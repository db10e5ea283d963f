//! Event versions: the one place a row written by an older version of its kind is brought to
//! today's shape, as JSON, before typed decoding. Each change to a kind's shape bumps its
//! version in `columns.rs` and adds a step here; a row at the current version passes untouched
//! (and takes the fast decode). Reading rows lives in `store`.

use serde_json::Value;

use super::Event;

/// One upcasting step: `data` of `kind` written at version `from` becomes version `from + 1`.
pub struct Step {
    /// The event kind the step applies to.
    pub kind: &'static str,
    /// The version it reads; it writes `from + 1`.
    pub from: u32,
    /// Rewrites the JSON `data` in place.
    pub apply: fn(&mut Value),
}

/// Every step this binary knows. A version without a step (a field added with a default)
/// needs none, serde fills it in.
pub const STEPS: &[Step] = &[Step {
    kind: "selected",
    from: 1,
    apply: selected_v1_generation_unknown,
}];

/// `selected` version 2 records the credential generation leased; a version 1 event did not
/// know it: `null`, so a 401 reported against it counts as against the current credential.
fn selected_v1_generation_unknown(v: &mut Value) {
    if let Some(o) = v.as_object_mut() {
        o.entry("generation").or_insert(Value::Null);
    }
}

/// `data` of a row written as version `v` of `kind`, in today's shape: `None` when it is
/// already current (decode it as it is), else the upcast JSON. Unknown kinds and newer
/// versions are refused before this, where the row is read.
pub fn upcast(kind: &str, v: u32, data: &str) -> serde_json::Result<Option<Value>> {
    let current = Event::known_version(kind).unwrap_or(v);
    upcast_with(STEPS, kind, v, current, data)
}

fn upcast_with(
    steps: &[Step],
    kind: &str,
    v: u32,
    current: u32,
    data: &str,
) -> serde_json::Result<Option<Value>> {
    if v >= current {
        return Ok(None);
    }
    let mut value: Value = serde_json::from_str(data)?;
    for version in v..current {
        if let Some(step) = steps.iter().find(|s| s.kind == kind && s.from == version) {
            (step.apply)(&mut value);
        }
    }
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rename_tier_to_rank(v: &mut Value) {
        if let Some(tier) = v.as_object_mut().and_then(|o| o.remove("tier")) {
            v["rank"] = tier;
        }
    }

    fn add_writer(v: &mut Value) {
        v["writer"] = Value::from("unknown");
    }

    const STEPS_OF_A_LATER_ROTOR: &[Step] = &[
        Step {
            kind: "selected",
            from: 2,
            apply: add_writer,
        },
        Step {
            kind: "selected",
            from: 1,
            apply: rename_tier_to_rank,
        },
    ];

    #[test]
    fn an_old_row_takes_every_step_in_version_order_and_a_current_one_none() {
        let v1 = r#"{"kind":"selected","tier":2}"#;
        let up = upcast_with(STEPS_OF_A_LATER_ROTOR, "selected", 1, 3, v1).unwrap();
        assert_eq!(
            up,
            Some(serde_json::json!({"kind":"selected","rank":2,"writer":"unknown"}))
        );
        let v2 = r#"{"kind":"selected","rank":2}"#;
        let up = upcast_with(STEPS_OF_A_LATER_ROTOR, "selected", 2, 3, v2).unwrap();
        assert_eq!(
            up,
            Some(serde_json::json!({"kind":"selected","rank":2,"writer":"unknown"}))
        );
        assert_eq!(
            upcast_with(STEPS_OF_A_LATER_ROTOR, "selected", 3, 3, "not even json").unwrap(),
            None
        );
        // Another kind's steps never apply.
        let other = upcast_with(STEPS_OF_A_LATER_ROTOR, "no_account", 1, 3, v1).unwrap();
        assert_eq!(other, Some(serde_json::json!({"kind":"selected","tier":2})));
    }
}

//! Tests of the event generator: deterministic, the intended mix of kinds, every event
//! round-trips through its row.

use super::*;
use crate::bench::rows::to_rows;
use crate::store::read::decode_row;
use std::collections::BTreeMap;

#[test]
fn same_seed_same_events_other_seed_other_events() {
    let cfg = MixConfig::new(20, 5, 9);
    assert_eq!(generate(&cfg, 500), generate(&cfg, 500));
    assert_ne!(
        generate(&cfg, 50),
        generate(&MixConfig { seed: 10, ..cfg }, 50)
    );
}

#[test]
fn mix_is_accounts_first_then_mostly_selected_and_successes() {
    let events = generate(&MixConfig::new(30, 4, 1), 5_000);
    assert_eq!(events.len(), 30 + 10_000);
    assert!(events[..30]
        .iter()
        .all(|r| r.event.kind() == "account_added"));
    let mut kinds = BTreeMap::new();
    for r in &events {
        *kinds.entry(r.event.kind()).or_insert(0) += 1;
    }
    assert_eq!(kinds["selected"], 5_000);
    assert!(kinds["request_succeeded"] > 4_400, "{kinds:?}");
    assert!(kinds["request_failed"] > 200, "{kinds:?}");
    assert!(events
        .windows(2)
        .all(|w| w[0].at <= w[1].at && w[0].seq + 1 == w[1].seq));
    let models: std::collections::BTreeSet<_> =
        events.iter().filter_map(|r| r.event.model()).collect();
    assert_eq!(models.len(), 4);
}

#[test]
fn every_event_round_trips_through_its_row() {
    let events = generate(&MixConfig::new(12, 25, 5), 2_000);
    for (r, row) in events.iter().zip(to_rows(&events)) {
        let back: Event = serde_json::from_str(&row.data).expect("decodes");
        assert_eq!(back, r.event);
        assert_eq!(row.kind, r.event.kind());
        assert_eq!(row.account, r.event.account().map(|a| a.to_string()));
        assert_eq!(crate::time::parse_ts(&row.at).unwrap(), r.at);
    }
    assert_eq!(model_name(23), "gpt-5-v2");
}

#[test]
fn the_store_decodes_every_generated_row_back_to_its_event() {
    // The store's read path picks a fast decode from the `kind` column; it must agree with the
    // event written, for every kind and shape the generator makes.
    let events = generate(&MixConfig::new(10, 4, 7), 2_000);
    for (rec, row) in events.iter().zip(to_rows(&events)) {
        let back = decode_row(rec.seq, &row.at, row.kind, row.v, &row.data)
            .unwrap()
            .expect("a known kind");
        assert_eq!(back.event, rec.event, "{}", row.data);
    }
}

#[test]
fn a_row_whose_data_disagrees_with_its_column_is_corrupt() {
    let events = generate(&MixConfig::new(2, 1, 1), 1);
    let row = &to_rows(&events)[3];
    assert_ne!(row.kind, "selected");
    // Today's version, so the row takes the fast path rather than an upcast.
    let v = Event::known_version("selected").unwrap();
    let err = decode_row(4, &row.at, "selected", v, &row.data).unwrap_err();
    assert!(err.to_string().contains("data says kind"), "{err}");
    for junk in [r#"{"kind":"selected","x":1}"#, "not json"] {
        assert!(
            decode_row(4, &row.at, "selected", v, junk).is_err(),
            "{junk}"
        );
    }
}

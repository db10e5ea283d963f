//! Tests of the event generator: deterministic, the intended mix of kinds, every event
//! round-trips through its row.

use super::*;
use crate::bench::rows::to_rows;
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

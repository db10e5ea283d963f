//! The events table's row form of an event, as the benches bind it: the store's `EventRow`
//! (one encoding for stores and baselines), built outside any timed section so baselines and
//! engine benches write the same bytes. No SQL here; that is in `baseline`.

use crate::event::EventRecord;
pub use crate::store::EventRow as RawRow;

pub fn to_rows(events: &[EventRecord]) -> Vec<RawRow> {
    events.iter().map(RawRow::from_record).collect()
}

//! The events table's row form of an event (`RawRow`): the seven columns of `events` as the
//! store binds them, built outside any timed section so baselines and engine benches write the
//! same bytes. No SQL here; that is in `baseline`.

use crate::event::EventRecord;
use crate::time::format_ts;

/// One row of the events table, ready to bind (`seq` assigned by SQLite).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRow {
    pub at: String,
    pub kind: &'static str,
    pub v: u32,
    pub account: Option<String>,
    pub model: Option<String>,
    pub request: Option<String>,
    /// The event as JSON (the serde form of `Event`, `kind` tag included).
    pub data: String,
}

impl RawRow {
    pub fn from_record(r: &EventRecord) -> RawRow {
        let e = &r.event;
        RawRow {
            at: format_ts(r.at),
            kind: e.kind(),
            v: e.version(),
            account: e.account().map(|a| a.to_string()),
            model: e.model().map(str::to_string),
            request: e.request().map(|q| q.to_string()),
            // Serializing our own enum cannot fail (string keys, finite floats).
            data: serde_json::to_string(e).unwrap_or_default(),
        }
    }
}

pub fn to_rows(events: &[EventRecord]) -> Vec<RawRow> {
    events.iter().map(RawRow::from_record).collect()
}

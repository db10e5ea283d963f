//! The row form of an event (`EventRow`): the seven columns every store binds, made from the
//! column mapping of `event::columns` and serde's JSON. Shared by the PostgreSQL store, the
//! benchmarks' baselines and `rotor migrate`; no SQL here.

use crate::event::{Event, EventRecord};
use crate::time::{format_ts, Timestamp};

/// One row of the `events` table, ready to bind (`seq` is assigned by the store).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRow {
    /// RFC 3339, UTC, milliseconds: the same text in SQLite and PostgreSQL.
    pub at: String,
    /// The event's kind, the `kind` tag of its JSON.
    pub kind: &'static str,
    /// The kind's version the data is written at.
    pub v: u32,
    /// The account the event is about, as text, for indexed lookups; `None` when it names none.
    pub account: Option<String>,
    /// The model the event is about, for indexed lookups; `None` when it names none.
    pub model: Option<String>,
    /// The request the event is about, for indexed lookups; `None` when it names none.
    pub request: Option<String>,
    /// The event as JSON (the serde form of `Event`, `kind` tag included).
    pub data: String,
}

impl EventRow {
    /// The row of `event` recorded at `at`.
    pub fn new(at: Timestamp, event: &Event) -> EventRow {
        EventRow {
            at: format_ts(at),
            kind: event.kind(),
            v: event.version(),
            account: event.account().map(|a| a.to_string()),
            model: event.model().map(str::to_string),
            request: event.request().map(|q| q.to_string()),
            // Serializing our own enum cannot fail (string keys, finite floats).
            data: serde_json::to_string(event).unwrap_or_default(),
        }
    }

    /// The row of an event read back from a log (to copy it to another store).
    pub fn from_record(r: &EventRecord) -> EventRow {
        EventRow::new(r.at, &r.event)
    }
}

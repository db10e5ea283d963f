//! A fleet's log read writer by writer. Each instance applied its own events as it made them
//! and the other writers' events in seq order as its follower read them; each of its events
//! records `seen`, the highest foreign seq applied by then. So the order in which one writer
//! applied the log is rebuilt exactly: the foreign events up to each own event's `seen`, then
//! that event. Decisions are recomputed in that order (`verify_fleet`), never in seq order.

use crate::event::{Event, EventRecord};
use crate::ids::RequestId;
use crate::state::State;
use crate::store::postgres::LogEvent;

use super::{Explanation, Mismatch};

/// Who made an event: an instance of the fleet, or nobody in it (copied from a SQLite log by
/// `rotor migrate`, made by that log's single writer).
pub type Writer = Option<uuid::Uuid>;

/// The writers of `events`, in order of their first event.
pub fn writers(events: &[LogEvent]) -> Vec<Writer> {
    let mut out: Vec<Writer> = Vec::new();
    for e in events {
        if !out.contains(&e.writer) {
            out.push(e.writer);
        }
    }
    out
}

/// The order in which `writer` applied `events` (given in seq order), as indices into them with
/// whether each is the writer's own. Own events keep their order; before each comes every
/// foreign event up to its `seen` not yet placed. Foreign events after the writer's last event
/// are left out: no decision of its depends on them. Events of no writer were made by one
/// SQLite writer that saw nothing else, so for that "writer" every event is its own.
pub fn applied_order(events: &[LogEvent], writer: Writer) -> Vec<(usize, bool)> {
    let mut out = Vec::new();
    let mut foreign = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.writer != writer)
        .peekable();
    for (i, e) in events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.writer == writer)
    {
        let seen = if writer.is_some() {
            e.seen.unwrap_or(0)
        } else {
            0
        };
        while let Some((j, _)) = foreign.next_if(|(_, f)| f.record.seq <= seen) {
            out.push((j, false));
        }
        out.push((i, true));
    }
    out
}

/// The records of `events` in `writer`'s order of application, with whether each is its own.
pub fn in_applied_order(events: &[LogEvent], writer: Writer) -> Vec<(&EventRecord, bool)> {
    applied_order(events, writer)
        .into_iter()
        .map(|(i, own)| (&events[i].record, own))
        .collect()
}

/// The first decision of a fleet's log that its writer's order does not reproduce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FleetMismatch {
    /// The instance whose decision differs.
    pub writer: Writer,
    /// The decision as logged and as recomputed in that instance's order.
    pub mismatch: Mismatch,
}

/// Recomputes every decision of every writer from the order that writer applied the log in.
/// Returns how many decisions were checked, or the first that differs with its writer.
pub fn verify_fleet(
    events: &[LogEvent],
    probe_after: std::time::Duration,
) -> Result<usize, FleetMismatch> {
    let mut checked = 0;
    for writer in writers(events) {
        let steps = in_applied_order(events, writer);
        checked += super::verify_in_order(steps, probe_after)
            .map_err(|mismatch| FleetMismatch { writer, mismatch })?;
    }
    Ok(checked)
}

/// The decision for `request` explained from its writer's order of application, naming the
/// writer.
pub fn explain_fleet(events: &[LogEvent], request: RequestId) -> Option<Explanation> {
    let decision = events.iter().find(|e| match &e.record.event {
        Event::Selected(s) => s.request == request,
        Event::NoAccount(n) => n.request == request,
        _ => false,
    })?;
    let mut state = State::default();
    for (rec, own) in in_applied_order(events, decision.writer) {
        if rec.seq == decision.record.seq {
            break;
        }
        state.apply_as(rec, own);
    }
    let mut ex = super::explain_from(state, std::slice::from_ref(&decision.record), request)?;
    ex.writer = decision.writer;
    Some(ex)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use crate::ids::AccountId;
    use crate::time::Timestamp;

    fn ev(seq: u64, writer: u128, seen: u64) -> LogEvent {
        LogEvent {
            record: EventRecord {
                seq,
                at: Timestamp::default(),
                event: Event::AccountEnabled {
                    account: AccountId(uuid::Uuid::from_u128(1)),
                },
            },
            writer: Some(uuid::Uuid::from_u128(writer)),
            seen: Some(seen),
        }
    }

    #[test]
    fn each_own_event_comes_after_the_foreign_events_it_had_seen() {
        // A (1) and B (2) interleave; B made seq 4 having seen only A's seq 1, and seq 6 having
        // seen A's 5.
        let log = vec![
            ev(1, 1, 0),
            ev(2, 2, 1),
            ev(3, 1, 0),
            ev(4, 2, 1),
            ev(5, 1, 2),
            ev(6, 2, 5),
        ];
        let seqs = |w| -> Vec<(u64, bool)> {
            applied_order(&log, Some(uuid::Uuid::from_u128(w)))
                .into_iter()
                .map(|(i, own)| (log[i].record.seq, own))
                .collect()
        };
        assert_eq!(
            seqs(2),
            vec![
                (1, false),
                (2, true),
                (4, true),
                (3, false),
                (5, false),
                (6, true)
            ]
        );
        // A made 1 and 3 before seeing anything, then 5 after B's 2 (B's 4 came after).
        assert_eq!(seqs(1), vec![(1, true), (3, true), (2, false), (5, true)]);
        assert_eq!(
            writers(&log),
            vec![
                Some(uuid::Uuid::from_u128(1)),
                Some(uuid::Uuid::from_u128(2))
            ]
        );
    }
}

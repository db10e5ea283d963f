//! Checkpoints: the projections serialized at some seq so a large log opens by folding
//! only its tail. A checkpoint is an optimization, never a source of truth: one whose bytes do
//! not decode, whose projection version differs, or whose seq disagrees with its contents is
//! ignored and the log is folded from seq 1, which must always give the same state.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::error::Result;
use crate::state::State;
use crate::store::{self, Unknown};

/// A checkpoint is written after every this many events.
pub const CHECKPOINT_EVERY: u64 = 100_000;
/// On close, a checkpoint is written only when at least this many events came after the last
/// one: small CLI invocations must not add a row each.
pub const CLOSE_MIN_TAIL: u64 = 10_000;
/// Bump whenever `State`'s fields or their meaning change: older checkpoints are then ignored
/// (a field added with `#[serde(default)]` would otherwise decode into a wrong projection).
pub const PROJECTION_VERSION: u32 = 7;

#[derive(Serialize)]
struct Out<'a> {
    v: u32,
    state: &'a State,
}

/// The version is read before the state, so a checkpoint of another version is never decoded.
#[derive(Deserialize)]
struct In<'a> {
    v: u32,
    #[serde(borrow)]
    state: &'a RawValue,
}

/// The checkpoint bytes of `state` (JSON, so `sqlite3` can still look inside).
pub fn encode(state: &State) -> Option<Vec<u8>> {
    serde_json::to_vec(&Out {
        v: PROJECTION_VERSION,
        state,
    })
    .ok()
}

/// The state stored in a checkpoint row at `seq`, or `None` when it cannot be trusted.
pub fn decode(seq: u64, bytes: &[u8]) -> Option<State> {
    let head: In<'_> = serde_json::from_slice(bytes).ok()?;
    if head.v != PROJECTION_VERSION {
        return None;
    }
    let state: State = serde_json::from_str(head.state.get()).ok()?;
    (state.last_seq == seq).then_some(state)
}

/// How a log was opened: from which checkpoint (0 = none) and how many events were folded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loaded {
    /// Log position of the checkpoint the state was restored from; 0 when none was used.
    pub checkpoint_seq: u64,
    /// Events folded after the checkpoint to reach the log's end.
    pub folded: u64,
}

/// The projections of the log: the newest usable checkpoint at or below the last seq, then the
/// tail folded onto it. Falls back to a fold from seq 1 when no checkpoint can be used.
pub fn load_state(conn: &Connection, unknown: Unknown) -> Result<(State, Loaded)> {
    let last = store::read::last_seq(conn)?;
    let start = match store::read::latest_checkpoint(conn, last) {
        Ok(Some((seq, bytes))) => decode(seq, &bytes).or_else(|| {
            tracing::warn!(
                seq,
                "ignoring a checkpoint that does not decode; folding from seq 1"
            );
            None
        }),
        Ok(None) => None,
        // A log without a usable checkpoints table still opens: the table is an optimization.
        Err(e) => {
            tracing::warn!(%e, "cannot read checkpoints; folding from seq 1");
            None
        }
    };
    let mut state = start.unwrap_or_default();
    let loaded = Loaded {
        checkpoint_seq: state.last_seq,
        folded: fold_onto(conn, &mut state, unknown)?,
    };
    Ok((state, loaded))
}

/// Folds every event after `state.last_seq` onto `state`; returns how many were applied.
pub fn fold_onto(conn: &Connection, state: &mut State, unknown: Unknown) -> Result<u64> {
    let mut n = 0u64;
    store::read::for_each_event(conn, state.last_seq, None, unknown, |rec| {
        state.apply(&rec);
        n += 1;
        Ok(())
    })?;
    Ok(n)
}

//! Blocks, the whole lifecycle in one place: `decide` (the block a failure puts in force, from
//! the failure and the cooldown settings), `until` (the one clamped "stated wait → until"),
//! `merge` (never shorten one in force; a burst escalates the quota backoff once) and `lift`
//! (what a success, a probe, a refresh or a clear takes away). Pure: times come in as event
//! times. The fold (`state`) and the report step (`engine`) call in; this imports only the
//! shared words, ids and time.

pub mod decide;
pub mod lift;
pub mod merge;
pub mod until;

use serde::{Deserialize, Serialize};

pub use decide::{decide, BlockSettings};
pub use merge::{QuotaStanding, Standing};
pub use until::{wait_until, Wait, MAX_WAIT_MS};

use crate::ids::RequestId;
use crate::time::Timestamp;
use crate::vocab::BlockReason;

/// A block in force (or expired, until someone clears or overwrites it).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Block {
    pub reason: BlockReason,
    pub since: Timestamp,
    pub until: Timestamp,
    /// The request currently leased to this block as a half-open probe, and when.
    pub probe: Option<(RequestId, Timestamp)>,
}

impl Block {
    pub fn in_force(&self, now: Timestamp) -> bool {
        self.until > now
    }

    /// Whether `request` is the probe leased to this block.
    pub fn is_probe(&self, request: Option<RequestId>) -> bool {
        request.is_some() && self.probe.map(|(r, _)| r) == request
    }
}

/// Where a block lives: the account's or one model's, with the quota backoff level kept beside
/// it. Borrowed from the projection for one merge or lift.
pub struct Slot<'a> {
    pub block: &'a mut Option<Block>,
    pub quota_level: &'a mut u32,
}

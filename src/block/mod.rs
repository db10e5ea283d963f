//! Blocks, the whole lifecycle in one place: `decide` (the block a failure puts in force, from
//! the failure and the cooldown settings), `until` (the one clamped "stated wait → until"),
//! `merge` (never shorten one in force; a burst escalates the quota backoff once) and `lift`
//! (what a success, a probe, a refresh or a clear takes away). Pure: times come in as event
//! times. The fold (`state`) and the report step (`engine`) call in; this imports only the
//! shared words, ids and time.

pub mod decide;
pub mod lift;
pub mod merge;
pub mod stretches;
pub mod until;

use serde::{Deserialize, Serialize};

pub use decide::{decide, BlockSettings};
pub use merge::{QuotaStanding, Standing};
pub use until::{Wait, MAX_WAIT_MS};

use crate::ids::RequestId;
use crate::time::Timestamp;
use crate::vocab::BlockReason;

/// A block in force (or expired, until someone clears or overwrites it).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Block {
    /// Why the account (or model) is blocked.
    pub reason: BlockReason,
    /// When the block was put in force; a block older than `probe.after` may take a half-open
    /// probe.
    pub since: Timestamp,
    /// When the block ends by itself.
    pub until: Timestamp,
    /// The request currently leased to this block as a half-open probe, and when.
    pub probe: Option<(RequestId, Timestamp)>,
}

impl Block {
    /// Whether the block still holds at `now` (its `until` is later).
    pub fn in_force(&self, now: Timestamp) -> bool {
        self.until > now
    }

    /// Whether `request` is the probe leased to this block.
    pub fn is_probe(&self, request: Option<RequestId>) -> bool {
        request.is_some() && self.probe.map(|(r, _)| r) == request
    }
}

/// Where a block lives: the account's or one model's. The truth is its `stretches` (every
/// failure's block not lifted, kept so the order of application does not matter: `stretches`);
/// `block` (the one that ends last, with its probe mark) and `quota_level` are what readers
/// use, set from them after every change. Borrowed from the projection for one merge or lift.
pub struct Slot<'a> {
    pub block: &'a mut Option<Block>,
    pub quota_level: &'a mut u32,
    pub stretches: &'a mut stretches::Stretches,
}

impl Slot<'_> {
    /// Sets the block and the quota level from the stretches. A probe mark stays with the
    /// block while one holds the slot.
    pub fn settle(&mut self) {
        let probe = self.block.as_ref().and_then(|b| b.probe);
        *self.block = self.stretches.head().map(|h| Block {
            reason: h.reason,
            since: h.since,
            until: h.until,
            probe,
        });
        *self.quota_level = self.stretches.level();
    }
}

/// A slot's parts owned in one place, for tests of merging and lifting.
#[cfg(test)]
#[derive(Default)]
pub(crate) struct OwnedSlot {
    pub block: Option<Block>,
    pub quota_level: u32,
    pub stretches: stretches::Stretches,
}

#[cfg(test)]
impl OwnedSlot {
    pub fn slot(&mut self) -> Slot<'_> {
        Slot {
            block: &mut self.block,
            quota_level: &mut self.quota_level,
            stretches: &mut self.stretches,
        }
    }
}

//! What an append takes and answers: the batch item (`Append`), each item's fate
//! (`AppendOutcome`) and the committed batch (`Committed`). Shared by the transaction
//! (`append`) and the check of a commit in doubt (`doubt`); neither's SQL lives here.

use crate::ids::AccountId;
use crate::store::{CredentialWrite, EventRow};

/// One event to append, with what the engine knows about it.
#[derive(Clone, Debug)]
pub struct Append {
    /// The event's row.
    pub row: EventRow,
    /// The highest seq of other writers this instance had applied when it made the event.
    pub seen: Option<u64>,
    /// The credential change committed with it (the secrets go to `credentials`, never to
    /// the event).
    pub credential: Option<CredentialWrite>,
}

impl Append {
    /// An event with no credential change.
    pub fn event(row: EventRow, seen: Option<u64>) -> Append {
        Append {
            row,
            seen,
            credential: None,
        }
    }
}

/// What became of one item of a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppendOutcome {
    /// Committed at this seq.
    Stored {
        /// The seq the event was given.
        seq: u64,
    },
    /// Not written: the account already has this credential generation or a newer one (another
    /// instance refreshed first). Nothing of this item is in the log.
    GenerationTaken {
        /// The account whose credential generation was taken.
        account: AccountId,
        /// The generation this item tried to store.
        generation: u64,
        /// The newest generation the log already holds for the account.
        latest: u64,
    },
}

/// A committed batch: one outcome per item, in the batch's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Committed {
    /// One outcome per item, in the batch's order.
    pub outcomes: Vec<AppendOutcome>,
}

impl Committed {
    /// The seqs of the stored items, in order.
    pub fn seqs(&self) -> Vec<u64> {
        self.outcomes
            .iter()
            .filter_map(|o| match o {
                AppendOutcome::Stored { seq } => Some(*seq),
                AppendOutcome::GenerationTaken { .. } => None,
            })
            .collect()
    }

    /// The highest seq stored (`None` when every item was refused).
    pub fn last_seq(&self) -> Option<u64> {
        self.seqs().last().copied()
    }
}

//! A commit whose answer was lost: the batch is remembered with the seqs it drew under the lock,
//! and the next append of that same batch checks whether those seqs hold this writer's rows
//! (it landed: answer as committed) or not (write it now). Never twice, never silently lost.

use tokio_postgres::error::Severity;
use tokio_postgres::Client;

use super::batch::{Append, Committed};
use super::target::Target;
use crate::error::{Error, Result};

/// A batch whose COMMIT was sent but not answered: enough to recognise it and to check.
pub struct InDoubt {
    base: u64,
    stored: u64,
    len: usize,
    first_data: String,
    committed: Committed,
}

impl InDoubt {
    /// `batch` drew seqs after `base`, as `committed` says, and its COMMIT went unanswered.
    pub fn new(base: u64, batch: &[Append], committed: Committed) -> InDoubt {
        InDoubt {
            base,
            stored: committed.seqs().len() as u64,
            len: batch.len(),
            first_data: batch
                .first()
                .map(|a| a.row.data.clone())
                .unwrap_or_default(),
            committed,
        }
    }

    fn is_for(&self, batch: &[Append]) -> bool {
        self.len == batch.len()
            && batch.first().map(|a| a.row.data.as_str()) == Some(self.first_data.as_str())
    }
}

/// True when a failed COMMIT may have committed: anything but an ERROR answer (a constraint
/// checked at commit rolls back). A lost connection, or FATAL while waiting for a synchronous
/// standby after the local commit, leaves it unknown.
pub fn unanswered(e: &tokio_postgres::Error) -> bool {
    e.as_db_error().and_then(|d| d.parsed_severity()) != Some(Severity::Error)
}

/// Settles an earlier in-doubt commit before `batch` is written: `Some` when it had landed
/// (the answer for `batch`), `None` when it had not (or nothing was in doubt). Another batch
/// while one is in doubt is refused, and a failed check keeps the doubt.
pub async fn settle(
    in_doubt: &mut Option<InDoubt>,
    client: &Client,
    target: &Target,
    writer: uuid::Uuid,
    batch: &[Append],
) -> Result<Option<Committed>> {
    let Some(doubt) = in_doubt.take() else {
        return Ok(None);
    };
    if !doubt.is_for(batch) {
        *in_doubt = Some(doubt);
        return Err(Error::InvalidInput(
            "a batch's commit is in doubt: append that same batch again before another".into(),
        ));
    }
    // Its seqs were drawn under the lock: it landed iff they hold this writer's rows.
    let landed = client
        .query_one(
            "SELECT count(*) FROM events WHERE seq > $1 AND seq <= $2 AND writer = $3",
            &[
                &(doubt.base as i64),
                &((doubt.base + doubt.stored) as i64),
                &writer,
            ],
        )
        .await;
    let landed = match landed {
        Ok(row) => row.get::<_, i64>(0) as u64,
        Err(e) => {
            *in_doubt = Some(doubt);
            return Err(target.error(e));
        }
    };
    if landed == doubt.stored {
        Ok(Some(doubt.committed))
    } else if landed == 0 {
        Ok(None)
    } else {
        Err(Error::InvalidInput(format!(
            "in-doubt batch: {landed} of its {} events are in the log",
            doubt.stored
        )))
    }
}

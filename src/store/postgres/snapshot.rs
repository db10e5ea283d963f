//! Reading a whole PostgreSQL log from synchronous code, for the CLI's read-only commands
//! (`status`, `replay`, `events`): the schema is checked, never migrated, and every event comes
//! back with its writer and `seen`. Writes nothing; the engine's own reads are `instance.rs`'s.

use super::read::events_after;
use super::target::Target;
use super::{schema, LogEvent, READ_LIMIT};
use crate::store::Unknown;
use crate::{Error, Result};

/// Every event of the log at `url`, in seq order. Must not be called on a tokio runtime thread.
pub fn read_log(url: &str, unknown: Unknown) -> Result<Vec<LogEvent>> {
    read_log_after(url, 0, unknown)
}

/// Every event after `after`, in seq order ([`read_log`] from a point).
pub fn read_log_after(url: &str, after: u64, unknown: Unknown) -> Result<Vec<LogEvent>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let target = Target::parse(url)?;
        let client = target.connect().await?;
        if schema::check(&client, &target).await? == 0 {
            return Err(Error::InvalidInput(format!(
                "{}: no rotor log in this database yet (create one with `rotor account add`, or `rotor migrate`)",
                target.describe()
            )));
        }
        let mut events = Vec::new();
        let mut after = after;
        loop {
            let page = events_after(&client, &target, after, READ_LIMIT, unknown).await?;
            match page.last() {
                Some(last) => after = last.record.seq,
                None => return Ok(events),
            }
            events.extend(page);
        }
    })
}

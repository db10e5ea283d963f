//! Reading a whole PostgreSQL log from synchronous code, for the CLI's read-only commands
//! (`status`, `replay`, `events`, `account list`): the schema is checked, never migrated, and every
//! event comes back with its writer and `seen`. Writes nothing; the engine's own reads are
//! `instance.rs`'s.

use std::collections::HashMap;

use super::read::{credentials, events_after};
use super::target::Target;
use super::{schema, LogEvent, READ_LIMIT};
use crate::error::{Error, Result};
use crate::ids::AccountId;
use crate::store::{StoredCredential, Unknown};

/// Every event of the log at `url`, in seq order. Must not be called on a tokio runtime thread.
pub fn read_log(url: &str, unknown: Unknown) -> Result<Vec<LogEvent>> {
    read_log_after(url, 0, unknown)
}

/// Every event after `after`, in seq order ([`read_log`] from a point).
pub fn read_log_after(url: &str, after: u64, unknown: Unknown) -> Result<Vec<LogEvent>> {
    with_log(url, |client, target| async move {
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

/// The newest credential of every account in the log at `url` (the secrets stay in this
/// process: the CLI only asks whether a refresh token is there). Not on a tokio runtime thread.
pub fn read_credentials(url: &str) -> Result<HashMap<AccountId, StoredCredential>> {
    with_log(url, |client, target| async move {
        credentials(&client, &target).await
    })
}

/// Runs `read` on a connection to the rotor log at `url`, refusing a database without one.
fn with_log<T, F, Fut>(url: &str, read: F) -> Result<T>
where
    F: FnOnce(tokio_postgres::Client, std::sync::Arc<Target>) -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
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
        read(client, target).await
    })
}

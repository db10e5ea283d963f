//! The demo's log: making it (a fresh SQLite file, or an empty PostgreSQL database that
//! `INSTANCES` engines share; never over a log someone keeps) and naming its accounts in the
//! report. Driving requests into it is `run`'s, reading it back `summary`'s and `fleet_log`'s.

use std::path::Path;

use crate::error::Result;
use crate::ids::AccountId;
use crate::state::State;

/// How many engines the fleet demo runs on the one database.
#[cfg(feature = "postgres")]
const INSTANCES: usize = 2;

/// Makes the fresh log the demo writes at `db`; returns how many engines share it.
pub(super) async fn prepare_log(db: &Path) -> Result<usize> {
    #[cfg(feature = "postgres")]
    if let Some(url) = db
        .to_str()
        .filter(|s| crate::store::postgres::is_postgres_url(s))
    {
        prepare_fleet_log(url).await?;
        return Ok(INSTANCES);
    }
    crate::store::create_demo_log(db)?;
    Ok(1)
}

/// Checks that `url` holds no rotor log yet (making its schema when empty): the demo writes
/// into a new database only, never over a log someone keeps.
#[cfg(feature = "postgres")]
async fn prepare_fleet_log(url: &str) -> Result<()> {
    use crate::store::postgres::{PgOptions, PgStore};
    let store = PgStore::open(url, PgOptions::default()).await?;
    let events = store.last_seq().await?;
    if events > 0 {
        return Err(crate::error::Error::InvalidInput(format!(
            "{}: already holds a rotor log ({events} events); the demo writes only into a \
             database with no log yet. Create an empty one (e.g. `createdb rotor_demo`) and \
             pass its URL",
            store.describe()
        )));
    }
    Ok(())
}

/// An account's label, or its id when the log does not know it.
pub(super) fn label_of(state: &State, account: AccountId) -> String {
    state
        .accounts
        .get(&account)
        .map_or_else(|| account.to_string(), |a| a.label.clone())
}

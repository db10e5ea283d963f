//! The PostgreSQL log against a real server of the suite's own (`harness`): the store (appends
//! in seq = commit order under concurrent writers, the tail, refresh claims, credential
//! generations, migrations, faults, `rotor migrate`) and fleets of engines or `rotor serve`
//! processes on it (`fleet*`). Skipped loudly without PostgreSQL outside CI; failed under
//! CI=true.

pub mod harness;

mod appends;
mod claims;
mod faults;
mod fleet;
mod fleet_faults;
mod fleet_parity;
mod fleet_refresh;
mod fleet_replay;
mod fleet_serve;
mod migrate_cli;
mod rules;
mod schema;
mod tail;

use rotor::event::Event;
use rotor::store::postgres::{Append, PgOptions, PgStore};
use rotor::store::EventRow;
use rotor::AccountId;

/// A store on `url` with a new writer id.
pub async fn open(url: &str) -> PgStore {
    PgStore::open(url, PgOptions::default())
        .await
        .unwrap_or_else(|e| panic!("open {url}: {e}"))
}

/// A recognisable event: `tag` lands in its `model` (and so in the indexed column and the JSON).
pub fn tagged(tag: &str) -> Append {
    let event = Event::StateCleared {
        account: AccountId(uuid::Uuid::from_u128(7)),
        model: Some(tag.into()),
        account_wide: false,
    };
    Append::event(
        EventRow::new(crate::it::common::t(crate::it::common::T0), &event),
        None,
    )
}

/// The `model` tag of an event written by [`tagged`].
pub fn tag_of(e: &Event) -> String {
    match e {
        Event::StateCleared { model: Some(m), .. } => m.to_string(),
        other => panic!("not a tagged event: {other:?}"),
    }
}

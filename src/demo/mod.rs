//! `rotor demo`: the driver that sends requests through the engine to the fake providers of
//! `crate::fake` (`run`; each request's shape in `traffic`), the report read back from the log
//! (`summary`), and on a `postgres://` log the fleet's part of it: two instances sharing the
//! run (`fleet`). Binary side: compiled with feature `cli` only.

pub mod fleet;
#[cfg(feature = "postgres")]
mod fleet_log;
mod log;
pub mod run;
pub mod summary;
mod traffic;

pub use fleet::FleetSummary;
pub use run::{run, DemoOptions};
pub use summary::{render, report, summarize, DemoSummary};

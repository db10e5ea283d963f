//! `rotor demo`: the driver that sends requests through the engine to the fake providers of
//! `crate::fake` (`run`), and the report read back from the log (`summary`). Binary side:
//! compiled with feature `cli` only.

pub mod run;
pub mod summary;

pub use run::{run, DemoOptions};
pub use summary::{render, summarize, DemoSummary};

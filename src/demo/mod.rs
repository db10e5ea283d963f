//! `rotor demo`: in-process loopback fake providers and OAuth token endpoints that speak the
//! real wire formats (`fake`), the driver that sends requests through the engine (`run`), and
//! the report read back from the log (`summary`).

pub mod fake;
pub mod run;
pub mod summary;

pub use run::{run, DemoOptions};
pub use summary::{render, summarize, DemoSummary};

//! Selection: the pure decision of which account serves (provider, model) at `now`, read from
//! the projections. No clock, IO or randomness: the engine turns a `Decision` into an event.

mod decide;
mod probe;
mod types;

pub use crate::vocab::Strategy;
pub use decide::{decide, decide_with};
pub use types::{Choice, Policy, Recall, Refusal, SelectOpts};

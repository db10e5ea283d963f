//! The engine's token-refresh service: the refreshers and single-flight gate (`refreshers.rs`);
//! a run (`service.rs`, deciding under the lock in `plan.rs`, one per account across a fleet
//! through `claim.rs`) and the on-401 / expired-token spawn (`spawn.rs`); what a run returns
//! (`outcome.rs`); the scheduler (`scheduler.rs`); why an account is passed over (`skips.rs`,
//! with the one `standing`). Protocols, due / backoff arithmetic, the gate: `crate::refresh`.

#[cfg(feature = "postgres")]
mod claim;
mod outcome;
mod plan;
mod refreshers;
mod scheduler;
mod service;
mod skips;
mod spawn;

pub use outcome::{RefreshOutcome, RefreshSkip};
pub(crate) use refreshers::Refreshers;
pub use scheduler::DueScan;
pub use skips::SkippedRefresh;

//! The engine's token-refresh service, in one folder: the refreshers and single-flight gate
//! (`refreshers.rs`), one refresh run (`service.rs`: `refresh_now`, the on-401 spawn), what
//! it returns (`outcome.rs`), the scheduler loop and its due scan (`scheduler.rs`), and why an
//! account is passed over (`skips.rs`, which also holds the one `standing` both read). The
//! provider protocols, the due / backoff arithmetic and the gate itself are in `crate::refresh`.

mod outcome;
mod refreshers;
mod scheduler;
mod service;
mod skips;

pub use outcome::{RefreshOutcome, RefreshSkip};
pub(crate) use refreshers::Refreshers;
pub use scheduler::DueScan;
pub use skips::SkippedRefresh;

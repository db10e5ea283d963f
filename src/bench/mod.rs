//! Benchmark support shared by `rotor bench` and the criterion benches: a deterministic event
//! generator (`events`), the baselines measured on the same rows (`baseline`), the engine's
//! own measurements (`engine`: select, report → durable, fold, checkpoint open) and one whole
//! `rotor bench` run with its report (`run`); `rotor bench --serve` over HTTP (`serve`).

pub mod baseline;
pub mod engine;
pub mod events;
pub mod rows;
pub mod run;
#[cfg(feature = "server")]
pub mod serve;

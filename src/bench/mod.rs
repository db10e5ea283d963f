//! Benchmark support shared by `rotor bench` and the criterion benches: a deterministic event
//! generator (`events`) and the §10 baselines measured on the same rows (`baseline`). The engine
//! benches themselves (select / report / fold) live next to the engine, not here.

pub mod baseline;
pub mod events;
pub mod rows;

//! The one integration test binary: every module under `tests/it/` is a group of tests that
//! drive rotor through its public API or its CLI.

#[macro_use]
mod it;

//! Integration test modules, plus the shared helpers in `support`.

#[macro_use]
pub mod support;
mod demo_fakes;

//! Integration test modules, plus the shared helpers in `support`.

#[macro_use]
pub mod support;

pub mod fake_oauth;
mod import;
mod oauth;

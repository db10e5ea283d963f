//! Integration test modules, plus the shared helpers in `support`.

#[macro_use]
pub mod support;

mod corpus;
mod parse_props;

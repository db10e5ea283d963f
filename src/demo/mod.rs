//! `rotor demo` support: in-process loopback fake providers and OAuth token endpoints that speak
//! the real wire formats. The demo driver (which needs the Engine) lives elsewhere; this module
//! holds only what it drives.

pub mod fake;

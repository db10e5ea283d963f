//! The `rotor` binary: logging setup and the CLI entry point. Everything else is in the library.
//! Logging: `ROTOR_LOG` (else `RUST_LOG`, else `warn`) to stderr, coloured only on a terminal.

use std::io::IsTerminal;

fn main() {
    let filter = ["ROTOR_LOG", "RUST_LOG"]
        .into_iter()
        .find(|var| std::env::var_os(var).is_some_and(|v| !v.is_empty()))
        .and_then(|var| tracing_subscriber::EnvFilter::try_from_env(var).ok())
        .unwrap_or_else(|| "warn".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
    std::process::exit(rotor::cli::main());
}

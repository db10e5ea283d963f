//! Writing what a command prints: `out!` writes one line to stdout and returns an error instead
//! of panicking when the reader went away (`rotor replay | head`), which `cli::main` ends
//! quietly on; warnings go to stderr. Colour is never written here, so pipes get plain text.

use std::io::Write;

use crate::{Error, Result};

/// `println!` that fails with an error instead of panicking on a closed stdout.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::line(format_args!($($arg)*))?
    };
}

/// Writes one line to stdout.
pub fn line(args: std::fmt::Arguments<'_>) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_fmt(args)?;
    stdout.write_all(b"\n")?;
    Ok(())
}

/// Writes `text` (already ending in a newline) to stdout.
pub fn text(text: &str) -> Result<()> {
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

/// Pretty JSON on stdout.
pub fn json(v: &impl serde::Serialize) -> Result<()> {
    let s = serde_json::to_string_pretty(v)
        .map_err(|e| Error::InvalidInput(format!("cannot write JSON: {e}")))?;
    line(format_args!("{s}"))
}

/// A warning on stderr (`rotor: warning: ...`); a closed stderr is ignored.
pub fn warn(message: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr().lock(), "rotor: warning: {message}");
}

/// One line on stderr, as it is; a closed stderr is ignored.
pub fn stderr_line(message: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}

/// Whether `e` is stdout (or stderr) closed by its reader: the command ends quietly.
pub fn is_broken_pipe(e: &Error) -> bool {
    matches!(e, Error::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe)
}

/// The name a value serializes to (`snake_case` enum variants): the plain word for messages,
/// never the Rust `Debug` name.
pub fn word<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "?".to_string(),
    }
}

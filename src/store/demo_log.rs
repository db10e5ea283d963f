//! The log `rotor demo` writes: made fresh and marked as a demo's, so a later demo can replace
//! it. No other file is ever replaced: a real log, a foreign file or a directory at that path
//! is refused untouched. Opening logs in general lives in `mod.rs`.

use std::path::Path;

use super::{lock, migrate, open_read_only, open_writable};
use crate::error::{Error, Result};

/// What `rotor_meta.purpose` says in a demo's log.
const DEMO: &str = "demo";

/// Makes a new, empty demo log at `path`. An existing file there is replaced only when it is a
/// log a demo made (and no process is writing it); anything else is refused as it is.
pub fn create_demo_log(path: &Path) -> Result<()> {
    if path.symlink_metadata().is_ok() {
        let is_demo = open_read_only(path)
            .ok()
            .and_then(|conn| migrate::purpose(&conn))
            .is_some_and(|p| p == DEMO);
        if !is_demo {
            return Err(Error::InvalidInput(format!(
                "{}: already exists and is not a log `rotor demo` made; the demo never \
                 replaces it. Pass --db with a new path, or move the file away",
                path.display()
            )));
        }
        // Held while the old demo log goes, so one that is still running is not pulled away.
        let held = lock::acquire(path)?;
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(super::io_at(Path::new(&p), e)),
            }
        }
        drop(held);
    }
    let log = open_writable(path)?;
    migrate::set_purpose(&log.conn, DEMO)
}

//! The one-writer-per-log lock: an exclusive `flock` on `<db>.lock` holding the writer's pid.
//! The kernel drops it when the process dies, so a crash never leaves a stale lock.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use fs2::FileExt;

use crate::error::{Error, Result};

/// Held for as long as the engine writes; released on drop or process exit.
#[derive(Debug)]
pub struct WriterLock {
    _file: File,
    /// The lock file held.
    pub path: PathBuf,
}

/// The lock file that guards the log at `db`: its path with `.lock` appended.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

/// Takes the writer lock of `db`, or fails naming the holder's pid when it is known.
pub fn acquire(db: &Path) -> Result<WriterLock> {
    let path = lock_path(db);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| super::io_at(&path, e))?;
    // A lock just released can still be held for a moment by a forked child that has not yet
    // exec'd (it inherited the descriptor), so retry briefly before calling it taken.
    let mut locked = file.try_lock_exclusive().is_ok();
    for _ in 0..25 {
        if locked {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        locked = file.try_lock_exclusive().is_ok();
    }
    if !locked {
        let mut holder = String::new();
        let _ = file.read_to_string(&mut holder);
        let holder = holder.trim();
        return Err(Error::Locked {
            path: db.to_path_buf(),
            holder: if holder.is_empty() {
                String::new()
            } else {
                format!(" (pid {holder})")
            },
        });
    }
    let mut stamp = || -> std::io::Result<()> {
        file.set_len(0)?;
        file.seek(SeekFrom::Start(0))?;
        write!(file, "{}", std::process::id())?;
        file.flush()
    };
    stamp().map_err(|e| super::io_at(&path, e))?;
    Ok(WriterLock { _file: file, path })
}

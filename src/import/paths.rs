//! The paths `rotor account import` is given: files, and directories whose `*.json` files are
//! read (a CLIProxyAPI auth directory). A file of a credential type rotor does not rotate, and
//! inside a directory any JSON of no known format, is skipped with its reason instead of
//! failing the batch; a file that looks like a credential but cannot be read still fails it.

use std::path::{Path, PathBuf};

use super::{detect, Detected, ImportedCredential};
use crate::error::{Error, Result};

/// What one file held.
#[derive(Debug)]
pub enum Found {
    /// A credential was read.
    Credential {
        /// The file it was read from.
        path: PathBuf,
        /// The credential.
        credential: Box<ImportedCredential>,
    },
    /// Not imported: why, for a warning that names the file.
    Skipped {
        /// The file passed over.
        path: PathBuf,
        /// Why it was not imported.
        why: String,
    },
}

impl Found {
    /// The file this is about.
    pub fn path(&self) -> &Path {
        match self {
            Found::Credential { path, .. } | Found::Skipped { path, .. } => path,
        }
    }
}

/// Reads every path (a directory: its `*.json` files in name order, not recursing). Any error
/// names its file, and nothing is returned: one broken file imports nothing.
pub fn read_import_paths(paths: &[PathBuf]) -> Result<Vec<Found>> {
    let mut found = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path)
            .map_err(|e| Error::Import(format!("{}: cannot open: {e}", path.display())))?;
        if meta.is_dir() {
            let files = json_files(path)?;
            if files.is_empty() {
                found.push(Found::Skipped {
                    path: path.clone(),
                    why: "a directory without .json files".into(),
                });
            }
            for file in files {
                found.push(read_one(file, true)?);
            }
        } else {
            found.push(read_one(path.clone(), false)?);
        }
    }
    Ok(found)
}

fn read_one(path: PathBuf, in_directory: bool) -> Result<Found> {
    Ok(match detect(&path)? {
        Detected::Credential(credential) => Found::Credential { path, credential },
        Detected::Unsupported(why) => Found::Skipped { path, why },
        // Named on the command line, an unknown file is a mistake; in a directory, a neighbour.
        Detected::Unknown(why) if !in_directory => {
            return Err(Error::Import(format!("{}: {why}", path.display())))
        }
        Detected::Unknown(_) => Found::Skipped {
            path,
            why: "not a credential file rotor knows".into(),
        },
    })
}

/// The regular `*.json` files directly inside `dir`, sorted by name.
fn json_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let err = |e: std::io::Error| Error::Import(format!("{}: cannot list: {e}", dir.display()));
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(err)? {
        let path = entry.map_err(err)?.path();
        let is_json = path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("json"));
        if is_json && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

//! The state file: JSON read at start, written behind changes (a change
//! wakes one writer task; changes made during a write are coalesced into
//! the next), on flush and on shutdown. Each write creates a temporary
//! file next to it (a fresh random name, created exclusively, so a planted
//! symlink is never followed), fsyncs it, renames it over the state file
//! and fsyncs the directory. A crash (even kill -9) at any moment
//! therefore leaves a complete state: the last one written, which lags the
//! latest changes by at most the write in progress.
//!
//! It must never write the state file in place, and never let a leftover
//! temporary file influence what is loaded.

use crate::state::StateDocument;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Errors reading or writing the state file.
#[derive(Debug, thiserror::Error)]
// The cause is part of each message, so it is not also exposed as the
// error's source: a chain printer would repeat it.
pub enum PersistError {
    /// The state file exists but could not be read.
    #[error("cannot read state file {path}: {cause}")]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// The state file is not valid JSON of the documented shape.
    #[error("state file {path} is not valid: {cause} (fix or remove it; see the state file format in the emulator README)")]
    Parse {
        path: PathBuf,
        cause: serde_json::Error,
    },
    /// Writing the new state failed; the previous state file is untouched.
    #[error("cannot write state file {path}: {cause}")]
    Write {
        path: PathBuf,
        cause: std::io::Error,
    },
}

/// Reads the state document; a missing file is `None` (empty state).
pub fn load(path: &Path) -> Result<Option<StateDocument>, PersistError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(PersistError::Read {
                path: path.to_path_buf(),
                cause: source,
            })
        }
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|source| PersistError::Parse {
            path: path.to_path_buf(),
            cause: source,
        })
}

/// Serializes a document for writing.
pub fn encode(doc: &StateDocument) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(doc).expect("state serializes");
    v.push(b'\n');
    v
}

/// Atomically replaces `path` with `bytes` (blocking I/O).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PersistError> {
    let err = |source| PersistError::Write {
        path: path.to_path_buf(),
        cause: source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // A new file with a random name, created exclusively (O_EXCL, mode
    // 0600): never a predictable name that a symlink planted beforehand
    // could redirect.
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state.json".into());
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    if let Ok(d) = std::fs::File::open(dir) {
        // Directory fsync makes the rename durable; not all platforms allow it.
        let _ = d.sync_all();
    }
    Ok(())
}

/// The state file's writer: writes never overlap and never go backwards
/// (each records the store generation it wrote; an older or equal one is
/// skipped). Changes only wake the writer task ([`Persister::wake`]); it
/// takes a snapshot and writes it, so changes arriving during a write are
/// coalesced into the next one.
#[derive(Debug)]
pub struct Persister {
    path: PathBuf,
    /// The generation last written; held for the whole of a write.
    written: std::sync::Mutex<u64>,
    wake: std::sync::Arc<tokio::sync::Notify>,
    writer_started: std::sync::atomic::AtomicBool,
}

impl Persister {
    pub fn new(path: PathBuf) -> Persister {
        Persister {
            path,
            written: std::sync::Mutex::new(0),
            wake: std::sync::Arc::new(tokio::sync::Notify::new()),
            writer_started: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the writer task waits on.
    pub fn wake(&self) -> &std::sync::Arc<tokio::sync::Notify> {
        &self.wake
    }

    /// True the first time only: the caller starts the writer task.
    pub fn claim_writer(&self) -> bool {
        !self
            .writer_started
            .swap(true, std::sync::atomic::Ordering::SeqCst)
    }

    /// Writes the document `snapshot` returns (blocking I/O); `snapshot`
    /// gets the generation last written and returns `None` when the store
    /// is not newer. `Ok(true)` when a write happened.
    pub fn write_current(
        &self,
        snapshot: impl FnOnce(u64) -> Option<(u64, StateDocument)>,
    ) -> Result<bool, PersistError> {
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        let Some((generation, doc)) = snapshot(*written) else {
            return Ok(false);
        };
        write_atomic(&self.path, &encode(&doc))?;
        *written = generation;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        write_atomic(&p, b"{\"version\":1}").unwrap();
        write_atomic(&p, b"{\"version\":2}").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"{\"version\":2}");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, [std::ffi::OsString::from("s.json")]);
    }

    /// Issue 15: a symlink planted at the old, predictable temporary name
    /// is not followed: its target stays as it was.
    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        let p = dir.path().join("s.json");
        std::os::unix::fs::symlink(&victim, dir.path().join(".s.json.tmp")).unwrap();
        write_atomic(&p, b"{}").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
        assert_eq!(std::fs::read(&p).unwrap(), b"{}");
    }

    #[test]
    fn missing_is_empty_and_garbage_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        assert!(load(&p).unwrap().is_none());
        std::fs::write(&p, b"{\"file_systems\": [").unwrap();
        assert!(matches!(load(&p), Err(PersistError::Parse { .. })));
    }
}

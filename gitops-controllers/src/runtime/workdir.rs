//! Scratch directories for one reconciliation, removed when dropped.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::ObjectKey;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh empty directory under the system temp dir, named after an object.
#[derive(Debug)]
pub struct WorkDir {
    path: PathBuf,
}

impl WorkDir {
    /// Creates `<tmp>/<kind>-<namespace>-<name>-<pid>-<n>`.
    pub fn new(key: &ObjectKey) -> std::io::Result<WorkDir> {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!(
            "gitops-{}-{}-{}-{}-{n}",
            key.kind.to_lowercase(),
            key.namespace,
            key.name,
            std::process::id()
        );
        let path = std::env::temp_dir().join(name);
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)?;
        Ok(WorkDir { path })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

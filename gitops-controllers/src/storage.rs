//! The controllers' artifact storage: a [`gitops_sources::store::Store`] under a
//! directory, its HTTP file server, retention and per-object removal.
//!
//! ```no_run
//! # async fn f() -> Result<(), gitops_controllers::storage::StorageError> {
//! use gitops_controllers::storage::Storage;
//! let (storage, server) = Storage::start("/data".as_ref(), "0.0.0.0:9090".parse().unwrap(), None).await?;
//! println!("artifacts at {}", server.local_addr());
//! # drop(storage); Ok(()) }
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use gitops_sources::store::{Artifact, ArtifactRef, ServerHandle, Store};

/// Files kept per object (Flux `--artifact-retention-records`).
pub const RETENTION_RECORDS: usize = 2;
/// Age after which superseded files go (Flux `--artifact-retention-ttl`).
pub const RETENTION_TTL: Duration = Duration::from_secs(60);

/// Storage failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The storage directory could not be created or cleaned.
    #[error("artifact storage '{}': {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The store or its server failed.
    #[error("artifact storage: {0}")]
    Store(#[from] gitops_sources::store::Error),
}

/// Artifact storage shared by the source reconcilers.
#[derive(Clone, Debug)]
pub struct Storage {
    store: Store,
    retention: usize,
    ttl: Duration,
}

impl Storage {
    /// Storage in `dir` (created) advertising URLs under `advertised` (a host[:port] or
    /// an `http(s)://` base URL).
    pub fn new(dir: &Path, advertised: &str) -> Result<Storage, StorageError> {
        std::fs::create_dir_all(dir).map_err(|source| StorageError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        Ok(Storage {
            store: Store::new(dir, advertised),
            retention: RETENTION_RECORDS,
            ttl: RETENTION_TTL,
        })
    }

    /// Storage in `dir` with its HTTP server bound to `bind`; URLs are advertised under
    /// `advertised`, or under the bound address (loopback when unspecified) when `None`.
    pub async fn start(
        dir: &Path,
        bind: SocketAddr,
        advertised: Option<&str>,
    ) -> Result<(Storage, ServerHandle), StorageError> {
        std::fs::create_dir_all(dir).map_err(|source| StorageError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let server = gitops_sources::store::serve(dir, bind).await?;
        let addr = server.local_addr();
        let host = match advertised.filter(|a| !a.is_empty()) {
            Some(a) => a.to_string(),
            None if addr.ip().is_unspecified() => format!("127.0.0.1:{}", addr.port()),
            None => addr.to_string(),
        };
        Ok((Storage::new(dir, &host)?, server))
    }

    /// Sets the retention: `records` newest files kept, older superseded ones removed
    /// after `ttl`.
    pub fn with_retention(mut self, records: usize, ttl: Duration) -> Storage {
        self.retention = records.max(1);
        self.ttl = ttl;
        self
    }

    /// The underlying store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Whether the artifact's file is present.
    pub fn exists(&self, artifact: &Artifact) -> bool {
        self.store.exists(artifact)
    }

    /// Whether the artifact's file is present with the recorded digest (Flux verifies
    /// the stored artifact before trusting it). A damaged file is removed so that it is
    /// rebuilt.
    pub fn is_intact(&self, artifact: &Artifact) -> bool {
        match self.store.verify(artifact) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(path = %artifact.path, "failed to verify integrity of artifact: {e}");
                let _ = self.store.remove(artifact);
                false
            }
        }
    }

    /// Garbage-collects the directory of `current` (never removing it); returns how many
    /// files went.
    pub fn garbage_collect(&self, current: &Artifact) -> Result<usize, StorageError> {
        Ok(self
            .store
            .gc_artifact(current, self.retention, self.ttl)?
            .len())
    }

    /// Removes every artifact of `kind` `namespace`/`name`; returns whether anything was
    /// there.
    pub fn remove_all(
        &self,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<bool, StorageError> {
        let reference = ArtifactRef::new(kind, namespace, name);
        let dir = self.store.local_path(&reference.dir()?)?;
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(source) => Err(StorageError::Io { path: dir, source }),
        }
    }
}

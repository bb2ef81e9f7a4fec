//! The artifact store: Flux's storage layout, atomic writes, per-artifact locks, retention,
//! verification, and an HTTP server for the files (`fluxcd/pkg/artifact/storage`).
//!
//! Files live at `<root>/<kind lower-cased>/<namespace>/<name>/<file>` (e.g.
//! `gitrepository/flux-system/podinfo/<sha>.tar.gz`) and are advertised at
//! `http://<advertised host>/<path>`. Writers take the artifact's lock file
//! `<file>.lock` (an OS file lock, so separate processes sharing the volume are excluded
//! too, as with Flux's lock files), write a temp file in the same directory and rename it:
//! readers and the HTTP server never see a partial file.
//!
//! ```
//! use gitops_sources::store::{ArtifactRef, Store};
//!
//! let root = tempfile::tempdir()?;
//! let store = Store::new(root.path(), "source-controller.flux-system.svc.cluster.local.");
//! let reference = ArtifactRef::new("GitRepository", "flux-system", "podinfo");
//! let mut artifact = store.put(&reference, "index.yaml", &b"apiVersion: v1\n"[..])?;
//! artifact.revision = "sha256:...".into();
//! assert_eq!(artifact.path, "gitrepository/flux-system/podinfo/index.yaml");
//! assert_eq!(
//!     artifact.url,
//!     "http://source-controller.flux-system.svc.cluster.local./gitrepository/flux-system/podinfo/index.yaml"
//! );
//! store.verify(&artifact)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sha2::{Digest as _, Sha256};

pub use gitops_core::api::meta::Artifact;
use gitops_core::k8s::Time;
use gitops_core::k8s::k8s_openapi::jiff::Timestamp;

use crate::artifact::{self, IgnoreRules};

mod gc;
mod server;

pub use gc::select_garbage;
pub use server::{ServerHandle, serve};

/// Errors of the artifact store and its server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A store file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A kind, namespace, name, file name or artifact path would leave the store.
    #[error("invalid artifact path {path:?}: {reason}")]
    InvalidPath {
        /// The offending value.
        path: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The artifact file does not exist.
    #[error("artifact {path} does not exist")]
    NotFound {
        /// The artifact path.
        path: String,
    },
    /// The artifact file's digest differs from the recorded one.
    #[error("artifact {path}: computed digest {actual} doesn't match {expected}")]
    DigestMismatch {
        /// The artifact path.
        path: String,
        /// The digest recorded in the artifact.
        expected: String,
        /// The digest of the file.
        actual: String,
    },
    /// The recorded digest cannot be parsed or uses another algorithm than sha256.
    #[error("artifact {path}: invalid digest {digest:?}")]
    InvalidDigest {
        /// The artifact path.
        path: String,
        /// The recorded digest.
        digest: String,
    },
    /// Packing a directory failed.
    #[error(transparent)]
    Pack(#[from] artifact::Error),
    /// The HTTP server could not bind its address.
    #[error("binding artifact server on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The underlying error.
        source: io::Error,
    },
}

/// The object an artifact belongs to: `Kind`, namespace, name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ArtifactRef {
    /// The Kind as in the API, e.g. `GitRepository` (lower-cased in paths).
    pub kind: String,
    /// The namespace.
    pub namespace: String,
    /// The name.
    pub name: String,
}

impl ArtifactRef {
    /// A reference to `kind` `namespace`/`name`.
    pub fn new(kind: &str, namespace: &str, name: &str) -> ArtifactRef {
        ArtifactRef {
            kind: kind.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }

    /// The directory of its artifacts relative to the store root: `<kind>/<ns>/<name>`.
    pub fn dir(&self) -> Result<String, Error> {
        let kind = self.kind.to_lowercase();
        for part in [kind.as_str(), self.namespace.as_str(), self.name.as_str()] {
            check_component(part)?;
        }
        Ok(format!("{kind}/{}/{}", self.namespace, self.name))
    }

    /// The path of its artifact file `file_name` relative to the store root.
    pub fn path(&self, file_name: &str) -> Result<String, Error> {
        check_component(file_name)?;
        Ok(format!("{}/{file_name}", self.dir()?))
    }
}

fn check_component(part: &str) -> Result<(), Error> {
    let refuse = |reason| {
        Err(Error::InvalidPath {
            path: part.to_string(),
            reason,
        })
    };
    if part.is_empty() {
        return refuse("empty path component");
    }
    if part == "." || part == ".." {
        return refuse("relative path component");
    }
    if part.contains(['/', '\\', '\0']) {
        return refuse("separator or NUL in path component");
    }
    Ok(())
}

/// A held artifact lock; released on drop.
#[derive(Debug)]
pub struct ArtifactLock {
    _file: File,
}

/// An artifact store rooted at a directory.
#[derive(Clone, Debug)]
pub struct Store {
    root: PathBuf,
    base_url: String,
}

impl Store {
    /// A store at `root`, advertising URLs under `advertised_base_url` (a host such as
    /// `source-controller.flux-system.svc.cluster.local.`, or a full `http(s)://` URL).
    pub fn new(root: impl Into<PathBuf>, advertised_base_url: &str) -> Store {
        let base = advertised_base_url.trim_end_matches('/');
        let base_url = if base.starts_with("http://") || base.starts_with("https://") {
            base.to_string()
        } else {
            format!("http://{base}")
        };
        Store {
            root: root.into(),
            base_url,
        }
    }

    /// The store root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The advertised URL of the artifact path `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base_url, path.trim_start_matches('/'))
    }

    /// The local file of the artifact path `path` (relative to the root), refusing paths
    /// that would leave the store.
    pub fn local_path(&self, path: &str) -> Result<PathBuf, Error> {
        let mut local = self.root.clone();
        let mut any = false;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            check_component(part)?;
            local.push(part);
            any = true;
        }
        if !any {
            return Err(Error::InvalidPath {
                path: path.to_string(),
                reason: "empty path",
            });
        }
        Ok(local)
    }

    /// Takes the lock of artifact file `file_name` of `reference`, waiting for it.
    pub fn lock(&self, reference: &ArtifactRef, file_name: &str) -> Result<ArtifactLock, Error> {
        let local = self.local_path(&reference.path(file_name)?)?;
        let dir = parent_of(&local);
        fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let lock_path = with_suffix(&local, ".lock");
        let io_err = |source| Error::Io {
            path: lock_path.clone(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_err)?;
        file.lock().map_err(io_err)?;
        Ok(ArtifactLock { _file: file })
    }

    /// Writes `reader` as artifact file `file_name` of `reference`, atomically and under
    /// its lock. The returned artifact has an empty `revision` and no `metadata`: the
    /// caller sets them.
    pub fn put(
        &self,
        reference: &ArtifactRef,
        file_name: &str,
        mut reader: impl Read,
    ) -> Result<Artifact, Error> {
        let path = reference.path(file_name)?;
        let local = self.local_path(&path)?;
        let _lock = self.lock(reference, file_name)?;
        let dir = parent_of(&local);
        let io_err = |source| Error::Io {
            path: local.clone(),
            source,
        };
        let mut temp = tempfile::Builder::new()
            .prefix(&format!(".{file_name}."))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|source| Error::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_err(e)),
            };
            hasher.update(&buf[..n]);
            temp.write_all(&buf[..n]).map_err(io_err)?;
            size += n as u64;
        }
        temp.as_file().sync_all().map_err(io_err)?;
        fs::set_permissions(temp.path(), fs::Permissions::from_mode(0o600)).map_err(io_err)?;
        temp.persist(&local).map_err(|e| io_err(e.error))?;
        let digest = format!("sha256:{}", hex::encode(hasher.finalize()));
        Ok(self.artifact(path, digest, size))
    }

    /// Packs `dir` with `rules` into artifact file `file_name` of `reference` (Flux's
    /// `Storage.Archive`), atomically and under its lock.
    pub fn archive(
        &self,
        reference: &ArtifactRef,
        file_name: &str,
        dir: &Path,
        rules: &IgnoreRules,
    ) -> Result<Artifact, Error> {
        let path = reference.path(file_name)?;
        let local = self.local_path(&path)?;
        let _lock = self.lock(reference, file_name)?;
        let digest = artifact::pack_file(dir, &local, rules)?;
        let size = fs::metadata(&local)
            .map_err(|source| Error::Io {
                path: local.clone(),
                source,
            })?
            .len();
        Ok(self.artifact(path, digest.to_string(), size))
    }

    fn artifact(&self, path: String, digest: String, size: u64) -> Artifact {
        // Whole seconds, as a `metav1.Time` round-trips.
        let now = Timestamp::try_from(SystemTime::now())
            .and_then(|t| Timestamp::from_second(t.as_second()))
            .unwrap_or(Timestamp::UNIX_EPOCH);
        Artifact {
            url: self.url(&path),
            path,
            revision: String::new(),
            digest,
            last_update_time: Time(now),
            size: Some(i64::try_from(size).unwrap_or(i64::MAX)),
            metadata: None,
        }
    }

    /// Whether the artifact's file exists in the store.
    pub fn exists(&self, artifact: &Artifact) -> bool {
        self.local_path(&artifact.path)
            .ok()
            .and_then(|p| fs::symlink_metadata(p).ok())
            .is_some_and(|m| m.is_file())
    }

    /// Checks that the artifact's file exists and has the recorded digest.
    pub fn verify(&self, artifact: &Artifact) -> Result<(), Error> {
        let local = self.local_path(&artifact.path)?;
        if !self.exists(artifact) {
            return Err(Error::NotFound {
                path: artifact.path.clone(),
            });
        }
        let expected: artifact::Digest =
            artifact.digest.parse().map_err(|_| Error::InvalidDigest {
                path: artifact.path.clone(),
                digest: artifact.digest.clone(),
            })?;
        if expected.algorithm != "sha256" {
            return Err(Error::InvalidDigest {
                path: artifact.path.clone(),
                digest: artifact.digest.clone(),
            });
        }
        let actual = artifact::digest_file(&local)?;
        if actual != expected {
            return Err(Error::DigestMismatch {
                path: artifact.path.clone(),
                expected: expected.to_string(),
                actual: actual.to_string(),
            });
        }
        Ok(())
    }

    /// Removes the artifact's file and its lock file; a missing file is not an error.
    pub fn remove(&self, artifact: &Artifact) -> Result<(), Error> {
        let local = self.local_path(&artifact.path)?;
        for path in [with_suffix(&local, ".lock"), local] {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(source) => return Err(Error::Io { path, source }),
            }
        }
        Ok(())
    }
}

fn parent_of(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("."))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut os = path.as_os_str().to_owned();
    os.push(suffix);
    PathBuf::from(os)
}

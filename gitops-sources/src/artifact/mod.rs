//! Flux artifacts: a source tree packed into a reproducible tar.gz, its digest, the ignore
//! rules deciding what goes in, and safe unpacking.
//!
//! The archive follows `fluxcd/pkg/artifact/storage` `Archive`: regular files and
//! directories only (symlinks and other special files are skipped), names relative to the
//! root (the root itself is the entry `.`), uid/gid 0, empty user and group names, zero
//! times, modes `0750` for directories, `0700` for executable files and `0600` for other
//! files, entries in lexical walk order, gzip with a zero mtime. The same tree always gives
//! the same bytes, hence the same `sha256:<hex>` digest.
//!
//! ```
//! use gitops_sources::artifact::{self, IgnoreRules, Limits, SourceKind};
//!
//! let src = tempfile::tempdir()?;
//! std::fs::create_dir(src.path().join("deploy"))?;
//! std::fs::write(src.path().join("deploy/app.yaml"), "kind: ConfigMap\n")?;
//! let rules = IgnoreRules::for_source(SourceKind::Git, None).with_sourceignore_files(src.path())?;
//!
//! let out = tempfile::tempdir()?;
//! let digest = artifact::pack_file(src.path(), &out.path().join("a.tar.gz"), &rules)?;
//! assert_eq!(digest.algorithm, "sha256");
//!
//! let file = std::fs::File::open(out.path().join("a.tar.gz"))?;
//! artifact::unpack(file, &out.path().join("tree"), &Limits::default())?;
//! assert!(out.path().join("tree/deploy/app.yaml").is_file());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::PathBuf;

pub mod ignore;
mod pack;
mod pattern;
mod unpack;

pub use gitops_core::revision::Digest;
pub use ignore::{IgnoreRules, SourceKind};
pub use pack::{digest_file, pack, pack_file, sha256_digest};
pub use unpack::{Limits, Tree, unpack, unpack_to_memory};

/// Errors of packing, digesting and unpacking artifacts.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The directory to pack is missing or not a directory.
    #[error("invalid dir path: {path} is not a directory")]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
    /// Writing the archive stream failed.
    #[error("writing archive: {source}")]
    Write {
        /// The underlying error.
        source: std::io::Error,
    },
    /// The archive could not be read (not gzip, corrupt tar, truncated entry).
    #[error("reading archive{}: {source}", entry.as_ref().map(|e| format!(" at entry {e:?}")).unwrap_or_default())]
    Read {
        /// The entry being read, when known.
        entry: Option<String>,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An entry name is absolute, contains `..`, a backslash, or is empty.
    #[error("tar entry {entry:?} has an invalid name: {reason}")]
    InvalidEntryName {
        /// The entry name.
        entry: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// An entry is a symlink, hard link, device or other non-regular file.
    #[error("tar entry {entry:?} is a {kind}, which is not allowed in an artifact")]
    UnsupportedEntry {
        /// The entry name.
        entry: String,
        /// The kind of entry, e.g. `symlink`.
        kind: String,
    },
    /// The archive's total size exceeds the limit.
    #[error("tar entry {entry:?} takes the archive past the max size of {limit} bytes")]
    TooLarge {
        /// The entry that crossed the limit.
        entry: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// The archive has more entries than the limit.
    #[error("tar entry {entry:?} takes the archive past the max of {limit} entries")]
    TooManyEntries {
        /// The entry that crossed the limit.
        entry: String,
        /// The limit.
        limit: u64,
    },
    /// The unpack target exists and is not an empty directory.
    #[error("unpack target {path} exists and is not an empty directory")]
    TargetNotEmpty {
        /// The target directory.
        path: PathBuf,
    },
}

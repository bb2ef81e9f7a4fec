//! Safe unpacking of artifact tarballs (Flux's `fluxcd/pkg/tar` `Untar`, stricter).
//!
//! Flux refuses names that are empty, absolute, contain a backslash or `../`; it refuses
//! symlinks (or drops them with `WithSkipSymlinks`) and any other non-regular entry,
//! hard links included; it caps the sum of entry sizes (100 MiB by default). Here every
//! `..` component is refused too, an entry count cap is added, and the tree is written
//! into a temporary directory beside the target which is renamed into place only when
//! the whole archive was read: nothing half-unpacked is ever visible. PAX global headers
//! (`git archive` writes one) are skipped.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use flate2::read::GzDecoder;

use super::Error;

/// Limits applied while unpacking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Max sum of the entry sizes in bytes (Flux's default: 100 MiB). The decompressed
    /// stream, headers included, is also capped at twice this plus 64 MiB.
    pub max_size: u64,
    /// Max number of entries (files and directories).
    pub max_entries: u64,
    /// Drop symlink entries silently instead of failing (Flux's `WithSkipSymlinks`).
    /// Hard links always fail.
    pub skip_symlinks: bool,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_size: 100 << 20,
            max_entries: 1_000_000,
            skip_symlinks: false,
        }
    }
}

/// Unpacks the gzip'd tarball read from `reader` into `target`, which must not exist or be
/// an empty directory. On error nothing is left at `target` (an empty directory given as
/// target is left as it was).
pub fn unpack(reader: impl Read, target: &Path, limits: &Limits) -> Result<(), Error> {
    // rename(2) moves the staged tree onto a missing path or an empty directory atomically.
    match fs::symlink_metadata(target) {
        Ok(meta) if meta.is_dir() => {
            let mut entries = fs::read_dir(target).map_err(|source| Error::Io {
                path: target.to_path_buf(),
                source,
            })?;
            if entries.next().is_some() {
                return Err(Error::TargetNotEmpty {
                    path: target.to_path_buf(),
                });
            }
        }
        Ok(_) => {
            return Err(Error::TargetNotEmpty {
                path: target.to_path_buf(),
            });
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(Error::Io {
                path: target.to_path_buf(),
                source,
            });
        }
    }
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|source| Error::Io {
        path: parent.clone(),
        source,
    })?;
    let staging = tempfile::Builder::new()
        .prefix(".unpack-")
        .tempdir_in(&parent)
        .map_err(|source| Error::Io {
            path: parent.clone(),
            source,
        })?;
    extract(
        reader,
        &mut DiskSink {
            dir: staging.path(),
            now: SystemTime::now(),
        },
        limits,
    )?;
    let staged = staging.keep();
    fs::rename(&staged, target).map_err(|source| {
        let _ = fs::remove_dir_all(&staged);
        Error::Io {
            path: target.to_path_buf(),
            source,
        }
    })
}

/// Caps the decompressed tar stream (data plus headers) so metadata entries (PAX records,
/// GNU long names) cannot exhaust memory: twice `max_size` plus 64 MiB.
struct Capped<R> {
    inner: R,
    left: u64,
    exceeded: Rc<Cell<bool>>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            self.exceeded.set(true);
            return Err(io::Error::other(
                "decompressed archive exceeds its size limit",
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Where the entries of an archive go.
trait Sink {
    /// A directory entry (root-relative, possibly empty for the root) with its mode.
    fn dir(&mut self, rel: &Path, mode: u32) -> Result<(), Error>;
    /// A regular file: its contents are read from `entry`, which holds `size` bytes.
    fn file(
        &mut self,
        rel: &Path,
        name: &str,
        entry: &mut dyn Read,
        size: u64,
        mode: u32,
        mtime: u64,
    ) -> Result<(), Error>;
}

/// Writes entries below a directory.
struct DiskSink<'a> {
    dir: &'a Path,
    now: SystemTime,
}

impl Sink for DiskSink<'_> {
    fn dir(&mut self, rel: &Path, mode: u32) -> Result<(), Error> {
        let path = self.dir.join(rel);
        fs::create_dir_all(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        let perm = (mode & 0o777) | 0o700;
        fs::set_permissions(&path, fs::Permissions::from_mode(perm))
            .map_err(|source| Error::Io { path, source })
    }

    fn file(
        &mut self,
        rel: &Path,
        name: &str,
        entry: &mut dyn Read,
        size: u64,
        mode: u32,
        mtime: u64,
    ) -> Result<(), Error> {
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|source| Error::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let io_err = |source| Error::Io {
            path: path.clone(),
            source,
        };
        let _ = fs::remove_file(&path);
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode((mode & 0o777) | 0o600)
            .open(&path)
            .map_err(io_err)?;
        let written = io::copy(entry, &mut file).map_err(|source| Error::Read {
            entry: Some(name.to_string()),
            source,
        })?;
        check_size(name, written, size)?;
        set_mtime(&file, mtime, self.now).map_err(io_err)
    }
}

/// Keeps entries in memory.
impl Sink for Tree {
    fn dir(&mut self, rel: &Path, _mode: u32) -> Result<(), Error> {
        let rel = slash_path(rel);
        if !rel.is_empty() {
            self.dirs.insert(rel);
        }
        Ok(())
    }

    fn file(
        &mut self,
        rel: &Path,
        name: &str,
        entry: &mut dyn Read,
        size: u64,
        _mode: u32,
        _mtime: u64,
    ) -> Result<(), Error> {
        let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(1 << 20));
        let read = entry.read_to_end(&mut data).map_err(|source| Error::Read {
            entry: Some(name.to_string()),
            source,
        })?;
        check_size(name, read as u64, size)?;
        let rel = slash_path(rel);
        let mut parent = rel.as_str();
        while let Some((p, _)) = parent.rsplit_once('/') {
            self.dirs.insert(p.to_string());
            parent = p;
        }
        self.files.insert(rel, data);
        Ok(())
    }
}

fn check_size(name: &str, got: u64, want: u64) -> Result<(), Error> {
    if got == want {
        return Ok(());
    }
    Err(Error::Read {
        entry: Some(name.to_string()),
        source: io::Error::new(io::ErrorKind::UnexpectedEof, "entry truncated"),
    })
}

/// A root-relative, `/`-separated path (names were checked to be UTF-8 clean components).
fn slash_path(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// An unpacked archive held in memory: regular files by root-relative `/`-separated path,
/// and every directory (explicit entries and the parents of files).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tree {
    /// File contents by path.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Directory paths (the root, `""`, is implied).
    pub dirs: BTreeSet<String>,
}

impl Tree {
    /// The sum of the file sizes.
    pub fn size(&self) -> usize {
        self.files.values().map(Vec::len).sum()
    }
}

/// Unpacks the gzip'd tarball read from `reader` into memory, with the same checks and
/// limits as [`unpack`] (modes and times are not kept).
pub fn unpack_to_memory(reader: impl Read, limits: &Limits) -> Result<Tree, Error> {
    let mut tree = Tree::default();
    extract(reader, &mut tree, limits)?;
    Ok(tree)
}

fn extract(reader: impl Read, sink: &mut dyn Sink, limits: &Limits) -> Result<(), Error> {
    let exceeded = Rc::new(Cell::new(false));
    let cap = limits.max_size.saturating_mul(2).saturating_add(64 << 20);
    let capped = Capped {
        inner: GzDecoder::new(reader),
        left: cap,
        exceeded: exceeded.clone(),
    };
    let result = extract_entries(capped, sink, limits);
    match result {
        Err(Error::Read { entry, .. }) if exceeded.get() => Err(Error::TooLarge {
            entry: entry.unwrap_or_else(|| "<first entry>".to_string()),
            limit: cap,
        }),
        other => other,
    }
}

fn extract_entries(reader: impl Read, sink: &mut dyn Sink, limits: &Limits) -> Result<(), Error> {
    let mut archive = tar::Archive::new(reader);
    let entries = archive.entries().map_err(|source| Error::Read {
        entry: None,
        source,
    })?;
    let mut total: u64 = 0;
    let mut count: u64 = 0;
    let mut last_name: Option<String> = None;
    for entry in entries {
        let mut entry = entry.map_err(|source| Error::Read {
            entry: last_name.clone(),
            source,
        })?;
        let raw = entry.path_bytes().into_owned();
        let name = String::from_utf8_lossy(&raw).into_owned();
        last_name = Some(name.clone());
        let size = entry.size();
        total = total.saturating_add(size);
        if total > limits.max_size {
            return Err(Error::TooLarge {
                entry: name,
                limit: limits.max_size,
            });
        }
        count += 1;
        if count > limits.max_entries {
            return Err(Error::TooManyEntries {
                entry: name,
                limit: limits.max_entries,
            });
        }
        let rel = safe_relative(&name)?;
        let kind = entry.header().entry_type();
        let mode = entry.header().mode().unwrap_or(0o600);
        match kind {
            tar::EntryType::Directory => sink.dir(&rel, mode)?,
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                if rel.as_os_str().is_empty() {
                    return Err(Error::InvalidEntryName {
                        entry: name,
                        reason: "a file cannot be the root",
                    });
                }
                let mtime = entry.header().mtime().unwrap_or(0);
                sink.file(&rel, &name, &mut entry, size, mode, mtime)?;
            }
            tar::EntryType::Symlink if limits.skip_symlinks => {}
            // PAX global headers (e.g. `git archive`'s commit id) carry no file.
            tar::EntryType::XGlobalHeader => {}
            other => {
                return Err(Error::UnsupportedEntry {
                    entry: name,
                    kind: describe(other).to_string(),
                });
            }
        }
    }
    Ok(())
}

/// Flux sets the header mtime when non-zero, never later than the start of the unpack.
fn set_mtime(file: &File, mtime: u64, now: SystemTime) -> io::Result<()> {
    if mtime == 0 {
        return Ok(());
    }
    let at = UNIX_EPOCH
        .checked_add(Duration::from_secs(mtime))
        .unwrap_or(now)
        .min(now);
    file.set_modified(at)
}

fn describe(kind: tar::EntryType) -> &'static str {
    match kind {
        tar::EntryType::Symlink => "symlink",
        tar::EntryType::Link => "hard link",
        tar::EntryType::Char => "character device",
        tar::EntryType::Block => "block device",
        tar::EntryType::Fifo => "fifo",
        tar::EntryType::GNUSparse => "sparse file",
        _ => "unsupported entry type",
    }
}

/// Validates an entry name and returns it as a relative path (empty for the root `.`).
fn safe_relative(name: &str) -> Result<PathBuf, Error> {
    let refuse = |reason| {
        Err(Error::InvalidEntryName {
            entry: name.to_string(),
            reason,
        })
    };
    if name.is_empty() {
        return refuse("empty name");
    }
    if name.starts_with('/') {
        return refuse("absolute path");
    }
    if name.contains('\\') {
        return refuse("backslash in name");
    }
    if name.contains('\0') {
        return refuse("NUL in name");
    }
    let mut rel = PathBuf::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return refuse("path escapes the target directory"),
            other => rel.push(other),
        }
    }
    Ok(rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(safe_relative("a/b.yaml").is_ok());
        assert_eq!(safe_relative("./a//b").expect("ok"), PathBuf::from("a/b"));
        assert_eq!(safe_relative(".").expect("ok"), PathBuf::new());
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "a/..", "a\\b"] {
            assert!(safe_relative(bad).is_err(), "{bad}");
        }
    }
}

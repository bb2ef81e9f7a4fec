//! The file system a build reads: a trait, a disk implementation confined to a root, and
//! an in-memory one for tests and embedders.
//!
//! Paths given to an [`Fs`] are relative to its root, `/`-separated and already cleaned
//! (see [`clean`]); a path that would leave the root never reaches the file system.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The path does not exist.
    #[error("'{0}' does not exist")]
    NotFound(String),
    /// The path leaves the root (`..`, an absolute path, or a symlink pointing out).
    #[error("'{0}' is outside the root")]
    Escapes(String),
    /// Any other I/O error.
    #[error("'{path}': {message}")]
    Io {
        /// The path.
        path: String,
        /// What the OS reported.
        message: String,
    },
}

/// A read-only file tree rooted somewhere.
pub trait Fs {
    /// The bytes of a file.
    fn read(&self, path: &str) -> Result<Vec<u8>, Error>;
    /// Whether `path` is a directory.
    fn is_dir(&self, path: &str) -> bool;
    /// Whether `path` exists (file or directory).
    fn exists(&self, path: &str) -> bool;
    /// The names of a directory's entries, sorted.
    fn read_dir(&self, path: &str) -> Result<Vec<String>, Error>;
    /// The root-relative path `path` resolves to once symlinks are followed (kustomize's
    /// `EvalSymlinks`), for the load restrictor. A tree without symlinks returns the
    /// cleaned path; a missing path is [`Error::NotFound`].
    fn real_path(&self, path: &str) -> Result<String, Error> {
        match clean(path) {
            Some(p) if self.exists(&p) => Ok(p),
            Some(_) => Err(Error::NotFound(path.to_string())),
            None => Err(Error::Escapes(path.to_string())),
        }
    }
}

/// Joins `rel` onto the directory `base` and cleans the result; `None` when it would leave
/// the root. Both are root-relative, `""` being the root.
pub fn join(base: &str, rel: &str) -> Option<String> {
    if rel.starts_with('/') {
        return None;
    }
    clean(&if base.is_empty() {
        rel.to_string()
    } else {
        format!("{base}/{rel}")
    })
}

/// Cleans a root-relative path: drops `.` and empty segments, resolves `..`; `None` when
/// `..` would leave the root.
pub fn clean(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// The parent directory of a root-relative path (`""` for top-level entries).
pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(p, _)| p)
}

/// A directory on disk; nothing outside it can be read, through `..` or symlinks.
///
/// Directories are resolved once and remembered, so a `DiskFs` expects its tree not to
/// change while it is used: make one per build.
#[derive(Debug)]
pub struct DiskFs {
    root: PathBuf,
    /// Real paths of the directories resolved so far, by root-relative path.
    dirs: Mutex<HashMap<String, PathBuf>>,
}

impl Clone for DiskFs {
    fn clone(&self) -> Self {
        DiskFs {
            root: self.root.clone(),
            dirs: Mutex::new(HashMap::new()),
        }
    }
}

impl DiskFs {
    /// A file system rooted at `root` (canonicalised).
    pub fn new(root: impl AsRef<Path>) -> Result<Self, Error> {
        let root = root.as_ref();
        let root = root.canonicalize().map_err(|e| Error::Io {
            path: root.display().to_string(),
            message: e.to_string(),
        })?;
        Ok(DiskFs {
            root,
            dirs: Mutex::new(HashMap::new()),
        })
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The real path of `path` inside the root, following symlinks.
    fn resolve(&self, path: &str) -> Result<PathBuf, Error> {
        let cleaned = clean(path).ok_or_else(|| Error::Escapes(path.to_string()))?;
        let Some((dir, name)) = cleaned
            .rsplit_once('/')
            .or(Some(("", cleaned.as_str())))
            .filter(|(_, n)| !n.is_empty())
        else {
            return Ok(self.root.clone());
        };
        let full = self.real_dir(dir, path)?.join(name);
        match std::fs::symlink_metadata(&full) {
            Ok(meta) if meta.file_type().is_symlink() => self.canonical(&full, path),
            Ok(_) => Ok(full),
            Err(e) => Err(io_error(e, path)),
        }
    }

    /// The real path of the directory `dir` (root-relative), remembered once resolved.
    fn real_dir(&self, dir: &str, path: &str) -> Result<PathBuf, Error> {
        let mut dirs = self
            .dirs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(real) = dirs.get(dir) {
            return Ok(real.clone());
        }
        let real = self.canonical(&self.root.join(dir), path)?;
        dirs.insert(dir.to_string(), real.clone());
        Ok(real)
    }

    /// `full` with every symlink followed; it must stay inside the root.
    fn canonical(&self, full: &Path, path: &str) -> Result<PathBuf, Error> {
        match full.canonicalize() {
            Ok(real) if real.starts_with(&self.root) => Ok(real),
            Ok(_) => Err(Error::Escapes(path.to_string())),
            Err(e) => Err(io_error(e, path)),
        }
    }
}

fn io_error(e: std::io::Error, path: &str) -> Error {
    match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound(path.to_string()),
        _ => Error::Io {
            path: path.to_string(),
            message: e.to_string(),
        },
    }
}

impl Fs for DiskFs {
    fn read(&self, path: &str) -> Result<Vec<u8>, Error> {
        let real = self.resolve(path)?;
        std::fs::read(&real).map_err(|e| Error::Io {
            path: path.to_string(),
            message: e.to_string(),
        })
    }

    fn is_dir(&self, path: &str) -> bool {
        self.resolve(path).is_ok_and(|p| p.is_dir())
    }

    fn exists(&self, path: &str) -> bool {
        self.resolve(path).is_ok()
    }

    fn read_dir(&self, path: &str) -> Result<Vec<String>, Error> {
        let real = self.resolve(path)?;
        let entries = std::fs::read_dir(&real).map_err(|e| Error::Io {
            path: path.to_string(),
            message: e.to_string(),
        })?;
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        names.sort();
        Ok(names)
    }

    fn real_path(&self, path: &str) -> Result<String, Error> {
        let real = self.resolve(path)?;
        let rel = real
            .strip_prefix(&self.root)
            .map_err(|_| Error::Escapes(path.to_string()))?;
        let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
        parts.map(|p| p.join("/")).ok_or_else(|| Error::Io {
            path: path.to_string(),
            message: "path is not UTF-8".into(),
        })
    }
}

/// An in-memory tree: files by root-relative path, and directories (those holding files
/// exist implicitly; empty ones are added with [`MemFs::add_dir`]).
#[derive(Clone, Debug, Default)]
pub struct MemFs {
    files: BTreeMap<String, Vec<u8>>,
    dirs: BTreeSet<String>,
}

impl MemFs {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A tree of `files` and `dirs` (root-relative paths; ones leaving the root are dropped).
    pub fn from_parts(
        files: BTreeMap<String, Vec<u8>>,
        dirs: impl IntoIterator<Item = String>,
    ) -> Self {
        let mut fs = MemFs::new();
        for (path, content) in files {
            fs.add(&path, content);
        }
        for dir in dirs {
            fs.add_dir(&dir);
        }
        fs
    }

    /// Adds (or replaces) a file; its directories exist implicitly.
    pub fn add(&mut self, path: &str, content: impl Into<Vec<u8>>) -> &mut Self {
        if let Some(p) = clean(path) {
            self.files.insert(p, content.into());
        }
        self
    }

    /// Adds a directory, which may stay empty.
    pub fn add_dir(&mut self, path: &str) -> &mut Self {
        if let Some(p) = clean(path).filter(|p| !p.is_empty()) {
            self.dirs.insert(p);
        }
        self
    }

    /// Whether any file or directory lies below `prefix` (which ends in `/`).
    fn has_below(&self, prefix: &str) -> bool {
        let below = |k: &String| k.starts_with(prefix);
        self.files
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .next()
            .is_some_and(|(k, _)| below(k))
            || self
                .dirs
                .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
                .next()
                .is_some_and(below)
    }
}

impl Fs for MemFs {
    fn read(&self, path: &str) -> Result<Vec<u8>, Error> {
        let p = clean(path).ok_or_else(|| Error::Escapes(path.to_string()))?;
        self.files
            .get(&p)
            .cloned()
            .ok_or(Error::NotFound(path.to_string()))
    }

    fn is_dir(&self, path: &str) -> bool {
        let Some(p) = clean(path) else { return false };
        p.is_empty() || self.dirs.contains(&p) || self.has_below(&format!("{p}/"))
    }

    fn exists(&self, path: &str) -> bool {
        clean(path).is_some_and(|p| self.files.contains_key(&p)) || self.is_dir(path)
    }

    fn read_dir(&self, path: &str) -> Result<Vec<String>, Error> {
        let p = clean(path).ok_or_else(|| Error::Escapes(path.to_string()))?;
        if !self.is_dir(&p) {
            return Err(Error::NotFound(path.to_string()));
        }
        let prefix = if p.is_empty() {
            String::new()
        } else {
            format!("{p}/")
        };
        let from = (Bound::Included(prefix.as_str()), Bound::Unbounded);
        let first = |rest: &str| rest.split('/').next().unwrap_or(rest).to_string();
        let mut names: Vec<String> = self
            .files
            .range::<str, _>(from)
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(&prefix))
            .chain(
                self.dirs
                    .range::<str, _>(from)
                    .take_while(|k| k.starts_with(&prefix)),
            )
            .filter_map(|k| k.strip_prefix(&prefix))
            .map(first)
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_and_join_stay_inside() {
        assert_eq!(clean("a/./b//c/../d").as_deref(), Some("a/b/d"));
        assert_eq!(
            join("base", "../other/x.yaml").as_deref(),
            Some("other/x.yaml")
        );
        assert_eq!(join("base", "../../x"), None);
        assert_eq!(join("base", "/etc/passwd"), None);
    }

    #[test]
    fn mem_fs_lists_and_reads() {
        let mut fs = MemFs::new();
        fs.add("app/kustomization.yaml", "resources: []")
            .add("app/sub/a.yaml", "a")
            .add("app/b.yaml", "b");
        assert!(fs.is_dir("app") && fs.is_dir("") && !fs.is_dir("app/b.yaml"));
        assert_eq!(
            fs.read_dir("app").expect("dir"),
            ["b.yaml", "kustomization.yaml", "sub"]
        );
        assert_eq!(fs.read("app/b.yaml").expect("file"), b"b");
        assert!(matches!(fs.read("app/none"), Err(Error::NotFound(_))));
    }

    #[test]
    fn mem_fs_keeps_empty_dirs_and_tells_siblings_apart() {
        let mut fs = MemFs::new();
        fs.add("app-1/a.yaml", "a")
            .add("app/x.yaml", "x")
            .add_dir("app/empty")
            .add_dir("other");
        assert!(fs.is_dir("app/empty") && fs.is_dir("other") && fs.exists("other"));
        assert!(!fs.is_dir("ap") && !fs.exists("app/none"));
        assert_eq!(fs.read_dir("app").expect("dir"), ["empty", "x.yaml"]);
        assert_eq!(fs.read_dir("").expect("root"), ["app", "app-1", "other"]);
        assert_eq!(
            fs.read_dir("other").expect("empty dir"),
            Vec::<String>::new()
        );
        assert!(matches!(fs.read_dir("app/x.yaml"), Err(Error::NotFound(_))));
    }

    #[test]
    fn disk_fs_refuses_symlinks_out() {
        let dir = std::env::temp_dir().join(format!("gitops-fs-{}", std::process::id()));
        let root = dir.join("root");
        std::fs::create_dir_all(&root).expect("mkdir");
        std::fs::write(dir.join("secret"), "s").expect("write");
        std::fs::write(root.join("ok.yaml"), "ok").expect("write");
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.join("secret"), root.join("link")).expect("symlink");
        let fs = DiskFs::new(&root).expect("root");
        assert_eq!(fs.read("ok.yaml").expect("read"), b"ok");
        #[cfg(unix)]
        assert!(matches!(fs.read("link"), Err(Error::Escapes(_))));
        #[cfg(unix)]
        {
            std::fs::create_dir_all(root.join("app")).expect("mkdir");
            std::os::unix::fs::symlink("../ok.yaml", root.join("app/inner")).expect("symlink");
            assert_eq!(fs.real_path("app/inner").as_deref(), Ok("ok.yaml"));
            assert_eq!(fs.real_path("app/./../ok.yaml").as_deref(), Ok("ok.yaml"));
            assert_eq!(fs.real_path("").as_deref(), Ok(""));
            assert!(matches!(fs.real_path("app/none"), Err(Error::NotFound(_))));
        }
        assert!(matches!(fs.read("../secret"), Err(Error::Escapes(_))));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

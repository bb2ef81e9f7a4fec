//! Loading files relative to a kustomization directory, with the load restrictor and the
//! root confinement applied.

use super::fs::{self, Fs};
use super::{LoadRestrictor, Options};

/// Why a file referenced by a kustomization could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file system refused or failed.
    #[error("{referrer}: '{path}': {source}")]
    Fs {
        /// The kustomization directory that referenced the file.
        referrer: String,
        /// The path as written.
        path: String,
        /// The file system's error.
        source: fs::Error,
    },
    /// The path leaves the build root.
    #[error("{referrer}: '{path}' is outside the build root")]
    Escapes {
        /// The kustomization directory that referenced the file.
        referrer: String,
        /// The path as written.
        path: String,
    },
    /// A file outside the kustomization's directory, with the `RootOnly` restrictor.
    #[error("security; file '{path}' is not in or below '{root}'")]
    Restricted {
        /// The file (root-relative).
        path: String,
        /// The kustomization directory.
        root: String,
    },
    /// A remote resource (URL), which this engine never fetches.
    #[error(
        "{referrer}: remote resources are not supported ('{url}'); fetch remote content with a GitRepository or OCIRepository source"
    )]
    Remote {
        /// The kustomization directory that referenced it.
        referrer: String,
        /// The URL.
        url: String,
    },
    /// A file is not UTF-8.
    #[error("{0}: not valid UTF-8")]
    NotUtf8(String),
}

/// A kustomization directory being built: where relative paths start.
#[derive(Clone, Copy)]
pub struct Dir<'a> {
    /// The file system.
    pub fs: &'a dyn Fs,
    /// The directory, root-relative (`""` is the root).
    pub path: &'a str,
    /// The build options.
    pub options: &'a Options,
}

impl<'a> Dir<'a> {
    /// Resolves `rel` against this directory: root-relative, cleaned, inside the root and
    /// allowed by the load restrictor (files only; directories may be anywhere in the root,
    /// as in kustomize, whose restrictor applies to files).
    pub fn resolve(&self, rel: &str) -> Result<String, Error> {
        if is_remote(rel) {
            return Err(Error::Remote {
                referrer: self.label(),
                url: rel.to_string(),
            });
        }
        fs::join(self.path, rel).ok_or_else(|| Error::Escapes {
            referrer: self.label(),
            path: rel.to_string(),
        })
    }

    /// Reads a file referenced by this kustomization, enforcing the load restrictor.
    /// Returns the root-relative path and the text.
    ///
    /// As in kustomize, the restrictor compares symlink-resolved paths (a link inside the
    /// directory pointing out of it is refused), and a missing file is reported as missing
    /// before the restrictor is considered.
    pub fn read(&self, rel: &str) -> Result<(String, String), Error> {
        let path = self.resolve(rel)?;
        let fs_error = |source| Error::Fs {
            referrer: self.label(),
            path: rel.to_string(),
            source,
        };
        if self.options.load_restrictor == LoadRestrictor::RootOnly {
            let real = self.fs.real_path(&path).map_err(fs_error)?;
            let root = self
                .fs
                .real_path(self.path)
                .unwrap_or_else(|_| self.path.to_string());
            if !is_within(&real, &root) {
                return Err(Error::Restricted {
                    path,
                    root: self.path.to_string(),
                });
            }
        }
        let bytes = self.fs.read(&path).map_err(fs_error)?;
        let text = String::from_utf8(bytes).map_err(|_| Error::NotUtf8(path.clone()))?;
        Ok((path, text))
    }

    /// How messages name this kustomization: its directory (root-relative) or, for the build
    /// root (whose relative path is empty), its kustomization file's name.
    pub fn label(&self) -> String {
        if !self.path.is_empty() {
            return self.path.to_string();
        }
        super::kustomization::FILE_NAMES
            .iter()
            .copied()
            .find(|name| self.fs.exists(name) && !self.fs.is_dir(name))
            .unwrap_or(".")
            .to_string()
    }

    /// The directory `rel` relative to this one.
    pub fn sub(&self, path: &'a str) -> Dir<'a> {
        Dir {
            fs: self.fs,
            path,
            options: self.options,
        }
    }
}

/// Whether `path` is `dir` or below it (both root-relative, cleaned).
pub fn is_within(path: &str, dir: &str) -> bool {
    dir.is_empty() || path == dir || path.starts_with(&format!("{dir}/"))
}

/// Whether a resource entry is a remote URL (git or http), which kustomize would fetch.
pub fn is_remote(rel: &str) -> bool {
    let lower = rel.to_ascii_lowercase();
    [
        "http://",
        "https://",
        "git::",
        "git@",
        "ssh://",
        "git://",
        "github.com/",
        "gitlab.com/",
        "bitbucket.org/",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kustomize::MemFs;

    #[test]
    fn restrictor_and_escapes() {
        let mut fs = MemFs::new();
        fs.add("base/a.yaml", "a").add("overlay/b.yaml", "b");
        let root_only = Options::default();
        let dir = Dir {
            fs: &fs,
            path: "overlay",
            options: &root_only,
        };
        assert_eq!(dir.read("b.yaml").expect("inside").1, "b");
        assert!(matches!(
            dir.read("../base/a.yaml"),
            Err(Error::Restricted { .. })
        ));
        assert!(matches!(dir.read("../../x"), Err(Error::Escapes { .. })));
        assert!(matches!(
            dir.read("https://example.com/x.yaml"),
            Err(Error::Remote { .. })
        ));
        // A missing file is missing, wherever it is (kubectl: evalsymlink failure … no
        // such file or directory), rather than outside the directory.
        let missing = dir.read("../base/none.yaml").expect_err("missing");
        assert_eq!(
            missing.to_string(),
            "overlay: '../base/none.yaml': 'base/none.yaml' does not exist"
        );
        let flux = Options::flux();
        let dir = Dir {
            fs: &fs,
            path: "overlay",
            options: &flux,
        };
        assert_eq!(dir.read("../base/a.yaml").expect("allowed").1, "a");
    }

    /// The restrictor compares symlink-resolved paths, as kustomize does: a link inside
    /// the directory to a file outside it is refused under `RootOnly`.
    #[cfg(unix)]
    #[test]
    fn a_symlink_out_of_the_directory_is_restricted() {
        let tmp = std::env::temp_dir().join(format!("gitops-loader-{}", std::process::id()));
        std::fs::create_dir_all(tmp.join("app")).expect("mkdir");
        std::fs::write(tmp.join("shared.yaml"), "s").expect("write");
        std::fs::write(tmp.join("app/own.yaml"), "o").expect("write");
        std::os::unix::fs::symlink("../shared.yaml", tmp.join("app/link.yaml")).expect("symlink");
        std::os::unix::fs::symlink("own.yaml", tmp.join("app/inner.yaml")).expect("symlink");
        let fs = crate::kustomize::DiskFs::new(&tmp).expect("root");
        let root_only = Options::default();
        let dir = Dir {
            fs: &fs,
            path: "app",
            options: &root_only,
        };
        let err = dir.read("link.yaml").expect_err("points out of app");
        assert_eq!(
            err.to_string(),
            "security; file 'app/link.yaml' is not in or below 'app'"
        );
        assert_eq!(dir.read("inner.yaml").expect("inside").1, "o");
        let flux = Options::flux();
        let dir = Dir {
            fs: &fs,
            path: "app",
            options: &flux,
        };
        assert_eq!(dir.read("link.yaml").expect("inside the root").1, "s");
        let _ = std::fs::remove_dir_all(&tmp);
    }
}

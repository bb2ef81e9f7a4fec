//! `spec.include`: copying (part of) other GitRepositories' artifact trees into a checkout,
//! as Flux's storage `CopyToPath` does. Pure filesystem work over already-unpacked
//! directories; paths are joined securely (never escaping either root).

use std::path::{Path, PathBuf};

use gitops_core::api::source::git::GitRepositoryInclude;

/// Why an include could not be copied.
#[derive(Debug, thiserror::Error)]
pub enum IncludeError {
    /// The included repository's directory is missing from the inputs.
    #[error("include '{name}': no artifact directory given")]
    Missing {
        /// The included GitRepository.
        name: String,
    },
    /// `fromPath` does not exist in the included artifact.
    #[error("include '{name}': fromPath '{from}' not found in the artifact")]
    FromPathNotFound {
        /// The included GitRepository.
        name: String,
        /// The `fromPath`.
        from: String,
    },
    /// Copying failed.
    #[error("include '{name}': copying to '{}': {source}", path.display())]
    Io {
        /// The included GitRepository.
        name: String,
        /// The path being written or read.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// `rel` joined under `root` lexically: `..` never climbs above `root`, absolute paths are
/// taken relative to it (as `filepath-securejoin` does for paths without symlinks).
pub fn secure_join(root: &Path, rel: &str) -> PathBuf {
    let mut parts: Vec<&str> = Vec::new();
    for part in rel.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.iter().fold(root.to_path_buf(), |acc, p| acc.join(p))
}

/// Copies each include's `fromPath` of its artifact directory (`artifacts[i]` for
/// `includes[i]`) into `toPath` of `checkout`, merging into existing directories and
/// overwriting files. Symlinks and special files are skipped (artifacts hold none).
pub fn apply_includes(
    checkout: &Path,
    includes: &[GitRepositoryInclude],
    artifacts: &[&Path],
) -> Result<(), IncludeError> {
    for (i, include) in includes.iter().enumerate() {
        let name = include.repository.name.clone();
        let artifact = artifacts
            .get(i)
            .ok_or_else(|| IncludeError::Missing { name: name.clone() })?;
        let from = secure_join(artifact, include.from_path());
        let to = secure_join(checkout, include.to_path());
        let meta =
            std::fs::symlink_metadata(&from).map_err(|_| IncludeError::FromPathNotFound {
                name: name.clone(),
                from: include.from_path().to_string(),
            })?;
        copy(&from, &to, meta.file_type(), &name)?;
    }
    Ok(())
}

fn copy(from: &Path, to: &Path, kind: std::fs::FileType, name: &str) -> Result<(), IncludeError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| IncludeError::Io {
            name: name.to_string(),
            path,
            source,
        }
    };
    if kind.is_dir() {
        std::fs::create_dir_all(to).map_err(io(to))?;
        let mut entries: Vec<_> = std::fs::read_dir(from)
            .map_err(io(from))?
            .collect::<Result<_, _>>()
            .map_err(io(from))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let kind = entry.file_type().map_err(io(&entry.path()))?;
            copy(&entry.path(), &to.join(entry.file_name()), kind, name)?;
        }
    } else if kind.is_file() {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        if std::fs::symlink_metadata(to).is_ok_and(|m| m.is_dir()) {
            std::fs::remove_dir_all(to).map_err(io(to))?;
        }
        std::fs::copy(from, to).map_err(io(to))?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use gitops_core::api::meta::LocalObjectReference;

    #[test]
    fn secure_join_stays_inside() {
        let root = Path::new("/r");
        assert_eq!(
            secure_join(root, "../../etc/passwd"),
            Path::new("/r/etc/passwd")
        );
        assert_eq!(secure_join(root, "/a/./b/../c"), Path::new("/r/a/c"));
        assert_eq!(secure_join(root, ""), Path::new("/r"));
    }

    fn include(name: &str, from: Option<&str>, to: Option<&str>) -> GitRepositoryInclude {
        GitRepositoryInclude {
            repository: LocalObjectReference { name: name.into() },
            from_path: from.map(str::to_string),
            to_path: to.map(str::to_string),
        }
    }

    #[test]
    fn includes_are_copied_with_from_and_to_paths() {
        let tmp = tempfile::tempdir().unwrap();
        let (checkout, a, b) = (
            tmp.path().join("c"),
            tmp.path().join("a"),
            tmp.path().join("b"),
        );
        for (dir, file) in [
            (&checkout, "own.txt"),
            (&a, "deploy/base/x.yaml"),
            (&a, "other.txt"),
            (&b, "y.txt"),
        ] {
            std::fs::create_dir_all(dir.join(file).parent().unwrap()).unwrap();
            std::fs::write(dir.join(file), file).unwrap();
        }
        let includes = [
            include("shared", Some("deploy/base"), Some("../base")),
            include("other", None, None),
        ];
        apply_includes(&checkout, &includes, &[&a, &b]).unwrap();
        assert_eq!(
            std::fs::read_to_string(checkout.join("base/x.yaml")).unwrap(),
            "deploy/base/x.yaml"
        );
        assert!(!checkout.join("base/other.txt").exists());
        assert_eq!(
            std::fs::read_to_string(checkout.join("other/y.txt")).unwrap(),
            "y.txt"
        );
        assert!(checkout.join("own.txt").exists());
        let err =
            apply_includes(&checkout, &[include("shared", Some("nope"), None)], &[&a]).unwrap_err();
        assert!(
            err.to_string().contains("nope") && err.to_string().contains("shared"),
            "{err}"
        );
        let err = apply_includes(&checkout, &includes, &[&a]).unwrap_err();
        assert!(err.to_string().contains("other"), "{err}");
    }
}

#[cfg(test)]
mod proptests {
    use super::secure_join;
    use proptest::prelude::*;
    use std::path::{Component, Path};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Joined paths never leave the root and never hold `..` or `.` components.
        #[test]
        fn secure_join_never_escapes(rel in "(\\.\\.|\\.|/|[a-z]{1,3}|\\\\){0,12}") {
            let root = Path::new("/root/dir");
            let joined = secure_join(root, &rel);
            prop_assert!(joined.starts_with(root));
            prop_assert!(joined.components().all(|c| matches!(c, Component::RootDir | Component::Normal(_))));
        }
    }
}

//! Writing a commit's tree into a directory (optionally only some directories of it).

use std::path::{Path, PathBuf};

use gix::ObjectId;
use gix::object::tree::EntryKind;

use super::Error;

/// Normalises `sparseCheckout` entries: `./a/b/` → `a/b`; empty entries (the root) dropped.
pub fn normalize_sparse(dirs: &[String]) -> Vec<String> {
    let mut out: Vec<String> = dirs
        .iter()
        .map(|d| {
            let d = d.trim();
            let d = d.strip_prefix("./").unwrap_or(d);
            d.trim_matches('/').to_string()
        })
        .filter(|d| !d.is_empty() && d != ".")
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether `path` (relative, `/`-separated) is checked out with `sparse` dirs:
/// `Some(true)` inside a sparse dir, `Some(false)` an ancestor dir of one, `None` excluded.
pub fn sparse_match(path: &str, is_dir: bool, sparse: &[String]) -> Option<bool> {
    if sparse.is_empty() {
        return Some(true);
    }
    for dir in sparse {
        if path == dir || path.starts_with(&format!("{dir}/")) {
            return Some(true);
        }
        if is_dir && dir.starts_with(&format!("{path}/")) {
            return Some(false);
        }
    }
    None
}

fn valid_component(name: &str) -> bool {
    !(name.is_empty()
        || name == "."
        || name == ".."
        || name.contains('/')
        || name.contains('\0')
        || name.eq_ignore_ascii_case(".git"))
}

/// Writes the tree of `commit` into `dir` (created if missing); `sparse` limits the
/// directories written. Returns the number of files written.
pub(crate) fn write_tree(
    repo: &gix::Repository,
    tree: ObjectId,
    dir: &Path,
    sparse: &[String],
) -> Result<usize, Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut count = 0;
    write_dir(repo, tree, dir, "", sparse, &mut count)?;
    Ok(count)
}

fn write_dir(
    repo: &gix::Repository,
    tree: ObjectId,
    dir: &Path,
    prefix: &str,
    sparse: &[String],
    count: &mut usize,
) -> Result<(), Error> {
    let local = |message: String| Error::Local {
        path: dir.to_path_buf(),
        message,
    };
    let object = repo
        .find_object(tree)
        .map_err(|e| local(format!("tree {tree}: {e}")))?;
    let tree_obj = object
        .try_into_tree()
        .map_err(|e| local(format!("tree {tree}: {e}")))?;
    let decoded = tree_obj
        .decode()
        .map_err(|e| local(format!("tree {tree}: {e}")))?;
    let entries: Vec<(String, EntryKind, ObjectId)> = decoded
        .entries
        .iter()
        .map(|e| (e.filename.to_string(), e.mode.kind(), e.oid.to_owned()))
        .collect();
    for (name, kind, oid) in entries {
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        if !valid_component(&name) {
            return Err(local(format!("refusing unsafe path '{rel}' in tree")));
        }
        let is_dir = matches!(kind, EntryKind::Tree);
        let Some(inside) = sparse_match(&rel, is_dir, sparse) else {
            continue;
        };
        let path: PathBuf = dir.join(&name);
        let io = |source| Error::Io {
            path: path.clone(),
            source,
        };
        match kind {
            EntryKind::Tree => {
                std::fs::create_dir(&path).map_err(io)?;
                let sub_sparse: &[String] = if inside { &[] } else { sparse };
                let sub_prefix = if inside { String::new() } else { rel.clone() };
                write_dir(repo, oid, &path, &sub_prefix, sub_sparse, count)?;
            }
            _ if !inside => {}
            EntryKind::Blob | EntryKind::BlobExecutable => {
                use std::os::unix::fs::OpenOptionsExt;
                let blob = repo
                    .find_object(oid)
                    .map_err(|e| local(format!("blob {oid} ({rel}): {e}")))?;
                let mode = if kind == EntryKind::BlobExecutable {
                    0o755
                } else {
                    0o644
                };
                let mut file = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(mode)
                    .open(&path)
                    .map_err(io)?;
                std::io::Write::write_all(&mut file, &blob.data).map_err(io)?;
                *count += 1;
            }
            EntryKind::Link => {
                let blob = repo
                    .find_object(oid)
                    .map_err(|e| local(format!("link {oid} ({rel}): {e}")))?;
                let target = String::from_utf8_lossy(&blob.data).into_owned();
                std::os::unix::fs::symlink(target, &path).map_err(io)?;
                *count += 1;
            }
            EntryKind::Commit => {
                // A submodule: an empty directory unless submodules are initialised.
                std::fs::create_dir(&path).map_err(io)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sparse_paths() {
        let sparse = normalize_sparse(&["./deploy/".into(), "charts/app".into(), "".into()]);
        assert_eq!(sparse, ["charts/app", "deploy"]);
        assert_eq!(sparse_match("deploy", true, &sparse), Some(true));
        assert_eq!(sparse_match("deploy/x.yaml", false, &sparse), Some(true));
        assert_eq!(sparse_match("charts", true, &sparse), Some(false));
        assert_eq!(sparse_match("charts/other", true, &sparse), None);
        assert_eq!(sparse_match("README.md", false, &sparse), None);
        assert_eq!(sparse_match("deployment", true, &sparse), None);
        assert_eq!(sparse_match("anything", false, &[]), Some(true));
    }
}

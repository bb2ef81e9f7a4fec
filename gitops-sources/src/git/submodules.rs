//! `recurseSubmodules`: every submodule (recursively) fetched with the superproject's
//! credentials and checked out at its recorded commit. `.gitmodules` is read with the
//! `git` binary (`git config --file`); fetching goes through the same gix transport.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use gix::ObjectId;
use gix::object::tree::EntryKind;

use super::auth::Auth;
use super::checkout::write_tree;
use super::transport::Remote;
use super::{Error, display_url};

/// How deep nested submodules are followed (go-git's default recursion depth).
const MAX_DEPTH: usize = 10;

/// Resolves a submodule URL relative to its superproject's (`../x`, `./x`).
pub fn resolve_url(parent: &str, url: &str) -> String {
    if !(url.starts_with("../") || url.starts_with("./")) {
        return url.to_string();
    }
    let mut base = parent.trim_end_matches('/').to_string();
    let mut rest = url;
    loop {
        if let Some(r) = rest.strip_prefix("./") {
            rest = r;
        } else if let Some(r) = rest.strip_prefix("../") {
            rest = r;
            if let Some(i) = base.rfind('/') {
                base.truncate(i);
            }
        } else {
            break;
        }
    }
    format!("{base}/{rest}")
}

/// Gitlinks (path, commit) anywhere in `tree`.
fn gitlinks(
    repo: &gix::Repository,
    tree: ObjectId,
    prefix: &str,
    out: &mut Vec<(String, ObjectId)>,
) -> Result<(), String> {
    let object = repo.find_object(tree).map_err(|e| e.to_string())?;
    let tree = object.try_into_tree().map_err(|e| e.to_string())?;
    let decoded = tree.decode().map_err(|e| e.to_string())?;
    let entries: Vec<(String, EntryKind, ObjectId)> = decoded
        .entries
        .iter()
        .map(|e| (e.filename.to_string(), e.mode.kind(), e.oid.to_owned()))
        .collect();
    for (name, kind, oid) in entries {
        let path = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        match kind {
            EntryKind::Commit => out.push((path, oid)),
            EntryKind::Tree => gitlinks(repo, oid, &path, out)?,
            _ => {}
        }
    }
    Ok(())
}

/// `path → url` from a `.gitmodules` blob, parsed by `git config --file`.
fn modules(blob: &[u8], tmp: &Path) -> Result<Vec<(String, String)>, String> {
    let file = tmp.join("gitmodules");
    std::fs::write(&file, blob).map_err(|e| e.to_string())?;
    let out = Command::new("git")
        .args(["config", "--null", "--file"])
        .arg(&file)
        .args(["--get-regexp", r"^submodule\..*\.(path|url)$"])
        .output()
        .map_err(|e| format!("running git (install git): {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut paths = std::collections::BTreeMap::new();
    let mut urls = std::collections::BTreeMap::new();
    for record in text.split('\0').filter(|r| !r.is_empty()) {
        let Some((key, value)) = record.split_once('\n') else {
            continue;
        };
        if let Some(name) = key
            .strip_prefix("submodule.")
            .and_then(|k| k.strip_suffix(".path"))
        {
            paths.insert(name.to_string(), value.to_string());
        } else if let Some(name) = key
            .strip_prefix("submodule.")
            .and_then(|k| k.strip_suffix(".url"))
        {
            urls.insert(name.to_string(), value.to_string());
        }
    }
    Ok(paths
        .into_iter()
        .filter_map(|(name, path)| Some((path, urls.get(&name)?.clone())))
        .collect())
}

/// Checks out the submodules of `commit` (fetched into `remote`) under `dir`.
pub(crate) fn init(
    remote: &Remote,
    commit: &str,
    dir: &Path,
    auth: &Auth,
    timeout: Duration,
) -> Result<(), Error> {
    init_at(remote, commit, dir, auth, timeout, 0)
}

fn init_at(
    remote: &Remote,
    commit: &str,
    dir: &Path,
    auth: &Auth,
    timeout: Duration,
    depth: usize,
) -> Result<(), Error> {
    let fail = |message: String| Error::Submodule {
        url: display_url(&remote.url),
        message: auth.redact(&message),
    };
    let repo = &remote.repo;
    let id = ObjectId::from_hex(commit.as_bytes()).map_err(|e| fail(e.to_string()))?;
    let commit_obj = repo
        .find_object(id)
        .map_err(|e| fail(e.to_string()))?
        .try_into_commit()
        .map_err(|e| fail(e.to_string()))?;
    let tree = commit_obj.tree().map_err(|e| fail(e.to_string()))?;
    let mut links = Vec::new();
    gitlinks(repo, tree.id, "", &mut links).map_err(fail)?;
    if links.is_empty() {
        return Ok(());
    }
    if depth >= MAX_DEPTH {
        return Err(fail(format!("nested deeper than {MAX_DEPTH} levels")));
    }
    let blob = tree
        .find_entry(".gitmodules")
        .ok_or_else(|| fail("gitlinks without a .gitmodules file".into()))?
        .object()
        .map_err(|e| fail(e.to_string()))?
        .data
        .clone();
    let tmp = tempfile::tempdir().map_err(|e| fail(e.to_string()))?;
    let modules = modules(&blob, tmp.path()).map_err(fail)?;
    for (path, oid) in links {
        let Some((_, url)) = modules.iter().find(|(p, _)| p.trim_matches('/') == path) else {
            return Err(fail(format!(
                "submodule '{path}' has no URL in .gitmodules"
            )));
        };
        let target = super::include::secure_join(dir, &path);
        if !target.exists() {
            // Excluded by a sparse checkout.
            continue;
        }
        let sub_url = resolve_url(&remote.url, url);
        super::check_url(&sub_url)?;
        let sub = Remote::new(&sub_url, auth, timeout)?;
        let listing = sub.list(&[
            "+refs/heads/*:refs/heads/*".to_string(),
            "+refs/tags/*:refs/tags/*".to_string(),
        ])?;
        sub.receive(listing, None)?;
        let hex = oid.to_hex().to_string();
        let sub_tree = sub
            .repo
            .find_object(oid)
            .ok()
            .and_then(|o| o.try_into_commit().ok())
            .and_then(|c| c.tree_id().ok())
            .ok_or_else(|| Error::CommitNotFound {
                url: display_url(&sub_url),
                commit: hex.clone(),
                branch: None,
            })?;
        write_tree(&sub.repo, sub_tree.detach(), &target, &[])?;
        init_at(&sub, &hex, &target, auth, timeout, depth + 1)?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls() {
        assert_eq!(resolve_url("git://h/org/repo", "../sub"), "git://h/org/sub");
        assert_eq!(
            resolve_url("git://h/org/repo/", "./sub"),
            "git://h/org/repo/sub"
        );
        assert_eq!(resolve_url("https://h/a/b", "../../c/d"), "https://h/c/d");
        assert_eq!(resolve_url("https://h/a", "ssh://x/y"), "ssh://x/y");
    }
}

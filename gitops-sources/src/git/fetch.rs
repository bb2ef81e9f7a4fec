//! The fetch flow: list, select, skip when unchanged, fetch, check out.

use std::path::Path;

use gitops_core::api::source::git::{
    GitCheckout, GitProvider, GitRepositorySpec, GitRepositoryStatus,
};
use gitops_core::revision::Revision;

use super::auth::Auth;
use super::checkout::{normalize_sparse, write_tree};
use super::refs::{self, Selection};
use super::transport::Remote;
use super::{Error, check_url, display_url};

/// A checked-out commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    /// The commit SHA-1 in hex.
    pub id: String,
    /// The full ref it was reached through (`None` for a pinned commit without branch).
    pub reference: Option<String>,
    /// Flux's revision string (`main@sha1:<hex>`, `sha1:<hex>`, …).
    pub revision: Revision,
    /// The commit message.
    pub message: String,
    /// The raw (encoded) commit object, signature included.
    pub raw: Vec<u8>,
    /// The annotated tag object the ref pointed to, if any.
    pub tag: Option<TagObject>,
}

impl Commit {
    /// The first line of the message (Flux's `stored artifact for commit '<subject>'`).
    pub fn subject(&self) -> &str {
        self.message.lines().next().unwrap_or("").trim()
    }
}

/// An annotated tag object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagObject {
    /// The tag's short name (`v1.2.0`).
    pub name: String,
    /// The tag object's SHA-1 in hex.
    pub id: String,
    /// The raw (encoded) tag object, signature included.
    pub raw: Vec<u8>,
}

/// What a fetch did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The remote still points at the last observed revision and the inputs are the same;
    /// nothing was fetched or written.
    Unchanged(Revision),
    /// The commit was fetched and written into the directory.
    Fetched(Commit),
}

/// The revision and inputs of the last artifact, to skip work when nothing changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LastObserved {
    /// The last artifact's revision string.
    pub revision: String,
    /// `observedRecurseSubmodules`.
    pub recurse_submodules: bool,
    /// `observedSparseCheckout`.
    pub sparse_checkout: Vec<String>,
    /// `observedIgnore`.
    pub ignore: Option<String>,
    /// `observedInclude`, serialised as JSON for comparison.
    pub include: String,
    /// `sourceVerificationMode`.
    pub verification_mode: Option<String>,
}

fn include_key(
    include: Option<&Vec<gitops_core::api::source::git::GitRepositoryInclude>>,
) -> String {
    include
        .filter(|v| !v.is_empty())
        .and_then(|v| serde_json::to_string(v).ok())
        .unwrap_or_default()
}

impl LastObserved {
    /// What a status says about the last artifact (`None` without an artifact).
    pub fn from_status(status: &GitRepositoryStatus) -> Option<Self> {
        let artifact = status.artifact.as_ref()?;
        Some(LastObserved {
            revision: artifact.revision.clone(),
            recurse_submodules: status.observed_recurse_submodules.unwrap_or(false),
            sparse_checkout: status.observed_sparse_checkout.clone().unwrap_or_default(),
            ignore: status.observed_ignore.clone(),
            include: include_key(status.observed_include.as_ref()),
            verification_mode: status.source_verification_mode.clone(),
        })
    }

    /// The record of a fetch of `spec` at `revision`.
    pub fn new(revision: &Revision, spec: &GitRepositorySpec) -> Self {
        LastObserved {
            revision: revision.to_string(),
            recurse_submodules: spec.recurse_submodules.unwrap_or(false),
            sparse_checkout: spec.sparse_checkout.clone().unwrap_or_default(),
            ignore: spec.ignore.clone(),
            include: include_key(spec.include.as_ref()),
            verification_mode: spec
                .verification
                .as_ref()
                .map(|v| v.mode().as_str().to_string()),
        }
    }

    /// Whether `spec` fetched at `revision` would produce the same checkout as this record.
    pub fn matches(&self, revision: &Revision, spec: &GitRepositorySpec) -> bool {
        let now = LastObserved::new(revision, spec);
        let same_revision = self
            .revision
            .parse::<Revision>()
            .is_ok_and(|r| &r == revision);
        same_revision
            && self.recurse_submodules == now.recurse_submodules
            && normalize_sparse(&self.sparse_checkout) == normalize_sparse(&now.sparse_checkout)
            && self.ignore == now.ignore
            && self.include == now.include
            && self.verification_mode == now.verification_mode
    }
}

fn refspecs(checkout: &GitCheckout<'_>) -> Vec<String> {
    refs::listing_prefixes(checkout)
        .into_iter()
        .map(|p| format!("+{p}:{p}"))
        .collect()
}

fn timeout_of(spec: &GitRepositorySpec) -> Result<std::time::Duration, Error> {
    let text = spec.timeout();
    text.parse::<gitops_core::duration::Duration>()
        .ok()
        .and_then(|d| d.to_std())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| Error::Timeout(text.to_string()))
}

/// Fetches the commit `spec` selects into `dir` (which must be missing or empty), unless
/// `last` shows the same revision and inputs were already observed.
///
/// The directory appears complete or not at all: the tree is written into a sibling
/// temporary directory that is renamed into place.
pub fn fetch(
    spec: &GitRepositorySpec,
    auth: &Auth,
    dir: &Path,
    last: Option<&LastObserved>,
) -> Result<Outcome, Error> {
    check_url(&spec.url)?;
    if spec.provider() != GitProvider::Generic {
        return Err(Error::UnsupportedProvider(
            spec.provider().as_str().to_string(),
        ));
    }
    let timeout = timeout_of(spec)?;
    tracing::debug!(url = %display_url(&spec.url), "fetching Git repository");
    let checkout = spec.checkout();
    let remote = Remote::new(&spec.url, auth, timeout)?;
    let listing = remote.list(&refspecs(&checkout))?;
    let selection = refs::select(&checkout, &listing.refs).map_err(|source| Error::Select {
        url: display_url(&spec.url),
        source,
    })?;
    if let Some(last) = last
        && selection.commit.len() == 40
        && last.matches(&selection.revision(), spec)
    {
        return Ok(Outcome::Unchanged(selection.revision()));
    }
    prepare_dir(dir)?;
    let target_tag = listing
        .refs
        .iter()
        .find(|r| Some(&r.name) == selection.fetch_ref.as_ref() && r.peeled.is_some())
        .map(|r| r.target.clone());
    remote.receive(listing, selection.shallow.then_some(1))?;
    let commit = resolve(&remote, &selection, &checkout, target_tag)?;
    let sparse = normalize_sparse(spec.sparse_checkout.as_deref().unwrap_or_default());
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let staging = tempfile::Builder::new()
        .prefix(".gitops-checkout-")
        .tempdir_in(parent)
        .map_err(|source| Error::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    let tree = tree_of(&remote, &commit.id)?;
    write_tree(&remote.repo, tree, staging.path(), &sparse)?;
    if spec.recurse_submodules.unwrap_or(false) {
        super::submodules::init(&remote, &commit.id, staging.path(), auth, timeout)?;
    }
    if dir.exists() {
        std::fs::remove_dir(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    // The temporary directory is private (0700); the checkout gets the usual 0755.
    std::fs::set_permissions(
        staging.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .map_err(|source| Error::Io {
        path: staging.path().to_path_buf(),
        source,
    })?;
    let staged = staging.keep();
    if let Err(source) = std::fs::rename(&staged, dir) {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(Error::Io {
            path: dir.to_path_buf(),
            source,
        });
    }
    Ok(Outcome::Fetched(commit))
}

fn prepare_dir(dir: &Path) -> Result<(), Error> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::NotEmpty(dir.to_path_buf()));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(Error::Io {
            path: dir.to_path_buf(),
            source,
        }),
    }
}

fn local(remote: &Remote, message: String) -> Error {
    Error::Local {
        path: remote.repo.path().to_path_buf(),
        message,
    }
}

fn tree_of(remote: &Remote, commit: &str) -> Result<gix::ObjectId, Error> {
    let id = gix::ObjectId::from_hex(commit.as_bytes())
        .map_err(|e| local(remote, format!("commit {commit}: {e}")))?;
    let object = remote
        .repo
        .find_object(id)
        .map_err(|e| local(remote, format!("commit {commit}: {e}")))?;
    let commit_obj = object
        .try_into_commit()
        .map_err(|e| local(remote, format!("commit {commit}: {e}")))?;
    commit_obj
        .tree_id()
        .map(|t| t.detach())
        .map_err(|e| local(remote, format!("commit {commit}: {e}")))
}

fn resolve(
    remote: &Remote,
    selection: &Selection,
    checkout: &GitCheckout<'_>,
    tag_object: Option<String>,
) -> Result<Commit, Error> {
    let repo = &remote.repo;
    let not_found = || Error::CommitNotFound {
        url: display_url(&remote.url),
        commit: selection.commit.clone(),
        branch: match checkout {
            GitCheckout::Commit { branch, .. } => branch.map(str::to_string),
            _ => None,
        },
    };
    let id = match repo.rev_parse_single(selection.commit.as_str()) {
        Ok(id) => id.detach(),
        Err(_) => return Err(not_found()),
    };
    let object = repo.find_object(id).map_err(|_| not_found())?;
    let raw = object.data.clone();
    let commit = object.try_into_commit().map_err(|_| not_found())?;
    let message = commit
        .message_raw()
        .map(|m| m.to_string())
        .map_err(|e| local(remote, format!("commit {id}: {e}")))?;
    let id_hex = id.to_hex().to_string();
    let tag = match (tag_object, &selection.fetch_ref) {
        (Some(tag_id), Some(name)) => {
            let tid = gix::ObjectId::from_hex(tag_id.as_bytes())
                .map_err(|e| local(remote, format!("tag {tag_id}: {e}")))?;
            let object = repo
                .find_object(tid)
                .map_err(|e| local(remote, format!("tag {tag_id}: {e}")))?;
            Some(TagObject {
                name: gitops_core::revision::short_ref(name).to_string(),
                id: tag_id,
                raw: object.data.clone(),
            })
        }
        _ => None,
    };
    Ok(Commit {
        revision: Revision::git(selection.revision_ref.as_deref(), &id_hex),
        reference: selection.revision_ref.clone(),
        id: id_hex,
        message,
        raw,
        tag,
    })
}

//! The GitRepository reconciler (Flux `gitrepository_controller.go`): credentials from
//! `secretRef`/`proxySecretRef`, fetch of the selected commit (skipped when the remote
//! still points at the stored revision with the same inputs), commit/tag signature
//! verification, `include` of other GitRepositories' artifacts, ignore rules, archive
//! `<commit>.tar.gz`, and the `observed*` status fields.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use gitops_core::api::meta::Artifact;
use gitops_core::api::source::{GitRepository, GitRepositoryInclude};
use gitops_core::conditions::reason;
use gitops_sources::artifact::{IgnoreRules, Limits, SourceKind, unpack};
use gitops_sources::git::{self, Auth, LastObserved, Outcome, Proxy, verify};
use gitops_sources::store::ArtifactRef;
use kube::api::Api;
use kube::runtime::controller::Action;
use serde_json::{Map, Value};

use super::common::{
    self, Fetched, Progress, SourceContext, SourceError, SourceObject, read_secret,
};
use crate::runtime::ControllerError;

impl SourceObject for GitRepository {
    fn interval(&self) -> &str {
        &self.spec.interval
    }
    fn suspended(&self) -> bool {
        self.spec.suspended()
    }
}

/// Reconciles one GitRepository (finalizer, suspend, fetch, artifact, status, events);
/// the returned action requeues at `spec.interval`, or with backoff after a failure.
pub async fn reconcile_git(
    obj: Arc<GitRepository>,
    ctx: Arc<SourceContext>,
) -> Result<Action, ControllerError> {
    let next = reconcile(&obj, &ctx).await?;
    Ok(next.map_or_else(Action::await_change, Action::requeue))
}

pub(crate) async fn reconcile(
    obj: &GitRepository,
    ctx: &SourceContext,
) -> Result<Option<std::time::Duration>, ControllerError> {
    common::reconcile_source(obj, ctx, |obj, dir, progress| async move {
        fetch(&obj, ctx, &dir, &progress).await
    })
    .await
}

/// The revisions of the included repositories' artifacts (a trigger fingerprint).
pub fn includes_fingerprint(
    obj: &GitRepository,
    store: &kube::runtime::reflector::Store<GitRepository>,
) -> String {
    let ns = obj.metadata.namespace.clone().unwrap_or_default();
    let mut out = String::new();
    for include in obj.spec.include.iter().flatten() {
        let key = kube::runtime::reflector::ObjectRef::new(&include.repository.name).within(&ns);
        let digest = store
            .get(&key)
            .and_then(|o| o.status.clone())
            .and_then(|s| s.artifact)
            .map(|a| a.digest);
        out.push_str(&format!(
            "{}={};",
            include.repository.name,
            digest.unwrap_or_default()
        ));
    }
    out
}

/// Flux's reasons for a failed fetch: invalid URLs and providers stall, bad secrets are
/// authentication failures, the rest are Git operation failures.
fn fetch_error(e: git::Error) -> SourceError {
    match e {
        git::Error::Url { .. } => {
            SourceError::fetch("URLInvalid", format!("invalid URL: {e}")).stalling()
        }
        git::Error::UnsupportedProvider(_) => {
            SourceError::fetch("InvalidProviderConfiguration", e.to_string()).stalling()
        }
        git::Error::Secret { .. } => auth_error(e),
        e => SourceError::fetch(
            reason::GIT_OPERATION_FAILED,
            format!("failed to checkout and determine revision: {e}"),
        ),
    }
}

fn auth_error(e: impl std::fmt::Display) -> SourceError {
    SourceError::fetch(
        reason::AUTHENTICATION_FAILED,
        format!("failed to configure authentication options: {e}"),
    )
}

async fn auth_of(obj: &GitRepository, ctx: &SourceContext, ns: &str) -> Result<Auth, SourceError> {
    let mut auth = match &obj.spec.secret_ref {
        Some(r) => {
            Auth::from_secret(&read_secret(&ctx.client, ns, &r.name).await?).map_err(auth_error)?
        }
        None => Auth::default(),
    };
    if let Some(r) = &obj.spec.proxy_secret_ref {
        let data = read_secret(&ctx.client, ns, &r.name).await?;
        auth = auth.with_proxy(Proxy::from_secret(&data).map_err(auth_error)?);
    }
    Ok(auth)
}

/// The artifacts of the included repositories, in `spec.include` order.
async fn included_artifacts(
    obj: &GitRepository,
    ctx: &SourceContext,
    ns: &str,
) -> Result<Vec<Artifact>, SourceError> {
    let api: Api<GitRepository> = Api::namespaced(ctx.client.clone(), ns);
    let mut out = Vec::new();
    for include in obj.spec.include.iter().flatten() {
        let name = &include.repository.name;
        let dep = api.get(name).await.map_err(|e| {
            SourceError::include(
                "NotFound",
                format!("could not get resource for include '{name}': {e}"),
                ctx.dependency_requeue,
            )
        })?;
        let artifact = dep.status.and_then(|s| s.artifact).ok_or_else(|| {
            SourceError::include(
                "NoArtifact",
                format!("no artifact available for include '{name}'"),
                ctx.dependency_requeue,
            )
        })?;
        out.push(artifact);
    }
    Ok(out)
}

fn same_artifacts(a: Option<&Vec<Artifact>>, b: &[Artifact]) -> bool {
    let a = a.map(Vec::as_slice).unwrap_or_default();
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.revision == y.revision && x.digest == y.digest)
}

fn observed_status(obj: &GitRepository, included: &[Artifact]) -> Map<String, Value> {
    let spec = &obj.spec;
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        m.insert(k.to_string(), v.unwrap_or(Value::Null));
    };
    put("observedIgnore", spec.ignore.clone().map(Value::from));
    put(
        "observedRecurseSubmodules",
        spec.recurse_submodules.filter(|r| *r).map(Value::from),
    );
    put(
        "observedInclude",
        spec.include
            .clone()
            .filter(|v| !v.is_empty())
            .and_then(|v| serde_json::to_value(v).ok()),
    );
    put(
        "observedSparseCheckout",
        spec.sparse_checkout
            .clone()
            .filter(|v| !v.is_empty())
            .and_then(|v| serde_json::to_value(v).ok()),
    );
    put(
        "sourceVerificationMode",
        spec.verification
            .as_ref()
            .map(|v| Value::from(v.mode().as_str())),
    );
    put(
        "includedArtifacts",
        (!included.is_empty())
            .then(|| serde_json::to_value(included).ok())
            .flatten(),
    );
    m.retain(|_, v| !v.is_null());
    for k in [
        "observedIgnore",
        "observedRecurseSubmodules",
        "observedInclude",
        "observedSparseCheckout",
        "sourceVerificationMode",
        "includedArtifacts",
    ] {
        m.entry(k.to_string()).or_insert(Value::Null);
    }
    m
}

async fn verify_commit(
    obj: &GitRepository,
    ctx: &SourceContext,
    ns: &str,
    commit: &git::Commit,
) -> Result<Option<String>, SourceError> {
    let Some(verification) = &obj.spec.verification else {
        return Ok(None);
    };
    let data = read_secret(&ctx.client, ns, &verification.secret_ref.name)
        .await
        .map_err(|e| SourceError::verify("VerificationError", e.message))?;
    let keys = verify::TrustedKeys::from_secret(&data).map_err(|e| {
        SourceError::verify(
            "VerificationError",
            format!("invalid verification keys: {e}"),
        )
    })?;
    let verified = verify::verify_commit(commit, verification.mode(), &keys).map_err(|e| {
        SourceError::verify(
            "InvalidCommitSignature",
            format!(
                "signature verification of commit '{}' failed: {e}",
                commit.revision
            ),
        )
    })?;
    let mut message = String::from("verified signature of");
    if let (Some(tag), Some(signer)) = (&commit.tag, &verified.tag_signer) {
        message.push_str(&format!("\n\t- tag '{}' with key '{signer}'", tag.name));
    }
    if let Some(signer) = &verified.commit_signer {
        message.push_str(&format!(
            "\n\t- commit '{}' with key '{signer}'",
            commit.revision
        ));
    }
    Ok(Some(message))
}

async fn fetch(
    obj: &GitRepository,
    ctx: &SourceContext,
    work: &Path,
    progress: &Progress<GitRepository>,
) -> Result<Fetched, SourceError> {
    let (name, ns) = common::name_ns(obj);
    let auth = auth_of(obj, ctx, &ns).await?;
    let included = included_artifacts(obj, ctx, &ns).await?;
    let status = obj.status.clone().unwrap_or_default();
    let stored = status.artifact.clone().filter(|a| ctx.storage.is_intact(a));
    let last = LastObserved::from_status(&status).filter(|_| {
        stored.is_some() && same_artifacts(status.included_artifacts.as_ref(), &included)
    });
    let checkout = work.join("checkout");
    let spec = obj.spec.clone();
    let co = checkout.clone();
    let outcome = tokio::task::spawn_blocking(move || git::fetch(&spec, &auth, &co, last.as_ref()))
        .await
        .map_err(|e| {
            SourceError::fetch(
                reason::GIT_OPERATION_FAILED,
                format!("git fetch task failed: {e}"),
            )
        })?
        .map_err(fetch_error)?;
    let commit = match outcome {
        Outcome::Unchanged(revision) => {
            let artifact = stored.ok_or_else(|| {
                SourceError::storage(
                    "StatOperationFailed",
                    format!("artifact for revision '{revision}' disappeared"),
                )
            })?;
            let verified = status
                .conditions
                .as_deref()
                .and_then(|c| {
                    gitops_core::conditions::find(c, gitops_core::conditions::SOURCE_VERIFIED)
                })
                .filter(|c| {
                    c.status == gitops_core::conditions::ConditionStatus::True
                        && obj.spec.verification.is_some()
                })
                .map(|c| c.message.clone());
            return Ok(Fetched {
                storage_message: format!("stored artifact for revision '{}'", artifact.revision),
                event_message: format!("stored artifact for commit '{revision}'"),
                artifact,
                status: observed_status(obj, &included),
                verified,
            });
        }
        Outcome::Fetched(commit) => commit,
    };
    progress.new_revision(&commit.revision.to_string()).await;
    let verified = verify_commit(obj, ctx, &ns, &commit).await?;
    let includes: Vec<GitRepositoryInclude> = obj.spec.include.clone().unwrap_or_default();
    let storage = ctx.storage.clone();
    let (work, ignore, id) = (
        work.to_path_buf(),
        obj.spec.ignore.clone(),
        commit.id.clone(),
    );
    let included2 = included.clone();
    let ns2 = ns.clone();
    let mut artifact = tokio::task::spawn_blocking(move || -> Result<Artifact, SourceError> {
        if !includes.is_empty() {
            copy_includes(&storage, &includes, &included2, &work, &checkout)?;
        }
        let rules = IgnoreRules::for_source(SourceKind::Git, ignore.as_deref())
            .with_sourceignore_files(&checkout)
            .map_err(|e| {
                SourceError::storage(
                    "ArchiveOperationFailed",
                    format!("unable to archive artifact to storage: {e}"),
                )
            })?;
        storage
            .store()
            .archive(
                &ArtifactRef::new("GitRepository", &ns2, &name),
                &format!("{id}.tar.gz"),
                &checkout,
                &rules,
            )
            .map_err(|e| {
                SourceError::storage(
                    "ArchiveOperationFailed",
                    format!("unable to archive artifact to storage: {e}"),
                )
            })
    })
    .await
    .map_err(|e| {
        SourceError::storage(
            "ArchiveOperationFailed",
            format!("archive task failed: {e}"),
        )
    })??;
    artifact.revision = commit.revision.to_string();
    Ok(Fetched {
        storage_message: format!("stored artifact for revision '{}'", artifact.revision),
        event_message: format!("stored artifact for commit '{}'", commit.subject()),
        artifact,
        status: observed_status(obj, &included),
        verified,
    })
}

/// Unpacks the included artifacts from the storage and copies them into `checkout`.
fn copy_includes(
    storage: &crate::storage::Storage,
    includes: &[GitRepositoryInclude],
    artifacts: &[Artifact],
    work: &Path,
    checkout: &Path,
) -> Result<(), SourceError> {
    let mut dirs = Vec::new();
    for (i, (include, artifact)) in includes.iter().zip(artifacts).enumerate() {
        let name = &include.repository.name;
        let fail = |e: &dyn std::fmt::Display| {
            SourceError::storage(
                "CopyOperationFailed",
                format!("failed to copy '{name}' include: {e}"),
            )
        };
        let local = storage
            .store()
            .local_path(&artifact.path)
            .map_err(|e| fail(&e))?;
        let file =
            std::fs::File::open(&local).map_err(|e| fail(&format!("{}: {e}", local.display())))?;
        let dir = work.join(format!("include-{i}"));
        unpack(file, &dir, &Limits::default()).map_err(|e| fail(&e))?;
        dirs.push(dir);
    }
    let refs: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
    git::include::apply_includes(checkout, includes, &refs).map_err(|e| {
        SourceError::storage(
            "CopyOperationFailed",
            format!("failed to copy include: {e}"),
        )
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn repo(spec: serde_json::Value) -> GitRepository {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": {"name": "a", "namespace": "ns"}, "spec": spec
        }))
        .unwrap()
    }

    #[test]
    fn observed_fields_follow_the_spec_and_absent_ones_are_removed() {
        let obj = repo(
            serde_json::json!({"url": "https://h/r", "interval": "1m", "ignore": "/*\n",
            "include": [{"repository": {"name": "b"}}]}),
        );
        let m = observed_status(&obj, &[]);
        assert_eq!(m["observedIgnore"], "/*\n");
        assert_eq!(m["observedInclude"][0]["repository"]["name"], "b");
        assert!(m["observedSparseCheckout"].is_null());
        assert!(m["includedArtifacts"].is_null());
    }

    #[test]
    fn included_artifacts_compare_by_revision_and_digest() {
        let a: Artifact = serde_json::from_value(
            serde_json::json!({"digest": "sha256:aa", "lastUpdateTime": "2024-01-01T00:00:00Z",
            "path": "p", "revision": "main@sha1:1", "url": "http://x/p"}),
        )
        .unwrap();
        let mut b = a.clone();
        assert!(same_artifacts(Some(&vec![a.clone()]), &[b.clone()]));
        b.digest = "sha256:bb".into();
        assert!(!same_artifacts(Some(&vec![a]), &[b]));
        assert!(same_artifacts(None, &[]));
    }
}

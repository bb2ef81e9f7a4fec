//! The inputs of a reconciliation: the source's artifact (with kustomize-controller's
//! messages for a missing source or artifact and refused cross-namespace references),
//! the `dependsOn` check, and the fetch and build of the manifests.

use std::time::Duration;

use gitops_core::api::kustomize::{Kustomization, SourceKind};
use gitops_core::api::meta::Artifact;
use gitops_core::api::source::{Bucket, GitRepository, OCIRepository};
use gitops_core::conditions::reason;
use kube::ResourceExt;
use kube::api::Api;

use super::build::{self, BuildError};
use super::{KustomizeContext, depends};
use crate::runtime::{ControllerError, ObjectKey};
use crate::source::common::current_artifact;

/// A step's outcome: the Ready reason and message, and when to retry.
pub(crate) struct Failure {
    pub(crate) reason: String,
    pub(crate) message: String,
    pub(crate) requeue: Duration,
    pub(crate) event: bool,
    pub(crate) stalled: bool,
}

fn kube_err<'a>(
    key: &'a ObjectKey,
    action: &'static str,
) -> impl Fn(kube::Error) -> ControllerError + 'a {
    move |source| ControllerError::Kube {
        object: key.to_string(),
        action,
        source,
    }
}

pub(crate) fn go(d: Duration) -> String {
    gitops_core::duration::Duration::from_std(d).to_string()
}

pub(crate) fn fail(reason: &str, message: impl Into<String>) -> Failure {
    Failure {
        reason: reason.to_string(),
        message: message.into(),
        requeue: Duration::ZERO,
        event: true,
        stalled: false,
    }
}

/// Looks up the source's artifact; `Err` is the failure to record.
pub(crate) async fn source_artifact(
    obj: &Kustomization,
    ctx: &KustomizeContext,
) -> Result<Result<Artifact, Failure>, ControllerError> {
    let own_ns = obj.namespace().unwrap_or_default();
    let src = &obj.spec.source_ref;
    let ns = src
        .namespace
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| own_ns.clone());
    if ctx.opts.no_cross_namespace_refs && ns != own_ns {
        let mut f = fail(
            "AccessDenied",
            format!(
                "can't access '{}/{ns}/{}', cross-namespace references have been blocked",
                src.kind.as_str(),
                src.name
            ),
        );
        f.stalled = true;
        return Ok(Err(f));
    }
    let key = ObjectKey {
        kind: src.kind.as_str().to_string(),
        namespace: ns.clone(),
        name: src.name.clone(),
    };
    let found = match src.kind {
        SourceKind::GitRepository => Api::<GitRepository>::namespaced(ctx.client.clone(), &ns)
            .get_opt(&src.name)
            .await
            .map(|o| o.map(|o| current_artifact(&o))),
        SourceKind::OciRepository => Api::<OCIRepository>::namespaced(ctx.client.clone(), &ns)
            .get_opt(&src.name)
            .await
            .map(|o| o.map(|o| current_artifact(&o))),
        SourceKind::Bucket => Api::<Bucket>::namespaced(ctx.client.clone(), &ns)
            .get_opt(&src.name)
            .await
            .map(|o| o.map(|o| current_artifact(&o))),
        SourceKind::ExternalArtifact => {
            let mut f = fail(
                reason::ARTIFACT_FAILED,
                format!(
                    "source `{}` kind 'ExternalArtifact' not supported",
                    src.name
                ),
            );
            f.stalled = true;
            return Ok(Err(f));
        }
    }
    .map_err(kube_err(&key, "getting source"))?;
    Ok(match found {
        None => {
            let mut f = fail(
                reason::ARTIFACT_FAILED,
                format!("Source '{}/{ns}/{}' not found", src.kind.as_str(), src.name),
            );
            f.event = false;
            Err(f)
        }
        Some(None) => {
            let mut f = fail(
                reason::ARTIFACT_FAILED,
                format!(
                    "Source artifact not found, retrying in {}",
                    go(ctx.opts.requeue_dependency)
                ),
            );
            f.requeue = ctx.opts.requeue_dependency;
            f.event = false;
            Err(f)
        }
        Some(Some(a)) => Ok(a),
    })
}

pub(crate) async fn check_dependencies(
    obj: &Kustomization,
    ctx: &KustomizeContext,
    revision: &str,
) -> Result<(), Failure> {
    let own_ns = obj.namespace().unwrap_or_default();
    let mut fetched = Vec::new();
    for d in obj.spec.depends_on() {
        let ns = d.namespace_or(&own_ns).to_string();
        let api: Api<Kustomization> = Api::namespaced(ctx.client.clone(), &ns);
        let got = match api.get(&d.name).await {
            Ok(k) => serde_json::to_value(&k).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        fetched.push((format!("{ns}/{}", d.name), got));
    }
    depends::check(obj, &fetched, revision, false).map_err(|e| {
        let mut f = fail(reason::DEPENDENCY_NOT_READY, e.to_string());
        f.requeue = ctx.opts.requeue_dependency;
        f
    })
}

pub(crate) async fn fetch_and_build(
    obj: &Kustomization,
    ctx: &KustomizeContext,
    artifact: &Artifact,
) -> Result<build::Built, BuildError> {
    let tree = ctx
        .artifacts
        .tree(&ctx.http, artifact)
        .await
        .map_err(|e| BuildError::Artifact(e.to_string()))?;
    let inputs = build::inputs(&ctx.client, obj, ctx.opts.strict_substitutions).await?;
    let spec = obj.spec.clone();
    tokio::task::spawn_blocking(move || build::build(&tree, &spec, &inputs))
        .await
        .map_err(|e| BuildError::Build(format!("build task failed: {e}")))?
}

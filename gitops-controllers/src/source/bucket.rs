//! The Bucket reconciler (Flux `bucket_controller.go`): options and credentials from the
//! spec and `secretRef` (`accesskey`/`secretkey`), TLS from `certSecretRef` (CA, client
//! certificate) and the proxy from `proxySecretRef`, the objects fetched and indexed, the
//! revision `sha256:<index digest>`, and the artifact `<hex>.tar.gz` stored when the
//! revision (or the ignore rules) changed.

use std::sync::Arc;

use gitops_core::api::source::Bucket;
use gitops_core::conditions::reason;
use gitops_sources::bucket::{self, BucketOptions};
use gitops_sources::store::ArtifactRef;
use gitops_sources::transport::Transport;
use kube::runtime::controller::Action;
use serde_json::{Map, Value};

use super::common::{
    self, Fetched, Progress, SourceContext, SourceError, SourceObject, read_secret,
};
use crate::runtime::ControllerError;

impl SourceObject for Bucket {
    fn interval(&self) -> &str {
        &self.spec.interval
    }
    fn suspended(&self) -> bool {
        self.spec.suspended()
    }
}

/// Reconciles one Bucket; see [`super::git::reconcile_git`] for the action.
pub async fn reconcile_bucket(
    obj: Arc<Bucket>,
    ctx: Arc<SourceContext>,
) -> Result<Action, ControllerError> {
    let next = reconcile(&obj, &ctx).await?;
    Ok(next.map_or_else(Action::await_change, Action::requeue))
}

pub(crate) async fn reconcile(
    obj: &Bucket,
    ctx: &SourceContext,
) -> Result<Option<std::time::Duration>, ControllerError> {
    common::reconcile_source(obj, ctx, |obj, dir, progress| async move {
        fetch(&obj, ctx, &dir, &progress).await
    })
    .await
}

fn observed(obj: &Bucket, url: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("url".into(), Value::from(url));
    m.insert(
        "observedIgnore".into(),
        obj.spec.ignore.clone().map_or(Value::Null, Value::from),
    );
    m
}

/// The TLS and proxy settings (Flux's `setupCredentials`): `proxySecretRef`, then
/// `certSecretRef`.
async fn transport(obj: &Bucket, ctx: &SourceContext, ns: &str) -> Result<Transport, SourceError> {
    let auth = |e: String| SourceError::fetch(reason::AUTHENTICATION_FAILED, e);
    let mut transport = Transport::default();
    if let Some(r) = &obj.spec.proxy_secret_ref {
        let proxy = common::read_proxy(&ctx.client, ns, &r.name)
            .await
            .map_err(|e| auth(format!("failed to get proxy URL: {e}")))?;
        transport.proxy = Some(proxy);
    }
    if let Some(r) = &obj.spec.cert_secret_ref {
        let tls = common::read_tls(&ctx.client, ns, &r.name)
            .await
            .map_err(|e| auth(format!("failed to get TLS config: {e}")))?;
        transport.tls = Some(tls);
    }
    Ok(transport)
}

async fn fetch(
    obj: &Bucket,
    ctx: &SourceContext,
    work: &std::path::Path,
    progress: &Progress<Bucket>,
) -> Result<Fetched, SourceError> {
    let (name, ns) = common::name_ns(obj);
    let secret_name = obj.spec.secret_ref.as_ref().map(|r| r.name.clone());
    let secret = match &secret_name {
        Some(s) => Some(read_secret(&ctx.client, &ns, s).await?),
        None => None,
    };
    let transport = transport(obj, ctx, &ns).await?;
    let opts = BucketOptions::from_spec(&obj.spec, secret_name.as_deref(), secret.as_ref())
        .map_err(|e| match e {
            bucket::Error::UnsupportedProvider { .. } => {
                SourceError::fetch("InvalidProviderConfiguration", e.to_string()).stalling()
            }
            e => SourceError::fetch(reason::AUTHENTICATION_FAILED, e.to_string()),
        })?
        .transport(transport);
    let packed = bucket::fetch_bucket_artifact(&opts, work)
        .await
        .map_err(|e| SourceError::fetch(reason::BUCKET_OPERATION_FAILED, e.to_string()))?;
    let bucket_name = &obj.spec.bucket_name;
    let event_message = format!(
        "stored artifact with {} fetched files from '{bucket_name}' bucket",
        packed.objects
    );
    let status = obj.status.clone().unwrap_or_default();
    if let Some(artifact) = status.artifact.clone().filter(|a| {
        a.revision == packed.revision
            && status.observed_ignore == obj.spec.ignore
            && ctx.storage.is_intact(a)
    }) {
        return Ok(Fetched {
            storage_message: format!("stored artifact: revision '{}'", artifact.revision),
            event_message,
            status: observed(obj, &artifact.url),
            artifact,
            verified: None,
        });
    }
    progress.new_revision(&packed.revision).await;
    let hex = packed
        .revision
        .strip_prefix("sha256:")
        .unwrap_or(&packed.revision)
        .to_string();
    let reference = ArtifactRef::new("Bucket", &ns, &name);
    let storage = ctx.storage.clone();
    let path = packed.path.clone();
    let mut artifact = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(&path).map_err(|e| {
            SourceError::storage(
                "ArchiveOperationFailed",
                format!(
                    "unable to archive artifact to storage: {}: {e}",
                    path.display()
                ),
            )
        })?;
        storage
            .store()
            .put(&reference, &format!("{hex}.tar.gz"), file)
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
    artifact.revision = packed.revision.clone();
    Ok(Fetched {
        storage_message: format!("stored artifact: revision '{}'", artifact.revision),
        event_message,
        status: observed(obj, &artifact.url),
        artifact,
        verified: None,
    })
}

//! The OCIRepository reconciler (Flux `ocirepository_controller.go`): registry
//! credentials from `secretRef` (a `.dockerconfigjson` or `username`/`password`), the
//! transport from `proxySecretRef`, `certSecretRef` (CA; client certificates are
//! refused) and `insecure` (plain HTTP allowed, server certificate unchecked), the
//! revision resolved first (no pull when the stored artifact has it and the ignore rules
//! and layer selector are unchanged), then the selected layer extracted and archived with
//! the ignore rules, or copied as it is; manifest annotations go to
//! `status.artifact.metadata`.

use std::sync::Arc;

use gitops_core::api::source::OCIRepository;
use gitops_core::conditions::reason;
use gitops_sources::artifact::{IgnoreRules, SourceKind};
use gitops_sources::oci::{self, Content, Credentials, asynchronous};
use gitops_sources::store::ArtifactRef;
use gitops_sources::transport::Transport;
use kube::runtime::controller::Action;
use serde_json::{Map, Value};

use super::common::{
    self, Fetched, Progress, SourceContext, SourceError, SourceObject, read_secret,
};
use crate::runtime::ControllerError;

/// Reason of a failed layer operation.
const LAYER_FAILED: &str = "OCILayerOperationFailed";

impl SourceObject for OCIRepository {
    fn interval(&self) -> &str {
        &self.spec.interval
    }
    fn suspended(&self) -> bool {
        self.spec.suspended()
    }
}

/// Reconciles one OCIRepository; see [`super::git::reconcile_git`] for the action.
pub async fn reconcile_oci(
    obj: Arc<OCIRepository>,
    ctx: Arc<SourceContext>,
) -> Result<Action, ControllerError> {
    let next = reconcile(&obj, &ctx).await?;
    Ok(next.map_or_else(Action::await_change, Action::requeue))
}

pub(crate) async fn reconcile(
    obj: &OCIRepository,
    ctx: &SourceContext,
) -> Result<Option<std::time::Duration>, ControllerError> {
    common::reconcile_source(obj, ctx, |obj, dir, progress| async move {
        fetch(&obj, ctx, &dir, &progress).await
    })
    .await
}

async fn credentials(
    obj: &OCIRepository,
    ctx: &SourceContext,
    ns: &str,
) -> Result<Credentials, SourceError> {
    let Some(r) = &obj.spec.secret_ref else {
        return Ok(Credentials::Anonymous);
    };
    let data = read_secret(&ctx.client, ns, &r.name).await?;
    if let Some(json) = data.get(".dockerconfigjson") {
        return Credentials::from_docker_config(json).map_err(|e| {
            SourceError::fetch(
                reason::AUTHENTICATION_FAILED,
                format!("failed to get credential: {e}"),
            )
        });
    }
    let text = |k: &str| data.get(k).map(|v| String::from_utf8_lossy(v).into_owned());
    match (text("username"), text("password")) {
        (Some(username), Some(password)) => Ok(Credentials::Basic { username, password }),
        _ => Err(SourceError::fetch(
            reason::AUTHENTICATION_FAILED,
            format!(
                "failed to get credential: secret '{ns}/{}' has neither '.dockerconfigjson' nor 'username' and 'password'",
                r.name
            ),
        )),
    }
}

/// The TLS and proxy settings (Flux's `transport`): `proxySecretRef`, then
/// `certSecretRef`, or, without one, no server verification when `insecure`.
async fn transport(
    obj: &OCIRepository,
    ctx: &SourceContext,
    ns: &str,
) -> Result<Transport, SourceError> {
    let mut transport = Transport::default();
    if let Some(r) = &obj.spec.proxy_secret_ref {
        let proxy = common::read_proxy(&ctx.client, ns, &r.name)
            .await
            .map_err(|e| {
                SourceError::fetch(
                    reason::AUTHENTICATION_FAILED,
                    format!("failed to get proxy address: {e}"),
                )
            })?;
        transport.proxy = Some(proxy);
    }
    let failed = |e: String| {
        SourceError::fetch(
            reason::AUTHENTICATION_FAILED,
            format!("failed to generate transport for '{}': {e}", obj.spec.url),
        )
    };
    match obj
        .spec
        .cert_secret_ref
        .as_ref()
        .filter(|r| !r.name.is_empty())
    {
        Some(r) => {
            let tls = common::read_tls(&ctx.client, ns, &r.name)
                .await
                .map_err(failed)?;
            if tls.has_client_certificate() {
                return Err(failed(format!(
                    "secret '{ns}/{}': client certificate authentication ('tls.crt'/'tls.key') with OCI registries is not supported by this implementation",
                    r.name
                ))
                .stalling());
            }
            transport.tls = Some(tls);
        }
        None => transport.insecure_skip_verify = obj.spec.insecure.unwrap_or(false),
    }
    Ok(transport)
}

fn observed(obj: &OCIRepository, url: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("url".into(), Value::from(url));
    m.insert(
        "observedIgnore".into(),
        obj.spec.ignore.clone().map_or(Value::Null, Value::from),
    );
    m.insert(
        "observedLayerSelector".into(),
        obj.spec
            .layer_selector
            .as_ref()
            .and_then(|s| serde_json::to_value(s).ok())
            .unwrap_or(Value::Null),
    );
    m
}

async fn fetch(
    obj: &OCIRepository,
    ctx: &SourceContext,
    work: &std::path::Path,
    progress: &Progress<OCIRepository>,
) -> Result<Fetched, SourceError> {
    let (name, ns) = common::name_ns(obj);
    if let Some(verify) = &obj.spec.verify {
        return Err(SourceError::verify(
            "VerificationError",
            format!(
                "signature verification with provider '{}' is not supported",
                verify.provider().as_str()
            ),
        )
        .stalling());
    }
    let creds = credentials(obj, ctx, &ns).await?;
    let transport = transport(obj, ctx, &ns).await?;
    let url = obj.spec.url.clone();
    let resolved = asynchronous::resolve_with_transport(&obj.spec, &creds, &transport)
        .await
        .map_err(|e| match e {
            oci::Error::InvalidUrl { .. } => SourceError::fetch(
                "URLInvalid",
                format!("URL validation failed for '{url}': {e}"),
            )
            .stalling(),
            e => SourceError::fetch(
                reason::OCI_PULL_FAILED,
                format!("failed to determine artifact digest: {e}"),
            ),
        })?;
    let status = obj.status.clone().unwrap_or_default();
    let unchanged_inputs = status.observed_ignore == obj.spec.ignore
        && status.observed_layer_selector == obj.spec.layer_selector;
    if let Some(artifact) = status
        .artifact
        .clone()
        .filter(|a| a.revision == resolved.revision && unchanged_inputs && ctx.storage.is_intact(a))
    {
        return Ok(Fetched {
            storage_message: format!("stored artifact for digest '{}'", artifact.revision),
            event_message: event_message(
                obj,
                &artifact.revision,
                artifact.metadata.clone().unwrap_or_default(),
            ),
            status: observed(obj, &artifact.url),
            artifact,
            verified: None,
        });
    }
    progress.new_revision(&resolved.revision).await;
    let outcome = asynchronous::fetch_with_transport(&obj.spec, &creds, work, &transport)
        .await
        .map_err(|e| {
            SourceError::fetch(
                reason::OCI_PULL_FAILED,
                format!("failed to pull artifact from '{url}': {e}"),
            )
        })?;
    let hex = outcome
        .digest
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_string();
    let file_name = format!("{hex}.tar.gz");
    let reference = ArtifactRef::new("OCIRepository", &ns, &name);
    let storage = ctx.storage.clone();
    let ignore = obj.spec.ignore.clone();
    let content = outcome.content.clone();
    let mut artifact = tokio::task::spawn_blocking(move || match content {
        Content::Extracted { dir } => {
            let rules = IgnoreRules::for_source(SourceKind::Oci, ignore.as_deref())
                .with_sourceignore_files(&dir)
                .map_err(|e| {
                    SourceError::storage(LAYER_FAILED, format!("failed to read ignore rules: {e}"))
                })?;
            storage
                .store()
                .archive(&reference, &file_name, &dir, &rules)
                .map_err(|e| {
                    SourceError::storage(
                        "ArchiveOperationFailed",
                        format!("unable to archive artifact to storage: {e}"),
                    )
                })
        }
        Content::Copied { file } => {
            let reader = std::fs::File::open(&file).map_err(|e| {
                SourceError::storage(
                    LAYER_FAILED,
                    format!(
                        "failed to copy layer from artifact: {}: {e}",
                        file.display()
                    ),
                )
            })?;
            storage
                .store()
                .put(&reference, &file_name, reader)
                .map_err(|e| {
                    SourceError::storage(
                        "ArchiveOperationFailed",
                        format!("unable to copy artifact to storage: {e}"),
                    )
                })
        }
    })
    .await
    .map_err(|e| {
        SourceError::storage(
            "ArchiveOperationFailed",
            format!("archive task failed: {e}"),
        )
    })??;
    artifact.revision = outcome.revision.clone();
    artifact.metadata = (!outcome.metadata.is_empty()).then(|| outcome.metadata.clone());
    Ok(Fetched {
        storage_message: format!("stored artifact for digest '{}'", artifact.revision),
        event_message: event_message(obj, &artifact.revision, outcome.metadata),
        status: observed(obj, &artifact.url),
        artifact,
        verified: None,
    })
}

/// Flux's message, with the origin source and revision when the annotations have them.
fn event_message(
    obj: &OCIRepository,
    revision: &str,
    metadata: std::collections::BTreeMap<String, String>,
) -> String {
    let mut message = format!(
        "stored artifact with revision '{revision}' from '{}'",
        obj.spec.url
    );
    if let (Some(source), Some(rev)) = (
        metadata.get(oci::SOURCE_ANNOTATION),
        metadata.get(oci::REVISION_ANNOTATION),
    ) {
        message.push_str(&format!(
            ", origin source '{source}', origin revision '{rev}'"
        ));
    }
    message
}

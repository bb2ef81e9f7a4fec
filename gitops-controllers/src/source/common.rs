//! What the three source reconcilers share: their context, the error a fetch step
//! reports, Secret reads, and the reconciliation driver that runs Flux's flow around a
//! kind-specific fetch (see [`crate::runtime`] for the flow).

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use gitops_core::api::meta::Artifact;
use gitops_core::conditions::{
    ARTIFACT_IN_STORAGE, ARTIFACT_OUTDATED, Condition, FETCH_FAILED, SOURCE_VERIFIED, STALLED,
    reason,
};
use gitops_core::k8s::k8s_openapi::api::core::v1::Secret;
use kube::api::Api;
use kube::core::NamespaceResourceScope;
use kube::{Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::runtime::events::{EventRecorder, EventType};
use crate::runtime::metrics::Metrics;
use crate::runtime::requeue::{Backoff, Gate};
use crate::runtime::status::{Conditions, Finish, Polarity, ReadyRules};
use crate::runtime::workdir::WorkDir;
use crate::runtime::{
    ControllerError, FINALIZER, ObjectKey, finalizer, interval_of, patch, requested_at,
};
use crate::storage::Storage;

/// Condition type: an included repository's artifact is not available (GitRepository).
pub const INCLUDE_UNAVAILABLE: &str = "IncludeUnavailable";
/// Condition type: a storage operation failed.
pub const STORAGE_OPERATION_FAILED: &str = "StorageOperationFailed";
/// Reason of `Ready`/`ArtifactInStorage` on success (`meta.SucceededReason`).
pub const SUCCEEDED: &str = "Succeeded";
/// The field manager and event source of the source reconcilers.
pub const CONTROLLER_NAME: &str = "source-controller";

/// `Ready` of GitRepository, OCIRepository and Bucket, as Flux summarises it.
pub const READY_RULES: ReadyRules = ReadyRules {
    order: &[
        Polarity {
            type_: INCLUDE_UNAVAILABLE,
            negative: true,
        },
        Polarity {
            type_: FETCH_FAILED,
            negative: true,
        },
        Polarity {
            type_: ARTIFACT_OUTDATED,
            negative: true,
        },
        Polarity {
            type_: STORAGE_OPERATION_FAILED,
            negative: true,
        },
        Polarity {
            type_: ARTIFACT_IN_STORAGE,
            negative: false,
        },
        Polarity {
            type_: STALLED,
            negative: true,
        },
        Polarity {
            type_: gitops_core::conditions::RECONCILING,
            negative: true,
        },
    ],
    bipolar: &[SOURCE_VERIFIED],
};

const FAILURE_CONDITIONS: &[&str] = &[
    FETCH_FAILED,
    INCLUDE_UNAVAILABLE,
    STORAGE_OPERATION_FAILED,
    STALLED,
];

/// Everything the source reconcilers need: the client, the storage, events, and the
/// per-object retry state.
pub struct SourceContext {
    /// The cluster.
    pub client: kube::Client,
    /// The artifact storage.
    pub storage: Storage,
    /// Events as `source-controller`.
    pub recorder: EventRecorder,
    /// Retry delays after failures.
    pub backoff: Backoff,
    /// Skips watch events without a new trigger (used by the controllers only).
    pub gate: Gate,
    /// Retry delay while an included repository has no artifact.
    pub dependency_requeue: Duration,
    /// Flux's reconcile metrics (share one registry between controllers of a process).
    pub metrics: Metrics,
}

impl std::fmt::Debug for SourceContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceContext")
            .field("storage", &self.storage)
            .field("recorder", &self.recorder)
            .field("dependency_requeue", &self.dependency_requeue)
            .finish_non_exhaustive()
    }
}

impl SourceContext {
    /// A context with Flux's defaults: retries from 750 ms up to 15 min, dependency
    /// requeue 5 s, no events address.
    pub fn new(client: kube::Client, storage: Storage) -> SourceContext {
        gitops_sources::tls::ensure_provider();
        let recorder = EventRecorder::new(client.clone(), CONTROLLER_NAME, None);
        SourceContext {
            client,
            storage,
            recorder,
            backoff: Backoff::new(Duration::from_millis(750), Duration::from_secs(15 * 60)),
            gate: Gate::default(),
            dependency_requeue: Duration::from_secs(5),
            metrics: Metrics::default(),
        }
    }
}

/// A failed step of a source reconciliation, recorded as a condition.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct SourceError {
    /// The condition it sets: `FetchFailed`, `StorageOperationFailed`,
    /// `IncludeUnavailable` (all `True`) or `SourceVerified` (`False`).
    pub condition: &'static str,
    /// Flux's reason (`GitOperationFailed`, `AuthenticationFailed`, …).
    pub reason: String,
    /// The message, naming what failed.
    pub message: String,
    /// Retrying cannot help until the object changes (`Stalled`).
    pub stalling: bool,
    /// Retry after this instead of the backoff.
    pub requeue: Option<Duration>,
}

impl SourceError {
    fn new(condition: &'static str, reason: &str, message: String) -> SourceError {
        SourceError {
            condition,
            reason: reason.to_string(),
            message,
            stalling: false,
            requeue: None,
        }
    }

    /// `FetchFailed=True`.
    pub fn fetch(reason: &str, message: String) -> SourceError {
        SourceError::new(FETCH_FAILED, reason, message)
    }

    /// `StorageOperationFailed=True`.
    pub fn storage(reason: &str, message: String) -> SourceError {
        SourceError::new(STORAGE_OPERATION_FAILED, reason, message)
    }

    /// `IncludeUnavailable=True`, retried after `requeue`.
    pub fn include(reason: &str, message: String, requeue: Duration) -> SourceError {
        SourceError {
            requeue: Some(requeue),
            ..SourceError::new(INCLUDE_UNAVAILABLE, reason, message)
        }
    }

    /// `SourceVerified=False`.
    pub fn verify(reason: &str, message: String) -> SourceError {
        SourceError::new(SOURCE_VERIFIED, reason, message)
    }

    /// The same error, marked stalling.
    pub fn stalling(mut self) -> SourceError {
        self.stalling = true;
        self
    }
}

/// What a successful fetch step produced.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The current artifact (new, or the stored one when up to date).
    pub artifact: Artifact,
    /// The `ArtifactInStorage` message.
    pub storage_message: String,
    /// The `NewArtifact` event message.
    pub event_message: String,
    /// Kind-specific status fields to set (`observedIgnore`, `url`, …); `null` removes.
    pub status: Map<String, Value>,
    /// `SourceVerified=True` with this message.
    pub verified: Option<String>,
}

/// The data of Secret `namespace`/`name` (`data` merged with `stringData`).
async fn get_secret_data(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<BTreeMap<String, Vec<u8>>, kube::Error> {
    let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
    Ok(crate::runtime::secret_data(api.get(name).await?))
}

/// The data of Secret `namespace`/`name`, for a fetch step.
pub async fn read_secret(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<BTreeMap<String, Vec<u8>>, SourceError> {
    get_secret_data(client, namespace, name).await.map_err(|e| {
        SourceError::fetch(
            reason::AUTHENTICATION_FAILED,
            format!("failed to get secret '{namespace}/{name}': {e}"),
        )
    })
}

/// The data of Secret `namespace`/`name`, with fluxcd/pkg's messages on failure
/// (`secret '<ns>/<name>' not found`); the callers add Flux's per-kind prefix.
async fn secret_data(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<BTreeMap<String, Vec<u8>>, String> {
    get_secret_data(client, namespace, name)
        .await
        .map_err(|e| match e {
            kube::Error::Api(s) if s.code == 404 => {
                format!("secret '{namespace}/{name}' not found")
            }
            e => format!("failed to get secret '{namespace}/{name}': {e}"),
        })
}

/// The proxy of a `proxySecretRef` (`address`, optional `username`/`password`); the
/// error names the secret and key (OCIRepository and Bucket prefix it with Flux's words).
pub async fn read_proxy(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<gitops_sources::git::Proxy, String> {
    let data = secret_data(client, namespace, name).await?;
    gitops_sources::git::Proxy::from_secret(&data)
        .map_err(|e| format!("secret '{namespace}/{name}': {e}"))
}

/// The TLS material of a `certSecretRef` (`ca.crt`, `tls.crt`/`tls.key`, or the legacy
/// `caFile`/`certFile`/`keyFile`), validated as fluxcd/pkg does.
pub async fn read_tls(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<gitops_sources::transport::ClientTls, String> {
    let data = secret_data(client, namespace, name).await?;
    gitops_sources::transport::ClientTls::from_secret(&format!("{namespace}/{name}"), &data)
        .map_err(|e| e.to_string())
}

/// The annotations of source events.
fn event_annotations(artifact: &Artifact) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "source.toolkit.fluxcd.io/revision".to_string(),
            artifact.revision.clone(),
        ),
        (
            "source.toolkit.fluxcd.io/digest".to_string(),
            artifact.digest.clone(),
        ),
    ])
}

fn to_value<T: Serialize>(key: &ObjectKey, value: &T) -> Result<Value, ControllerError> {
    serde_json::to_value(value).map_err(|source| ControllerError::Serialize {
        object: key.to_string(),
        source,
    })
}

/// A source kind the driver reconciles.
pub trait SourceObject:
    Resource<DynamicType = (), Scope = NamespaceResourceScope>
    + Clone
    + Serialize
    + DeserializeOwned
    + std::fmt::Debug
    + Send
    + Sync
    + 'static
{
    /// `spec.interval`.
    fn interval(&self) -> &str;
    /// `spec.suspend`.
    fn suspended(&self) -> bool;
}

/// Lets a fetch step announce a new upstream revision before building its artifact, as
/// Flux does: `Reconciling=True` and `Ready=Unknown` with `building artifact: new upstream
/// revision '<rev>'`, and `ArtifactOutdated=True` when an older artifact exists.
pub struct Progress<K: SourceObject> {
    api: Api<K>,
    obj: K,
    status: Map<String, Value>,
    conds: Conditions,
    has_artifact: bool,
}

impl<K: SourceObject> Progress<K> {
    /// Writes the "building artifact" status for `revision` (best effort: a failed write
    /// is logged; the final status follows anyway).
    pub async fn new_revision(&self, revision: &str) {
        let message = format!("new upstream revision '{revision}'");
        let mut conds = self.conds.clone();
        if self.has_artifact {
            conds.mark_true(ARTIFACT_OUTDATED, "NewRevision", &message);
        }
        conds.progressing(
            true,
            reason::PROGRESSING,
            &format!("building artifact: {message}"),
        );
        let mut status = self.status.clone();
        let Ok(list) = serde_json::to_value(&conds.list) else {
            return;
        };
        status.insert("conditions".into(), list);
        if let Err(e) =
            patch::apply_status(&self.api, &self.obj, Value::Object(status), CONTROLLER_NAME).await
        {
            tracing::warn!("recording progress: {e}");
        }
    }
}

/// Runs one reconciliation of `obj` with the kind-specific `fetch` step (given a fresh
/// work directory and a [`Progress`] handle); returns when to run again (`None`: on the
/// next change only).
pub async fn reconcile_source<K, F, Fut>(
    obj: &K,
    ctx: &SourceContext,
    fetch: F,
) -> Result<Option<Duration>, ControllerError>
where
    K: SourceObject,
    F: FnOnce(K, PathBuf, Progress<K>) -> Fut,
    Fut: Future<Output = Result<Fetched, SourceError>>,
{
    let started = std::time::Instant::now();
    let kind = K::kind(&()).into_owned();
    let key = ObjectKey::new(&kind, obj.meta());
    let api: Api<K> = Api::namespaced(ctx.client.clone(), &key.namespace);
    if obj.meta().deletion_timestamp.is_some() {
        ctx.metrics.delete(&key);
        if ctx.storage.remove_all(&kind, &key.namespace, &key.name)? {
            tracing::info!(object = %key, "garbage collected artifacts for deleted resource");
        }
        finalizer::remove(&api, obj, FINALIZER).await?;
        ctx.backoff.succeeded(&key);
        return Ok(None);
    }
    let obj = finalizer::ensure(&api, obj, FINALIZER)
        .await?
        .unwrap_or_else(|| obj.clone());
    ctx.metrics.record_suspend(&key, obj.suspended());
    if obj.suspended() {
        tracing::info!(object = %key, "reconciliation is suspended for this object");
        return Ok(None);
    }
    let interval = interval_of(obj.interval(), Duration::from_secs(60));
    let mut status: Map<String, Value> = to_value(&key, &obj)?
        .get("status")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let generation = obj.meta().generation;
    let list: Vec<Condition> = status
        .get("conditions")
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let mut conds = Conditions::new(list, generation);
    let old = conds.clone();
    let old_artifact: Option<Artifact> = status
        .get("artifact")
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok());
    let observed = status
        .get("observedGeneration")
        .and_then(Value::as_i64)
        .unwrap_or(-1);
    let requested = requested_at(obj.meta()).map(str::to_string);
    let handled = status
        .get("lastHandledReconcileAt")
        .and_then(Value::as_str)
        .map(str::to_string);

    conds.progressing(false, reason::PROGRESSING, "reconciliation in progress");
    let new_generation = generation.is_some_and(|g| g != observed);
    if new_generation {
        let message = format!(
            "processing object: new generation {observed} -> {}",
            generation.unwrap_or_default()
        );
        conds.progressing(false, reason::PROGRESSING, &message);
    }
    if new_generation || (requested.is_some() && requested != handled) {
        status.insert("conditions".into(), to_value(&key, &conds.list)?);
        patch::apply_status(&api, &obj, Value::Object(status.clone()), CONTROLLER_NAME).await?;
    }

    let result = match WorkDir::new(&key) {
        Ok(work) => {
            let dir = work.path().to_path_buf();
            let progress = Progress {
                api: api.clone(),
                obj: obj.clone(),
                status: status.clone(),
                conds: conds.clone(),
                has_artifact: old_artifact.is_some(),
            };
            let outcome = fetch(obj.clone(), dir, progress).await;
            drop(work);
            outcome
        }
        Err(e) => Err(SourceError::storage(
            "DirCreationFailed",
            format!("failed to create temporary working directory: {e}"),
        )),
    };

    let next = match &result {
        Ok(fetched) => {
            for t in [
                FETCH_FAILED,
                INCLUDE_UNAVAILABLE,
                STORAGE_OPERATION_FAILED,
                ARTIFACT_OUTDATED,
            ] {
                conds.delete(t);
            }
            match &fetched.verified {
                Some(message) => conds.mark_true(SOURCE_VERIFIED, SUCCEEDED, message),
                None => conds.delete(SOURCE_VERIFIED),
            }
            conds.mark_true(ARTIFACT_IN_STORAGE, SUCCEEDED, &fetched.storage_message);
            conds.finish(Finish::Success, "");
            status.insert("artifact".into(), to_value(&key, &fetched.artifact)?);
            for (k, v) in &fetched.status {
                if v.is_null() {
                    status.remove(k);
                } else {
                    status.insert(k.clone(), v.clone());
                }
            }
            if let Some(g) = generation {
                status.insert("observedGeneration".into(), Value::from(g));
            }
            if let Err(e) = ctx.storage.garbage_collect(&fetched.artifact) {
                tracing::warn!(object = %key, "garbage collection of artifacts failed: {e}");
            }
            ctx.backoff.succeeded(&key);
            Some(interval)
        }
        Err(e) => {
            if e.condition == SOURCE_VERIFIED {
                conds.mark_false(e.condition, &e.reason, &e.message);
            } else {
                conds.mark_true(e.condition, &e.reason, &e.message);
            }
            if e.stalling {
                conds.finish(
                    Finish::Stalled {
                        reason: e.reason.clone(),
                    },
                    &e.message,
                );
                if let Some(g) = generation {
                    status.insert("observedGeneration".into(), Value::from(g));
                }
                None
            } else {
                conds.finish(Finish::Retry, &e.message);
                Some(e.requeue.unwrap_or_else(|| ctx.backoff.failed(&key)))
            }
        }
    };
    conds.summarize(&READY_RULES);
    status.insert("conditions".into(), to_value(&key, &conds.list)?);
    if let Some(r) = &requested {
        status.insert("lastHandledReconcileAt".into(), Value::from(r.clone()));
    }
    let stored = patch::apply_status(&api, &obj, Value::Object(status), CONTROLLER_NAME).await?;
    if let Some(ready) = conds.get(gitops_core::conditions::READY) {
        ctx.metrics.record_condition(&key, ready);
    }
    ctx.metrics.record_duration(&key, started.elapsed());

    match result {
        Ok(fetched) => {
            let annotations = event_annotations(&fetched.artifact);
            let new_digest = old_artifact
                .as_ref()
                .is_none_or(|a| a.digest != fetched.artifact.digest);
            let recovered = FAILURE_CONDITIONS.iter().any(|t| old.get(t).is_some());
            if new_digest {
                tracing::info!(object = %key, "{}", fetched.event_message);
                ctx.recorder
                    .record(
                        &stored,
                        EventType::Normal,
                        "NewArtifact",
                        &fetched.event_message,
                        annotations,
                    )
                    .await;
            } else if recovered {
                ctx.recorder
                    .record(
                        &stored,
                        EventType::Normal,
                        SUCCEEDED,
                        &fetched.event_message,
                        annotations,
                    )
                    .await;
            }
        }
        Err(e) => {
            tracing::warn!(object = %key, reason = %e.reason, "{}", e.message);
            let annotations = old_artifact
                .as_ref()
                .map(event_annotations)
                .unwrap_or_default();
            ctx.recorder
                .record(
                    &stored,
                    EventType::Warning,
                    &e.reason,
                    &e.message,
                    annotations,
                )
                .await;
        }
    }
    Ok(next)
}

/// The `.status.artifact` of `obj`, if any.
pub fn current_artifact<K: SourceObject>(obj: &K) -> Option<Artifact> {
    serde_json::to_value(obj)
        .ok()?
        .get("status")?
        .get("artifact")
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok())
}

/// `Kind/namespace/name` of `obj`.
pub fn key_of<K: SourceObject>(obj: &K) -> ObjectKey {
    ObjectKey::new(&K::kind(&()), obj.meta())
}

/// The name and namespace of `obj`.
pub fn name_ns<K: SourceObject>(obj: &K) -> (String, String) {
    (obj.name_any(), obj.namespace().unwrap_or_default())
}

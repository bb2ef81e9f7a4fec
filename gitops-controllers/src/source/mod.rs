//! The source reconcilers: GitRepository, OCIRepository and Bucket
//! (`source.toolkit.fluxcd.io/v1`) into artifacts in the [`crate::storage`], served
//! over HTTP, with status, conditions and events as Flux's source-controller sets them.
//!
//! - [`git::reconcile_git`], [`oci::reconcile_oci`], [`bucket::reconcile_bucket`]: one
//!   reconciliation, usable without a running controller.
//! - [`run_sources`]: the artifact server and the three kube-runtime controllers.
//!
//! ```no_run
//! # async fn f(client: kube::Client) -> Result<(), gitops_controllers::runtime::ControllerError> {
//! use gitops_controllers::source::{SourceOptions, run_sources};
//! run_sources(client, SourceOptions { storage_dir: "/data".into(), ..Default::default() }).await
//! # }
//! ```

pub mod bucket;
pub mod common;
pub mod git;
pub mod oci;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use gitops_core::api::source::{Bucket, GitRepository, OCIRepository};
use kube::api::Api;
use kube::runtime::controller::{Action, Config, Controller};
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher;

pub use common::{SourceContext, SourceError};

use crate::runtime::requeue::{Verdict, fingerprint};
use crate::runtime::{ControllerError, ObjectKey};
use crate::storage::Storage;

/// Settings of [`run_sources`] (source-controller's flags).
#[derive(Clone, Debug)]
pub struct SourceOptions {
    /// `--storage-path`: where artifacts are kept.
    pub storage_dir: PathBuf,
    /// `--storage-addr`: where the artifact server listens (port 0: any free port).
    pub storage_addr: SocketAddr,
    /// `--storage-adv-addr`: the host (or base URL) artifact URLs advertise; the bound
    /// address when `None`.
    pub storage_adv_addr: Option<String>,
    /// Watch only this namespace (`--watch-all-namespaces=false`); all when `None`.
    pub namespace: Option<String>,
    /// `--concurrent`: reconciliations in parallel per kind.
    pub concurrency: u16,
    /// `--events-addr`: where Flux event JSON is POSTed, if anywhere.
    pub events_addr: Option<String>,
    /// `--min-retry-delay`.
    pub min_retry_delay: Duration,
    /// `--max-retry-delay`.
    pub max_retry_delay: Duration,
    /// `--requeue-dependency`: retry delay while an include has no artifact.
    pub dependency_requeue: Duration,
    /// `--metrics-addr`: where [`run_sources_until`] serves `/metrics`, if anywhere
    /// (the controller manager serves its shared registry itself).
    pub metrics_addr: Option<SocketAddr>,
    /// The registry reconciliations record Flux's metrics into; the controller manager
    /// gives every controller it runs the same one.
    pub metrics: crate::runtime::metrics::Metrics,
}

impl Default for SourceOptions {
    fn default() -> Self {
        SourceOptions {
            storage_dir: PathBuf::from("/data"),
            storage_addr: SocketAddr::from(([0, 0, 0, 0], 9090)),
            storage_adv_addr: None,
            namespace: None,
            concurrency: 2,
            events_addr: None,
            min_retry_delay: Duration::from_millis(750),
            max_retry_delay: Duration::from_secs(15 * 60),
            dependency_requeue: Duration::from_secs(5),
            metrics_addr: None,
            metrics: crate::runtime::metrics::Metrics::default(),
        }
    }
}

impl SourceContext {
    /// A context configured by `opts` over an already started `storage`.
    pub fn with_options(
        client: kube::Client,
        storage: Storage,
        opts: &SourceOptions,
    ) -> SourceContext {
        let mut ctx = SourceContext::new(client.clone(), storage);
        ctx.recorder = crate::runtime::events::EventRecorder::new(
            client,
            common::CONTROLLER_NAME,
            opts.events_addr.clone(),
        );
        ctx.backoff =
            crate::runtime::requeue::Backoff::new(opts.min_retry_delay, opts.max_retry_delay);
        ctx.dependency_requeue = opts.dependency_requeue;
        ctx.metrics = opts.metrics.clone();
        ctx
    }
}

/// Starts the artifact server and the GitRepository, OCIRepository and Bucket
/// controllers; runs until SIGINT/SIGTERM.
pub async fn run_sources(client: kube::Client, opts: SourceOptions) -> Result<(), ControllerError> {
    let shutdown = async {
        let ctrl_c = tokio::signal::ctrl_c();
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    };
    run_sources_until(client, opts, shutdown).await
}

/// [`run_sources`] stopping when `shutdown` completes (for `gitops up` and tests).
pub async fn run_sources_until(
    client: kube::Client,
    opts: SourceOptions,
    shutdown: impl Future<Output = ()> + Send + Sync + 'static,
) -> Result<(), ControllerError> {
    let (storage, server) = Storage::start(
        &opts.storage_dir,
        opts.storage_addr,
        opts.storage_adv_addr.as_deref(),
    )
    .await?;
    tracing::info!(addr = %server.local_addr(), "artifact server listening");
    let ctx = SourceContext::with_options(client.clone(), storage, &opts);
    let metrics = match opts.metrics_addr {
        Some(addr) => {
            let (bound, task) =
                ctx.metrics
                    .serve(addr)
                    .await
                    .map_err(|e| ControllerError::Controller {
                        controller: "source",
                        message: format!("serving metrics on {addr}: {e}"),
                    })?;
            tracing::info!(addr = %bound, "metrics listening");
            Some(task)
        }
        None => None,
    };
    run_controllers(client, Arc::new(ctx), &opts, shutdown).await;
    server.shutdown().await;
    if let Some(task) = metrics {
        task.abort();
    }
    Ok(())
}

fn api<K>(client: &kube::Client, namespace: Option<&str>) -> Api<K>
where
    K: kube::Resource<DynamicType = (), Scope = kube::core::NamespaceResourceScope>,
{
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

type Shutdown = futures_util::future::Shared<Pin<Box<dyn Future<Output = ()> + Send + Sync>>>;

/// Runs the three controllers over `ctx` until `shutdown` completes.
pub async fn run_controllers(
    client: kube::Client,
    ctx: Arc<SourceContext>,
    opts: &SourceOptions,
    shutdown: impl Future<Output = ()> + Send + Sync + 'static,
) {
    use futures_util::FutureExt;
    let shutdown: Shutdown =
        (Box::pin(shutdown) as Pin<Box<dyn Future<Output = ()> + Send + Sync>>).shared();
    let config = Config::default().concurrency(opts.concurrency.max(1));
    let ns = opts.namespace.as_deref();

    let git = Controller::new(
        api::<GitRepository>(&client, ns),
        watcher::Config::default(),
    );
    let git_store = git.store();
    let mapper_store = git_store.clone();
    let mapper_ctx = ctx.clone();
    let git = git
        .watches(
            api::<GitRepository>(&client, ns),
            watcher::Config::default(),
            move |changed: GitRepository| {
                let stale = dependents(&mapper_store, &changed);
                for obj in &stale {
                    let key = ObjectKey {
                        kind: "GitRepository".into(),
                        namespace: obj.namespace.clone().unwrap_or_default(),
                        name: obj.name.clone(),
                    };
                    mapper_ctx.gate.forget(&key);
                }
                stale
            },
        )
        .with_config(config.clone())
        .graceful_shutdown_on(shutdown.clone())
        .run(
            move |obj: Arc<GitRepository>, ctx: Arc<SourceContext>| {
                let extra = git::includes_fingerprint(&obj, &git_store);
                async move {
                    gated(obj, ctx, extra, |o, c| {
                        Box::pin(async move { git::reconcile(&o, &c).await })
                    })
                    .await
                }
            },
            error_policy,
            ctx.clone(),
        )
        .for_each(|r| async move { log_result("GitRepository", r) });
    let oci = Controller::new(
        api::<OCIRepository>(&client, ns),
        watcher::Config::default(),
    )
    .with_config(config.clone())
    .graceful_shutdown_on(shutdown.clone())
    .run(
        |obj, ctx| {
            gated(obj, ctx, String::new(), |o, c| {
                Box::pin(async move { oci::reconcile(&o, &c).await })
            })
        },
        error_policy,
        ctx.clone(),
    )
    .for_each(|r| async move { log_result("OCIRepository", r) });
    let buckets = Controller::new(api::<Bucket>(&client, ns), watcher::Config::default())
        .with_config(config)
        .graceful_shutdown_on(shutdown)
        .run(
            |obj, ctx| {
                gated(obj, ctx, String::new(), |o, c| {
                    Box::pin(async move { bucket::reconcile(&o, &c).await })
                })
            },
            error_policy,
            ctx,
        )
        .for_each(|r| async move { log_result("Bucket", r) });
    futures_util::future::join3(git, oci, buckets).await;
}

/// The GitRepositories in `changed`'s namespace that include it and whose recorded
/// included artifact differs from `changed`'s current one.
fn dependents(
    store: &Store<GitRepository>,
    changed: &GitRepository,
) -> Vec<ObjectRef<GitRepository>> {
    let ns = changed.metadata.namespace.clone();
    let name = changed.metadata.name.clone().unwrap_or_default();
    let Some(digest) = changed
        .status
        .as_ref()
        .and_then(|s| s.artifact.as_ref())
        .map(|a| a.digest.clone())
    else {
        return Vec::new();
    };
    store
        .state()
        .iter()
        .filter(|o| o.metadata.namespace == ns)
        .filter(|o| {
            let included = o
                .status
                .as_ref()
                .and_then(|s| s.included_artifacts.clone())
                .unwrap_or_default();
            o.spec.include.iter().flatten().enumerate().any(|(i, inc)| {
                inc.repository.name == name && included.get(i).is_none_or(|a| a.digest != digest)
            })
        })
        .map(|o| ObjectRef::from_obj(o.as_ref()))
        .collect()
}

type BoxedRun = Pin<Box<dyn Future<Output = Result<Option<Duration>, ControllerError>> + Send>>;

/// Runs `run` unless the event carries no new trigger and the object is not due.
async fn gated<K>(
    obj: Arc<K>,
    ctx: Arc<SourceContext>,
    extra: String,
    run: impl FnOnce(Arc<K>, Arc<SourceContext>) -> BoxedRun,
) -> Result<Action, ControllerError>
where
    K: common::SourceObject,
{
    let key = common::key_of(obj.as_ref());
    let print = fingerprint(kube::Resource::meta(obj.as_ref()), &extra);
    match ctx.gate.check(&key, print) {
        Verdict::Run => {}
        Verdict::Wait(wait) => return Ok(Action::requeue(wait)),
        Verdict::Idle => return Ok(Action::await_change()),
    }
    let deleting = kube::Resource::meta(obj.as_ref())
        .deletion_timestamp
        .is_some();
    match run(obj, ctx.clone()).await {
        Ok(next) => {
            if deleting {
                ctx.gate.forget(&key);
            } else {
                ctx.gate.done(&key, print, next);
            }
            Ok(next.map_or_else(Action::await_change, Action::requeue))
        }
        Err(e) => {
            ctx.gate.forget(&key);
            Err(e)
        }
    }
}

fn error_policy<K: common::SourceObject>(
    obj: Arc<K>,
    error: &ControllerError,
    ctx: Arc<SourceContext>,
) -> Action {
    let key: ObjectKey = common::key_of(obj.as_ref());
    tracing::warn!(object = %key, "reconciliation failed: {error}");
    Action::requeue(ctx.backoff.failed(&key))
}

fn log_result<T: std::fmt::Debug, E: std::fmt::Display>(kind: &str, result: Result<T, E>) {
    if let Err(e) = result {
        tracing::debug!(kind, "controller: {e}");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn repo(name: &str, ns: &str, includes: &[&str]) -> GitRepository {
        let include: Vec<serde_json::Value> = includes
            .iter()
            .map(|n| serde_json::json!({"repository": {"name": n}}))
            .collect();
        serde_json::from_value(serde_json::json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"url": "https://h/r", "interval": "1m", "include": include}
        }))
        .unwrap()
    }

    #[test]
    fn a_changed_repository_maps_to_the_ones_including_it_in_its_namespace() {
        let (reader, mut writer) = kube::runtime::reflector::store::<GitRepository>();
        for obj in [
            repo("base", "a", &[]),
            repo("app", "a", &["base"]),
            repo("other", "b", &["base"]),
        ] {
            writer.apply_watcher_event(&watcher::Event::Apply(obj));
        }
        let mut base = repo("base", "a", &[]);
        assert!(dependents(&reader, &base).is_empty(), "no artifact yet");
        base.status = Some(
            serde_json::from_value(serde_json::json!({"artifact": {"digest": "sha256:aa",
            "lastUpdateTime": "2024-01-01T00:00:00Z", "path": "p", "revision": "r", "url": "u"}}))
            .unwrap(),
        );
        let refs = dependents(&reader, &base);
        assert_eq!(
            refs.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
            ["app"]
        );
        let mut app = repo("app", "a", &["base"]);
        app.status = Some(
            serde_json::from_value(
                serde_json::json!({"includedArtifacts": [{"digest": "sha256:aa",
            "lastUpdateTime": "2024-01-01T00:00:00Z", "path": "p", "revision": "r", "url": "u"}]}),
            )
            .unwrap(),
        );
        writer.apply_watcher_event(&watcher::Event::Apply(app));
        assert!(
            dependents(&reader, &base).is_empty(),
            "already built with that artifact"
        );
    }
}

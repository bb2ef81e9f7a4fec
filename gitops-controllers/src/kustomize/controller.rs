//! The kube-runtime controller of Kustomizations: watches Kustomizations and the three
//! source kinds; a source whose artifact revision differs from what a Kustomization last
//! attempted triggers that Kustomization at once, without waiting for its interval.
//! Watch events without a new trigger (generation, `requestedAt`, deletion, finalizers)
//! are skipped until the object is due ([`crate::runtime::requeue::Gate`]).

use std::future::Future;
use std::sync::Arc;

use futures_util::StreamExt;
use gitops_core::api::kustomize::{Kustomization, SourceKind};
use gitops_core::api::source::{Bucket, GitRepository, OCIRepository};
use kube::api::Api;
use kube::runtime::controller::{Action, Config, Controller};
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher;
use kube::{Resource, ResourceExt};

use super::{KustomizeContext, KustomizeOptions};
use crate::runtime::requeue::{Verdict, fingerprint};
use crate::runtime::{ControllerError, ObjectKey};
use crate::source::common::{SourceObject, current_artifact};

/// Runs the Kustomization controller until SIGINT/SIGTERM.
pub async fn run_kustomizations(
    client: kube::Client,
    opts: KustomizeOptions,
) -> Result<(), ControllerError> {
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
    run_kustomizations_until(client, opts, shutdown).await
}

fn api<K>(client: &kube::Client, namespace: Option<&str>) -> Api<K>
where
    K: Resource<DynamicType = (), Scope = kube::core::NamespaceResourceScope>,
{
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

/// [`run_kustomizations`] stopping when `shutdown` completes.
pub async fn run_kustomizations_until(
    client: kube::Client,
    opts: KustomizeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ControllerError> {
    let ctx = Arc::new(KustomizeContext::new(client.clone(), opts.clone()));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let relay = tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(());
    });
    let shutdown = async move {
        let _ = stopped.await;
    };
    let ns = opts.namespace.as_deref();
    let controller = Controller::new(
        api::<Kustomization>(&client, ns),
        watcher::Config::default(),
    );
    let store = controller.store();
    let controller = controller
        .watches(
            api::<GitRepository>(&client, ns),
            watcher::Config::default(),
            mapper(store.clone(), ctx.clone(), SourceKind::GitRepository),
        )
        .watches(
            api::<OCIRepository>(&client, ns),
            watcher::Config::default(),
            mapper(store.clone(), ctx.clone(), SourceKind::OciRepository),
        )
        .watches(
            api::<Bucket>(&client, ns),
            watcher::Config::default(),
            mapper(store, ctx.clone(), SourceKind::Bucket),
        )
        .with_config(
            Config::default()
                .concurrency(u16::try_from(opts.concurrency.max(1)).unwrap_or(u16::MAX)),
        )
        .graceful_shutdown_on(shutdown);
    controller
        .run(gated, error_policy, ctx)
        .for_each(|r| async move {
            if let Err(e) = r {
                tracing::debug!("kustomization controller: {e}");
            }
        })
        .await;
    relay.abort();
    Ok(())
}

/// Maps a changed source of `kind` to the Kustomizations referencing it that have not
/// attempted its current revision, and clears their gate.
fn mapper<S: SourceObject>(
    store: Store<Kustomization>,
    ctx: Arc<KustomizeContext>,
    kind: SourceKind,
) -> impl Fn(S) -> Vec<ObjectRef<Kustomization>> + Send + Sync + 'static {
    move |source: S| {
        let Some(artifact) = current_artifact(&source) else {
            return Vec::new();
        };
        let name = source.name_any();
        let ns = source.namespace().unwrap_or_default();
        let refs = dependents(&store, kind, &ns, &name, &artifact.revision);
        for r in &refs {
            ctx.gate.forget(&ObjectKey {
                kind: "Kustomization".into(),
                namespace: r.namespace.clone().unwrap_or_default(),
                name: r.name.clone(),
            });
        }
        refs
    }
}

/// The Kustomizations of `store` that reference source `kind` `ns/name` and whose last
/// attempted revision is not `revision`.
pub fn dependents(
    store: &Store<Kustomization>,
    kind: SourceKind,
    ns: &str,
    name: &str,
    revision: &str,
) -> Vec<ObjectRef<Kustomization>> {
    store
        .state()
        .iter()
        .filter(|k| {
            let own = k.namespace().unwrap_or_default();
            let src = &k.spec.source_ref;
            let src_ns = src
                .namespace
                .clone()
                .filter(|n| !n.is_empty())
                .unwrap_or(own);
            src.kind == kind && src.name == name && src_ns == ns
        })
        .filter(|k| {
            k.status
                .as_ref()
                .and_then(|s| s.last_attempted_revision.as_deref())
                != Some(revision)
        })
        .map(|k| ObjectRef::from_obj(k.as_ref()))
        .collect()
}

async fn gated(
    obj: Arc<Kustomization>,
    ctx: Arc<KustomizeContext>,
) -> Result<Action, ControllerError> {
    let key = ObjectKey::new("Kustomization", obj.meta());
    let print = fingerprint(obj.meta(), "");
    match ctx.gate.check(&key, print) {
        Verdict::Run => {}
        Verdict::Wait(wait) => return Ok(Action::requeue(wait)),
        Verdict::Idle => return Ok(Action::await_change()),
    }
    let deleting = obj.meta().deletion_timestamp.is_some();
    match super::reconcile::reconcile(&obj, &ctx).await {
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

fn error_policy(
    obj: Arc<Kustomization>,
    error: &ControllerError,
    ctx: Arc<KustomizeContext>,
) -> Action {
    let key = ObjectKey::new("Kustomization", obj.meta());
    tracing::warn!(object = %key, "reconciliation failed: {error}");
    Action::requeue(ctx.backoff.failed(&key))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ks(name: &str, source: serde_json::Value, attempted: Option<&str>) -> Kustomization {
        let mut v = serde_json::json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "apps"},
            "spec": {"interval": "1m", "prune": true, "sourceRef": source}});
        if let Some(r) = attempted {
            v["status"] = serde_json::json!({"lastAttemptedRevision": r});
        }
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_new_source_revision_maps_to_the_kustomizations_not_at_it() {
        let (reader, mut writer) = kube::runtime::reflector::store::<Kustomization>();
        for k in [
            ks(
                "a",
                serde_json::json!({"kind": "GitRepository", "name": "fleet"}),
                Some("main@sha1:old"),
            ),
            ks(
                "b",
                serde_json::json!({"kind": "GitRepository", "name": "fleet"}),
                Some("main@sha1:new"),
            ),
            ks(
                "c",
                serde_json::json!({"kind": "GitRepository", "name": "fleet", "namespace": "flux-system"}),
                None,
            ),
            ks(
                "d",
                serde_json::json!({"kind": "OCIRepository", "name": "fleet"}),
                None,
            ),
            ks(
                "e",
                serde_json::json!({"kind": "GitRepository", "name": "other"}),
                None,
            ),
        ] {
            writer.apply_watcher_event(&watcher::Event::Apply(k));
        }
        let names = |refs: Vec<ObjectRef<Kustomization>>| {
            let mut n: Vec<String> = refs.into_iter().map(|r| r.name).collect();
            n.sort();
            n
        };
        assert_eq!(
            names(dependents(
                &reader,
                SourceKind::GitRepository,
                "apps",
                "fleet",
                "main@sha1:new"
            )),
            ["a"]
        );
        assert_eq!(
            names(dependents(
                &reader,
                SourceKind::GitRepository,
                "flux-system",
                "fleet",
                "main@sha1:new"
            )),
            ["c"]
        );
        assert_eq!(
            names(dependents(
                &reader,
                SourceKind::OciRepository,
                "apps",
                "fleet",
                "x"
            )),
            ["d"]
        );
        assert!(dependents(&reader, SourceKind::Bucket, "apps", "fleet", "x").is_empty());
    }
}

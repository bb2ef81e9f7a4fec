//! Apply, prune, health checks and deletion of a Kustomization's objects, as
//! kustomize-controller's `apply`, `prune`, `checkHealth` and `finalize` do them.

use std::time::Duration;

use gitops_core::Object;
use gitops_core::api::kustomize::{Kustomization, ResourceInventory};
use gitops_core::health::HealthCheckExprs;
use gitops_core::health::wait::{ObjectRef as WaitRef, WaitOptions, wait_for};
use gitops_core::ssa::changeset::{Action, ChangeSet};
use gitops_core::ssa::ignore::IgnoreRules;
use gitops_core::ssa::inventory::{self, ObjectRef};
use gitops_core::ssa::policy::{ApplyOptions, DeleteOptions};

use gitops_core::ssa::manager::ResourceManager;

use super::KustomizeContext;

/// The cluster a Kustomization applies to: the controller's, or the one of
/// `spec.kubeConfig`.
pub struct Target<'a> {
    /// Applies and prunes.
    pub manager: &'a ResourceManager,
    /// Reads statuses.
    pub client: &'a kube::Client,
}

/// A remote cluster's client and apply engine, built from `spec.kubeConfig`.
pub struct Remote {
    client: kube::Client,
    manager: ResourceManager,
}

impl Remote {
    /// The target of this remote cluster.
    pub fn target(&self) -> Target<'_> {
        Target {
            manager: &self.manager,
            client: &self.client,
        }
    }
}

/// Builds the client of `spec.kubeConfig` (a kubeconfig in a Secret of the
/// Kustomization's namespace, key `value`, `value.yaml` or the given one), impersonating
/// the Kustomization's service account when it has one ([`super::impersonate`]; without
/// `spec.kubeConfig` the controller's own config impersonates it); `None` when the
/// Kustomization applies to the controller's cluster as the controller.
pub async fn remote(
    ctx: &KustomizeContext,
    obj: &Kustomization,
) -> Result<Option<Remote>, StepError> {
    use gitops_core::conditions::reason::RECONCILIATION_FAILED;
    let fail = |m: String| {
        step(
            RECONCILIATION_FAILED,
            format!("failed to build kube client: {m}"),
        )
    };
    let user = super::impersonate::user(obj, ctx.opts.default_service_account.as_deref());
    let secret_ref = obj
        .spec
        .kube_config
        .as_ref()
        .and_then(|k| k.secret_ref.as_ref());
    let config = match (secret_ref, &user) {
        (None, None) => return Ok(None),
        (None, Some(user)) => {
            super::impersonate::controller_config(ctx.opts.client_config.as_ref(), user)
                .map_err(fail)?
        }
        (Some(secret_ref), _) => {
            let config = kubeconfig_secret(ctx, obj, secret_ref)
                .await
                .map_err(fail)?;
            match &user {
                Some(user) => super::impersonate::impersonating(config, user),
                None => config,
            }
        }
    };
    let client = kube::Client::try_from(config).map_err(|e| fail(e.to_string()))?;
    let manager = ResourceManager::new(client.clone(), ctx.manager.owner().clone())
        .with_concurrency(ctx.opts.concurrency.max(1));
    Ok(Some(Remote { client, manager }))
}

/// The `kube::Config` of the kubeconfig in `spec.kubeConfig.secretRef`.
async fn kubeconfig_secret(
    ctx: &KustomizeContext,
    obj: &Kustomization,
    secret_ref: &gitops_core::api::meta::SecretKeyReference,
) -> Result<kube::Config, String> {
    let ns = obj.metadata.namespace.clone().unwrap_or_default();
    let api: kube::Api<gitops_core::k8s::k8s_openapi::api::core::v1::Secret> =
        kube::Api::namespaced(ctx.client.clone(), &ns);
    let secret = api.get(&secret_ref.name).await.map_err(|e| {
        format!(
            "unable to read KubeConfig secret '{ns}/{}': {e}",
            secret_ref.name
        )
    })?;
    let data = secret.data.unwrap_or_default();
    let keys: Vec<String> = match &secret_ref.key {
        Some(k) => vec![k.clone()],
        None => vec!["value".into(), "value.yaml".into()],
    };
    let text = keys
        .iter()
        .find_map(|k| data.get(k))
        .map(|b| String::from_utf8_lossy(&b.0).into_owned())
        .ok_or_else(|| {
            format!(
                "KubeConfig secret '{ns}/{}' does not contain a '{}' key",
                secret_ref.name,
                keys.join("' or '")
            )
        })?;
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&text).map_err(|e| e.to_string())?;
    kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .map_err(|e| e.to_string())
}

/// A failed step; `reason` is the `Ready=False` reason.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StepError {
    /// Flux's reason (`ReconciliationFailed`, `PruneFailed`, `HealthCheckFailed`, …).
    pub reason: &'static str,
    /// The message, naming the object.
    pub message: String,
}

fn step(reason: &'static str, message: impl Into<String>) -> StepError {
    StepError {
        reason,
        message: message.into(),
    }
}

fn name_ns(obj: &Kustomization) -> (String, String) {
    (
        obj.metadata.name.clone().unwrap_or_default(),
        obj.metadata.namespace.clone().unwrap_or_default(),
    )
}

/// Owner-labels and server-side applies `objects` in stages; returns the change set.
pub async fn apply(
    target: &Target<'_>,
    obj: &Kustomization,
    objects: &[Object],
) -> Result<ChangeSet, StepError> {
    use gitops_core::conditions::reason::RECONCILIATION_FAILED;
    let (name, ns) = name_ns(obj);
    let owner = target.manager.owner().clone();
    let prepared = gitops_core::ssa::plan::prepare(objects, &owner, &name, &ns)
        .map_err(|e| step(RECONCILIATION_FAILED, e.to_string()))?;
    let mut opts = ApplyOptions::flux(&owner);
    opts.force = obj.spec.forces();
    opts.drift_ignore_rules = IgnoreRules::compile(obj.spec.ignore.as_deref().unwrap_or_default())
        .map_err(|e| step(RECONCILIATION_FAILED, format!("invalid spec.ignore: {e}")))?;
    target
        .manager
        .apply_all_staged(&prepared, &opts)
        .await
        .map_err(|f| step(RECONCILIATION_FAILED, f.error.to_string()))
}

/// Deletes `stale` objects (only those still carrying our owner labels). On failure the
/// objects whose deletion was not confirmed are returned with the error, to be kept in
/// the inventory.
pub async fn prune(
    target: &Target<'_>,
    obj: &Kustomization,
    stale: &[ObjectRef],
) -> Result<ChangeSet, (Vec<ObjectRef>, StepError)> {
    if stale.is_empty() {
        return Ok(ChangeSet::new());
    }
    let (name, ns) = name_ns(obj);
    let opts = DeleteOptions::flux(target.manager.owner(), &name, &ns);
    match target.manager.delete_all(stale, &opts).await {
        Ok(set) => Ok(set),
        Err(failure) => Err((
            inventory::unsettled(stale, &failure.changes),
            step(
                gitops_core::conditions::reason::PRUNE_FAILED,
                failure.error.to_string(),
            ),
        )),
    }
}

/// The objects to health-check: every applied object with `spec.wait`, else
/// `spec.healthChecks`; never the Kustomization itself.
pub fn health_targets(obj: &Kustomization, applied: &ChangeSet) -> Vec<WaitRef> {
    let (name, ns) = name_ns(obj);
    let targets: Vec<WaitRef> = if obj.spec.waits() {
        applied
            .entries
            .iter()
            .filter(|e| e.action != Action::Skipped)
            .map(|e| {
                let r = ObjectRef::new(e.id.clone(), e.version.clone());
                WaitRef::new(r.api_version(), &e.id.kind, &e.id.namespace, &e.id.name)
            })
            .collect()
    } else {
        obj.spec
            .health_checks
            .iter()
            .flatten()
            .map(|h| {
                WaitRef::new(
                    h.api_version.clone().unwrap_or_default(),
                    &h.kind,
                    h.namespace.clone().unwrap_or_default(),
                    &h.name,
                )
            })
            .collect()
    };
    targets
        .into_iter()
        .filter(|t| !(t.kind == "Kustomization" && t.name == name && t.namespace == ns))
        .collect()
}

/// Waits for `targets` to be Current within `timeout`.
pub async fn check_health(
    target: &Target<'_>,
    obj: &Kustomization,
    targets: &[WaitRef],
    timeout: Duration,
) -> Result<String, StepError> {
    let started = std::time::Instant::now();
    let exprs = HealthCheckExprs::new(obj.spec.health_check_exprs.as_deref().unwrap_or_default())
        .map_err(|e| step("InvalidCELExpression", e.to_string()))?;
    let opts = WaitOptions {
        timeout,
        interval: Duration::from_secs(2).min(timeout),
        exprs,
        ..Default::default()
    };
    wait_for(target.client, targets, &opts).await.map_err(|e| {
        let took = gitops_core::duration::Duration::from_std(started.elapsed());
        step(e.reason(), format!("health check failed after {took}: {e}"))
    })?;
    let took = gitops_core::duration::Duration::from_std(started.elapsed());
    Ok(format!("Health check passed in {took}"))
}

/// Deletes the inventory of a Kustomization being deleted, as its `deletionPolicy`
/// says; returns the change set to report.
pub async fn finalize(target: &Target<'_>, obj: &Kustomization) -> Result<ChangeSet, StepError> {
    use gitops_core::api::kustomize::DeletionPolicy;
    let inv: ResourceInventory = obj
        .status
        .as_ref()
        .and_then(|s| s.inventory.clone())
        .unwrap_or_default();
    if obj.spec.suspended() || !obj.spec.deletes_on_removal() || inv.entries.is_empty() {
        return Ok(ChangeSet::new());
    }
    let objects = inventory::list(&inv).map_err(|e| step("PruneFailed", e.to_string()))?;
    let set = prune(target, obj, &objects).await.map_err(|(_, e)| e)?;
    if obj.spec.deletion_policy() == DeletionPolicy::WaitForTermination {
        let timeout = obj
            .spec
            .timeout()
            .ok()
            .and_then(|d| d.to_std())
            .unwrap_or(Duration::from_secs(60));
        let deadline = std::time::Instant::now() + timeout;
        let refs: Vec<WaitRef> = set
            .entries
            .iter()
            .filter(|e| e.action == Action::Deleted)
            .map(|e| {
                let r = ObjectRef::new(e.id.clone(), e.version.clone());
                WaitRef::new(r.api_version(), &e.id.kind, &e.id.namespace, &e.id.name)
            })
            .collect();
        for r in &refs {
            loop {
                let s = gitops_core::health::wait::read_status(
                    target.client,
                    r,
                    &HealthCheckExprs::default(),
                )
                .await;
                if s.result.status == gitops_core::health::Status::NotFound {
                    break;
                }
                if std::time::Instant::now() >= deadline {
                    return Err(step(
                        "PruneFailed",
                        format!("timeout waiting for {r} to be terminated"),
                    ));
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
    Ok(set)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use gitops_core::ObjectId;
    use gitops_core::ssa::changeset::ChangeSetEntry;

    fn ks(spec: serde_json::Value) -> Kustomization {
        let mut s = serde_json::json!({"interval": "1m", "prune": true, "sourceRef": {"kind": "GitRepository", "name": "r"}});
        if let (Some(m), serde_json::Value::Object(e)) = (s.as_object_mut(), spec) {
            m.extend(e);
        }
        serde_json::from_value(serde_json::json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "flux-system"}, "spec": s}))
        .unwrap()
    }

    #[test]
    fn wait_checks_every_applied_object_but_skipped_ones_and_itself() {
        let mut set = ChangeSet::new();
        set.add(ChangeSetEntry::new(
            ObjectId::new("apps", "Deployment", "default", "web"),
            "v1",
            Action::Created,
        ));
        set.add(ChangeSetEntry::new(
            ObjectId::new("", "ConfigMap", "default", "skip"),
            "v1",
            Action::Skipped,
        ));
        set.add(ChangeSetEntry::new(
            ObjectId::new(
                "kustomize.toolkit.fluxcd.io",
                "Kustomization",
                "flux-system",
                "apps",
            ),
            "v1",
            Action::Unchanged,
        ));
        let targets = health_targets(&ks(serde_json::json!({"wait": true})), &set);
        assert_eq!(
            targets,
            [WaitRef::new("apps/v1", "Deployment", "default", "web")]
        );
        let checks = ks(
            serde_json::json!({"healthChecks": [{"apiVersion": "v1", "kind": "Service", "name": "s", "namespace": "default"}]}),
        );
        assert_eq!(
            health_targets(&checks, &set),
            [WaitRef::new("v1", "Service", "default", "s")]
        );
        assert!(health_targets(&ks(serde_json::json!({})), &set).is_empty());
    }
}

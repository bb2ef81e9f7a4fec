//! One reconciliation of a Kustomization, in kustomize-controller's order: deletion
//! (finalize by `deletionPolicy`), finalizer, suspend, source lookup, dependencies,
//! fetch and build, apply, inventory and prune, health checks, status and events.
//!
//! A failed fetch or build returns before anything is applied or pruned. Failures of
//! the work are recorded in the status (`Ready=False` with Flux's reason) and retried
//! after `spec.retryInterval`; failures to write the status are returned as
//! [`ControllerError`] and retried with backoff.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gitops_core::api::kustomize::{Kustomization, KustomizationStatus};
use gitops_core::conditions::{READY, reason};
use gitops_core::health::HealthCheckExprs;
use gitops_core::k8s::Time;
use gitops_core::ssa::inventory;
use kube::Resource;
use kube::api::Api;
use kube::runtime::controller::Action;

use super::apply::{self, StepError};

use super::fetch::{Failure, check_dependencies, fail, fetch_and_build, go, source_artifact};
use super::{CONTROLLER_NAME, KustomizeContext, history};
use crate::runtime::events::EventType;
use crate::runtime::status::{Conditions, Finish};
use crate::runtime::{
    ControllerError, FINALIZER, ObjectKey, finalizer, interval_of, patch, requested_at,
};

/// Condition type: the health checks passed.
pub const HEALTHY: &str = "Healthy";
/// Reason of an invalid `healthCheckExprs` entry (stalls).
pub const INVALID_CEL: &str = "InvalidCELExpression";
/// Prefix of terminal configuration errors.
const TERMINAL: &str = "Reconciliation failed terminally due to configuration error";

/// Reconciles `obj` once; returns when to run again.
pub async fn reconcile_kustomization(
    obj: Arc<Kustomization>,
    ctx: Arc<KustomizeContext>,
) -> Result<Action, ControllerError> {
    let next = reconcile(&obj, &ctx).await?;
    Ok(next.map_or_else(Action::await_change, Action::requeue))
}

/// The reconciliation; `None`: wait for a change.
pub(crate) async fn reconcile(
    obj: &Kustomization,
    ctx: &KustomizeContext,
) -> Result<Option<Duration>, ControllerError> {
    let started = Instant::now();
    let key = ObjectKey::new("Kustomization", obj.meta());
    let api: Api<Kustomization> = Api::namespaced(ctx.client.clone(), &key.namespace);
    if obj.meta().deletion_timestamp.is_some() {
        return finalize(obj, ctx, &api, &key).await;
    }
    let obj = finalizer::ensure(&api, obj, FINALIZER)
        .await?
        .unwrap_or_else(|| obj.clone());
    ctx.metrics.record_suspend(&key, obj.spec.suspended());
    if obj.spec.suspended() {
        tracing::info!(object = %key, "reconciliation is suspended for this object");
        return Ok(None);
    }
    let interval = interval_of(&obj.spec.interval, Duration::from_secs(600));
    let retry = interval_of(obj.spec.retry_interval(), interval);
    let timeout = obj.spec.timeout().unwrap_or_default();
    let mut status: KustomizationStatus = obj.status.clone().unwrap_or_default();
    let mut conds = Conditions::new(
        status.conditions.clone().unwrap_or_default(),
        obj.metadata.generation,
    );
    let was_ready = conds.is_ready();
    conds.progressing(false, reason::PROGRESSING, "reconciliation in progress");

    let outcome = run(
        &obj,
        ctx,
        &api,
        &mut status,
        &mut conds,
        timeout.to_string(),
        started,
    )
    .await;
    let (next, changes) = match outcome {
        Ok((message, changes)) => {
            conds.finish(Finish::Success, "");
            status.observed_generation = obj.metadata.generation;
            ctx.backoff.succeeded(&key);
            (Some(interval), Some((message, changes)))
        }
        Err(f) => {
            conds.mark_false(READY, &f.reason, &f.message);
            if f.stalled {
                conds.finish(
                    Finish::Stalled {
                        reason: f.reason.clone(),
                    },
                    &f.message,
                );
                status.observed_generation = obj.metadata.generation;
            } else {
                conds.finish(Finish::Retry, &f.message);
            }
            let next = (!f.stalled).then_some(if f.requeue.is_zero() {
                retry
            } else {
                f.requeue
            });
            if f.event {
                let severity = if f.reason == reason::DEPENDENCY_NOT_READY {
                    EventType::Normal
                } else {
                    EventType::Warning
                };
                let message = if f.reason == reason::DEPENDENCY_NOT_READY {
                    format!(
                        "Dependencies do not meet ready condition, retrying in {}",
                        go(f.requeue)
                    )
                } else {
                    f.message.clone()
                };
                ctx.recorder
                    .record(&obj, severity, &f.reason, &message, revision_meta(&status))
                    .await;
            }
            (next, None)
        }
    };
    if let Some(at) = requested_at(obj.meta()) {
        status.last_handled_reconcile_at = Some(at.to_string());
    }
    status.conditions = Some(conds.list.clone());
    write_status(&api, &obj, &status, &key).await?;
    ctx.metrics.record_duration(&key, started.elapsed());
    ctx.metrics.record_conditions(&key, &conds.list);
    if let Some((message, changed)) = changes
        && (changed || !was_ready)
    {
        let mut meta = revision_meta(&status);
        meta.insert(
            "kustomize.toolkit.fluxcd.io/commit_status".to_string(),
            "update".to_string(),
        );
        ctx.recorder
            .record(
                &obj,
                EventType::Normal,
                reason::RECONCILIATION_SUCCEEDED,
                &message,
                meta,
            )
            .await;
    }
    Ok(next)
}

fn revision_meta(status: &KustomizationStatus) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    if let Some(r) = status
        .last_attempted_revision
        .clone()
        .or_else(|| status.last_applied_revision.clone())
    {
        m.insert("kustomize.toolkit.fluxcd.io/revision".to_string(), r);
    }
    m
}

async fn write_status(
    api: &Api<Kustomization>,
    obj: &Kustomization,
    status: &KustomizationStatus,
    key: &ObjectKey,
) -> Result<(), ControllerError> {
    let value = serde_json::to_value(status).map_err(|source| ControllerError::Serialize {
        object: key.to_string(),
        source,
    })?;
    patch::apply_status(api, obj, value, CONTROLLER_NAME)
        .await
        .map(|_| ())
}

/// The work: returns the Ready message and whether the cluster changed.
async fn run(
    obj: &Kustomization,
    ctx: &KustomizeContext,
    api: &Api<Kustomization>,
    status: &mut KustomizationStatus,
    conds: &mut Conditions,
    timeout_text: String,
    started: Instant,
) -> Result<(String, bool), Failure> {
    let key = ObjectKey::new("Kustomization", obj.meta());
    let api_fail = |e: ControllerError| fail(reason::RECONCILIATION_FAILED, e.to_string());
    if let Err(e) =
        HealthCheckExprs::new(obj.spec.health_check_exprs.as_deref().unwrap_or_default())
    {
        let mut f = fail(INVALID_CEL, format!("{TERMINAL}: {e}"));
        f.stalled = true;
        return Err(f);
    }
    let artifact = source_artifact(obj, ctx).await.map_err(api_fail)??;
    let revision = artifact.revision.clone();
    let origin = artifact
        .metadata
        .as_ref()
        .and_then(|m| m.get("org.opencontainers.image.revision"))
        .cloned();
    if !obj.spec.depends_on().is_empty() {
        check_dependencies(obj, ctx, &revision).await?;
    }

    status.last_attempted_revision = Some(revision.clone());
    let progress =
        format!("Fetching manifests for revision {revision} with a timeout of {timeout_text}");
    conds.progressing(false, reason::PROGRESSING, &progress);
    status.conditions = Some(conds.list.clone());
    write_status(api, obj, status, &key)
        .await
        .map_err(api_fail)?;

    let timeout = obj
        .spec
        .timeout()
        .ok()
        .and_then(|d| d.to_std())
        .unwrap_or(Duration::from_secs(60));
    let remote = apply::remote(ctx, obj).await.map_err(step_failure)?;
    let local = apply::Target {
        manager: &ctx.manager,
        client: &ctx.client,
    };
    let target = remote.as_ref().map_or(local, apply::Remote::target);
    let built = fetch_and_build(obj, ctx, &artifact)
        .await
        .map_err(|e| fail(e.reason(), e.to_string()))?;

    let mut meta = BTreeMap::from([("revision".to_string(), revision.clone())]);
    if let Some(o) = &origin {
        meta.insert("originRevision".to_string(), o.clone());
    }
    let mut history_list = status.history.clone().unwrap_or_default();
    let record = |outcome: &str, history_list: &mut Vec<_>| {
        history::upsert(
            history_list,
            &built.digest,
            Time(gitops_core::k8s::k8s_openapi::jiff::Timestamp::now()),
            started.elapsed(),
            outcome,
            meta.clone(),
        );
    };

    let applied = match apply::apply(&target, obj, &built.objects).await {
        Ok(set) => set,
        Err(e) => {
            record(e.reason, &mut history_list);
            status.history = Some(history_list);
            return Err(step_failure(e));
        }
    };
    let apply_log = applied.changes_log();
    if !apply_log.is_empty() {
        ctx.recorder
            .record(
                obj,
                EventType::Normal,
                ready_reason(conds),
                &apply_log,
                revision_meta(status),
            )
            .await;
    }
    let old = status.inventory.clone().unwrap_or_default();
    let mut new_inventory = inventory::from_change_set(&applied);
    let stale = inventory::diff(&old, &new_inventory)
        .map_err(|e| fail(reason::RECONCILIATION_FAILED, e.to_string()))?;
    let mut changed = applied.has_changes();
    if obj.spec.prune && !stale.is_empty() {
        match apply::prune(&target, obj, &stale).await {
            Ok(set) => {
                let log = set.changes_log();
                if !log.is_empty() {
                    changed = true;
                    ctx.recorder
                        .record(
                            obj,
                            EventType::Normal,
                            ready_reason(conds),
                            &log,
                            revision_meta(status),
                        )
                        .await;
                }
            }
            Err((unsettled, e)) => {
                inventory::merge(&mut new_inventory, &unsettled);
                status.inventory = Some(new_inventory);
                record(e.reason, &mut history_list);
                status.history = Some(history_list);
                return Err(step_failure(e));
            }
        }
    }
    status.inventory = Some(new_inventory);

    let targets = apply::health_targets(obj, &applied);
    if targets.is_empty() {
        conds.delete(HEALTHY);
    } else {
        let was_healthy = conds.is_true(HEALTHY);
        let message = format!(
            "Running health checks for revision {revision} with a timeout of {timeout_text}"
        );
        conds.mark_true(
            gitops_core::conditions::RECONCILING,
            reason::PROGRESSING,
            &message,
        );
        conds.mark(
            HEALTHY,
            gitops_core::conditions::ConditionStatus::Unknown,
            reason::PROGRESSING,
            &message,
        );
        status.conditions = Some(conds.list.clone());
        write_status(api, obj, status, &key)
            .await
            .map_err(api_fail)?;
        match apply::check_health(&target, obj, &targets, timeout).await {
            Ok(msg) => {
                if !was_healthy {
                    ctx.recorder
                        .record(
                            obj,
                            EventType::Normal,
                            ready_reason(conds),
                            &msg,
                            revision_meta(status),
                        )
                        .await;
                }
                conds.mark_true(HEALTHY, "Succeeded", &msg);
            }
            Err(e) => {
                conds.mark_false(HEALTHY, e.reason, &e.message);
                record(e.reason, &mut history_list);
                status.history = Some(history_list);
                return Err(step_failure(e));
            }
        }
    }

    status.last_applied_revision = Some(revision.clone());
    status.last_applied_origin_revision = origin;
    let message = format!("Applied revision: {revision}");
    conds.mark_true(READY, reason::RECONCILIATION_SUCCEEDED, &message);
    record(reason::RECONCILIATION_SUCCEEDED, &mut history_list);
    status.history = Some(history_list);
    let interval = interval_of(&obj.spec.interval, Duration::from_secs(600));
    Ok((
        format!(
            "Reconciliation finished in {}, next run in {}",
            go(started.elapsed()),
            go(interval)
        ),
        changed,
    ))
}

fn ready_reason(conds: &Conditions) -> &str {
    conds
        .get(READY)
        .map(|c| c.reason.as_str())
        .filter(|r| !r.is_empty())
        .unwrap_or("Progressing")
}

fn step_failure(e: StepError) -> Failure {
    let mut f = fail(e.reason, e.message);
    f.stalled = e.reason == INVALID_CEL;
    f
}

/// Deletion: removes the inventory as `deletionPolicy` says, then the finalizer.
async fn finalize(
    obj: &Kustomization,
    ctx: &KustomizeContext,
    api: &Api<Kustomization>,
    key: &ObjectKey,
) -> Result<Option<Duration>, ControllerError> {
    if let Some(message) = unprunable(obj, ctx).await {
        // As Flux: the account to impersonate is gone, so nothing can be deleted on its
        // behalf; the objects are left and the Kustomization is released.
        tracing::error!(object = %key, "skipping pruning, failed to find account to impersonate: {message}");
        ctx.recorder
            .record(
                obj,
                EventType::Warning,
                "PruneFailed",
                &message,
                BTreeMap::new(),
            )
            .await;
        finalizer::remove(api, obj, FINALIZER).await?;
        ctx.gate.forget(key);
        return Ok(None);
    }
    let remote = match apply::remote(ctx, obj).await {
        Ok(r) => r,
        Err(e) => {
            // As Flux: without a client for the remote cluster nothing can be pruned;
            // the Kustomization is released anyway.
            tracing::warn!(object = %key, "unable to prune for finalization: {e}");
            ctx.recorder
                .record(
                    obj,
                    EventType::Warning,
                    e.reason,
                    &e.message,
                    BTreeMap::new(),
                )
                .await;
            finalizer::remove(api, obj, FINALIZER).await?;
            ctx.gate.forget(key);
            return Ok(None);
        }
    };
    let local = apply::Target {
        manager: &ctx.manager,
        client: &ctx.client,
    };
    let target = remote.as_ref().map_or(local, apply::Remote::target);
    match apply::finalize(&target, obj).await {
        Ok(set) => {
            let log = set.changes_log();
            if !log.is_empty() {
                ctx.recorder
                    .record(obj, EventType::Normal, "Progressing", &log, BTreeMap::new())
                    .await;
            }
        }
        Err(e) => {
            tracing::warn!(object = %key, "finalizing: {e}");
            ctx.recorder
                .record(
                    obj,
                    EventType::Warning,
                    e.reason,
                    &e.message,
                    BTreeMap::new(),
                )
                .await;
            return Ok(Some(ctx.backoff.failed(key)));
        }
    }
    finalizer::remove(api, obj, FINALIZER).await?;
    ctx.metrics.delete(key);
    ctx.backoff.succeeded(key);
    ctx.gate.forget(key);
    Ok(None)
}

/// Flux's message when a Kustomization to finalize would delete objects as a service
/// account that no longer exists (`CanImpersonate` false); `None` otherwise.
async fn unprunable(obj: &Kustomization, ctx: &KustomizeContext) -> Option<String> {
    let inv = obj.status.as_ref().and_then(|s| s.inventory.as_ref())?;
    if obj.spec.suspended() || !obj.spec.deletes_on_removal() || inv.entries.is_empty() {
        return None;
    }
    let default = ctx.opts.default_service_account.as_deref();
    if super::impersonate::can_impersonate(&ctx.client, obj, default).await {
        return None;
    }
    let objects: String = inventory::list(inv)
        .unwrap_or_default()
        .iter()
        .map(|o| format!("{}\n", o.id))
        .collect();
    Some(format!("unable to prune objects: \n{objects}"))
}

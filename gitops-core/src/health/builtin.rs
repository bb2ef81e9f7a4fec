//! kstatus' rules for the built-in kinds (`core.go` of `fluxcd/cli-utils`), and Flux's own
//! Job rule (`fluxcd/pkg runtime/statusreaders/job.go`).

use serde_json::Value;

use super::generic::{bool_field, conditions, int_field, lookup, malformed, nested_i64, str_field};
use super::{HealthError, StatusResult, group_of};

/// How long a Pod may be unschedulable before kstatus reports it Failed.
const SCHEDULE_WINDOW_SECONDS: i64 = 15;

/// The per-kind rule of a built-in kind, `None` for kinds without one (`legacyTypes`).
pub(crate) fn compute_builtin(
    group: &str,
    kind: &str,
    obj: &Value,
) -> Result<Option<StatusResult>, HealthError> {
    let res = match (group, kind) {
        ("", "Service") => service(obj),
        ("", "Pod") => pod(obj)?,
        ("", "Secret") | ("", "ConfigMap") | ("batch", "CronJob") => always_ready(),
        ("", "PersistentVolumeClaim") => pvc(obj),
        ("apps", "StatefulSet") => statefulset(obj),
        ("apps" | "extensions", "DaemonSet") => daemonset(obj)?,
        ("apps" | "extensions", "Deployment") => deployment(obj)?,
        ("apps" | "extensions", "ReplicaSet") => replicaset(obj)?,
        ("policy", "PodDisruptionBudget") => {
            StatusResult::current("AllowedDisruptions has been computed.")
        }
        ("batch", "Job") => kstatus_job(obj)?,
        ("apiextensions.k8s.io", "CustomResourceDefinition") => crd(obj)?,
        _ => return Ok(None),
    };
    Ok(Some(res))
}

fn always_ready() -> StatusResult {
    StatusResult::current("Resource is always ready")
}

fn statefulset(obj: &Value) -> StatusResult {
    if str_field(obj, "spec.updateStrategy.type", "") == "OnDelete" {
        return StatusResult::current("StatefulSet is using the ondelete update strategy");
    }
    let spec = int_field(obj, "spec.replicas", 1);
    let ready = int_field(obj, "status.readyReplicas", 0);
    let current = int_field(obj, "status.currentReplicas", 0);
    let updated = int_field(obj, "status.updatedReplicas", 0);
    let replicas = int_field(obj, "status.replicas", 0);
    let partition = int_field(obj, "spec.updateStrategy.rollingUpdate.partition", -1);

    if spec > replicas {
        return StatusResult::in_progress("LessReplicas", format!("Replicas: {replicas}/{spec}"));
    }
    if spec > ready {
        return StatusResult::in_progress("LessReady", format!("Ready: {ready}/{spec}"));
    }
    if replicas > spec {
        return StatusResult::in_progress(
            "ExtraPods",
            format!("Pending termination: {}", replicas - spec),
        );
    }
    if partition != -1 {
        if updated < spec - partition {
            return StatusResult::in_progress(
                "PartitionRollout",
                format!("updated: {updated}/{}", spec - partition),
            );
        }
        return StatusResult::current(format!("Partition rollout complete. updated: {updated}"));
    }
    if spec > current {
        return StatusResult::in_progress("LessCurrent", format!("current: {current}/{spec}"));
    }
    if str_field(obj, "status.currentRevision", "") != str_field(obj, "status.updateRevision", "") {
        return StatusResult::in_progress(
            "RevisionMismatch",
            "Waiting for updated revision to match current",
        );
    }
    StatusResult::current(format!(
        "All replicas scheduled as expected. Replicas: {replicas}"
    ))
}

fn deployment(obj: &Value) -> Result<StatusResult, HealthError> {
    // Without progressDeadlineSeconds (MaxInt32 is the controller's "unset") the controller
    // never sets Progressing, so the deployment counts as progressing.
    let mut progressing =
        int_field(obj, "spec.progressDeadlineSeconds", i64::from(i32::MAX)) == i64::from(i32::MAX);
    let mut available = false;
    for c in conditions(obj)? {
        match c.type_.as_str() {
            "Progressing" => {
                if c.reason == "ProgressDeadlineExceeded" {
                    let mut res = StatusResult::failed(&c.reason, c.message);
                    res.message = "Progress deadline exceeded".to_string();
                    return Ok(res);
                }
                if c.status == "True" && c.reason == "NewReplicaSetAvailable" {
                    progressing = true;
                }
            }
            "Available" if c.status == "True" => available = true,
            _ => {}
        }
    }
    let spec = int_field(obj, "spec.replicas", 1);
    let replicas = int_field(obj, "status.replicas", 0);
    let updated = int_field(obj, "status.updatedReplicas", 0);
    let ready = int_field(obj, "status.readyReplicas", 0);
    let avail = int_field(obj, "status.availableReplicas", 0);

    Ok(if spec > replicas {
        StatusResult::in_progress("LessReplicas", format!("Replicas: {replicas}/{spec}"))
    } else if spec > updated {
        StatusResult::in_progress("LessUpdated", format!("Updated: {updated}/{spec}"))
    } else if replicas > spec {
        StatusResult::in_progress(
            "ExtraPods",
            format!("Pending termination: {}", replicas - spec),
        )
    } else if updated > avail {
        StatusResult::in_progress("LessAvailable", format!("Available: {avail}/{updated}"))
    } else if spec > ready {
        StatusResult::in_progress("LessReady", format!("Ready: {ready}/{spec}"))
    } else if !progressing {
        StatusResult::in_progress("ReplicaSetNotAvailable", "ReplicaSet not Available")
    } else if !available {
        StatusResult::in_progress("DeploymentNotAvailable", "Deployment not Available")
    } else {
        StatusResult::current(format!("Deployment is available. Replicas: {replicas}"))
    })
}

fn replicaset(obj: &Value) -> Result<StatusResult, HealthError> {
    if conditions(obj)?
        .iter()
        .any(|c| c.type_ == "ReplicaFailure" && c.status == "True")
    {
        return Ok(StatusResult::in_progress(
            "ReplicaFailure",
            "Replica Failure condition. Check Pods",
        ));
    }
    let spec = int_field(obj, "spec.replicas", 1);
    let replicas = int_field(obj, "status.replicas", 0);
    let ready = int_field(obj, "status.readyReplicas", 0);
    let avail = int_field(obj, "status.availableReplicas", 0);
    let labelled = int_field(obj, "status.fullyLabeledReplicas", 0);
    Ok(if spec > labelled {
        StatusResult::in_progress("LessLabelled", format!("Labelled: {labelled}/{spec}"))
    } else if spec > avail {
        StatusResult::in_progress("LessAvailable", format!("Available: {avail}/{spec}"))
    } else if spec > ready {
        StatusResult::in_progress("LessReady", format!("Ready: {ready}/{spec}"))
    } else if replicas > spec {
        StatusResult::in_progress(
            "ExtraPods",
            format!("Pending termination: {}", replicas - spec),
        )
    } else {
        StatusResult::current(format!("ReplicaSet is available. Replicas: {replicas}"))
    })
}

fn daemonset(obj: &Value) -> Result<StatusResult, HealthError> {
    // The DaemonSet controller always sets both fields, so their absence means it has not
    // acted yet (`checkGenerationSet`).
    let kind = obj["kind"].as_str().unwrap_or_default();
    if nested_i64(obj, "metadata.generation")?.is_none() {
        return Ok(StatusResult::in_progress(
            "NoGeneration",
            format!("{kind} metadata.generation not found"),
        ));
    }
    if nested_i64(obj, "status.observedGeneration")?.is_none() {
        let message = format!("{kind} status.observedGeneration not found");
        return Ok(StatusResult::in_progress("NoObservedGeneration", message));
    }
    let desired = int_field(obj, "status.desiredNumberScheduled", -1);
    let current = int_field(obj, "status.currentNumberScheduled", 0);
    let updated = int_field(obj, "status.updatedNumberScheduled", 0);
    let avail = int_field(obj, "status.numberAvailable", 0);
    let ready = int_field(obj, "status.numberReady", 0);
    Ok(if desired == -1 {
        StatusResult::in_progress("NoDesiredNumber", "Missing .status.desiredNumberScheduled")
    } else if desired > current {
        StatusResult::in_progress("LessCurrent", format!("Current: {current}/{desired}"))
    } else if desired > updated {
        StatusResult::in_progress("LessUpdated", format!("Updated: {updated}/{desired}"))
    } else if desired > avail {
        StatusResult::in_progress("LessAvailable", format!("Available: {avail}/{desired}"))
    } else if desired > ready {
        StatusResult::in_progress("LessReady", format!("Ready: {ready}/{desired}"))
    } else {
        StatusResult::current(format!(
            "All replicas scheduled as expected. Replicas: {desired}"
        ))
    })
}

fn pvc(obj: &Value) -> StatusResult {
    let phase = str_field(obj, "status.phase", "unknown");
    if phase != "Bound" {
        return StatusResult::in_progress("NotBound", format!("PVC is not Bound. phase: {phase}"));
    }
    StatusResult::current("PVC is Bound")
}

fn pod(obj: &Value) -> Result<StatusResult, HealthError> {
    let conds = conditions(obj)?;
    let phase = str_field(obj, "status.phase", "");
    Ok(match phase {
        "Succeeded" => StatusResult::current("Pod has completed successfully"),
        "Failed" => StatusResult::current("Pod has completed, but not successfully"),
        "Running" => {
            if conds
                .iter()
                .any(|c| c.type_ == "Ready" && c.status == "True")
            {
                return Ok(StatusResult::current("Pod is Ready"));
            }
            let crashing = crash_looping_containers(obj)?;
            if !crashing.is_empty() {
                let message = format!("Containers in CrashLoop state: {}", crashing.join(","));
                return Ok(StatusResult::failed("ContainerCrashLooping", message));
            }
            StatusResult::in_progress("PodRunningNotReady", "Pod is running but is not Ready")
        }
        "Pending" => {
            let unschedulable = conds
                .iter()
                .find(|c| c.type_ == "PodScheduled" && c.status == "False")
                .is_some_and(|c| c.reason == "Unschedulable");
            if !unschedulable {
                StatusResult::in_progress("PodPending", "Pod is in the Pending phase")
            } else if created_within(obj, SCHEDULE_WINDOW_SECONDS) {
                StatusResult::in_progress("PodNotScheduled", "Pod has not been scheduled")
            } else {
                StatusResult::failed("PodUnschedulable", "Pod could not be scheduled")
            }
        }
        "" => StatusResult::in_progress("PodNotObserved", "Pod phase not available"),
        other => {
            return Err(malformed(
                obj,
                "status.phase",
                &format!("unknown phase {other}"),
            ));
        }
    })
}

/// Whether `metadata.creationTimestamp` is less than `seconds` ago (a missing or invalid
/// timestamp is the zero time, long ago).
fn created_within(obj: &Value, seconds: i64) -> bool {
    let Some(created) = str_field(obj, "metadata.creationTimestamp", "")
        .parse::<k8s_openapi::jiff::Timestamp>()
        .ok()
    else {
        return false;
    };
    let now = k8s_openapi::jiff::Timestamp::now();
    now.as_second() - seconds < created.as_second()
}

/// Names of the containers waiting with reason `CrashLoopBackOff`.
fn crash_looping_containers(obj: &Value) -> Result<Vec<String>, HealthError> {
    let statuses =
        match lookup(obj, "status.containerStatuses").map_err(|m| malformed(obj, "status", &m))? {
            None => return Ok(Vec::new()),
            Some(Value::Array(list)) => list,
            Some(_) => {
                return Err(malformed(
                    obj,
                    "status.containerStatuses",
                    "expected a list",
                ));
            }
        };
    Ok(statuses
        .iter()
        .filter(|cs| cs["state"]["waiting"]["reason"] == "CrashLoopBackOff")
        .filter_map(|cs| cs["name"].as_str().map(str::to_string))
        .collect())
}

/// kstatus' Job rule: Current once started (also while running), Failed on `Failed=True`.
fn kstatus_job(obj: &Value) -> Result<StatusResult, HealthError> {
    let parallelism = int_field(obj, "spec.parallelism", 1);
    let completions = int_field(obj, "spec.completions", parallelism);
    let succeeded = int_field(obj, "status.succeeded", 0);
    let active = int_field(obj, "status.active", 0);
    let failed = int_field(obj, "status.failed", 0);
    for c in conditions(obj)? {
        match c.type_.as_str() {
            "Complete" if c.status == "True" => {
                return Ok(StatusResult::current(format!(
                    "Job Completed. succeeded: {succeeded}/{completions}"
                )));
            }
            "Failed" if c.status == "True" => {
                return Ok(StatusResult::failed(
                    "JobFailed",
                    format!("Job Failed. failed: {failed}/{completions}"),
                ));
            }
            _ => {}
        }
    }
    if str_field(obj, "status.startTime", "").is_empty() {
        return Ok(StatusResult::in_progress(
            "JobNotStarted",
            "Job not started",
        ));
    }
    Ok(StatusResult::current(format!(
        "Job in progress. success:{succeeded}, active: {active}, failed: {failed}"
    )))
}

/// Flux's Job rule (kustomize-controller registers it ahead of kstatus): a suspended Job
/// is Current, a complete one Current, a failed one Failed, and a started but unfinished
/// one InProgress — so `wait` waits for Jobs to finish. The generic rules (deletion,
/// generation, `Ready`) do not apply to Jobs here, as in Flux.
pub fn compute_job(obj: &Value) -> Result<StatusResult, HealthError> {
    if bool_field(obj, "spec.suspend", false) {
        return Ok(StatusResult::current("Job is suspended"));
    }
    let parallelism = int_field(obj, "spec.parallelism", 1);
    let completions = int_field(obj, "spec.completions", parallelism);
    let active = int_field(obj, "status.active", 0);
    let succeeded = int_field(obj, "status.succeeded", 0);
    let failed = int_field(obj, "status.failed", 0);
    for c in conditions(obj)? {
        match c.type_.as_str() {
            "Complete" if c.status == "True" => {
                return Ok(StatusResult::current(format!(
                    "Job Completed. succeeded: {succeeded}/{completions}"
                )));
            }
            "Failed" if c.status == "True" => {
                return Ok(StatusResult::failed(
                    "JobFailed",
                    format!("Job Failed. failed: {failed}/{completions}"),
                ));
            }
            _ => {}
        }
    }
    if str_field(obj, "status.startTime", "").is_empty() {
        return Ok(StatusResult::in_progress(
            "JobNotStarted",
            format!("Job not started. active: 0/{parallelism}"),
        ));
    }
    let message =
        format!("Job in progress. success:{succeeded}, active: {active}, failed: {failed}");
    Ok(StatusResult::in_progress("JobInProgress", message))
}

fn service(obj: &Value) -> StatusResult {
    if str_field(obj, "spec.type", "ClusterIP") == "LoadBalancer"
        && str_field(obj, "spec.clusterIP", "").is_empty()
    {
        return StatusResult::in_progress(
            "NoIPAssigned",
            "ClusterIP not set. Service type: LoadBalancer",
        );
    }
    StatusResult::current("Service is ready")
}

fn crd(obj: &Value) -> Result<StatusResult, HealthError> {
    for c in conditions(obj)? {
        if c.type_ == "NamesAccepted" && c.status == "False" {
            return Ok(StatusResult::failed(&c.reason, c.message));
        }
        if c.type_ == "Established" {
            if c.status == "False" && c.reason != "Installing" {
                return Ok(StatusResult::failed(&c.reason, c.message));
            }
            if c.status == "True" {
                return Ok(StatusResult::current("CRD is established"));
            }
        }
    }
    Ok(StatusResult::in_progress(
        "Installing",
        "Install in progress",
    ))
}

/// Whether an object is a `batch` Job (Flux's Job rule applies).
pub(crate) fn is_job(obj: &Value) -> bool {
    obj["kind"] == "Job" && group_of(obj["apiVersion"].as_str().unwrap_or_default()) == "batch"
}

/// The status Flux's poller reports for a StatefulSet or ReplicaSet given its Pods
/// (cli-utils' `podControllerStatusReader`): while the controller is InProgress, Pods that
/// are Failed for good (not being deleted, not merely unschedulable) make it Failed with
/// `<n> pods have failed`. Pods whose status cannot be computed count as not failed.
pub fn pod_controller_status(result: StatusResult, pods: &[Value]) -> StatusResult {
    if result.status != super::Status::InProgress {
        return result;
    }
    let failed = pods
        .iter()
        .filter(|p| compute_pod_failed(p))
        .filter(|p| str_field(p, "metadata.deletionTimestamp", "").is_empty())
        .filter(|p| !is_unschedulable(p))
        .count();
    if failed == 0 {
        return result;
    }
    StatusResult::new(super::Status::Failed, format!("{failed} pods have failed"))
}

fn compute_pod_failed(pod: &Value) -> bool {
    super::compute(pod).is_ok_and(|r| r.status == super::Status::Failed)
}

fn is_unschedulable(pod: &Value) -> bool {
    conditions(pod).is_ok_and(|conds| {
        conds.iter().any(|c| {
            c.type_ == "PodScheduled" && c.status == "False" && c.reason == "Unschedulable"
        })
    })
}

/// A `metav1.LabelSelector` (`matchLabels`, `matchExpressions`) as a label selector string
/// for a list request; `None` when the object has no selector at `path`.
#[cfg_attr(not(feature = "kube"), allow(dead_code))]
pub(crate) fn label_selector(obj: &Value, path: &str) -> Option<String> {
    let selector = lookup(obj, path).ok().flatten()?.as_object()?;
    let mut parts = Vec::new();
    if let Some(Value::Object(labels)) = selector.get("matchLabels") {
        for (k, v) in labels {
            parts.push(format!("{k}={}", v.as_str().unwrap_or_default()));
        }
    }
    if let Some(Value::Array(exprs)) = selector.get("matchExpressions") {
        for e in exprs {
            let key = e["key"].as_str().unwrap_or_default();
            let values: Vec<&str> = e["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            match e["operator"].as_str().unwrap_or_default() {
                "In" => parts.push(format!("{key} in ({})", values.join(","))),
                "NotIn" => parts.push(format!("{key} notin ({})", values.join(","))),
                "Exists" => parts.push(key.to_string()),
                "DoesNotExist" => parts.push(format!("!{key}")),
                _ => {}
            }
        }
    }
    Some(parts.join(","))
}

//! kstatus rules and messages (`fluxcd/cli-utils pkg/kstatus/status`), one test per rule,
//! on objects as a real API server returns them (status blocks copied from kind clusters).

use gitops_core::health::{HealthError, Status, StatusResult, compute, compute_job};
use serde_json::{Value, json};

fn check(obj: &Value, status: Status, message: &str) -> StatusResult {
    let res = compute(obj).expect("status computes");
    assert_eq!(
        (res.status, res.message.as_str()),
        (status, message),
        "object: {obj:#}"
    );
    res
}

fn set(mut obj: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer");
    let target = obj.pointer_mut(parent).expect("parent exists");
    target[key] = value;
    obj
}

/// `kubectl get deploy podinfo -o json` after a completed rollout (trimmed spec).
fn podinfo() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "annotations": {"deployment.kubernetes.io/revision": "1"},
            "creationTimestamp": "2024-05-02T10:11:12Z",
            "generation": 1,
            "name": "podinfo",
            "namespace": "default",
            "resourceVersion": "1234",
            "uid": "0b5c6c8e-5b0e-4b5b-9d0c-111111111111"
        },
        "spec": {
            "progressDeadlineSeconds": 600,
            "replicas": 3,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": {"app": "podinfo"}},
            "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}, "type": "RollingUpdate"},
            "template": {"metadata": {"labels": {"app": "podinfo"}},
                "spec": {"containers": [{"name": "podinfod", "image": "ghcr.io/stefanprodan/podinfo:6.7.0"}]}}
        },
        "status": {
            "availableReplicas": 3,
            "conditions": [
                {"lastTransitionTime": "2024-05-02T10:11:20Z", "lastUpdateTime": "2024-05-02T10:11:20Z",
                 "message": "Deployment has minimum availability.", "reason": "MinimumReplicasAvailable",
                 "status": "True", "type": "Available"},
                {"lastTransitionTime": "2024-05-02T10:11:12Z", "lastUpdateTime": "2024-05-02T10:11:20Z",
                 "message": "ReplicaSet \"podinfo-5d8f7c6b9\" has successfully progressed.",
                 "reason": "NewReplicaSetAvailable", "status": "True", "type": "Progressing"}
            ],
            "observedGeneration": 1,
            "readyReplicas": 3,
            "replicas": 3,
            "updatedReplicas": 3
        }
    })
}

#[test]
fn deployment_available() {
    let res = check(
        &podinfo(),
        Status::Current,
        "Deployment is available. Replicas: 3",
    );
    assert!(res.conditions.is_empty());
}

#[test]
fn deployment_replica_counts_in_kstatus_order() {
    let d = set(podinfo(), "/status/replicas", json!(1));
    let res = check(&d, Status::InProgress, "Replicas: 1/3");
    assert_eq!(res.conditions[0].type_, "Reconciling");
    assert_eq!(res.conditions[0].reason, "LessReplicas");
    check(
        &set(podinfo(), "/status/updatedReplicas", json!(2)),
        Status::InProgress,
        "Updated: 2/3",
    );
    check(
        &set(podinfo(), "/status/replicas", json!(4)),
        Status::InProgress,
        "Pending termination: 1",
    );
    check(
        &set(podinfo(), "/status/availableReplicas", json!(1)),
        Status::InProgress,
        "Available: 1/3",
    );
    check(
        &set(podinfo(), "/status/readyReplicas", json!(2)),
        Status::InProgress,
        "Ready: 2/3",
    );
    // spec.replicas defaults to 1; missing status counts are 0.
    let fresh = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "x", "namespace": "default", "generation": 1}, "spec": {}});
    check(&fresh, Status::InProgress, "Replicas: 0/1");
}

#[test]
fn deployment_conditions() {
    let mut d = podinfo();
    d["status"]["conditions"][1]["reason"] = json!("ReplicaSetUpdated");
    check(&d, Status::InProgress, "ReplicaSet not Available");
    // Without progressDeadlineSeconds the Progressing condition is not required.
    d["spec"]
        .as_object_mut()
        .map(|s| s.remove("progressDeadlineSeconds"));
    check(&d, Status::Current, "Deployment is available. Replicas: 3");
    let mut d = podinfo();
    d["status"]["conditions"][0]["status"] = json!("False");
    check(&d, Status::InProgress, "Deployment not Available");
}

#[test]
fn deployment_progress_deadline_exceeded_is_failed() {
    let mut d = podinfo();
    d["status"]["conditions"][1] = json!({"type": "Progressing", "status": "False",
        "reason": "ProgressDeadlineExceeded",
        "message": "ReplicaSet \"podinfo-5d8f7c6b9\" has timed out progressing."});
    d["status"]["availableReplicas"] = json!(0);
    let res = check(&d, Status::Failed, "Progress deadline exceeded");
    assert_eq!(res.conditions[0].type_, "Stalled");
    assert_eq!(res.conditions[0].reason, "ProgressDeadlineExceeded");
    assert_eq!(
        res.conditions[0].message,
        "ReplicaSet \"podinfo-5d8f7c6b9\" has timed out progressing."
    );
}

#[test]
fn generation_not_observed() {
    let d = set(podinfo(), "/metadata/generation", json!(2));
    let res = check(
        &d,
        Status::InProgress,
        "Deployment generation is 2, but latest observed generation is 1",
    );
    assert_eq!(res.conditions[0].reason, "LatestGenerationNotObserved");
}

#[test]
fn deletion_timestamp_is_terminating() {
    let d = set(
        podinfo(),
        "/metadata/deletionTimestamp",
        json!("2024-05-02T11:00:00Z"),
    );
    check(&d, Status::Terminating, "Resource scheduled for deletion");
}

fn statefulset() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "redis", "namespace": "default", "generation": 2},
        "spec": {"replicas": 3, "serviceName": "redis",
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}},
        "status": {"availableReplicas": 3, "collisionCount": 0, "currentReplicas": 3,
            "currentRevision": "redis-7c9d8b8f6", "observedGeneration": 2, "readyReplicas": 3,
            "replicas": 3, "updateRevision": "redis-7c9d8b8f6", "updatedReplicas": 3}
    })
}

#[test]
fn statefulset_rules() {
    // A partition (even 0) takes the partition branch.
    check(
        &statefulset(),
        Status::Current,
        "Partition rollout complete. updated: 3",
    );
    let p = set(
        statefulset(),
        "/spec/updateStrategy/rollingUpdate/partition",
        json!(1),
    );
    let p = set(p, "/status/updatedReplicas", json!(1));
    check(&p, Status::InProgress, "updated: 1/2");

    let mut s = statefulset();
    s["spec"]["updateStrategy"] = json!({"type": "RollingUpdate"});
    check(
        &s,
        Status::Current,
        "All replicas scheduled as expected. Replicas: 3",
    );
    check(
        &set(s.clone(), "/status/replicas", json!(2)),
        Status::InProgress,
        "Replicas: 2/3",
    );
    check(
        &set(s.clone(), "/status/readyReplicas", json!(1)),
        Status::InProgress,
        "Ready: 1/3",
    );
    check(
        &set(s.clone(), "/status/replicas", json!(5)),
        Status::InProgress,
        "Pending termination: 2",
    );
    check(
        &set(s.clone(), "/status/currentReplicas", json!(2)),
        Status::InProgress,
        "current: 2/3",
    );
    let r = set(s.clone(), "/status/updateRevision", json!("redis-6b7c"));
    check(
        &r,
        Status::InProgress,
        "Waiting for updated revision to match current",
    );

    let ondelete = set(s, "/spec/updateStrategy", json!({"type": "OnDelete"}));
    let ondelete = set(ondelete, "/status/readyReplicas", json!(0));
    check(
        &ondelete,
        Status::Current,
        "StatefulSet is using the ondelete update strategy",
    );
}

fn daemonset() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "kindnet", "namespace": "kube-system", "generation": 1},
        "spec": {"selector": {"matchLabels": {"app": "kindnet"}}},
        "status": {"currentNumberScheduled": 2, "desiredNumberScheduled": 2, "numberAvailable": 2,
            "numberMisscheduled": 0, "numberReady": 2, "observedGeneration": 1, "updatedNumberScheduled": 2}
    })
}

#[test]
fn daemonset_rules() {
    check(
        &daemonset(),
        Status::Current,
        "All replicas scheduled as expected. Replicas: 2",
    );
    check(
        &set(daemonset(), "/status/currentNumberScheduled", json!(1)),
        Status::InProgress,
        "Current: 1/2",
    );
    check(
        &set(daemonset(), "/status/updatedNumberScheduled", json!(1)),
        Status::InProgress,
        "Updated: 1/2",
    );
    check(
        &set(daemonset(), "/status/numberAvailable", json!(0)),
        Status::InProgress,
        "Available: 0/2",
    );
    check(
        &set(daemonset(), "/status/numberReady", json!(1)),
        Status::InProgress,
        "Ready: 1/2",
    );
    let mut d = daemonset();
    d["status"]
        .as_object_mut()
        .map(|s| s.remove("desiredNumberScheduled"));
    check(
        &d,
        Status::InProgress,
        "Missing .status.desiredNumberScheduled",
    );
    let mut d = daemonset();
    d["status"]
        .as_object_mut()
        .map(|s| s.remove("observedGeneration"));
    let res = check(
        &d,
        Status::InProgress,
        "DaemonSet status.observedGeneration not found",
    );
    assert_eq!(res.conditions[0].reason, "NoObservedGeneration");
    let mut d = daemonset();
    d["metadata"]
        .as_object_mut()
        .map(|m| m.remove("generation"));
    check(
        &d,
        Status::InProgress,
        "DaemonSet metadata.generation not found",
    );
}

fn replicaset() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": "podinfo-5d8f7c6b9", "namespace": "default", "generation": 1},
        "spec": {"replicas": 2},
        "status": {"availableReplicas": 2, "fullyLabeledReplicas": 2, "observedGeneration": 1,
            "readyReplicas": 2, "replicas": 2}
    })
}

#[test]
fn replicaset_rules() {
    check(
        &replicaset(),
        Status::Current,
        "ReplicaSet is available. Replicas: 2",
    );
    check(
        &set(replicaset(), "/status/fullyLabeledReplicas", json!(1)),
        Status::InProgress,
        "Labelled: 1/2",
    );
    check(
        &set(replicaset(), "/status/availableReplicas", json!(1)),
        Status::InProgress,
        "Available: 1/2",
    );
    check(
        &set(replicaset(), "/status/readyReplicas", json!(1)),
        Status::InProgress,
        "Ready: 1/2",
    );
    check(
        &set(replicaset(), "/status/replicas", json!(3)),
        Status::InProgress,
        "Pending termination: 1",
    );
    let failure = set(
        replicaset(),
        "/status/conditions",
        json!([{"type": "ReplicaFailure", "status": "True",
        "reason": "FailedCreate", "message": "pods \"x\" is forbidden: exceeded quota"}]),
    );
    check(
        &failure,
        Status::InProgress,
        "Replica Failure condition. Check Pods",
    );
}

fn pod(phase: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "podinfo-5d8f7c6b9-abcde", "namespace": "default",
            "creationTimestamp": "2024-05-02T10:11:12Z"},
        "spec": {"containers": [{"name": "podinfod", "image": "ghcr.io/stefanprodan/podinfo:6.7.0"}]},
        "status": {"phase": phase, "conditions": [
            {"type": "PodScheduled", "status": "True"},
            {"type": "Ready", "status": "False", "reason": "ContainersNotReady"}]}
    })
}

#[test]
fn pod_rules() {
    check(
        &pod("Succeeded"),
        Status::Current,
        "Pod has completed successfully",
    );
    check(
        &pod("Failed"),
        Status::Current,
        "Pod has completed, but not successfully",
    );
    check(
        &pod("Running"),
        Status::InProgress,
        "Pod is running but is not Ready",
    );
    let ready = set(pod("Running"), "/status/conditions/1/status", json!("True"));
    check(&ready, Status::Current, "Pod is Ready");
    let crash = set(
        pod("Running"),
        "/status/containerStatuses",
        json!([
        {"name": "podinfod", "ready": false, "restartCount": 4,
         "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 1m20s"}}},
        {"name": "sidecar", "ready": true, "state": {"running": {"startedAt": "2024-05-02T10:11:15Z"}}}]),
    );
    let res = check(
        &crash,
        Status::Failed,
        "Containers in CrashLoop state: podinfod",
    );
    assert_eq!(res.conditions[0].reason, "ContainerCrashLooping");
    check(
        &pod("Pending"),
        Status::InProgress,
        "Pod is in the Pending phase",
    );
    let mut unsched = pod("Pending");
    unsched["status"]["conditions"][0] = json!({"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
        "message": "0/1 nodes are available: 1 Insufficient cpu."});
    check(&unsched, Status::Failed, "Pod could not be scheduled");
    let now = k8s_openapi::jiff::Timestamp::now().to_string();
    check(
        &set(unsched, "/metadata/creationTimestamp", json!(now)),
        Status::InProgress,
        "Pod has not been scheduled",
    );
    let mut unobserved = pod("");
    unobserved["status"] = json!({});
    check(&unobserved, Status::InProgress, "Pod phase not available");
    let err = compute(&pod("Exploded")).expect_err("unknown phase");
    assert_eq!(
        err.to_string(),
        "Pod/default/podinfo-5d8f7c6b9-abcde: status.phase: unknown phase Exploded"
    );
}

fn job() -> Value {
    json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "db-migrate", "namespace": "default", "generation": 1},
        "spec": {"backoffLimit": 6, "completions": 1, "parallelism": 1},
        "status": {"active": 1, "ready": 0, "startTime": "2024-05-02T10:11:12Z", "terminating": 0}
    })
}

#[test]
fn job_rules_kstatus_and_flux() {
    check(
        &job(),
        Status::Current,
        "Job in progress. success:0, active: 1, failed: 0",
    );
    let flux = compute_job(&job()).expect("job");
    assert_eq!(
        (flux.status, flux.message.as_str()),
        (
            Status::InProgress,
            "Job in progress. success:0, active: 1, failed: 0"
        )
    );
    assert_eq!(flux.conditions[0].reason, "JobInProgress");

    let mut done = job();
    done["status"] = json!({"completionTime": "2024-05-02T10:12:00Z", "startTime": "2024-05-02T10:11:12Z",
        "succeeded": 1, "conditions": [{"type": "SuccessCriteriaMet", "status": "True"},
        {"type": "Complete", "status": "True"}]});
    check(&done, Status::Current, "Job Completed. succeeded: 1/1");
    assert_eq!(
        compute_job(&done).expect("job").message,
        "Job Completed. succeeded: 1/1"
    );

    let mut failed = job();
    failed["status"] = json!({"failed": 7, "startTime": "2024-05-02T10:11:12Z", "conditions": [
        {"type": "FailureTarget", "status": "True"},
        {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]});
    let res = check(&failed, Status::Failed, "Job Failed. failed: 7/1");
    assert_eq!(res.conditions[0].reason, "JobFailed");
    assert_eq!(compute_job(&failed).expect("job").status, Status::Failed);

    let mut unstarted = job();
    unstarted["status"] = json!({});
    check(&unstarted, Status::InProgress, "Job not started");
    assert_eq!(
        compute_job(&unstarted).expect("job").message,
        "Job not started. active: 0/1"
    );
    let suspended = set(unstarted, "/spec/suspend", json!(true));
    assert_eq!(
        compute_job(&suspended).expect("job").message,
        "Job is suspended"
    );
}

#[test]
fn pvc_service_pdb_and_always_ready() {
    let pvc = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": "default"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
        "status": {"phase": "Pending"}});
    check(&pvc, Status::InProgress, "PVC is not Bound. phase: Pending");
    check(
        &set(pvc, "/status/phase", json!("Bound")),
        Status::Current,
        "PVC is Bound",
    );

    let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "podinfo", "namespace": "default"},
        "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}, "status": {"loadBalancer": {}}});
    check(
        &svc,
        Status::InProgress,
        "ClusterIP not set. Service type: LoadBalancer",
    );
    check(
        &set(svc, "/spec/clusterIP", json!("10.96.12.7")),
        Status::Current,
        "Service is ready",
    );

    let pdb = json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": "podinfo", "namespace": "default", "generation": 1},
        "spec": {"minAvailable": 1}, "status": {"observedGeneration": 1, "currentHealthy": 0,
        "desiredHealthy": 1, "disruptionsAllowed": 0, "expectedPods": 0}});
    check(
        &pdb,
        Status::Current,
        "AllowedDisruptions has been computed.",
    );
    check(
        &set(pdb, "/metadata/generation", json!(2)),
        Status::InProgress,
        "PodDisruptionBudget generation is 2, but latest observed generation is 1",
    );

    for (api, kind) in [
        ("v1", "ConfigMap"),
        ("v1", "Secret"),
        ("batch/v1", "CronJob"),
    ] {
        let o = json!({"apiVersion": api, "kind": kind, "metadata": {"name": "x", "namespace": "default"}});
        check(&o, Status::Current, "Resource is always ready");
    }
}

#[test]
fn crd_rules() {
    let crd = |conds: Value| {
        json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com", "generation": 1},
        "spec": {"group": "example.com", "names": {"kind": "Widget", "plural": "widgets"}, "scope": "Namespaced"},
        "status": {"conditions": conds}})
    };
    check(&crd(json!([])), Status::InProgress, "Install in progress");
    check(
        &crd(
            json!([{"type": "NamesAccepted", "status": "True", "reason": "NoConflicts"},
        {"type": "Established", "status": "True", "reason": "InitialNamesAccepted"}]),
        ),
        Status::Current,
        "CRD is established",
    );
    check(
        &crd(json!([{"type": "Established", "status": "False", "reason": "Installing"}])),
        Status::InProgress,
        "Install in progress",
    );
    let res = check(
        &crd(
            json!([{"type": "NamesAccepted", "status": "False", "reason": "MultipleNameConflicts",
        "message": "\"widgets\" is already in use"}]),
        ),
        Status::Failed,
        "\"widgets\" is already in use",
    );
    assert_eq!(res.conditions[0].reason, "MultipleNameConflicts");
}

fn custom(conds: Value) -> Value {
    json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "podinfo", "namespace": "flux-system", "generation": 3},
        "spec": {"interval": "1m", "url": "https://github.com/stefanprodan/podinfo"},
        "status": {"observedGeneration": 3, "conditions": conds}})
}

#[test]
fn generic_conditions() {
    check(
        &custom(
            json!([{"type": "Ready", "status": "True", "reason": "Succeeded",
        "message": "stored artifact for revision 'master@sha1:1b2c'"}]),
        ),
        Status::Current,
        "Resource is Ready",
    );
    check(
        &custom(
            json!([{"type": "Ready", "status": "False", "reason": "GitOperationFailed",
        "message": "failed to checkout"}]),
        ),
        Status::InProgress,
        "failed to checkout",
    );
    check(
        &custom(
            json!([{"type": "Ready", "status": "Unknown", "reason": "Progressing",
        "message": "reconciliation in progress"}]),
        ),
        Status::InProgress,
        "reconciliation in progress",
    );
    // Reconciling and Stalled win over Ready.
    check(
        &custom(
            json!([{"type": "Ready", "status": "True"}, {"type": "Reconciling", "status": "True",
        "reason": "Progressing", "message": "building artifact"}]),
        ),
        Status::InProgress,
        "building artifact",
    );
    let res = check(
        &custom(
            json!([{"type": "Ready", "status": "False"}, {"type": "Stalled", "status": "True",
        "reason": "InvalidURL", "message": "invalid URL"}]),
        ),
        Status::Failed,
        "invalid URL",
    );
    assert_eq!(res.conditions[0].reason, "InvalidURL");
    check(&custom(json!([])), Status::Current, "Resource is current");
    let bare = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "default"}});
    check(&bare, Status::Current, "Resource is current");
}

#[test]
fn malformed_fields_name_object_and_field() {
    let err = compute(&custom(json!("nope"))).expect_err("conditions not a list");
    assert!(
        matches!(err, HealthError::Malformed { ref field, .. } if field == "status.conditions"),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "GitRepository/flux-system/podinfo: status.conditions: expected a list"
    );
    let err = compute(&set(podinfo(), "/metadata/generation", json!("1")))
        .expect_err("generation not int");
    assert!(
        err.to_string()
            .starts_with("Deployment/default/podinfo: metadata.generation:"),
        "{err}"
    );
}

#[test]
fn pod_controllers_with_failed_pods_are_failed() {
    use gitops_core::health::pod_controller_status;
    let in_progress = compute(&set(statefulset(), "/status/readyReplicas", json!(1))).expect("sts");
    assert_eq!(in_progress.message, "Ready: 1/3");
    let crash = set(
        pod("Running"),
        "/status/containerStatuses",
        json!([{"name": "redis",
        "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]),
    );
    let res = pod_controller_status(
        in_progress.clone(),
        &[pod("Running"), crash.clone(), crash.clone()],
    );
    assert_eq!(
        (res.status, res.message.as_str()),
        (Status::Failed, "2 pods have failed")
    );
    // Unschedulable Pods are transient; a Current controller stays Current.
    let mut unsched = pod("Pending");
    unsched["status"]["conditions"][0] =
        json!({"type": "PodScheduled", "status": "False", "reason": "Unschedulable"});
    assert_eq!(
        pod_controller_status(in_progress.clone(), &[unsched]).status,
        Status::InProgress
    );
    let current = compute(&replicaset()).expect("rs");
    assert_eq!(
        pod_controller_status(current, &[crash]).status,
        Status::Current
    );
}

//! The health poller (`health::wait`, feature `kube`) against a devcluster with workload
//! simulation: Deployments become Current after the simulated delay, a failing rollout
//! fails the wait fast, custom resources are judged by their conditions and by CEL
//! expressions, and a timeout lists the pending objects in Flux's words.
#![cfg(feature = "kube")]

use std::time::{Duration, Instant};

use gitops_core::api::kustomize::CustomHealthCheck;
use gitops_core::health::wait::{ObjectRef, WaitOptions, read_status, wait_for, wait_for_with};
use gitops_core::health::{HealthCheckExprs, HealthError, Status};
use gitops_devcluster::{DevCluster, Handle, Options};
use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

fn start() -> Handle {
    DevCluster::start(Options {
        simulate_workloads: true,
        workload_delay: Duration::from_millis(100),
        ..Options::default()
    })
    .expect("devcluster starts")
}

fn opts(timeout_ms: u64) -> WaitOptions {
    WaitOptions {
        timeout: Duration::from_millis(timeout_ms),
        interval: Duration::from_millis(50),
        ..WaitOptions::default()
    }
}

async fn create(client: &kube::Client, obj: Value) {
    let api_version = obj["apiVersion"].as_str().expect("apiVersion");
    let kind = obj["kind"].as_str().expect("kind");
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let plural = format!("{}s", kind.to_lowercase());
    let ar = ApiResource {
        group: group.into(),
        version: version.into(),
        api_version: api_version.into(),
        kind: kind.into(),
        plural: if kind == "CustomResourceDefinition" {
            "customresourcedefinitions".into()
        } else {
            plural
        },
    };
    let api: Api<DynamicObject> = match obj["metadata"]["namespace"].as_str() {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    };
    let dynamic: DynamicObject = serde_json::from_value(obj).expect("object");
    api.create(&PostParams::default(), &dynamic)
        .await
        .expect("created");
}

fn deployment(name: &str, fail: bool) -> Value {
    let mut d = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "podinfod", "image": "ghcr.io/stefanprodan/podinfo:6.7.0"}]}}}
    });
    if fail {
        d["metadata"]["annotations"] = json!({"devcluster.gitops.dev/fail": "true"});
    }
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployment_becomes_current_after_the_delay() {
    let cluster = start();
    let client = cluster.client().expect("client");
    create(&client, deployment("podinfo", false)).await;
    let objects = [ObjectRef::new(
        "apps/v1",
        "Deployment",
        "default",
        "podinfo",
    )];
    let mut seen = Vec::new();
    wait_for_with(&client, &objects, &opts(10_000), |s| {
        seen.push(s[0].result.clone())
    })
    .await
    .expect("becomes Current");
    let last = seen.last().expect("polled");
    assert_eq!(
        (last.status, last.message.as_str()),
        (Status::Current, "Deployment is available. Replicas: 2")
    );
    assert!(
        seen.len() > 1 && seen[0].status == Status::InProgress,
        "first InProgress: {seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_rollout_fails_fast_with_progress_deadline_exceeded() {
    let cluster = start();
    let client = cluster.client().expect("client");
    create(&client, deployment("broken", true)).await;
    create(&client, deployment("fine", false)).await;
    let objects = [
        ObjectRef::new("apps/v1", "Deployment", "default", "fine"),
        ObjectRef::new("apps/v1", "Deployment", "default", "broken"),
    ];
    let started = Instant::now();
    let err = wait_for(&client, &objects, &opts(60_000))
        .await
        .expect_err("fails");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "failed fast: {:?}",
        started.elapsed()
    );
    let HealthError::Stalled { failed } = &err else {
        panic!("stalled expected: {err:?}")
    };
    assert_eq!(failed.len(), 1);
    assert_eq!(
        (failed[0].status, failed[0].message.as_str()),
        (Status::Failed, "Progress deadline exceeded")
    );
    assert_eq!(
        err.to_string(),
        "failed early due to stalled resources: [Deployment/default/broken status: 'Failed']"
    );
    assert_eq!(err.reason(), "HealthCheckFailed");

    // The kstatus conditions carry the Deployment's own ProgressDeadlineExceeded message.
    let res = read_status(&client, &objects[1], &HealthCheckExprs::default()).await;
    assert_eq!(res.result.conditions[0].reason, "ProgressDeadlineExceeded");
    assert!(
        res.result.conditions[0]
            .message
            .ends_with("has timed out progressing."),
        "{res:?}"
    );
}

fn widget_crd() -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"kind": "Widget", "listKind": "WidgetList", "plural": "widgets", "singular": "widget"},
            "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                    "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}]}
    })
}

async fn set_ready(client: &kube::Client, name: &str, status: &str, reason: &str) {
    let ar = ApiResource {
        group: "example.com".into(),
        version: "v1".into(),
        api_version: "example.com/v1".into(),
        kind: "Widget".into(),
        plural: "widgets".into(),
    };
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &ar);
    let patch = json!({"status": {"conditions": [{"type": "Ready", "status": status, "reason": reason,
        "message": format!("widget is {reason}"), "lastTransitionTime": "2024-05-02T10:11:12Z"}]}});
    api.patch_status(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("status patched");
}

async fn with_widget_crd(client: &kube::Client) {
    create(client, widget_crd()).await;
    let crd = [ObjectRef::new(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        "",
        "widgets.example.com",
    )];
    wait_for(client, &crd, &opts(10_000))
        .await
        .expect("CRD established");
}

fn widget(name: &str) -> Value {
    json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name, "namespace": "default"},
        "spec": {"size": 3}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_resource_judged_by_ready_condition() {
    let cluster = start();
    let client = cluster.client().expect("client");
    with_widget_crd(&client).await;
    create(&client, widget("w1")).await;
    set_ready(&client, "w1", "False", "Provisioning").await;
    let w1 = ObjectRef::new("example.com/v1", "Widget", "default", "w1");
    let res = read_status(&client, &w1, &HealthCheckExprs::default()).await;
    assert_eq!(
        (res.result.status, res.result.message.as_str()),
        (Status::InProgress, "widget is Provisioning")
    );

    let flipper = client.clone();
    let flip = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        set_ready(&flipper, "w1", "True", "Succeeded").await;
    });
    wait_for(&client, std::slice::from_ref(&w1), &opts(10_000))
        .await
        .expect("Ready=True is Current");
    flip.await.expect("patched");
    let res = read_status(&client, &w1, &HealthCheckExprs::default()).await;
    assert_eq!(res.result.message, "Resource is Ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_resource_judged_by_cel_expressions() {
    let cluster = start();
    let client = cluster.client().expect("client");
    with_widget_crd(&client).await;
    create(&client, widget("w2")).await;
    let exprs = HealthCheckExprs::new(&[CustomHealthCheck {
        api_version: "example.com/v1".into(),
        kind: None,
        current: "status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')".into(),
        failed: Some(
            "status.conditions.exists(c, c.type == 'Ready' && c.reason == 'Broken')".into(),
        ),
        in_progress: None,
    }])
    .expect("compiles");
    let w2 = ObjectRef::new("example.com/v1", "Widget", "default", "w2");
    // Without a status the `current` expression cannot evaluate: Unknown with the error.
    let res = read_status(&client, &w2, &exprs).await;
    assert_eq!(res.result.status, Status::Unknown);
    assert!(
        res.error
            .as_deref()
            .unwrap_or_default()
            .contains("failed to evaluate the CEL expression"),
        "{res:?}"
    );

    set_ready(&client, "w2", "True", "Succeeded").await;
    let mut o = opts(10_000);
    o.exprs = exprs;
    wait_for(&client, std::slice::from_ref(&w2), &o)
        .await
        .expect("current by CEL");

    set_ready(&client, "w2", "False", "Broken").await;
    let err = wait_for(&client, std::slice::from_ref(&w2), &o)
        .await
        .expect_err("failed by CEL");
    assert_eq!(
        err.to_string(),
        "failed early due to stalled resources: [Widget/default/w2 status: 'Failed']"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_lists_the_pending_objects() {
    let cluster = start();
    let client = cluster.client().expect("client");
    with_widget_crd(&client).await;
    create(&client, widget("w3")).await;
    set_ready(&client, "w3", "False", "Provisioning").await;
    create(
        &client,
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "default"}}),
    )
    .await;
    let objects = [
        ObjectRef::new("v1", "ConfigMap", "default", "cfg"),
        ObjectRef::new("example.com/v1", "Widget", "default", "w3"),
        ObjectRef::new("apps/v1", "Deployment", "default", "missing"),
        ObjectRef::new("example.com/v1", "Gizmo", "default", "g"),
    ];
    let started = Instant::now();
    let err = wait_for(&client, &objects, &opts(400))
        .await
        .expect_err("times out");
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(
        err.to_string(),
        "timeout waiting for: [Widget/default/w3 status: 'InProgress', Deployment/default/missing status: 'NotFound', \
         Gizmo/default/g status: 'Unknown': no matches for kind \"Gizmo\" in group \"example.com\"]"
    );
    let HealthError::Timeout { pending } = &err else {
        panic!("timeout expected: {err:?}")
    };
    assert_eq!(pending[0].message, "widget is Provisioning");
    assert_eq!(pending[1].message, "Resource not found");

    // Without fail-fast a Failed object still ends the wait once nothing else can change.
    create(&client, deployment("doomed", true)).await;
    let doomed = [ObjectRef::new("apps/v1", "Deployment", "default", "doomed")];
    let mut o = opts(30_000);
    o.fail_fast = false;
    let err = wait_for(&client, &doomed, &o).await.expect_err("terminal");
    assert!(matches!(err, HealthError::Stalled { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statefulset_current_and_failed_pods_fail_it() {
    let cluster = start();
    let client = cluster.client().expect("client");
    let sts = |name: &str, fail: bool| {
        let mut s = json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"replicas": 2, "serviceName": name, "selector": {"matchLabels": {"app": name}},
                "template": {"metadata": {"labels": {"app": name}},
                    "spec": {"containers": [{"name": "redis", "image": "redis:7"}]}}}});
        if fail {
            s["metadata"]["annotations"] = json!({"devcluster.gitops.dev/fail": "true"});
        }
        s
    };
    create(&client, sts("redis", false)).await;
    let redis = [ObjectRef::new("apps/v1", "StatefulSet", "default", "redis")];
    wait_for(&client, &redis, &opts(10_000))
        .await
        .expect("StatefulSet Current");

    // A StatefulSet that never gets ready, with a crash-looping Pod.
    create(&client, sts("flaky", true)).await;
    create(
        &client,
        json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "flaky-0", "namespace": "default", "labels": {"app": "flaky"}},
        "spec": {"containers": [{"name": "redis", "image": "redis:7"}]}}),
    )
    .await;
    let pods = ApiResource {
        group: String::new(),
        version: "v1".into(),
        api_version: "v1".into(),
        kind: "Pod".into(),
        plural: "pods".into(),
    };
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &pods);
    let status = json!({"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
        "containerStatuses": [{"name": "redis", "ready": false, "restartCount": 5, "image": "redis:7", "imageID": "",
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 2m40s"}}}]}});
    api.patch_status("flaky-0", &PatchParams::default(), &Patch::Merge(&status))
        .await
        .expect("pod status");
    let flaky = [ObjectRef::new("apps/v1", "StatefulSet", "default", "flaky")];
    let err = wait_for(&client, &flaky, &opts(10_000))
        .await
        .expect_err("fails");
    let HealthError::Stalled { failed } = &err else {
        panic!("stalled expected: {err:?}")
    };
    assert_eq!(failed[0].message, "1 pods have failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_with_ttl_count_as_current_when_gone() {
    let cluster = start();
    let client = cluster.client().expect("client");
    let job = ObjectRef::new("batch/v1", "Job", "default", "migrate");
    let mut o = opts(300);
    let err = wait_for(&client, std::slice::from_ref(&job), &o)
        .await
        .expect_err("missing job");
    assert_eq!(
        err.to_string(),
        "timeout waiting for: [Job/default/migrate status: 'NotFound']"
    );
    o.jobs_with_ttl = vec![job.clone()];
    wait_for(&client, &[job], &o)
        .await
        .expect("deleted after TTL");
}

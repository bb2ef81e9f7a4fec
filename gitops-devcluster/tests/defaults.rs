//! Server-side defaulting (`src/defaults.rs`): exact defaulted JSON per kind, compared
//! with what a real 1.32 API server returns for the same input (`kubectl get -o json`
//! on kind, and Kubernetes' `pkg/apis/{core,apps,batch}/v1/defaults.go`), plus the real
//! kubectl: apply → get shows defaults and a clusterIP, re-apply is `unchanged`, diff is
//! empty.
//!
//! Needs `kubectl` on PATH (see tests/server_kubectl.rs for the install step).

use std::collections::HashSet;
use std::process::{Command, Output};

use gitops_devcluster::defaults::{allocate_cluster_ip, default_object, pull_policy};
use gitops_devcluster::{DevCluster, Options};
use serde_json::{Value, json};

fn defaulted(group: &str, kind: &str, mut v: Value) -> Value {
    default_object(group, kind, &mut v);
    v
}

fn pod_spec_defaults(containers: Value) -> Value {
    json!({
        "containers": containers,
        "dnsPolicy": "ClusterFirst",
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "terminationGracePeriodSeconds": 30
    })
}

fn web_container() -> Value {
    json!({
        "name": "web", "image": "nginx:1.27",
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": 80, "protocol": "TCP"}],
        "readinessProbe": {"httpGet": {"path": "/", "port": 80, "scheme": "HTTP"},
            "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3},
        "resources": {},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File"
    })
}

fn web_input() -> Value {
    json!([{"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}],
        "readinessProbe": {"httpGet": {"port": 80}}, "resources": {}}])
}

#[test]
fn defaults_image_pull_policy() {
    assert_eq!(pull_policy("nginx"), "Always");
    assert_eq!(pull_policy("nginx:latest"), "Always");
    assert_eq!(pull_policy("localhost:5000/app"), "Always");
    assert_eq!(pull_policy("localhost:5000/app:v1"), "IfNotPresent");
    assert_eq!(pull_policy("nginx@sha256:abc"), "IfNotPresent");
    assert_eq!(pull_policy("nginx:1.27"), "IfNotPresent");
}

#[test]
fn defaults_deployment() {
    let d = defaulted(
        "apps",
        "Deployment",
        json!({"spec": {"template": {"spec": {"containers": web_input()}}}}),
    );
    assert_eq!(
        d,
        json!({"spec": {
            "replicas": 1, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {"spec": pod_spec_defaults(json!([web_container()]))}
        }})
    );
    let r = defaulted(
        "apps",
        "Deployment",
        json!({"spec": {"replicas": 3, "strategy": {"type": "Recreate"}}}),
    );
    assert_eq!(r["spec"]["strategy"], json!({"type": "Recreate"}));
    assert_eq!(r["spec"]["replicas"], json!(3));
}

#[test]
fn defaults_statefulset_daemonset_replicaset() {
    let s = defaulted(
        "apps",
        "StatefulSet",
        json!({"spec": {"template": {"spec": {"containers": []}}}}),
    );
    assert_eq!(
        s,
        json!({"spec": {
            "replicas": 1, "podManagementPolicy": "OrderedReady", "revisionHistoryLimit": 10,
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
            "template": {"spec": pod_spec_defaults(json!([]))}
        }})
    );
    let d = defaulted("apps", "DaemonSet", json!({"spec": {}}));
    assert_eq!(
        d,
        json!({"spec": {"revisionHistoryLimit": 10,
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}}})
    );
    let r = defaulted("apps", "ReplicaSet", json!({"spec": {}}));
    assert_eq!(r, json!({"spec": {"replicas": 1}}));
}

#[test]
fn defaults_pod() {
    let p = defaulted(
        "",
        "Pod",
        json!({"spec": {"containers": [{"name": "c", "image": "busybox",
        "env": [{"name": "N", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]}],
        "volumes": [{"name": "s", "secret": {"secretName": "x"}}]}}),
    );
    let mut want = pod_spec_defaults(
        json!([{"name": "c", "image": "busybox", "imagePullPolicy": "Always",
        "env": [{"name": "N", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}],
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}]),
    );
    want["enableServiceLinks"] = json!(true);
    want["volumes"] = json!([{"name": "s", "secret": {"secretName": "x", "defaultMode": 420}}]);
    assert_eq!(p, json!({"spec": want}));
}

#[test]
fn defaults_job_cronjob() {
    let j = defaulted(
        "batch",
        "Job",
        json!({"spec": {"template": {"spec": {"restartPolicy": "Never", "containers": []}}}}),
    );
    let mut ps = pod_spec_defaults(json!([]));
    ps["restartPolicy"] = json!("Never");
    assert_eq!(
        j,
        json!({"spec": {"backoffLimit": 6, "completions": 1, "parallelism": 1,
        "completionMode": "NonIndexed", "suspend": false, "podReplacementPolicy": "TerminatingOrFailed",
        "template": {"spec": ps.clone()}}})
    );
    let j2 = defaulted("batch", "Job", json!({"spec": {"parallelism": 4}}));
    assert!(j2["spec"].get("completions").is_none());
    let c = defaulted(
        "batch",
        "CronJob",
        json!({"spec": {"schedule": "* * * * *",
        "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "Never", "containers": []}}}}}}),
    );
    assert_eq!(
        c,
        json!({"spec": {"schedule": "* * * * *", "concurrencyPolicy": "Allow", "suspend": false,
        "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
        "jobTemplate": {"spec": {"template": {"spec": ps}}}}})
    );
}

#[test]
fn defaults_service_secret_namespace() {
    let mut s = defaulted(
        "",
        "Service",
        json!({"spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}),
    );
    let mut used = HashSet::new();
    used.insert("10.96.0.10".to_string());
    allocate_cluster_ip(&mut s, None, &used).expect("allocates");
    assert_eq!(
        s,
        json!({"spec": {"selector": {"app": "web"},
        "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
        "type": "ClusterIP", "sessionAffinity": "None", "internalTrafficPolicy": "Cluster",
        "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
        "clusterIP": "10.96.0.11", "clusterIPs": ["10.96.0.11"]}})
    );
    // Kept on update when the new body omits it.
    let mut upd = defaulted("", "Service", json!({"spec": {"ports": [{"port": 80}]}}));
    allocate_cluster_ip(&mut upd, Some(&s), &HashSet::new()).expect("keeps");
    assert_eq!(upd["spec"]["clusterIPs"], json!(["10.96.0.11"]));
    let mut h = defaulted("", "Service", json!({"spec": {"clusterIP": "None"}}));
    allocate_cluster_ip(&mut h, None, &HashSet::new()).expect("headless");
    assert_eq!(h["spec"]["clusterIP"], json!("None"));
    assert_eq!(h["spec"]["clusterIPs"], json!(["None"]));
    let e = defaulted(
        "",
        "Service",
        json!({"spec": {"type": "ExternalName", "externalName": "a.b"}}),
    );
    assert_eq!(
        e,
        json!({"spec": {"type": "ExternalName", "externalName": "a.b", "sessionAffinity": "None"}})
    );
    assert_eq!(
        defaulted("", "Secret", json!({"data": {}})),
        json!({"data": {}, "type": "Opaque"})
    );
    assert_eq!(
        defaulted("", "Namespace", json!({"metadata": {"name": "x"}})),
        json!({
        "metadata": {"name": "x", "labels": {"kubernetes.io/metadata.name": "x"}},
        "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
    );
}

const MANIFEST: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: default
spec:
  selector: {app: web}
  ports:
  - port: 80
";

fn kubectl(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(dir.join("kubeconfig"))
        .arg("--cache-dir")
        .arg(dir.join("cache"))
        .args(args)
        .env("HOME", dir)
        .env("KUBECTL_EXTERNAL_DIFF", "diff -u -N")
        .output()
        .expect("kubectl runs: install kubectl (see tests/server_kubectl.rs header)")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn defaults_kubectl_apply_get_reapply_diff() {
    let handle = DevCluster::start(Options::default()).expect("devcluster starts");
    let dir = tempfile::tempdir().expect("tempdir");
    handle
        .write_kubeconfig(&dir.path().join("kubeconfig"))
        .expect("kubeconfig");
    let file = dir.path().join("app.yaml");
    std::fs::write(&file, MANIFEST).expect("manifest");
    let f = file.display().to_string();
    let o = kubectl(dir.path(), &["apply", "-f", &f]);
    assert!(o.status.success(), "{}", text(&o));
    let o = kubectl(
        dir.path(),
        &[
            "get",
            "deploy/web",
            "svc/web",
            "-n",
            "default",
            "-o",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let list: Value = serde_json::from_slice(&o.stdout).expect("json");
    let (d, s) = (&list["items"][0], &list["items"][1]);
    assert_eq!(
        d["spec"]["strategy"]["rollingUpdate"]["maxSurge"],
        json!("25%")
    );
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"],
        json!("IfNotPresent")
    );
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["ports"][0]["protocol"],
        json!("TCP")
    );
    let ip = s["spec"]["clusterIP"].as_str().unwrap_or("");
    assert!(ip.starts_with("10.9") && ip != "10.96.0.1", "{s}");
    assert_eq!(s["spec"]["clusterIPs"], json!([ip]));
    assert_eq!(s["spec"]["ports"][0]["targetPort"], json!(80));
    let o = kubectl(dir.path(), &["apply", "-f", &f]);
    let t = text(&o);
    assert!(
        o.status.success()
            && t.contains("deployment.apps/web unchanged")
            && t.contains("service/web unchanged"),
        "{t}"
    );
    let o = kubectl(dir.path(), &["diff", "-f", &f]);
    assert_eq!(o.status.code(), Some(0), "diff: {}", text(&o));
    let o = kubectl(
        dir.path(),
        &[
            "get",
            "svc/web",
            "-n",
            "default",
            "-o",
            "jsonpath={.spec.clusterIP}",
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        ip,
        "clusterIP kept across applies"
    );
}

#[test]
fn defaults_node_ports_kept_and_unique() {
    use gitops_devcluster::defaults::allocate_node_ports;
    let mut svc = json!({"spec": {"type": "NodePort", "ports": [
        {"port": 80, "protocol": "TCP"}, {"port": 443, "protocol": "TCP", "nodePort": 30001}]}});
    let used: HashSet<u64> = [30000].into_iter().collect();
    allocate_node_ports(&mut svc, None, &used).expect("allocates");
    assert_eq!(
        svc["spec"]["ports"][0]["nodePort"], 30002,
        "first free port not used elsewhere or in the object"
    );
    assert_eq!(
        svc["spec"]["ports"][1]["nodePort"], 30001,
        "a given port is kept"
    );
    // An update without node ports keeps the live ones.
    let mut next =
        json!({"spec": {"type": "NodePort", "ports": [{"port": 80, "protocol": "TCP"}]}});
    allocate_node_ports(&mut next, Some(&svc), &used).expect("allocates");
    assert_eq!(next["spec"]["ports"][0]["nodePort"], 30002);
    let mut cluster_ip =
        json!({"spec": {"type": "ClusterIP", "ports": [{"port": 80, "nodePort": 30005}]}});
    allocate_node_ports(&mut cluster_ip, None, &used).expect("allocates");
    assert!(cluster_ip["spec"]["ports"][0].get("nodePort").is_none());
}

#[test]
fn defaults_job_selector_from_uid() {
    let job = defaulted(
        "batch",
        "Job",
        json!({"metadata": {"name": "migrate", "uid": "u-1"},
        "spec": {"template": {"spec": {"containers": [{"name": "m", "image": "busybox"}], "restartPolicy": "Never"}}}}),
    );
    assert_eq!(
        job["spec"]["selector"],
        json!({"matchLabels": {"batch.kubernetes.io/controller-uid": "u-1"}})
    );
    assert_eq!(
        job["spec"]["template"]["metadata"]["labels"],
        json!({"batch.kubernetes.io/controller-uid": "u-1", "batch.kubernetes.io/job-name": "migrate",
            "controller-uid": "u-1", "job-name": "migrate"})
    );
    let manual = defaulted(
        "batch",
        "Job",
        json!({"metadata": {"name": "m", "uid": "u-2"},
        "spec": {"manualSelector": true, "template": {"spec": {"containers": []}}}}),
    );
    assert!(manual["spec"].get("selector").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defaults_job_created_through_the_api_gets_its_uid_in_the_selector() {
    use k8s_openapi::api::batch::v1::Job;
    let handle = DevCluster::start(Options::default()).expect("starts");
    let api: kube::Api<Job> = kube::Api::namespaced(handle.client().expect("client"), "default");
    let job: Job = serde_json::from_value(json!({"metadata": {"name": "j"},
        "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}], "restartPolicy": "Never"}}}}))
        .expect("job");
    let created = api
        .create(&Default::default(), &job)
        .await
        .expect("created");
    let uid = created.metadata.uid.clone().expect("uid");
    let selector = created
        .spec
        .and_then(|s| s.selector)
        .and_then(|s| s.match_labels)
        .expect("selector");
    assert_eq!(
        selector.get("batch.kubernetes.io/controller-uid"),
        Some(&uid)
    );
}

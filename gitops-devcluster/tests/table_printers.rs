//! `meta.k8s.io/v1` Tables as kube-apiserver prints the common kinds.

use gitops_devcluster::table::{self, IncludeObject, human_duration, parse_rfc3339};
use serde_json::{Value, json};

/// 2026-01-01T00:00:00Z.
const NOW: i64 = 1_767_225_600;

fn names(t: &Value) -> Vec<(String, i64)> {
    t["columnDefinitions"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().expect("name").to_owned(),
                c["priority"].as_i64().expect("priority"),
            )
        })
        .collect()
}

fn cols(spec: &[(&str, i64)]) -> Vec<(String, i64)> {
    spec.iter().map(|(n, p)| ((*n).to_owned(), *p)).collect()
}

#[test]
fn human_duration_matches_apimachinery() {
    let cases = [
        (-5, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (119, "119s"),
        (120, "2m"),
        (121, "2m1s"),
        (599, "9m59s"),
        (600, "10m"),
        (3 * 3600 - 1, "179m"),
        (3 * 3600, "3h"),
        (7 * 3600 + 59 * 60, "7h59m"),
        (8 * 3600, "8h"),
        (47 * 3600, "47h"),
        (48 * 3600, "2d"),
        (7 * 86400 + 23 * 3600, "7d23h"),
        (8 * 86400, "8d"),
        (729 * 86400, "729d"),
        (730 * 86400, "2y"),
        (731 * 86400, "2y1d"),
        (8 * 365 * 86400, "8y"),
    ];
    for (secs, want) in cases {
        assert_eq!(human_duration(secs), want, "{secs}");
    }
    assert_eq!(parse_rfc3339("2026-01-01T00:00:00Z"), Some(NOW));
    assert_eq!(parse_rfc3339("2026-01-01T01:00:00.123+01:00"), Some(NOW));
    assert_eq!(parse_rfc3339("yesterday"), None);
}

#[test]
fn configmap_table_exact() {
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "app", "namespace": "default", "creationTimestamp": "2025-12-31T23:55:00Z"},
        "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}});
    let t = table::to_table_at("ConfigMap", &[cm], IncludeObject::Metadata, NOW);
    assert_eq!(t["kind"], "Table");
    assert_eq!(t["apiVersion"], "meta.k8s.io/v1");
    assert_eq!(names(&t), cols(&[("Name", 0), ("Data", 0), ("Age", 0)]));
    assert_eq!(t["columnDefinitions"][0]["format"], "name");
    assert_eq!(
        t["rows"],
        json!([{"cells": ["app", 3, "5m"], "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
        "metadata": {"name": "app", "namespace": "default", "creationTimestamp": "2025-12-31T23:55:00Z"}}}])
    );
}

#[test]
fn pod_table_exact_with_wide_cells() {
    let pod = json!({"kind": "Pod", "metadata": {"name": "web-0", "creationTimestamp": "2025-12-31T21:00:00Z"},
        "spec": {"nodeName": "node-1", "containers": [{"name": "app"}, {"name": "sidecar"}]},
        "status": {"phase": "Running", "podIP": "10.0.0.7", "containerStatuses": [
            {"name": "app", "ready": true, "restartCount": 2, "state": {"running": {}},
             "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2025-12-31T23:50:00Z"}}},
            {"name": "sidecar", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}});
    let t = table::to_table_at("Pod", &[pod], IncludeObject::None, NOW);
    assert_eq!(
        names(&t),
        cols(&[
            ("Name", 0),
            ("Ready", 0),
            ("Status", 0),
            ("Restarts", 0),
            ("Age", 0),
            ("IP", 1),
            ("Node", 1),
            ("Nominated Node", 1),
            ("Readiness Gates", 1)
        ])
    );
    assert_eq!(
        t["rows"],
        json!([{"cells": ["web-0", "1/2", "CrashLoopBackOff", "2 (10m ago)", "3h", "10.0.0.7", "node-1", "<none>", "<none>"]}])
    );

    let pending = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}, "status": {"phase": "Pending"}});
    let t = table::to_table_at("Pod", &[pending], IncludeObject::None, NOW);
    assert_eq!(
        t["rows"][0]["cells"],
        json!([
            "p",
            "0/1",
            "Pending",
            "0",
            "<unknown>",
            "<none>",
            "<none>",
            "<none>",
            "<none>"
        ])
    );
}

#[test]
fn service_deployment_secret_namespace_tables() {
    let ts = "2025-12-30T00:00:00Z";
    let svc = json!({"metadata": {"name": "web", "creationTimestamp": ts},
        "spec": {"type": "NodePort", "clusterIP": "10.96.0.10", "selector": {"app": "web", "tier": "fe"},
            "ports": [{"port": 80, "protocol": "TCP", "nodePort": 30080}, {"port": 53, "protocol": "UDP"}]}});
    let t = table::to_table_at("Service", &[svc], IncludeObject::None, NOW);
    assert_eq!(
        names(&t),
        cols(&[
            ("Name", 0),
            ("Type", 0),
            ("Cluster-IP", 0),
            ("External-IP", 0),
            ("Port(s)", 0),
            ("Age", 0),
            ("Selector", 1)
        ])
    );
    assert_eq!(
        t["rows"][0]["cells"],
        json!([
            "web",
            "NodePort",
            "10.96.0.10",
            "<none>",
            "80:30080/TCP,53/UDP",
            "2d",
            "app=web,tier=fe"
        ])
    );

    let lb = json!({"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.11", "ports": [{"port": 443}]}});
    let t = table::to_table_at("Service", &[lb], IncludeObject::None, NOW);
    assert_eq!(
        t["rows"][0]["cells"],
        json!([
            "lb",
            "LoadBalancer",
            "10.96.0.11",
            "<pending>",
            "443/TCP",
            "<unknown>",
            "<none>"
        ])
    );

    let deploy = json!({"metadata": {"name": "api", "creationTimestamp": ts},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "api"}, "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "dev"]}]},
            "template": {"spec": {"containers": [{"name": "api", "image": "api:1"}, {"name": "proxy", "image": "envoy:1"}]}}},
        "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}});
    let t = table::to_table_at("Deployment", &[deploy], IncludeObject::None, NOW);
    assert_eq!(
        names(&t),
        cols(&[
            ("Name", 0),
            ("Ready", 0),
            ("Up-to-date", 0),
            ("Available", 0),
            ("Age", 0),
            ("Containers", 1),
            ("Images", 1),
            ("Selector", 1)
        ])
    );
    assert_eq!(
        t["rows"][0]["cells"],
        json!([
            "api",
            "2/3",
            3,
            2,
            "2d",
            "api,proxy",
            "api:1,envoy:1",
            "app=api,env in (dev,prod)"
        ])
    );

    let secret = json!({"metadata": {"name": "tls", "creationTimestamp": ts}, "type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""}});
    let t = table::to_table_at(
        "Secret",
        std::slice::from_ref(&secret),
        IncludeObject::Object,
        NOW,
    );
    assert_eq!(
        names(&t),
        cols(&[("Name", 0), ("Type", 0), ("Data", 0), ("Age", 0)])
    );
    assert_eq!(
        t["rows"],
        json!([{"cells": ["tls", "kubernetes.io/tls", 2, "2d"], "object": secret}])
    );

    let ns = json!({"metadata": {"name": "team-a", "creationTimestamp": ts}, "status": {"phase": "Active"}});
    let t = table::to_table_at("Namespace", &[ns], IncludeObject::None, NOW);
    assert_eq!(names(&t), cols(&[("Name", 0), ("Status", 0), ("Age", 0)]));
    assert_eq!(t["rows"][0]["cells"], json!(["team-a", "Active", "2d"]));
}

#[test]
fn job_statefulset_and_default_tables() {
    let job = json!({"metadata": {"name": "migrate", "creationTimestamp": "2025-12-31T23:00:00Z"},
        "spec": {"completions": 1, "template": {"spec": {"containers": [{"name": "m", "image": "m:1"}]}}, "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u"}}},
        "status": {"succeeded": 1, "startTime": "2025-12-31T23:00:00Z", "completionTime": "2025-12-31T23:00:42Z",
            "conditions": [{"type": "Complete", "status": "True"}]}});
    let t = table::to_table_at("Job", &[job], IncludeObject::None, NOW);
    assert_eq!(
        t["rows"][0]["cells"],
        json!([
            "migrate",
            "Complete",
            "1/1",
            "42s",
            "60m",
            "m",
            "m:1",
            "batch.kubernetes.io/controller-uid=u"
        ])
    );

    let sts = json!({"metadata": {"name": "db"}, "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "pg", "image": "postgres"}]}}}, "status": {"readyReplicas": 1}});
    let t = table::to_table_at("StatefulSet", &[sts], IncludeObject::None, NOW);
    assert_eq!(
        names(&t),
        cols(&[
            ("Name", 0),
            ("Ready", 0),
            ("Age", 0),
            ("Containers", 1),
            ("Images", 1)
        ])
    );
    assert_eq!(
        t["rows"][0]["cells"],
        json!(["db", "1/2", "<unknown>", "pg", "postgres"])
    );

    let crd = json!({"metadata": {"name": "widgets.example.com", "creationTimestamp": "2025-12-30T00:00:00Z"}});
    let t = table::to_table_at("CustomResourceDefinition", &[crd], IncludeObject::None, NOW);
    assert_eq!(names(&t), cols(&[("Name", 0), ("Created At", 0)]));
    assert_eq!(t["columnDefinitions"][1]["type"], "date");
    assert_eq!(
        t["rows"][0]["cells"],
        json!(["widgets.example.com", "2025-12-30T00:00:00Z"])
    );
}

#[test]
fn crd_printer_columns() {
    let columns = [
        json!({"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"}),
        json!({"name": "Status", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].message"}),
        json!({"name": "Size", "type": "integer", "jsonPath": ".spec.size", "priority": 1}),
        json!({"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}),
    ];
    let obj = json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w1", "creationTimestamp": "2025-12-31T23:59:30Z"},
        "spec": {"size": 3},
        "status": {"conditions": [{"type": "Reconciling", "status": "False"}, {"type": "Ready", "status": "True", "message": "Applied revision: main@sha1:abc"}]}});
    let bare = json!({"metadata": {"name": "w2"}});
    let t = table::to_table_for_crd_at(&columns, &[obj, bare], IncludeObject::None, NOW);
    assert_eq!(
        names(&t),
        cols(&[
            ("Name", 0),
            ("Ready", 0),
            ("Status", 0),
            ("Size", 1),
            ("Age", 0)
        ])
    );
    assert_eq!(
        t["rows"],
        json!([
            {"cells": ["w1", "True", "Applied revision: main@sha1:abc", 3, "30s"]},
            {"cells": ["w2", null, null, null, null]},
        ])
    );
    let t = table::to_table_for_crd(&[], &[json!({"metadata": {"name": "w3"}})], false);
    assert_eq!(names(&t), cols(&[("Name", 0), ("Age", 0)]));
    assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
}

#[test]
fn storage_and_rbac_tables() {
    let pvc = json!({"metadata": {"name": "data"}, "spec": {"storageClassName": "standard", "volumeName": "pv-1", "volumeMode": "Filesystem"},
        "status": {"phase": "Bound", "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"]}});
    let t = table::to_table_at("PersistentVolumeClaim", &[pvc], IncludeObject::None, NOW);
    assert_eq!(
        t["rows"][0]["cells"],
        json!([
            "data",
            "Bound",
            "pv-1",
            "1Gi",
            "RWO",
            "standard",
            "<unset>",
            "<unknown>",
            "Filesystem"
        ])
    );

    let pv = json!({"metadata": {"name": "pv-1"}, "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
        "persistentVolumeReclaimPolicy": "Retain", "claimRef": {"namespace": "default", "name": "data"}}, "status": {"phase": "Bound"}});
    let t = table::to_table_at("PersistentVolume", &[pv], IncludeObject::None, NOW);
    assert_eq!(
        t["rows"][0]["cells"],
        json!([
            "pv-1",
            "1Gi",
            "RWO,RWX",
            "Retain",
            "Bound",
            "default/data",
            "",
            "<unset>",
            "",
            "<unknown>",
            "<unset>"
        ])
    );

    let rb = json!({"metadata": {"name": "read"}, "roleRef": {"kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "User", "name": "ann"}, {"kind": "ServiceAccount", "name": "bot", "namespace": "ci"}, {"kind": "User", "name": "bob"}]});
    let t = table::to_table_at("RoleBinding", &[rb], IncludeObject::None, NOW);
    assert_eq!(
        names(&t),
        cols(&[
            ("Name", 0),
            ("Role", 0),
            ("Age", 0),
            ("Users", 1),
            ("Groups", 1),
            ("ServiceAccounts", 1)
        ])
    );
    assert_eq!(
        t["rows"][0]["cells"],
        json!([
            "read",
            "ClusterRole/view",
            "<unknown>",
            "ann, bob",
            "",
            "ci:bot"
        ])
    );
}

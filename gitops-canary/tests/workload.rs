//! Workload objects compared with Flagger's `pkg/canary/deployment_controller.go`,
//! `config_tracker.go`, `hpa_reconciler.go` and `pkg/router/kubernetes_default.go`.

use gitops_canary::{render, workload};
use gitops_core::api::flagger::Canary;
use gitops_core::object::Object;
use serde_json::{Value, json};

fn obj(v: Value) -> Object {
    Object::from_value(v).expect("object")
}

fn canary() -> Canary {
    serde_json::from_value(json!({
        "apiVersion": "flagger.app/v1beta1", "kind": "Canary",
        "metadata": {"name": "podinfo", "namespace": "test", "uid": "u1"},
        "spec": {
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
            "autoscalerRef": {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "name": "podinfo",
                "primaryScalerReplicas": {"minReplicas": 3}},
            "service": {"port": 9898, "portDiscovery": true, "appProtocol": "http"},
            "analysis": {"interval": "1m", "threshold": 5, "stepWeight": 10}
        }
    })).expect("canary")
}

fn target() -> Object {
    obj(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "podinfo", "namespace": "test",
            "labels": {"app": "podinfo", "kustomize.toolkit.fluxcd.io/name": "apps"},
            "annotations": {"team": "a", "kustomize.toolkit.fluxcd.io/checksum": "x"}},
        "spec": {
            "replicas": 2, "minReadySeconds": 3, "progressDeadlineSeconds": 60,
            "selector": {"matchLabels": {"app": "podinfo"}},
            "template": {
                "metadata": {"labels": {"app": "podinfo", "version": "1"}, "annotations": {"prometheus.io/scrape": "true"}},
                "spec": {
                    "containers": [{"name": "podinfod", "image": "podinfo:6",
                        "ports": [{"name": "http", "containerPort": 9898}, {"name": "http-metrics", "containerPort": 9797}, {"containerPort": 9999}],
                        "env": [{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "a"}}}],
                        "envFrom": [{"secretRef": {"name": "sec"}}]},
                        {"name": "istio-proxy", "ports": [{"containerPort": 15090}]}],
                    "volumes": [{"name": "v", "configMap": {"name": "untracked"}},
                                {"name": "p", "projected": {"sources": [{"configMap": {"name": "cfg"}}]}}]
                }
            }
        }
    }))
}

fn configs() -> Vec<Object> {
    vec![
        obj(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "test"}, "data": {"a": "1"}}),
        ),
        obj(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "untracked", "namespace": "test",
            "annotations": {"flagger.app/config-tracking": "disabled"}}, "data": {"b": "2"}}),
        ),
        obj(
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "sec", "namespace": "test"}, "type": "Opaque", "data": {"p": "cGFzcw=="}}),
        ),
    ]
}

fn hpa() -> Object {
    obj(
        json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "podinfo", "namespace": "test", "labels": {"app": "podinfo"}},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
                 "minReplicas": 2, "maxReplicas": 4,
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 99}}}]}}),
    )
}

#[test]
fn initial_render_order_and_primary_deployment() {
    let out = render::initial(&canary(), &target(), &configs(), Some(&hpa())).expect("render");
    let ids: Vec<String> = out.iter().map(|o| o.id().to_string()).collect();
    assert_eq!(
        ids,
        [
            "ConfigMap/test/cfg-primary",
            "Secret/test/sec-primary",
            "Deployment/test/podinfo-primary",
            "HorizontalPodAutoscaler/test/podinfo-primary",
            "Service/test/podinfo-canary",
            "Service/test/podinfo-primary",
            "Service/test/podinfo",
            "DestinationRule/test/podinfo-canary",
            "DestinationRule/test/podinfo-primary",
            "VirtualService/test/podinfo",
        ]
    );
    let d = out[2].as_value();
    assert_eq!(d["metadata"]["labels"], json!({"app": "podinfo-primary"}));
    assert_eq!(d["metadata"]["annotations"], json!({"team": "a"}));
    assert_eq!(d["metadata"]["ownerReferences"][0]["kind"], "Canary");
    assert_eq!(d["spec"]["replicas"], 2);
    assert_eq!(d["spec"]["minReadySeconds"], 3);
    assert_eq!(d["spec"]["progressDeadlineSeconds"], 60);
    assert_eq!(
        d["spec"]["selector"],
        json!({"matchLabels": {"app": "podinfo-primary"}})
    );
    assert_eq!(
        d["spec"]["template"]["metadata"]["labels"],
        json!({"app": "podinfo-primary", "version": "1"})
    );
    assert_eq!(
        d["spec"]["template"]["metadata"]["annotations"]["prometheus.io/scrape"],
        "true"
    );
    assert_eq!(
        d["spec"]["template"]["metadata"]["annotations"]["flagger-id"]
            .as_str()
            .map(str::len),
        Some(36)
    );
    let pod = &d["spec"]["template"]["spec"];
    assert_eq!(
        pod["containers"][0]["env"][0]["valueFrom"]["configMapKeyRef"]["name"],
        "cfg-primary"
    );
    assert_eq!(
        pod["containers"][0]["envFrom"][0]["secretRef"]["name"],
        "sec-primary"
    );
    assert_eq!(pod["volumes"][0]["configMap"]["name"], "untracked");
    assert_eq!(
        pod["volumes"][1]["projected"]["sources"][0]["configMap"]["name"],
        "cfg-primary"
    );
    // primary HPA with primaryScalerReplicas
    assert_eq!(
        out[3].as_value()["spec"]["scaleTargetRef"]["name"],
        "podinfo-primary"
    );
    assert_eq!(out[3].as_value()["spec"]["minReplicas"], 3);
    assert_eq!(out[3].as_value()["spec"]["maxReplicas"], 4);
    // primary config copies
    assert_eq!(out[1].as_value()["type"], "Opaque");
    assert_eq!(out[1].as_value()["data"], json!({"p": "cGFzcw=="}));
}

#[test]
fn services_as_kubernetes_default_router_writes_them() {
    let out =
        workload::services(&canary(), &target(), &workload::Options::default()).expect("services");
    let apex = out[2].as_value();
    assert_eq!(apex["metadata"]["labels"], json!({"app": "podinfo"}));
    assert_eq!(apex["spec"]["selector"], json!({"app": "podinfo-primary"}));
    assert_eq!(
        out[0].as_value()["spec"]["selector"],
        json!({"app": "podinfo"})
    );
    assert_eq!(
        out[0].as_value()["metadata"]["labels"],
        json!({"app": "podinfo-canary"})
    );
    assert_eq!(apex["spec"]["type"], "ClusterIP");
    assert_eq!(
        apex["spec"]["ports"],
        json!([
            {"name": "http", "protocol": "TCP", "appProtocol": "http", "port": 9898, "targetPort": 9898},
            {"name": "http-metrics", "protocol": "TCP", "port": 9797, "targetPort": 9797},
            {"name": "tcp-podinfod-2", "protocol": "TCP", "port": 9999, "targetPort": 9999}
        ])
    );
    assert_eq!(
        apex["metadata"]["annotations"]["kustomize.toolkit.fluxcd.io/reconcile"],
        "disabled"
    );
}

#[test]
fn tracked_configs_keys_and_checksums() {
    let t = target();
    let pod = t
        .as_value()
        .pointer("/spec/template/spec")
        .expect("pod")
        .clone();
    let cfgs = configs();
    let (cms, secs): (Vec<Object>, Vec<Object>) =
        cfgs.into_iter().partition(|o| o.kind() == "ConfigMap");
    let tracked = workload::tracked_configs("test", &pod, &cms, &secs).expect("tracked");
    let keys: Vec<&str> = tracked.keys().map(String::as_str).collect();
    assert_eq!(keys, ["configmap/cfg", "secret/sec"]);
    // sha256(`{"a":"1"}`)[:8] in hex, as Go's json.Marshal + sha256 gives
    // `printf '{"a":"1"}' | sha256sum` starts with 9afeb0f2b203f254
    assert_eq!(tracked["configmap/cfg"], "9afeb0f2b203f254");
    let err = workload::tracked_configs("test", &pod, &[], &secs).expect_err("missing configmap");
    assert!(err.to_string().contains("configmap test/cfg"), "{err}");
}

#[test]
fn selector_label_error_names_the_target() {
    let mut t = target();
    t.as_map_mut().insert(
        "spec".into(),
        json!({"selector": {"matchLabels": {"k": "v"}}}),
    );
    let err = workload::services(&canary(), &t, &workload::Options::default())
        .expect_err("no selector label");
    assert!(err.to_string().contains("Deployment/test/podinfo"), "{err}");
}

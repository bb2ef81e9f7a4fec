//! Typed decoding, `fieldValidation` and CRD structural pruning/validation, seen through
//! real clients: the machine's `kubectl`, `kube::Client` and raw HTTP (for `Warning`
//! headers).
//!
//! Needs `kubectl` on PATH (Google Cloud SDK's dispatcher with `kubectl.1.32`, or any
//! kubectl ≥ 1.27). Install: `apt-get install kubectl` from the Google Cloud SDK repository,
//! or download from https://dl.k8s.io/release/v1.32.4/bin/linux/amd64/kubectl.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use gitops_devcluster::{DevCluster, Options};
use kube::api::{
    Api, ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams,
};
use serde_json::{Value, json};

mod support;
use support::start;

fn deployment(name: &str, replicas: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: {replicas}\n  foo: bar\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        bogus: 1\n"
    )
}

#[test]
fn server_decode_kubectl_field_validation_modes() {
    let env = start();
    let strict = env.file("d1.yaml", &deployment("d1", "1"));
    let err = env.fail(&["apply", "-f", &strict]);
    assert!(
        err.contains("Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.foo\", unknown field \"spec.template.spec.containers[0].bogus\""),
        "{err}"
    );
    assert!(env.fail(&["get", "deploy", "d1"]).contains("not found"));

    let warn = env.file("d2.yaml", &deployment("d2", "1"));
    let (out, err) = env.ok_both(&["apply", "--validate=warn", "-f", &warn]);
    assert!(out.contains("deployment.apps/d2 created"), "{out}");
    assert!(err.contains("Warning: unknown field \"spec.foo\""), "{err}");
    assert!(
        err.contains("Warning: unknown field \"spec.template.spec.containers[0].bogus\""),
        "{err}"
    );

    let ignore = env.file("d3.yaml", &deployment("d3", "1"));
    let (out, err) = env.ok_both(&["apply", "--validate=false", "-f", &ignore]);
    assert!(out.contains("deployment.apps/d3 created"), "{out}");
    assert!(!err.contains("unknown field"), "{err}");

    for name in ["d2", "d3"] {
        let (json, _) = env.ok_both(&["get", "deploy", name, "-o", "json"]);
        let d: Value = serde_json::from_str(&json).expect("json");
        assert!(d["spec"].get("foo").is_none(), "{d}");
        assert!(
            d.pointer("/spec/template/spec/containers/0/bogus")
                .is_none(),
            "{d}"
        );
        assert_eq!(
            d.pointer("/spec/template/spec/containers/0/image"),
            Some(&json!("nginx:1.27"))
        );
    }

    let typed = env.file("d4.yaml", &deployment("d4", "\"2\""));
    let err = env.fail(&["apply", "--validate=false", "-f", &typed]);
    assert!(
        err.contains("Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"),
        "{err}"
    );
}

fn api_error(e: kube::Error) -> kube::core::Status {
    match e {
        kube::Error::Api(s) => *s,
        other => panic!("expected an API error, got {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_decode_kube_wrong_types_are_bad_requests() {
    let handle = DevCluster::start(Options::default()).expect("starts");
    let client = handle.client().expect("client");
    let gvk = GroupVersionKind::gvk("apps", "v1", "Deployment");
    let api: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), "default", &ApiResource::from_gvk(&gvk));
    let bad: DynamicObject = serde_json::from_value(json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"}, "spec": {"replicas": "3", "selector": {"matchLabels": {"a": "b"}},
        "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}}))
    .expect("object");
    let s = api_error(
        api.create(&PostParams::default(), &bad)
            .await
            .expect_err("rejected"),
    );
    assert_eq!(s.code, 400);
    assert_eq!(s.reason, "BadRequest");
    assert_eq!(
        s.message,
        "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"
    );

    let cms: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        "default",
        &ApiResource::from_gvk(&GroupVersionKind::gvk("", "v1", "ConfigMap")),
    );
    let cm: DynamicObject =
        serde_json::from_value(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": 1}}))
            .expect("object");
    let s = api_error(
        cms.create(&PostParams::default(), &cm)
            .await
            .expect_err("rejected"),
    );
    assert_eq!(
        s.message,
        "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string"
    );

    // Unknown fields on a patch: dropped (Warn), rejected with Strict.
    let good: DynamicObject =
        serde_json::from_value(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "ok"}, "data": {"k": "v"}}))
        .expect("object");
    cms.create(&PostParams::default(), &good)
        .await
        .expect("created");
    let patch = Patch::Merge(json!({"extra": 1, "data": {"k": "w"}}));
    let s = api_error(
        cms.patch("ok", &PatchParams::default().validation_strict(), &patch)
            .await
            .expect_err("strict"),
    );
    assert_eq!(s.code, 400);
    assert!(
        s.message
            .contains("strict decoding error: unknown field \"extra\""),
        "{}",
        s.message
    );
    let patched = cms
        .patch("ok", &PatchParams::default(), &patch)
        .await
        .expect("warn mode patches");
    assert!(patched.data.get("extra").is_none(), "{:?}", patched.data);
    assert_eq!(patched.data["data"]["k"], "w");
}

const WIDGET_CRD: &str = r#"{"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
  "metadata": {"name": "widgets.example.com"},
  "spec": {"group": "example.com", "scope": "Namespaced",
    "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
    "versions": [{"name": "v1", "served": true, "storage": true,
      "schema": {"openAPIV3Schema": {"type": "object", "properties": {
        "spec": {"type": "object", "required": ["size"], "properties": {
          "size": {"type": "integer", "minimum": 1},
          "color": {"type": "string", "enum": ["red", "blue"], "default": "red"},
          "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}},
        "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}}}}}}]}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_decode_crd_pruning_defaults_and_validation() {
    let handle = DevCluster::start(Options::default()).expect("starts");
    let client = handle.client().expect("client");
    let crds: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &ApiResource::from_gvk(&GroupVersionKind::gvk(
            "apiextensions.k8s.io",
            "v1",
            "CustomResourceDefinition",
        )),
    );
    let crd: DynamicObject = serde_json::from_str(WIDGET_CRD).expect("crd");
    crds.create(&PostParams::default(), &crd)
        .await
        .expect("crd created");
    let widgets: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        "default",
        &ApiResource::from_gvk(&GroupVersionKind::gvk("example.com", "v1", "Widget")),
    );
    let w = |name: &str, spec: Value| -> DynamicObject {
        serde_json::from_value(json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": name, "bogus": true}, "spec": spec, "junk": 1}))
        .expect("widget")
    };

    let created = widgets
        .create(
            &PostParams::default(),
            &w(
                "w1",
                json!({"size": 2, "extra": "x", "free": {"any": {"deep": [1, 2]}}}),
            ),
        )
        .await
        .expect("created");
    assert_eq!(
        created.data["spec"],
        json!({"size": 2, "free": {"any": {"deep": [1, 2]}}, "color": "red"})
    );
    assert!(created.data.get("junk").is_none(), "{:?}", created.data);
    let got = widgets.get("w1").await.expect("get");
    assert_eq!(got.data["spec"]["free"], json!({"any": {"deep": [1, 2]}}));

    let s = api_error(
        widgets
            .create(&PostParams::default(), &w("w2", json!({"size": "big"})))
            .await
            .expect_err("422"),
    );
    assert_eq!((s.code, s.reason.as_str()), (422, "Invalid"));
    assert_eq!(
        s.message,
        "Widget.example.com \"w2\" is invalid: spec.size: Invalid value: \"string\": spec.size in body must be of type integer: \"string\""
    );
    let details = s.details.expect("details");
    assert_eq!(
        (
            details.kind.as_str(),
            details.group.as_str(),
            details.name.as_str()
        ),
        ("Widget", "example.com", "w2")
    );
    assert_eq!(details.causes[0].reason, "FieldValueTypeInvalid");
    assert_eq!(details.causes[0].field, "spec.size");

    let s = api_error(
        widgets
            .create(&PostParams::default(), &w("w3", json!({"color": "green"})))
            .await
            .expect_err("422"),
    );
    assert_eq!(
        s.message,
        "Widget.example.com \"w3\" is invalid: [spec.color: Unsupported value: \"green\": supported values: \"red\", \"blue\", spec.size: Required value]"
    );
    let s = api_error(
        widgets
            .create(&PostParams::default(), &w("w4", json!({"size": 0})))
            .await
            .expect_err("422"),
    );
    assert_eq!(
        s.message,
        "Widget.example.com \"w4\" is invalid: spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1"
    );

    // Strict on a custom resource patch: pruned paths are reported, sorted.
    let patch = Patch::Merge(json!({"spec": {"zzz": 1, "aaa": 2}}));
    let s = api_error(
        widgets
            .patch("w1", &PatchParams::default().validation_strict(), &patch)
            .await
            .expect_err("400"),
    );
    assert_eq!(
        s.message,
        "Widget in version \"v1\" cannot be handled as a Widget: strict decoding error: unknown field \"spec.aaa\", unknown field \"spec.zzz\""
    );
}

#[test]
fn server_decode_kubectl_custom_resources() {
    let env = start();
    let crd = env.file("crd.json", WIDGET_CRD);
    env.ok_both(&["apply", "-f", &crd]);
    let cr = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: NAME\nspec:\n  size: 3\n  unknown: 1\n";
    let f = env.file("w1.yaml", &cr.replace("NAME", "w1"));
    let err = env.fail(&["apply", "-f", &f]);
    assert!(
        err.contains("Widget in version \"v1\" cannot be handled as a Widget: strict decoding error: unknown field \"spec.unknown\""),
        "{err}"
    );
    let f = env.file("w2.yaml", &cr.replace("NAME", "w2"));
    let (_, err) = env.ok_both(&["apply", "--validate=warn", "-f", &f]);
    assert!(
        err.contains("Warning: unknown field \"spec.unknown\""),
        "{err}"
    );
    let (json, _) = env.ok_both(&["get", "widget", "w2", "-o", "json"]);
    let w: Value = serde_json::from_str(&json).expect("json");
    assert_eq!(w["spec"], json!({"size": 3, "color": "red"}));

    let bad = env.file(
        "w3.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w3\nspec:\n  color: green\n",
    );
    let err = env.fail(&["apply", "-f", &bad]);
    assert!(err.contains("The Widget \"w3\" is invalid"), "{err}");
    assert!(
        err.contains(
            "spec.color: Unsupported value: \"green\": supported values: \"red\", \"blue\""
        ),
        "{err}"
    );
    assert!(err.contains("spec.size: Required value"), "{err}");
}

/// One HTTP/1.1 request over a fresh connection: (status, headers, body).
fn raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> (u16, Vec<(String, String)>, String) {
    let mut s = TcpStream::connect(addr).expect("connects");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).expect("sent");
    let mut resp = String::new();
    s.read_to_string(&mut resp).expect("read");
    let (head, rest) = resp.split_once("\r\n\r\n").expect("head");
    let mut lines = head.lines();
    let code = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (code, headers, rest.to_string())
}

fn warnings(headers: &[(String, String)]) -> Vec<&str> {
    headers
        .iter()
        .filter(|(k, _)| k == "warning")
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn server_decode_warning_headers_per_field_validation() {
    let env = start();
    let addr = env.handle.addr();
    let addr = SocketAddr::from(([127, 0, 0, 1], addr.port()));
    let body = |name: &str| {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "nope": 1}, "data": {"a": "b"}, "foo": {"bar": 1}})
            .to_string()
    };
    let path = "/api/v1/namespaces/default/configmaps";
    let (code, headers, _) = raw(addr, "POST", path, &body("absent"));
    assert_eq!(code, 201);
    assert_eq!(
        warnings(&headers),
        [
            r#"299 - "unknown field \"metadata.nope\"""#,
            r#"299 - "unknown field \"foo\"""#
        ]
    );

    let (code, headers, _) = raw(
        addr,
        "POST",
        &format!("{path}?fieldValidation=Warn"),
        &body("warn"),
    );
    assert_eq!(code, 201);
    assert_eq!(warnings(&headers).len(), 2);

    let (code, headers, created) = raw(
        addr,
        "POST",
        &format!("{path}?fieldValidation=Ignore"),
        &body("ignore"),
    );
    assert_eq!(code, 201);
    assert!(warnings(&headers).is_empty());
    let created: Value = serde_json::from_str(&created).expect("json");
    assert!(
        created.get("foo").is_none() && created["metadata"].get("nope").is_none(),
        "{created}"
    );

    let (code, _, status) = raw(
        addr,
        "POST",
        &format!("{path}?fieldValidation=Strict"),
        &body("strict"),
    );
    assert_eq!(code, 400);
    let status: Value = serde_json::from_str(&status).expect("json");
    assert_eq!(status["reason"], "BadRequest");
    assert_eq!(
        status["message"],
        "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"metadata.nope\", unknown field \"foo\""
    );

    let (code, _, status) = raw(
        addr,
        "POST",
        &format!("{path}?fieldValidation=bogus"),
        &body("bogus"),
    );
    assert_eq!(code, 422);
    let status: Value = serde_json::from_str(&status).expect("json");
    assert_eq!(
        status["message"],
        "CreateOptions.meta.k8s.io \"\" is invalid: fieldValidation: Unsupported value: \"bogus\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\""
    );
}

//! Strategic merge patch with the API server's directives, sent by the machine's real
//! `kubectl`: client-side `apply` (its 3-way patch carries `$setElementOrder/…`,
//! `$deleteFromPrimitiveList/…` and `$patch: delete`) and `kubectl patch --type=strategic`
//! with `$retainKeys`. The stored objects must never contain a directive.
//!
//! Needs `kubectl` on PATH (Google Cloud SDK's dispatcher with `kubectl.1.32`, or any
//! kubectl ≥ 1.27). Install: `apt-get install kubectl` from the Google Cloud SDK repository,
//! or download from https://dl.k8s.io/release/v1.32.4/bin/linux/amd64/kubectl.

mod support;

use serde_json::{Value, json};
use support::start;

const V1: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  finalizers: [example.com/a, example.com/b]
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: nginx:1.27
        env:
        - {name: A, value: one}
        - {name: B, value: b}
      - name: sidecar
        image: busybox
      - name: log
        image: fluent-bit
";

/// One env value changed, `sidecar` removed, `log` moved first, finalizer `b` removed.
const V2: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  finalizers: [example.com/a]
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: log
        image: fluent-bit
      - name: app
        image: nginx:1.27
        env:
        - {name: A, value: two}
        - {name: B, value: b}
";

/// Every key starting with `$` anywhere in `v`.
fn dollar_keys(v: &Value) -> Vec<String> {
    match v {
        Value::Object(m) => m
            .iter()
            .flat_map(|(k, v)| {
                let mut out = dollar_keys(v);
                if k.starts_with('$') {
                    out.push(k.clone());
                }
                out
            })
            .collect(),
        Value::Array(a) => a.iter().flat_map(dollar_keys).collect(),
        _ => Vec::new(),
    }
}

/// The containers' names, images and env (server defaults left out).
fn containers(obj: &Value) -> Value {
    let list = obj
        .pointer("/spec/template/spec/containers")
        .and_then(Value::as_array);
    let project = |c: &Value| {
        let mut out = json!({"name": c["name"], "image": c["image"]});
        if let Some(env) = c.get("env") {
            out["env"] = env.clone();
        }
        out
    };
    Value::Array(list.into_iter().flatten().map(project).collect())
}

#[test]
fn server_smp_kubectl_client_side_apply_with_directives() {
    let env = start();
    let v1 = env.file("v1.yaml", V1);
    assert!(
        env.ok(&["apply", "-f", &v1])
            .contains("deployment.apps/web created")
    );

    let v2 = env.file("v2.yaml", V2);
    let out = env.run(&["apply", "-f", &v2, "-v=8"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    // kubectl's 3-way patch really used the directives this test is about.
    for directive in [
        "$setElementOrder/containers",
        "$setElementOrder/env",
        "$deleteFromPrimitiveList/finalizers",
        "$patch",
    ] {
        assert!(log.contains(directive), "{directive} not sent:\n{log}");
    }
    assert!(!log.contains("error calculating patch"), "{log}");

    let obj = env.json(&["get", "deploy", "web"]);
    assert_eq!(dollar_keys(&obj), Vec::<String>::new(), "{obj:#}");
    assert_eq!(obj["metadata"]["finalizers"], json!(["example.com/a"]));
    assert_eq!(
        containers(&obj),
        json!([
            {"name": "log", "image": "fluent-bit"},
            {"name": "app", "image": "nginx:1.27",
                "env": [{"name": "A", "value": "two"}, {"name": "B", "value": "b"}]}
        ])
    );
    // The live object now matches the manifest: no diff, and a third apply changes nothing.
    let diff = env.run(&["diff", "-f", &v2]);
    assert!(
        diff.status.success(),
        "{}{}",
        String::from_utf8_lossy(&diff.stdout),
        String::from_utf8_lossy(&diff.stderr)
    );
    assert!(
        env.ok(&["apply", "-f", &v2])
            .contains("deployment.apps/web unchanged")
    );
}

#[test]
fn server_smp_kubectl_patch_retain_keys_and_malformed_directives() {
    let env = start();
    let v2 = env.file(
        "v2.yaml",
        &V2.replace("  finalizers: [example.com/a]\n", ""),
    );
    env.ok(&["apply", "-f", &v2]);
    let before = env.json(&["get", "deploy", "web"]);
    assert_eq!(
        before["spec"]["strategy"]["type"], "RollingUpdate",
        "{before:#}"
    );
    assert!(
        before["spec"]["strategy"].get("rollingUpdate").is_some(),
        "{before:#}"
    );

    // `$retainKeys` drops rollingUpdate, which a plain merge would keep.
    let retain = r#"{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}"#;
    env.ok(&["patch", "deploy", "web", "--type=strategic", "-p", retain]);
    let obj = env.json(&["get", "deploy", "web"]);
    assert_eq!(obj["spec"]["strategy"], json!({"type": "Recreate"}));
    assert_eq!(dollar_keys(&obj), Vec::<String>::new(), "{obj:#}");

    // `$patch: delete` on a list item and `$setElementOrder` from a hand-written patch.
    let order = r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"app"}],
        "containers":[{"name":"log","$patch":"delete"}]}}}}"#;
    env.ok(&["patch", "deploy", "web", "--type=strategic", "-p", order]);
    let obj = env.json(&["get", "deploy", "web"]);
    assert_eq!(
        containers(&obj)
            .as_array()
            .map(|c| c.iter().map(|c| c["name"].clone()).collect::<Vec<_>>()),
        Some(vec![json!("app")])
    );

    // Malformed directives are the server's 400s, and change nothing.
    let cases = [
        (
            r#"{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{"maxSurge":1}}}}"#,
            "invalid patch format of retainKeys",
        ),
        (
            r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":"app"}}}}"#,
            "expected a []interface {}, but received a string",
        ),
        (
            r#"{"metadata":{"$deleteFromPrimitiveListfinalizers":["x"]}}"#,
            "invalid patch format of primitive list",
        ),
    ];
    for (patch, message) in cases {
        let err = env.fail(&["patch", "deploy", "web", "--type=strategic", "-p", patch]);
        assert!(
            err.contains("(BadRequest)") && err.contains(message),
            "{patch}: {err}"
        );
    }
    let after = env.json(&["get", "deploy", "web"]);
    assert_eq!(
        after["metadata"]["resourceVersion"],
        obj["metadata"]["resourceVersion"]
    );
}

//! The machine's real `kubectl` reading `/openapi/v3` and Tables from a devcluster started
//! by the test: `explain`, validated `apply` with a client-side strategic merge patch, and
//! `get` columns (plain and `-o wide`).
//!
//! Needs `kubectl` on PATH (Google Cloud SDK's dispatcher with `kubectl.1.32`, or any
//! kubectl ≥ 1.27). Install: `apt-get install kubectl` from the Google Cloud SDK repository,
//! or download from https://dl.k8s.io/release/v1.32.4/bin/linux/amd64/kubectl.

mod support;
use support::start;

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: app\n        image: nginx:1.27\n        env:\n        - name: A\n          value: one\n      - name: sidecar\n        image: busybox\n";

#[test]
fn openapi_kubectl_explain_apply_and_get_columns() {
    let env = start();
    let (explain, _) = env.ok_both(&["explain", "deployment.spec.template.spec.containers"]);
    assert!(
        explain.contains("GROUP:      apps") || explain.contains("apps"),
        "{explain}"
    );
    assert!(
        explain.contains("List of containers belonging to the pod"),
        "{explain}"
    );
    let (cm_explain, _) = env.ok_both(&["explain", "configmap.data"]);
    assert!(
        cm_explain.contains("Data contains the configuration data"),
        "{cm_explain}"
    );

    let deploy = env.file("deploy.yaml", DEPLOY);
    let (out, err) = env.ok_both(&["apply", "-f", &deploy]);
    assert!(out.contains("deployment.apps/web created"), "{out}{err}");
    // Second apply changes one env value: kubectl computes a client-side strategic merge
    // patch from the served schemas (merge keys give `$setElementOrder` and a one-item
    // `env` patch), never the "error calculating patch from openapi" fallback.
    let changed = env.file("deploy2.yaml", &DEPLOY.replace("value: one", "value: two"));
    let out = env.run(&["apply", "-f", &changed, "-v=8"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("error calculating patch from openapi"),
        "{err}"
    );
    // kubectl's -v=8 log quotes the request body as a Go string.
    let sent = |fragment: &str| err.contains(&fragment.replace('"', "\\\""));
    assert!(
        sent(r#""$setElementOrder/containers":[{"name":"app"},{"name":"sidecar"}]"#),
        "{err}"
    );
    assert!(
        sent(r#""env":[{"name":"A","value":"two"}],"name":"app""#),
        "{err}"
    );
    assert!(out.status.success(), "{err}");
    let (json, _) = env.ok_both(&["get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[*].name} {.spec.template.spec.containers[0].env[0].value}"]);
    assert_eq!(json.trim(), "app sidecar two");
    let (get, _) = env.ok_both(&["get", "deploy"]);
    let header: Vec<&str> = get
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        "{get}"
    );
    let (wide, _) = env.ok_both(&["get", "deploy", "-o", "wide"]);
    let header: Vec<&str> = wide
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        [
            "NAME",
            "READY",
            "UP-TO-DATE",
            "AVAILABLE",
            "AGE",
            "CONTAINERS",
            "IMAGES",
            "SELECTOR"
        ],
        "{wide}"
    );
    assert!(
        wide.contains("app,sidecar")
            && wide.contains("nginx:1.27,busybox")
            && wide.contains("app=web"),
        "{wide}"
    );

    env.ok_both(&[
        "create",
        "configmap",
        "settings",
        "--from-literal=a=1",
        "--from-literal=b=2",
    ]);
    let (cms, _) = env.ok_both(&["get", "cm", "settings"]);
    let row: Vec<&str> = cms
        .lines()
        .nth(1)
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(
        cms.lines()
            .next()
            .map(|l| l.split_whitespace().collect::<Vec<_>>()),
        Some(vec!["NAME", "DATA", "AGE"]),
        "{cms}"
    );
    assert_eq!(row.get(..2), Some(&["settings", "2"][..]), "{cms}");
}

const CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: The desired widget.
            properties:
              size: {type: integer, description: How many parts the widget has.}
          status:
            type: object
            x-kubernetes-preserve-unknown-fields: true
"#;

#[test]
fn openapi_kubectl_crd_explain_and_printer_columns() {
    let env = start();
    let crd = env.file("crd.yaml", CRD);
    env.ok_both(&["apply", "-f", &crd]);
    env.ok_both(&[
        "wait",
        "--for=condition=Established",
        "crd/widgets.example.com",
        "--timeout=20s",
    ]);
    let (explain, _) = env.ok_both(&["explain", "widgets.spec.size"]);
    assert!(
        explain.contains("How many parts the widget has."),
        "{explain}"
    );
    let cr = env.file("w.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\n  namespace: default\nspec:\n  size: 3\n");
    env.ok_both(&["apply", "-f", &cr]);
    let (get, _) = env.ok_both(&["get", "widgets"]);
    let lines: Vec<Vec<&str>> = get
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines.first().map(Vec::as_slice),
        Some(&["NAME", "SIZE", "READY", "AGE"][..]),
        "{get}"
    );
    assert_eq!(
        lines.get(1).and_then(|l| l.get(..2)),
        Some(&["w1", "3"][..]),
        "{get}"
    );
}

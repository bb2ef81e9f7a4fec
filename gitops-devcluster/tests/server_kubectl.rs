//! The machine's real `kubectl` against a devcluster started by the test.
//!
//! Needs `kubectl` on PATH (Google Cloud SDK's dispatcher with `kubectl.1.32`, or any
//! kubectl ≥ 1.27). Install: `apt-get install kubectl` from the Google Cloud SDK repository,
//! or download from https://dl.k8s.io/release/v1.32.4/bin/linux/amd64/kubectl.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

mod support;
use support::start;

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: x\n  labels:\n    app: web\ndata:\n  color: blue\n";

#[test]
fn server_kubectl_namespaces_and_configmaps() {
    let env = start();
    let ns = env.ok(&["get", "ns"]);
    assert!(ns.contains("default") && ns.contains("kube-system"), "{ns}");
    assert!(
        env.ok(&["create", "namespace", "x"])
            .contains("namespace/x created")
    );
    let cm = env.file("cm.yaml", CM);
    assert!(
        env.ok(&["create", "-f", &cm, "--validate=false"])
            .contains("configmap/settings created")
    );
    let other = env.file(
        "other.yaml",
        &CM.replace("settings", "other")
            .replace("app: web", "app: db"),
    );
    env.ok(&["create", "-f", &other]);

    let yaml = env.ok(&["get", "cm", "-n", "x", "settings", "-o", "yaml"]);
    assert!(
        yaml.contains("color: blue") && yaml.contains("resourceVersion:") && yaml.contains("uid:"),
        "{yaml}"
    );
    let by_label = env.ok(&["get", "cm", "-n", "x", "-l", "app=web", "-o", "name"]);
    assert_eq!(by_label.trim(), "configmap/settings");
    let by_field = env.ok(&[
        "get",
        "cm",
        "-n",
        "x",
        "--field-selector",
        "metadata.name=other",
        "-o",
        "name",
    ]);
    assert_eq!(by_field.trim(), "configmap/other");
    let all = env.ok(&["get", "cm", "-A", "-o", "name"]);
    assert_eq!(all.lines().count(), 2, "{all}");

    let dup = env.fail(&["create", "-f", &cm, "--validate=false"]);
    assert!(
        dup.contains("AlreadyExists") && dup.contains("configmaps \"settings\" already exists"),
        "{dup}"
    );
    let missing_ns = env.file("y.yaml", &CM.replace("namespace: x", "namespace: nope"));
    let err = env.fail(&["create", "-f", &missing_ns, "--validate=false"]);
    assert!(err.contains("namespaces \"nope\" not found"), "{err}");

    assert!(
        env.ok(&["delete", "cm", "-n", "x", "settings"])
            .contains("deleted")
    );
    let err = env.fail(&["get", "cm", "-n", "x", "settings"]);
    assert!(err.contains("NotFound"), "{err}");
    assert!(env.ok(&["delete", "namespace", "x"]).contains("deleted"));
    let left = env.ok(&["get", "cm", "-A", "-o", "name"]);
    assert!(left.trim().is_empty(), "namespace contents survive: {left}");
    drop(env.handle);
}

#[test]
fn server_kubectl_api_resources() {
    let env = start();
    let out = env.ok(&["api-resources"]);
    for needle in [
        "deployments",
        "deploy",
        "apps/v1",
        "customresourcedefinitions",
        "horizontalpodautoscalers",
        "leases",
    ] {
        assert!(out.contains(needle), "{needle} missing in\n{out}");
    }
    let ns_only = env.ok(&["api-resources", "--namespaced=false", "-o", "name"]);
    assert!(
        ns_only.contains("namespaces") && !ns_only.lines().any(|l| l == "configmaps"),
        "{ns_only}"
    );
}

#[test]
fn server_kubectl_get_watch_sees_new_object() {
    let env = start();
    let mut child = env
        .cmd(&["get", "cm", "-n", "default", "-w", "--request-timeout=0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl runs");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    // Give the watch time to open, then create the object it must report.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut created = false;
    let mut seen = false;
    while Instant::now() < deadline && !seen {
        if !created {
            std::thread::sleep(Duration::from_secs(2));
            let cm = env.file(
                "w.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\n",
            );
            env.ok(&["create", "-f", &cm, "-n", "default", "--validate=false"]);
            created = true;
        }
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(500)) {
            seen = line.contains("watched");
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(seen, "kubectl get -w never printed the new ConfigMap");
}

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n";

const CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
"#;

#[test]
fn server_kubectl_tables_and_crds() {
    let env = start();
    let deploy = env.file("deploy.yaml", DEPLOY);
    assert!(
        env.ok(&["create", "-f", &deploy])
            .contains("deployment.apps/web created")
    );
    let table = env.ok(&["get", "deploy"]);
    assert!(
        table.contains("READY") && table.contains("UP-TO-DATE") && table.contains("web"),
        "{table}"
    );
    let wide = env.ok(&["get", "deploy", "web", "-o", "wide"]);
    assert!(wide.contains("nginx:1.27"), "{wide}");

    let crd = env.file("crd.yaml", CRD);
    assert!(env.ok(&["create", "-f", &crd]).contains("created"));
    let w = env.file(
        "w.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 7\n",
    );
    assert!(
        env.ok(&["create", "-f", &w])
            .contains("widget.example.com/w1 created")
    );
    let got = env.ok(&["get", "wd"]);
    assert!(got.contains("SIZE") && got.contains('7'), "{got}");
    let res = env.ok(&["api-resources", "--api-group=example.com"]);
    assert!(res.contains("widgets") && res.contains("wd"), "{res}");
}

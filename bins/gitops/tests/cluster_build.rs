//! `gitops build kustomization` and `gitops diff kustomization` with the real binary
//! against a dev cluster: the local directory built as the cluster's Kustomization would
//! (generated kustomization, targetNamespace, postBuild variables from the spec and a
//! ConfigMap, owner labels), and the server-side dry-run diff with flux's exit codes.

mod cluster_support;

use cluster_support::Cluster;
use serde_json::json;

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:${tag:=1.27}\n";

#[test]
fn build_and_diff_kustomization() {
    let cluster = Cluster::start();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("deploy.yaml"), DEPLOY).expect("write");
    let path = dir.path().display().to_string();
    cluster.must("POST", "/api/v1/namespaces/flux-system/configmaps",
        &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "vars"}, "data": {"replicas": "3"}}));
    let ks = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "web", "namespace": "flux-system"},
        "spec": {"interval": "5m", "path": "./deploy", "prune": true, "targetNamespace": "apps",
            "sourceRef": {"kind": "GitRepository", "name": "repo"},
            "postBuild": {"substitute": {"tag": "1.28"}, "substituteFrom": [{"kind": "ConfigMap", "name": "vars"}]}}});
    cluster.must(
        "POST",
        "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations",
        &ks,
    );

    let built = cluster.gitops(&["build", "kustomization", "web", "--path", &path], None);
    assert_eq!(built.code, 0, "{}", built.stderr);
    let doc: serde_json::Value = serde_json::to_value(
        gitops_core::yaml::load_documents(&built.stdout, &Default::default()).expect("yaml")[0]
            .value
            .clone(),
    )
    .expect("value");
    assert_eq!(doc["metadata"]["namespace"], "apps");
    assert_eq!(doc["spec"]["replicas"], 3, "substituteFrom the ConfigMap");
    assert_eq!(
        doc["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.28",
        "inline substitute wins"
    );
    assert_eq!(
        doc["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"],
        "web"
    );
    assert_eq!(
        doc["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/namespace"],
        "flux-system"
    );

    // Without a cluster: --dry-run with a kustomization file skips substituteFrom.
    let other = tempfile::tempdir().expect("tempdir");
    let file = other.path().join("ks.yaml");
    std::fs::write(&file, serde_json::to_string(&ks).expect("json")).expect("write");
    let offline = std::process::Command::new(env!("CARGO_BIN_EXE_gitops"))
        .args([
            "--kubeconfig=/nonexistent",
            "build",
            "ks",
            "web",
            "--path",
            &path,
            "--dry-run",
        ])
        .arg(format!("--kustomization-file={}", file.display()))
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&offline.stdout);
    assert!(
        offline.status.success(),
        "{}",
        String::from_utf8_lossy(&offline.stderr)
    );
    assert!(
        text.contains("replicas: null"),
        "unset variables are empty without --strict-substitute: {text}"
    );
    assert!(text.contains("image: nginx:1.28"), "{text}");
    let bad = cluster.gitops(&["build", "ks", "web", "--path", "/nonexistent/dir"], None);
    assert_ne!(bad.code, 0);
    assert!(
        bad.stderr.contains("invalid resource path"),
        "{}",
        bad.stderr
    );

    // diff: created → exit 1; after applying the build → exit 0; a drift → exit 1 with the change.
    let diff = cluster.gitops(&["diff", "kustomization", "web", "--path", &path], None);
    assert_eq!(diff.code, 1, "{}{}", diff.stdout, diff.stderr);
    assert!(
        diff.stdout.contains("► Deployment/apps/web created"),
        "{}",
        diff.stdout
    );
    let obj = doc.clone();
    cluster.must("POST", "/apis/apps/v1/namespaces/apps/deployments", &obj);
    let same = cluster.gitops(&["diff", "kustomization", "web", "--path", &path], None);
    assert_eq!(same.code, 0, "{}{}", same.stdout, same.stderr);
    assert_eq!(same.stdout, "");
    let (code, _) = cluster.http(
        "PATCH",
        "/apis/apps/v1/namespaces/apps/deployments/web?fieldManager=kubectl-edit",
        "application/merge-patch+json",
        Some(&json!({"spec": {"replicas": 5}})),
    );
    assert_eq!(code, 200);
    let drift = cluster.gitops(&["diff", "ks", "web", "--path", &path], None);
    assert_eq!(drift.code, 1, "{}{}", drift.stdout, drift.stderr);
    assert!(
        drift.stdout.contains("► Deployment/apps/web drifted"),
        "{}",
        drift.stdout
    );
    assert!(
        drift.stdout.contains("-  replicas: 5") && drift.stdout.contains("+  replicas: 3"),
        "{}",
        drift.stdout
    );
}

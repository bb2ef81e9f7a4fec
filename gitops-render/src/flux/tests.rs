use std::process::Command;

use gitops_core::api::kustomize::{Image, KustomizationSpec, Patch, Selector};

use super::*;
use crate::kustomize::{DiskFs, MemFs};

fn spec(path: &str) -> KustomizationSpec {
    serde_json::from_value(json!({"interval": "1m", "prune": true, "path": path,
        "sourceRef": {"kind": "GitRepository", "name": "repo"}}))
    .expect("spec")
}

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n";
const SVC: &str =
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n";

#[test]
fn generated_file_lists_manifests_and_kustomized_dirs() {
    let mut fs = MemFs::new();
    fs.add("apps/a.yaml", DEPLOY)
        .add("apps/z.yml", SVC)
        .add("apps/notes.txt", "x")
        .add("apps/plain/b.yaml", SVC.replace("web", "b"));
    fs.add("apps/base/kustomization.yaml", "resources: [c.yaml]\n")
        .add("apps/base/c.yaml", SVC.replace("web", "c"));
    let text = generate(&fs, "apps", &spec("./apps")).expect("generates");
    assert_eq!(
        text,
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ./a.yaml\n- ./base\n- ./plain/b.yaml\n- ./z.yml\n"
    );
    let built = build(&fs, &spec("./apps")).expect("builds");
    let names: Vec<String> = built.iter().map(|o| o.name().to_string()).collect();
    assert_eq!(names, ["web", "c", "b", "web"]);
    let mut bad = MemFs::new();
    bad.add("x/bad.yaml", "not: [valid\n");
    assert!(matches!(
        build(&bad, &spec("x")),
        Err(FluxBuildError::Manifest { .. })
    ));
    assert!(matches!(
        build(&fs, &spec("nope")),
        Err(FluxBuildError::PathNotFound(_))
    ));
}

#[test]
fn spec_fields_overlay_the_file() {
    let mut fs = MemFs::new();
    fs.add(
        "app/kustomization.yaml",
        "resources: [d.yaml]\nimages:\n- name: nginx\n  newTag: \"1.0\"\n",
    )
    .add("app/d.yaml", DEPLOY);
    let mut s = spec("app");
    s.target_namespace = Some("team".into());
    s.name_prefix = Some("p-".into());
    s.images = Some(vec![Image {
        name: "nginx".into(),
        new_name: Some("registry/nginx".into()),
        new_tag: None,
        digest: None,
    }]);
    s.patches = Some(vec![Patch {
        patch: "- op: add\n  path: /metadata/labels\n  value: {patched: \"yes\"}\n".into(),
        target: Some(Selector {
            kind: Some("Deployment".into()),
            ..Selector::default()
        }),
    }]);
    let text = generate(&fs, "app", &s).expect("generates");
    assert!(
        text.contains("namespace: team") && text.contains("namePrefix: p-"),
        "{text}"
    );
    assert!(
        text.contains("newName: registry/nginx") && text.contains("newTag: \"1.0\""),
        "{text}"
    );
    let built = build(&fs, &s).expect("builds");
    let d = built.iter().next().expect("deployment").as_value().clone();
    assert_eq!(d["metadata"]["name"], "p-web");
    assert_eq!(d["metadata"]["namespace"], "team");
    assert_eq!(d["metadata"]["labels"]["patched"], "yes");
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["image"],
        "registry/nginx:1.0"
    );
}

#[test]
fn components_are_local_and_missing_ones_can_be_ignored() {
    let mut fs = MemFs::new();
    fs.add("app/kustomization.yaml", "resources: [d.yaml]\n")
        .add("app/d.yaml", DEPLOY);
    let mut s = spec("app");
    s.components = Some(vec!["https://example.com/c".into()]);
    assert!(matches!(
        generate(&fs, "app", &s),
        Err(FluxBuildError::Component(_))
    ));
    s.components = Some(vec!["../missing".into()]);
    s.ignore_missing_components = Some(true);
    assert!(
        !generate(&fs, "app", &s)
            .expect("generates")
            .contains("components")
    );
}

/// The overlay equals what `kubectl kustomize` builds from the same file written to disk.
#[test]
fn build_matches_kubectl_on_the_written_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("app")).expect("mkdir");
    std::fs::write(dir.path().join("app/d.yaml"), DEPLOY).expect("write");
    std::fs::write(dir.path().join("app/s.yaml"), SVC).expect("write");
    let mut s = spec("./app");
    s.target_namespace = Some("prod".into());
    s.name_suffix = Some("-v2".into());
    s.patches = Some(vec![Patch {
        patch:
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n"
                .into(),
        target: None,
    }]);
    let fs = DiskFs::new(dir.path()).expect("fs");
    let ours = build(&fs, &s).expect("builds").to_yaml();
    let text = generate(&fs, "app", &s).expect("generates");
    std::fs::write(dir.path().join("app/kustomization.yaml"), text).expect("write");
    let out = Command::new("kubectl")
        .args(["kustomize", "--load-restrictor=LoadRestrictionsNone"])
        .arg(dir.path().join("app"))
        .output()
        .expect("kubectl runs: install kubectl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // kubectl sorts by kind (legacy order); Flux keeps input order: compare the documents.
    let docs = |t: &str| {
        let mut d: Vec<String> = t.split("---\n").map(str::to_string).collect();
        d.sort();
        d
    };
    assert_eq!(docs(&ours), docs(&String::from_utf8_lossy(&out.stdout)));
}

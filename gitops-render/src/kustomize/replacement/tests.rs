use crate::kustomize::{self, MemFs, Options};

const KUSTOMIZATION: &str = "resources: [r.yaml]
replacements:
- source: {kind: ConfigMap, name: cm, fieldPath: data.img, options: {delimiter: ':', index: 1}}
  targets:
  - select: {kind: Deployment}
    fieldPaths:
    - spec.template.spec.containers.[name=ap.*].image
    options: {delimiter: ':', index: 1}
  - select: {kind: Deployment}
    fieldPaths: [metadata.annotations.tag]
    options: {create: true}
vars:
- name: CM
  objref: {kind: ConfigMap, name: cm, apiVersion: v1}
";

const RESOURCES: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
data:
  img: \"nginx:1.25\"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: app
        image: busybox:old
        args: [\"--cm=$(CM)\", \"$(NOPE)\"]
";

/// What `kubectl kustomize` (v5.5.0) prints for the tree above.
const EXPECTED: &str = "apiVersion: v1
data:
  img: nginx:1.25
kind: ConfigMap
metadata:
  name: cm
---
apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    tag: \"1.25\"
  name: d
spec:
  template:
    spec:
      containers:
      - args:
        - --cm=cm
        - $(NOPE)
        image: busybox:1.25
        name: app
";

#[test]
fn replacements_and_vars_match_kubectl() {
    let mut fs = MemFs::new();
    fs.add("app/kustomization.yaml", KUSTOMIZATION)
        .add("app/r.yaml", RESOURCES);
    let set = kustomize::build(&fs, "app", &Options::default()).expect("builds");
    let text = set
        .objects()
        .iter()
        .map(|o| gitops_core::yaml::to_string(o.as_value()))
        .collect::<Vec<_>>()
        .join("---\n");
    assert_eq!(text, EXPECTED);
}

#[test]
fn ambiguous_source_is_an_error() {
    let mut fs = MemFs::new();
    fs.add(
        "app/kustomization.yaml",
        "resources: [r.yaml]\nreplacements:\n- source: {kind: ConfigMap}\n  targets:\n  - select: {kind: Deployment}\n",
    )
    .add("app/r.yaml", format!("{RESOURCES}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n"));
    let err = kustomize::build(&fs, "app", &Options::default()).expect_err("two sources");
    assert!(
        err.to_string()
            .contains("multiple matches for selector ConfigMap.[noVer].[noGrp]/[noName].[noNs]"),
        "{err}"
    );
}

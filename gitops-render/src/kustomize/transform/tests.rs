//! Unit tests of the field-spec transformers (expected text from `kubectl kustomize`).

use crate::kustomize::{self, MemFs, Options};

fn build(files: &[(&str, &str)]) -> String {
    let mut fs = MemFs::new();
    for (p, t) in files {
        fs.add(p, *t);
    }
    let set = kustomize::build(&fs, "app", &Options::default()).expect("build");
    set.to_yaml()
}

#[test]
fn namespace_prefix_labels_images_replicas_and_references() {
    let out = build(&[("app/kustomization.yaml", KUST), ("app/res.yaml", RES)]);
    assert_eq!(out, EXPECTED);
}

const KUST: &str = r#"namespace: prod
namePrefix: p-
commonLabels:
  app: web
commonAnnotations:
  note: x
images:
- name: nginx
  newName: reg:5000/nginx
  newTag: "1.2"
replicas:
- name: web
  count: 3
resources: [res.yaml]
"#;
const RES: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      serviceAccountName: sa
      containers:
      - name: c
        image: nginx:1.0
        envFrom:
        - configMapRef:
            name: cfg
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: sa
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: crb
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
- kind: ServiceAccount
  name: sa
  namespace: default
---
apiVersion: v1
kind: Namespace
metadata:
  name: other
"#;
const EXPECTED: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  annotations:
    note: x
  labels:
    app: web
  name: prod
---
apiVersion: v1
kind: ServiceAccount
metadata:
  annotations:
    note: x
  labels:
    app: web
  name: p-sa
  namespace: prod
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  annotations:
    note: x
  labels:
    app: web
  name: p-crb
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
- kind: ServiceAccount
  name: p-sa
  namespace: prod
---
apiVersion: v1
kind: ConfigMap
metadata:
  annotations:
    note: x
  labels:
    app: web
  name: p-cfg
  namespace: prod
---
apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    note: x
  labels:
    app: web
  name: p-web
  namespace: prod
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      annotations:
        note: x
      labels:
        app: web
    spec:
      containers:
      - envFrom:
        - configMapRef:
            name: p-cfg
        image: reg:5000/nginx:1.2
        name: c
      serviceAccountName: p-sa
"#;

fn build_at(dir: &str, files: &[(&str, &str)]) -> String {
    let mut fs = MemFs::new();
    for (p, t) in files {
        fs.add(p, *t);
    }
    kustomize::build(&fs, dir, &Options::default())
        .expect("build")
        .to_yaml()
}

#[test]
fn validating_admission_policies_are_namespaced_and_referenced_by_bindings() {
    let out = build_at(
        "app",
        &[
            (
                "app/kustomization.yaml",
                "namespace: ns1\nnamePrefix: p-\nresources:\n- r.yaml\n",
            ),
            (
                "app/r.yaml",
                "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: pol\nspec:\n  failurePolicy: Fail\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata:\n  name: bind\nspec:\n  policyName: pol\n",
            ),
        ],
    );
    assert_eq!(
        out,
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: p-pol\n  namespace: ns1\nspec:\n  failurePolicy: Fail\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata:\n  name: p-bind\n  namespace: ns1\nspec:\n  policyName: p-pol\n"
    );
}

const PODTEMPLATE_RES: &str = r#"apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: kn
spec:
  template:
    spec:
      containers:
      - envFrom:
        - configMapRef:
            name: cm
---
apiVersion: v1
kind: PodTemplate
metadata:
  name: pt
template:
  spec:
    containers:
    - envFrom:
      - configMapRef:
          name: cm
"#;

#[test]
fn pod_templates_refer_to_config_maps_and_knative_services_do_not() {
    let out = build_at(
        "app",
        &[
            (
                "app/kustomization.yaml",
                "resources:\n- r.yaml\nconfigMapGenerator:\n- name: cm\n  literals: [a=b]\nnamePrefix: p-\n",
            ),
            ("app/r.yaml", PODTEMPLATE_RES),
        ],
    );
    assert_eq!(
        out,
        r#"apiVersion: v1
data:
  a: b
kind: ConfigMap
metadata:
  name: p-cm-4h2mbtbbt6
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: p-kn
spec:
  template:
    spec:
      containers:
      - envFrom:
        - configMapRef:
            name: cm
---
apiVersion: v1
kind: PodTemplate
metadata:
  name: p-pt
template:
  spec:
    containers:
    - envFrom:
      - configMapRef:
          name: p-cm-4h2mbtbbt6
"#
    );
}

const AFFIX_RES: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n---\napiVersion: v1\nkind: Foo\nmetadata:\n  name: f\n";
const AFFIX_SUB: [(&str, &str); 2] = [
    ("app/sub/kustomization.yaml", "resources:\n- s.yaml\n"),
    (
        "app/sub/s.yaml",
        "apiVersion: v1\nkind: Bar\nmetadata:\n  name: b\n",
    ),
];

#[test]
fn configured_prefix_specs_merge_with_the_defaults_below_a_child_kustomization() {
    let kust = "resources:\n- r.yaml\n- sub\nnamePrefix: p-\nconfigurations:\n- c.yaml\n";
    let out = build_at(
        "app",
        &[
            ("app/kustomization.yaml", kust),
            ("app/r.yaml", AFFIX_RES),
            (
                "app/c.yaml",
                "namePrefix:\n- path: metadata/name\n  kind: Foo\n",
            ),
            AFFIX_SUB[0],
            AFFIX_SUB[1],
        ],
    );
    // The child's accumulated (default) spec and this level's `Foo` spec both apply to Foo.
    assert_eq!(
        out,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: p-d\n---\napiVersion: v1\nkind: Bar\nmetadata:\n  name: p-b\n---\napiVersion: v1\nkind: Foo\nmetadata:\n  name: p-p-f\n"
    );
}

#[test]
fn a_created_prefix_field_holds_the_prefix() {
    let kust = "resources:\n- r.yaml\n- sub\nnamePrefix: p-\nconfigurations:\n- c.yaml\n";
    let out = build_at(
        "app",
        &[
            ("app/kustomization.yaml", kust),
            ("app/r.yaml", AFFIX_RES),
            (
                "app/c.yaml",
                "namePrefix:\n- path: spec/x\n  kind: Foo\n  create: true\n",
            ),
            AFFIX_SUB[0],
            AFFIX_SUB[1],
        ],
    );
    assert_eq!(
        out,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: p-d\n---\napiVersion: v1\nkind: Bar\nmetadata:\n  name: p-b\n---\napiVersion: v1\nkind: Foo\nmetadata:\n  name: p-f\nspec:\n  x: p-\n"
    );
}

/// kustomize v5.5 fails a `replicas` entry whose name no Deployment, StatefulSet,
/// ReplicaSet or ReplicationController has (a ConfigMap of that name does not count).
#[test]
fn a_replicas_entry_matching_nothing_fails() {
    let mut fs = MemFs::new();
    fs.add(
        "app/kustomization.yaml",
        "resources: [cm.yaml]\nreplicas:\n- name: absent\n  count: 7\n",
    )
    .add(
        "app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: absent\n",
    );
    let err =
        kustomize::build(&fs, "app", &Options::default()).expect_err("no workload named absent");
    assert_eq!(
        err.to_string(),
        "resource with name absent does not match a config with the following GVK [Deployment.[noVer].[noGrp] StatefulSet.[noVer].[noGrp] ReplicaSet.[noVer].[noGrp] ReplicationController.[noVer].[noGrp]]"
    );
}

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

use crate::kustomize::{self, MemFs, Options};

fn build(files: &[(&str, &str)]) -> Result<String, kustomize::Error> {
    let mut fs = MemFs::new();
    for (path, text) in files {
        fs.add(path, *text);
    }
    let set = kustomize::build(&fs, "app", &Options::default())?;
    Ok(set.to_yaml())
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: x}
spec:
  template:
    spec:
      containers:
      - name: a
        image: a
      - name: b
        image: b
";

#[test]
fn smp_json_patches_and_targets() {
    let k = r#"resources: [dep.yaml]
patchesStrategicMerge:
- |-
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    template:
      spec:
        containers:
        - name: b
          image: b2
        - name: a
          $patch: delete
patches:
- target: {kind: Deploy.*, labelSelector: "app in (x,y)"}
  patch: |-
    - op: add
      path: /spec/template/spec/containers/-
      value: {name: c, image: c}
    - op: replace
      path: /metadata/name
      value: web2
patchesJson6902:
- target: {version: v1, kind: Deployment, name: web2}
  patch: |-
    [{"op": "remove", "path": "/metadata/labels/app"}]
"#;
    let out = build(&[("app/kustomization.yaml", k), ("app/dep.yaml", DEPLOYMENT)]).expect("build");
    assert_eq!(
        out,
        "apiVersion: apps/v1
kind: Deployment
metadata:
  labels: {}
  name: web2
spec:
  template:
    spec:
      containers:
      - image: b2
        name: b
      - image: c
        name: c
"
    );
}

#[test]
fn merge_keys_nulls_and_unknown_directives() {
    let dep = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: a
        image: a
        ports:
        - containerPort: 80
        - containerPort: 81
          protocol: UDP
      - name: b
        image: b
      - name: c
        image: c
      tolerations:
      - key: k
        value: v
      volumes:
      - name: v1
        emptyDir: {}
      - name: v2
        configMap: {name: x}
";
    let k = r#"resources: [dep.yaml]
patches:
- patch: |
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      labels: {z: "1", a: "2"}
    spec:
      zeta: 1
      alpha: {x: null, y: 2}
      template:
        spec:
          $setElementOrder/containers: [{name: c}, {name: b}]
          containers:
          - name: c
            image: c2
            ports:
            - containerPort: 81
              name: x
          - name: b
            $patch: delete
          tolerations:
          - key: j
          volumes:
          - name: v2
            $retainKeys: [secret]
            secret: {secretName: s}
"#;
    let out = build(&[("app/kustomization.yaml", k), ("app/dep.yaml", dep)]).expect("build");
    assert_eq!(
        out,
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    a: "2"
    z: "1"
  name: web
spec:
  alpha:
    "y": 2
  template:
    spec:
      $setElementOrder/containers:
      - name: c
      - name: b
      containers:
      - image: c2
        name: c
        ports:
        - containerPort: 81
          name: x
      - image: a
        name: a
        ports:
        - containerPort: 80
        - containerPort: 81
          protocol: UDP
      tolerations:
      - key: j
      volumes:
      - $retainKeys:
        - secret
        configMap:
          name: x
        name: v2
        secret:
          secretName: s
      - emptyDir: {}
        name: v1
  zeta: 1
"#
    );
}

#[test]
fn untargeted_patch_without_match_is_an_error() {
    let k = "resources: [dep.yaml]\npatches:\n- patch: |\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: nope}\n";
    let err = build(&[("app/kustomization.yaml", k), ("app/dep.yaml", DEPLOYMENT)]).expect_err("no target");
    assert!(err.to_string().contains("no matches for Id Deployment.v1.apps/nope"), "{err}");
}

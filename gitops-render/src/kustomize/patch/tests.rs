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
    let err = build(&[("app/kustomization.yaml", k), ("app/dep.yaml", DEPLOYMENT)])
        .expect_err("no target");
    assert_eq!(
        err.to_string(),
        "no resource matches strategic merge patch \"Deployment.v1.apps/nope.[noNs]\": no matches for Id \
         Deployment.v1.apps/nope.[noNs]; failed to find unique target for patch Deployment.v1.apps/nope.[noNs]"
    );
}

#[test]
fn custom_lists_multi_key_ports_name_change_and_delete() {
    let res = r#"apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
  finalizers: [a, b]
spec:
  items:
  - name: a
    v: 1
  - name: b
    v: 2
---
apiVersion: v1
kind: Service
metadata:
  name: svc
  namespace: ns1
  finalizers: [a, b]
spec:
  ports:
  - port: 80
    name: http
  - port: 53
    protocol: UDP
    name: dns
  - port: 53
    protocol: TCP
    name: dnstcp
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: gone
data: {a: b}
"#;
    let k = r#"resources: [res.yaml]
patches:
- patch: |
    apiVersion: example.com/v1
    kind: Widget
    metadata:
      name: w
    spec:
      items:
      - name: b
        v: 3
- target: {kind: Service}
  options: {allowNameChange: true}
  patch: |
    apiVersion: v1
    kind: Service
    metadata:
      name: svc2
      namespace: other
      finalizers: [c, a]
    spec:
      ports:
      - port: 53
        protocol: UDP
        targetPort: 5353
      - port: 80
        targetPort: 8080
      - port: 443
- patch: |
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: gone
    $patch: delete
"#;
    let out = build(&[("app/kustomization.yaml", k), ("app/res.yaml", res)]).expect("build");
    assert_eq!(
        out,
        r#"apiVersion: v1
kind: Service
metadata:
  finalizers:
  - c
  - a
  - b
  name: svc2
  namespace: ns1
spec:
  ports:
  - port: 443
  - name: http
    port: 80
    targetPort: 8080
  - name: dns
    port: 53
    protocol: UDP
    targetPort: 5353
  - name: dnstcp
    port: 53
    protocol: TCP
---
apiVersion: example.com/v1
kind: Widget
metadata:
  finalizers:
  - a
  - b
  name: w
spec:
  items:
  - name: b
    v: 3
"#
    );
}

#[test]
fn file_patches_json_ops_list_replace_and_kind_change() {
    let out = build(&[
        (
            "app/kustomization.yaml",
            r#"resources: [res.yaml]
patchesStrategicMerge: [smp.yaml]
patches:
- path: ops.yaml
  target: {name: cm.*}
- target: {kind: ConfigMap}
  options: {allowKindChange: true, allowNameChange: true}
  patch: |
    apiVersion: v1
    kind: Secret
    metadata: {name: sec}
"#,
        ),
        (
            "app/res.yaml",
            r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: a
        image: a
        env:
        - name: A
          value: "1"
        - name: B
          value: "2"
        volumeMounts:
        - {name: x, mountPath: /x}
      volumes:
      - name: x
        emptyDir: {}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
data: {a: b}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm2
data: {a: b}
"#,
        ),
        (
            "app/smp.yaml",
            r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: a
        env:
        - name: B
          $patch: delete
        - name: C
          value: "3"
        volumeMounts:
        - {name: y, mountPath: /y}
      volumes:
      - $patch: replace
      - name: y
        secret: {secretName: s}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
$patch: delete
"#,
        ),
        (
            "app/ops.yaml",
            r#"- op: copy
  from: /data/a
  path: /data/c
- op: move
  from: /data/a
  path: /data/d
- op: test
  path: /data/c
  value: b
- op: add
  path: /metadata/labels
  value: {x: "y~/"}
"#,
        ),
    ])
    .expect("build");
    assert_eq!(
        out,
        r#"apiVersion: v1
data:
  c: b
  d: b
kind: Secret
metadata:
  labels:
    x: y~/
  name: sec
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 2
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - env:
        - name: C
          value: "3"
        - name: A
          value: "1"
        image: a
        name: a
        volumeMounts:
        - mountPath: /y
          name: "y"
        - mountPath: /x
          name: x
      volumes:
      - name: "y"
        secret:
          secretName: s
"#
    );
}

#[test]
fn emptied_lists_stay_and_primitive_lists_clear() {
    let out = build(&[
        (
            "app/kustomization.yaml",
            r#"resources: [res.yaml]
patches:
- patch: |
    apiVersion: v1
    kind: Pod
    metadata:
      name: p
      finalizers: [{$patch: delete}]
    spec:
      containers:
      - name: a
        $patch: delete
      volumes:
      - $patch: replace
      initContainers:
      - name: b
        image: b
      ephemeralContainers:
      - name: e
        image: e
        env:
        - name: X
          value: null
        - {name: Y, $patch: delete}
"#,
        ),
        (
            "app/res.yaml",
            r#"apiVersion: v1
kind: Pod
metadata:
  name: p
  finalizers: [a]
spec:
  containers:
  - name: a
    image: a
  volumes:
  - name: v
  initContainers: []
"#,
        ),
    ])
    .expect("build");
    assert_eq!(
        out,
        r#"apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers: []
  ephemeralContainers:
  - env:
    - name: X
    image: e
    name: e
  initContainers:
  - image: b
    name: b
  volumes: []
"#
    );
}

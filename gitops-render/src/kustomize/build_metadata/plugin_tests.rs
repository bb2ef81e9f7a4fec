//! Unit tests of built-in transformer configs under `transformers:` (expected text from
//! `kubectl kustomize` v1.32.4 on the same trees).

use crate::kustomize::{self, MemFs, Options};

fn build(files: &[(&str, &str)]) -> Result<String, kustomize::Error> {
    let mut fs = MemFs::new();
    for (p, t) in files {
        fs.add(p, *t);
    }
    Ok(kustomize::build(&fs, "app", &Options::default())?.to_yaml())
}

/// Image tags (legacy containers plus field specs), replicas, prefix and suffix (a
/// `PrefixTransformer` ignores `suffix`), annotations and a JSON 6902 patch.
#[test]
fn field_spec_and_json_patch_configs() {
    let out = build(&[
        (
            "app/kustomization.yaml",
            r###"resources: [d.yaml]
transformers:
- tr.yaml
"###,
        ),
        (
            "app/tr.yaml",
            r###"apiVersion: builtin
kind: ImageTagTransformer
metadata:
  name: img
imageTag:
  name: nginx
  newTag: "2"
---
apiVersion: builtin
kind: ReplicaCountTransformer
metadata:
  name: rep
replica:
  name: d
  count: 4
fieldSpecs:
- path: spec/replicas
  create: true
  kind: Deployment
---
apiVersion: builtin
kind: PrefixTransformer
metadata:
  name: pre
prefix: p-
suffix: -s
fieldSpecs:
- path: metadata/name
---
apiVersion: builtin
kind: SuffixTransformer
metadata:
  name: suf
suffix: -s
fieldSpecs:
- path: metadata/name
---
apiVersion: builtin
kind: AnnotationsTransformer
metadata:
  name: ann
annotations:
  a: "1"
fieldSpecs:
- path: spec/template/metadata/annotations
  create: true
  kind: Deployment
---
apiVersion: builtin
kind: PatchJson6902Transformer
metadata:
  name: j
target:
  kind: Deployment
  name: d
jsonOp: '[{"op": "add", "path": "/spec/paused", "value": true}]'
"###,
        ),
        (
            "app/d.yaml",
            r###"apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: n
        image: nginx
      initContainers:
      - name: i
        image: nginx:1
---
apiVersion: v1
kind: Pod
metadata:
  name: pod
spec:
  containers:
  - name: n
    image: nginx
"###,
        ),
    ])
    .expect("build");
    assert_eq!(
        out,
        r###"apiVersion: apps/v1
kind: Deployment
metadata:
  name: p-d-s
spec:
  paused: true
  replicas: 4
  template:
    metadata:
      annotations:
        a: "1"
    spec:
      containers:
      - image: nginx:2
        name: "n"
      initContainers:
      - image: nginx:2
        name: i
---
apiVersion: v1
kind: Pod
metadata:
  name: p-pod-s
spec:
  containers:
  - image: nginx:2
    name: "n"
"###
    );
}

/// A `HashTransformer` hashes generated names at once; the build's pass hashes again.
#[test]
fn hash_transformer_hashes_twice() {
    let out = build(&[
        (
            "app/kustomization.yaml",
            r###"resources: [cm.yaml]
configMapGenerator:
- name: g
  literals: [a=b]
transformers:
- |-
  apiVersion: builtin
  kind: HashTransformer
  metadata:
    name: h
"###,
        ),
        (
            "app/cm.yaml",
            r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: c
"###,
        ),
    ])
    .expect("build");
    assert_eq!(
        out,
        r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: c
---
apiVersion: v1
data:
  a: b
kind: ConfigMap
metadata:
  name: g-4h2mbtbbt6-4h2mbtbbt6
"###
    );
}

/// Other plugins are refused with the config's file named.
#[test]
fn external_and_misconfigured_plugins_are_errors() {
    let external = "resources: [cm.yaml]\ntransformers:\n- |-\n  apiVersion: example.com/v1\n  kind: Foo\n  metadata:\n    name: x\n";
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
    let err = build(&[("app/kustomization.yaml", external), ("app/cm.yaml", cm)])
        .expect_err("external plugin");
    assert!(
        err.to_string()
            .contains("unable to load external plugin 'Foo'"),
        "{err}"
    );
    let no_specs = "resources: [cm.yaml]\ntransformers: [p.yaml]\n";
    let prefix = "apiVersion: builtin\nkind: PrefixTransformer\nmetadata:\n  name: p\nprefix: x-\n";
    let err = build(&[
        ("app/kustomization.yaml", no_specs),
        ("app/cm.yaml", cm),
        ("app/p.yaml", prefix),
    ])
    .expect_err("fieldSpecs required");
    assert!(
        err.to_string().contains("app/p.yaml") && err.to_string().contains("fieldSpecs"),
        "{err}"
    );
    let json = "apiVersion: builtin\nkind: PatchJson6902Transformer\nmetadata:\n  name: j\ntarget: {kind: ConfigMap}\njsonOp: '[]'\n";
    let err = build(&[
        ("app/kustomization.yaml", no_specs),
        ("app/cm.yaml", cm),
        ("app/p.yaml", json),
    ])
    .expect_err("target name required");
    assert!(
        err.to_string().contains("must specify the target name"),
        "{err}"
    );
    let replica = "apiVersion: builtin\nkind: ReplicaCountTransformer\nmetadata:\n  name: r\nreplica: {name: c, count: 2}\nfieldSpecs: [{path: spec/replicas, create: true, kind: Deployment}]\n";
    let err = build(&[
        ("app/kustomization.yaml", no_specs),
        ("app/cm.yaml", cm),
        ("app/p.yaml", replica),
    ])
    .expect_err("no replica target");
    assert!(
        err.to_string().contains("resource with name c does not match a config with the following GVK [Deployment.[noVer].[noGrp]]"),
        "{err}"
    );
}

/// kustomize rewrites every resource's annotations at the end: scalars become strings,
/// an empty map goes (labels are left alone).
#[test]
fn annotations_are_rewritten_as_strings() {
    let out = build(&[
        ("app/kustomization.yaml", "resources: [cm.yaml]\n"),
        (
            "app/cm.yaml",
            r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  annotations:
    a: 1.0
    d: yes
    e: "s"
    h: 12
    i: true
    j:
  labels:
    l: 1.50
data: {k: v}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: empty
  annotations: {}
  labels: {}
"###,
        ),
    ])
    .expect("build");
    assert_eq!(
        out,
        r###"apiVersion: v1
data:
  k: v
kind: ConfigMap
metadata:
  annotations:
    a: "1.0"
    d: "yes"
    e: s
    h: "12"
    i: "true"
    j: ""
  labels:
    l: 1.5
  name: c
---
apiVersion: v1
kind: ConfigMap
metadata:
  labels: {}
  name: empty
"###
    );
}

/// `validators:` run like transformers on a copy: a config that changes nothing passes,
/// one that changes resources fails, external plugins are refused.
#[test]
fn validators() {
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
    let kust = |config: &str| {
        format!(
            "resources: [cm.yaml]\nvalidators:\n- |-\n{}",
            indent(config)
        )
    };
    let noop =
        "apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: x\nlabels: {a: b}\n";
    let out =
        build(&[("app/kustomization.yaml", &kust(noop)), ("app/cm.yaml", cm)]).expect("no change");
    assert_eq!(out, cm);
    let modifying = format!("{noop}fieldSpecs: [{{path: metadata/labels, create: true}}]\n");
    let err = build(&[
        ("app/kustomization.yaml", &kust(&modifying)),
        ("app/cm.yaml", cm),
    ])
    .expect_err("modifies");
    assert!(
        err.to_string()
            .contains("validator shouldn't modify the resource map"),
        "{err}"
    );
    let external = "apiVersion: example.com/v1\nkind: Check\nmetadata:\n  name: x\n";
    let err = build(&[
        ("app/kustomization.yaml", &kust(external)),
        ("app/cm.yaml", cm),
    ])
    .expect_err("external");
    assert!(
        err.to_string()
            .contains("unable to load external plugin 'Check'"),
        "{err}"
    );
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

//! Unit tests of `buildMetadata` and `transformers:`/`generators:` plugin configs
//! (expected text from `kubectl kustomize` v1.32.4 on the same trees).

use super::*;
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
fn paths_join_like_go() {
    assert_eq!(join("", "service.yaml"), "service.yaml");
    assert_eq!(
        join("../base", "short_secret.yaml"),
        "../base/short_secret.yaml"
    );
    assert_eq!(join("../base", "../common/./x.yaml"), "../common/x.yaml");
    assert_eq!(join("a", ".."), ".");
}

#[test]
fn origins_print_as_kyaml_does() {
    let o = Origin::configured(
        "kustomization.yaml".into(),
        ConfiguredBy::builtin("ConfigMapGenerator"),
    );
    assert_eq!(
        o.to_yaml(),
        "configuredIn: kustomization.yaml\nconfiguredBy:\n  apiVersion: builtin\n  kind: ConfigMapGenerator\n"
    );
    let mut item = String::new();
    o.write(&mut item, "- ");
    assert_eq!(
        item,
        "- configuredIn: kustomization.yaml\n  configuredBy:\n    apiVersion: builtin\n    kind: ConfigMapGenerator\n"
    );
    assert_eq!(
        Origin::file("service.yaml".into()).to_yaml(),
        "path: service.yaml\n"
    );
}

/// Each builtin transformer instance of base and overlay is recorded (a `labels` entry
/// plus `commonLabels`' own run), inline configs before files; the top kustomization's
/// `buildMetadata` decides (transformations and the managed-by label, no origins).
#[test]
fn transformations_through_an_overlay() {
    let out = build(&[
        (
            "base/kustomization.yaml",
            r###"resources: [cm.yaml]
namePrefix: b-
labels:
- pairs: {a: b}
commonAnnotations: {x: z}
buildMetadata: [managedByLabel]
"###,
        ),
        (
            "base/cm.yaml",
            r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: c
data: {k: v}
"###,
        ),
        (
            "app/kustomization.yaml",
            r###"resources: [../base]
transformers:
- tr.yaml
- |-
  apiVersion: builtin
  kind: AnnotationsTransformer
  metadata:
    name: inl
    namespace: foo
  annotations: {q: r}
  fieldSpecs: [{path: metadata/annotations, create: true}]
images:
- name: nginx
  newTag: "1"
buildMetadata: [transformerAnnotations, managedByLabel]
"###,
        ),
        (
            "app/tr.yaml",
            r###"apiVersion: builtin
kind: PrefixSuffixTransformer
metadata:
  name: pst
prefix: o-
fieldSpecs: [{path: metadata/name}]
"###,
        ),
    ]);
    assert_eq!(
        out,
        r###"apiVersion: v1
data:
  k: v
kind: ConfigMap
metadata:
  annotations:
    alpha.config.kubernetes.io/transformations: |
      - configuredIn: ../base/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: PrefixTransformer
      - configuredIn: ../base/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: LabelTransformer
      - configuredIn: ../base/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: LabelTransformer
      - configuredIn: ../base/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: AnnotationsTransformer
      - configuredIn: kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: ImageTagTransformer
      - configuredIn: kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: AnnotationsTransformer
          name: inl
          namespace: foo
      - configuredIn: tr.yaml
        configuredBy:
          apiVersion: builtin
          kind: PrefixSuffixTransformer
          name: pst
    q: r
    x: z
  labels:
    a: b
    app.kubernetes.io/managed-by: kustomize-(devel)
  name: o-b-c
"###
    );
}

/// Patch, strategic-merge and replacement transformer configs, from a file (two
/// documents) and inline.
#[test]
fn patch_and_replacement_transformer_configs() {
    let out = build(&[
        (
            "app/kustomization.yaml",
            r###"resources: [app.yaml]
transformers:
- patch.yaml
- |-
  apiVersion: builtin
  kind: ReplacementTransformer
  metadata:
    name: repl
  replacements:
  - source: {kind: ConfigMap, name: cfg, fieldPath: metadata.name}
    targets:
    - select: {kind: Deployment}
      fieldPaths: [spec.template.metadata.annotations.cfg]
      options: {create: true}
buildMetadata: [transformerAnnotations, originAnnotations]
"###,
        ),
        (
            "app/patch.yaml",
            r###"apiVersion: builtin
kind: PatchTransformer
metadata:
  name: p
target:
  kind: Deployment
patch: |-
  - op: add
    path: /spec/replicas
    value: 3
---
apiVersion: builtin
kind: PatchStrategicMergeTransformer
metadata:
  name: smp
patches: |-
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: cfg
  data:
    extra: "yes"
"###,
        ),
        (
            "app/app.yaml",
            r###"apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
      - name: api
        image: api:1
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  port: "8080"
"###,
        ),
    ]);
    assert_eq!(
        out,
        r###"apiVersion: v1
data:
  extra: "yes"
  port: "8080"
kind: ConfigMap
metadata:
  annotations:
    alpha.config.kubernetes.io/transformations: |
      - configuredIn: kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: ReplacementTransformer
          name: repl
      - configuredIn: patch.yaml
        configuredBy:
          apiVersion: builtin
          kind: PatchTransformer
          name: p
      - configuredIn: patch.yaml
        configuredBy:
          apiVersion: builtin
          kind: PatchStrategicMergeTransformer
          name: smp
    config.kubernetes.io/origin: |
      path: app.yaml
  name: cfg
---
apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    alpha.config.kubernetes.io/transformations: |
      - configuredIn: kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: ReplacementTransformer
          name: repl
      - configuredIn: patch.yaml
        configuredBy:
          apiVersion: builtin
          kind: PatchTransformer
          name: p
      - configuredIn: patch.yaml
        configuredBy:
          apiVersion: builtin
          kind: PatchStrategicMergeTransformer
          name: smp
    config.kubernetes.io/origin: |
      path: app.yaml
  name: api
spec:
  replicas: 3
  template:
    metadata:
      annotations:
        cfg: cfg
    spec:
      containers:
      - image: api:1
        name: api
"###
    );
}

/// Configs from kustomization directories: accumulated like a base (transformed, and
/// kept although `local-config`), each named by the file it was read from.
#[test]
fn config_directories() {
    let out = build(&[
        (
            "app/kustomization.yaml",
            r###"resources: [cm.yaml]
transformers: [tr]
generators: [gen]
buildMetadata: [originAnnotations, transformerAnnotations]
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
        (
            "app/tr/kustomization.yaml",
            r###"resources: [label.yaml]
namePrefix: x-
"###,
        ),
        (
            "app/tr/label.yaml",
            r###"apiVersion: builtin
kind: LabelTransformer
metadata:
  name: lab
  annotations:
    config.kubernetes.io/local-config: "true"
labels: {team: a}
fieldSpecs: [{path: metadata/labels, create: true}]
"###,
        ),
        (
            "app/gen/kustomization.yaml",
            r###"resources: [g.yaml]
"###,
        ),
        (
            "app/gen/g.yaml",
            r###"apiVersion: builtin
kind: ConfigMapGenerator
metadata:
  name: gg
name: generated
literals: [a=b]
"###,
        ),
    ]);
    assert_eq!(
        out,
        r###"apiVersion: v1
kind: ConfigMap
metadata:
  annotations:
    alpha.config.kubernetes.io/transformations: |
      - configuredIn: tr/label.yaml
        configuredBy:
          apiVersion: builtin
          kind: LabelTransformer
          name: x-lab
    config.kubernetes.io/origin: |
      path: cm.yaml
  labels:
    team: a
  name: c
---
apiVersion: v1
data:
  a: b
kind: ConfigMap
metadata:
  annotations:
    alpha.config.kubernetes.io/transformations: |
      - configuredIn: tr/label.yaml
        configuredBy:
          apiVersion: builtin
          kind: LabelTransformer
          name: x-lab
    config.kubernetes.io/origin: |
      configuredIn: gen/g.yaml
      configuredBy:
        apiVersion: builtin
        kind: ConfigMapGenerator
        name: gg
  labels:
    team: a
  name: generated-4h2mbtbbt6
"###
    );
}

/// Origins through a component; a replacing generator takes the overlay's origin, a
/// merging one keeps the base's; an inline `NamespaceTransformer` with `unsetOnly`.
#[test]
fn components_and_generator_behaviours() {
    let out = build(&[
        (
            "base/kustomization.yaml",
            r###"resources: [sa.yaml]
configMapGenerator:
- name: a
  literals: [x=1]
- name: b
  literals: [y=1]
"###,
        ),
        (
            "base/sa.yaml",
            r###"apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: rb
  namespace: old
subjects:
- kind: ServiceAccount
  name: default
  namespace: old
- kind: ServiceAccount
  name: other
  namespace: elsewhere
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
"###,
        ),
        (
            "comp/kustomization.yaml",
            r###"apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
resources: [extra.yaml]
namePrefix: c-
transformers:
- |-
  apiVersion: builtin
  kind: NamespaceTransformer
  metadata:
    name: ns
    namespace: newns
  unsetOnly: true
  setRoleBindingSubjects: allServiceAccounts
  fieldSpecs: [{path: metadata/namespace, create: true}]
"###,
        ),
        (
            "comp/extra.yaml",
            r###"apiVersion: v1
kind: Service
metadata:
  name: svc
"###,
        ),
        (
            "app/kustomization.yaml",
            r###"resources: [../base]
components: [../comp]
configMapGenerator:
- name: a
  behavior: replace
  literals: [x=2]
- name: b
  behavior: merge
  literals: [z=2]
buildMetadata: [originAnnotations, transformerAnnotations]
"###,
        ),
    ]);
    assert_eq!(
        out,
        r###"apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  annotations:
    alpha.config.kubernetes.io/transformations: |
      - configuredIn: ../comp/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: PrefixTransformer
      - configuredIn: ../comp/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: NamespaceTransformer
          name: ns
          namespace: newns
    config.kubernetes.io/origin: |
      path: ../base/sa.yaml
  name: c-rb
  namespace: old
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: r
subjects:
- kind: ServiceAccount
  name: default
  namespace: old
- kind: ServiceAccount
  name: other
  namespace: elsewhere
---
apiVersion: v1
data:
  x: "2"
kind: ConfigMap
metadata:
  annotations:
    alpha.config.kubernetes.io/transformations: |
      - configuredIn: ../comp/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: PrefixTransformer
      - configuredIn: ../comp/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: NamespaceTransformer
          name: ns
          namespace: newns
    config.kubernetes.io/origin: |
      configuredIn: kustomization.yaml
      configuredBy:
        apiVersion: builtin
        kind: ConfigMapGenerator
  name: c-a-d5gm26dhhd
  namespace: newns
---
apiVersion: v1
data:
  "y": "1"
  z: "2"
kind: ConfigMap
metadata:
  annotations:
    alpha.config.kubernetes.io/transformations: |
      - configuredIn: ../comp/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: PrefixTransformer
      - configuredIn: ../comp/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: NamespaceTransformer
          name: ns
          namespace: newns
    config.kubernetes.io/origin: |
      configuredIn: ../base/kustomization.yaml
      configuredBy:
        apiVersion: builtin
        kind: ConfigMapGenerator
  name: c-b-c6d7hbhm7h
  namespace: newns
---
apiVersion: v1
kind: Service
metadata:
  annotations:
    alpha.config.kubernetes.io/transformations: |
      - configuredIn: ../comp/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: PrefixTransformer
      - configuredIn: ../comp/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: NamespaceTransformer
          name: ns
          namespace: newns
    config.kubernetes.io/origin: |
      path: ../comp/extra.yaml
  name: c-svc
  namespace: newns
"###
    );
}

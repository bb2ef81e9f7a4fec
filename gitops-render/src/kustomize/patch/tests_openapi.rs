//! Custom OpenAPI schemas (`openapi:`), checked against `kubectl kustomize` output.

use crate::kustomize::{self, MemFs, Options};

const SCHEMA: &str = r#"definitions:
  com.example.v1.Foo:
    type: object
    x-kubernetes-group-version-kind: [{group: example.com, version: v1, kind: Foo}]
    properties:
      spec: {$ref: '#/definitions/com.example.v1.FooSpec'}
  com.example.v1.FooSpec:
    type: object
    properties:
      items:
        type: array
        items: {$ref: '#/definitions/com.example.v1.Item'}
        x-kubernetes-patch-strategy: merge
        x-kubernetes-patch-merge-key: id
      ports:
        type: array
        items: {type: object}
        x-kubernetes-patch-strategy: merge
        x-kubernetes-patch-merge-key: port
        x-kubernetes-list-map-keys: [port, protocol]
      tags: {type: array, items: {type: string}, x-kubernetes-patch-strategy: merge}
      byName:
        type: object
        additionalProperties:
          type: object
          properties:
            l: {type: array, items: {type: object}, x-kubernetes-patch-strategy: merge, x-kubernetes-patch-merge-key: k}
  com.example.v1.Item:
    type: object
    properties:
      subs: {type: array, items: {type: object}, x-kubernetes-patch-strategy: 'retainKeys,merge', x-kubernetes-patch-merge-key: nm}
"#;

const RESOURCES: &str = r#"apiVersion: example.com/v1
kind: Foo
metadata:
  name: f
spec:
  items:
  - {id: a, v: 1, subs: [{nm: x, v: 1}, {nm: y}]}
  - {id: b}
  ports:
  - {port: 80, protocol: TCP, x: 1}
  - {port: 80, protocol: UDP, x: 2}
  tags: [a, b]
  byName:
    one: {l: [{k: 1, v: 1}]}
  other: [{id: a, v: 1}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - {name: a, image: a}
      - {name: b, image: b}
"#;

fn build(files: &[(&str, &str)]) -> Result<String, kustomize::Error> {
    let mut fs = MemFs::new();
    for (path, text) in files {
        fs.add(path, *text);
    }
    Ok(kustomize::build(&fs, "app", &Options::default())?.to_yaml())
}

/// The top kustomization's schema replaces the built-in one: the custom kind merges by
/// its keys (`$ref`s, list map keys, primitive lists, `additionalProperties`), the
/// Deployment's containers are replaced.
#[test]
fn top_level_custom_schema_replaces_builtin() {
    let k = r#"resources: [res.yaml]
openapi:
  path: s.yaml
patches:
- patch: |-
    apiVersion: example.com/v1
    kind: Foo
    metadata:
      name: f
    spec:
      items:
      - {id: a, w: 2, subs: [{nm: x, w: 2}]}
      - {id: c}
      ports:
      - {port: 80, protocol: UDP, y: 3}
      tags: [c, a]
      byName:
        one: {l: [{k: 1, w: 2}]}
      other: [{id: a, w: 2}]
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: d
    spec:
      template:
        spec:
          containers:
          - {name: a, image: A}
"#;
    let out = build(&[
        ("app/kustomization.yaml", k),
        ("app/s.yaml", SCHEMA),
        ("app/res.yaml", RESOURCES),
    ]);
    assert_eq!(
        out.expect("builds"),
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - image: A
        name: a
---
apiVersion: example.com/v1
kind: Foo
metadata:
  name: f
spec:
  byName:
    one:
      l:
      - k: 1
        v: 1
        w: 2
  items:
  - id: a
    subs:
    - nm: x
      v: 1
      w: 2
    - nm: "y"
    v: 1
    w: 2
  - id: c
  - id: b
  other:
  - id: a
    w: 2
  ports:
  - port: 80
    protocol: TCP
    x: 1
  - port: 80
    protocol: UDP
    x: 2
    "y": 3
  tags:
  - c
  - a
  - b
"#
    );
}

/// A map with `apiVersion` and `kind` inside an object of unknown type merges with the
/// schema of that type.
#[test]
fn embedded_object_uses_its_own_type() {
    let k = r#"resources: [res.yaml]
patches:
- patch: |-
    apiVersion: example.com/v1
    kind: Wrapper
    metadata:
      name: w
    spec:
      workload:
        spec:
          template:
            spec:
              containers:
              - {name: a, image: A}
      plain:
        spec:
          template:
            spec:
              containers:
              - {name: a, image: A}
"#;
    let out = build(&[
        ("app/kustomization.yaml", k),
        (
            "app/res.yaml",
            r#"apiVersion: example.com/v1
kind: Wrapper
metadata:
  name: w
spec:
  workload:
    apiVersion: apps/v1
    kind: Deployment
    spec:
      template:
        spec:
          containers:
          - {name: a, image: a}
          - {name: b, image: b}
  plain:
    spec:
      template:
        spec:
          containers:
          - {name: a, image: a}
          - {name: b, image: b}
"#,
        ),
    ]);
    assert_eq!(
        out.expect("builds"),
        r#"apiVersion: example.com/v1
kind: Wrapper
metadata:
  name: w
spec:
  plain:
    spec:
      template:
        spec:
          containers:
          - image: A
            name: a
  workload:
    apiVersion: apps/v1
    kind: Deployment
    spec:
      template:
        spec:
          containers:
          - image: A
            name: a
          - image: b
            name: b
"#
    );
}

#[test]
fn version_errors() {
    let both = "resources: [res.yaml]\nopenapi:\n  version: v1.21.2\n  path: s.yaml\npatches:\n- patch: |-\n    apiVersion: example.com/v1\n    kind: Foo\n    metadata:\n      name: f\n";
    let err = build(&[
        ("app/kustomization.yaml", both),
        ("app/s.yaml", SCHEMA),
        ("app/res.yaml", RESOURCES),
    ]);
    let err = err.expect_err("both").to_string();
    assert!(
        err.contains("builtin version and custom schema provided, cannot use both"),
        "{err}"
    );
    let unknown = "resources: [res.yaml]\nopenapi:\n  version: v1.14.1\n";
    let err = build(&[
        ("app/kustomization.yaml", unknown),
        ("app/res.yaml", RESOURCES),
    ])
    .expect_err("unknown");
    assert!(
        err.to_string()
            .contains("the specified OpenAPI version is not built in"),
        "{err}"
    );
    let missing = "resources: [res.yaml]\nopenapi:\n  path: nope.json\n";
    assert!(
        build(&[
            ("app/kustomization.yaml", missing),
            ("app/res.yaml", RESOURCES)
        ])
        .is_err()
    );
    let ok = "resources: [res.yaml]\nopenapi:\n  version: v1.21.2\n";
    assert!(build(&[("app/kustomization.yaml", ok), ("app/res.yaml", RESOURCES)]).is_ok());
}

/// A component's schema is set after the resources it patches were read (a kind without
/// a precomputed scope defers the built-in schema, which then joins the custom one).
#[test]
fn component_schema_joins_builtin() {
    let schema = r##"{"definitions": {"x.Wrapper": {
  "x-kubernetes-group-version-kind": [{"group": "x.io", "version": "v1", "kind": "Wrapper"}],
  "properties": {"spec": {"properties": {"template": {"$ref": "#/definitions/io.k8s.api.core.v1.PodTemplateSpec"}}}}}}}"##;
    let component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nopenapi:\n  path: s.json\npatches:\n- patch: |-\n    apiVersion: x.io/v1\n    kind: Wrapper\n    metadata:\n      name: w\n    spec:\n      template:\n        spec:\n          containers:\n          - {name: a, image: A}\n";
    let wrapper = "apiVersion: x.io/v1\nkind: Wrapper\nmetadata:\n  name: w\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: a}\n      - {name: b, image: b}\n";
    let files = [
        (
            "app/kustomization.yaml",
            "resources: [../base]\ncomponents: [../comp]\n",
        ),
        ("base/kustomization.yaml", "resources: [w.yaml]\n"),
        ("base/w.yaml", wrapper),
        ("comp/kustomization.yaml", component),
        ("comp/s.json", schema),
    ];
    let expected = "apiVersion: x.io/v1\nkind: Wrapper\nmetadata:\n  name: w\nspec:\n  template:\n    spec:\n      containers:\n      - image: A\n        name: a\n      - image: b\n        name: b\n";
    assert_eq!(build(&files).expect("builds"), expected);
}

/// A base's schema applies to the overlay's patches (needs the build-wide state wired
/// through the accumulator).
#[test]
fn base_schema_applies_to_overlay() {
    let base = "resources: [res.yaml]\nopenapi:\n  path: s.yaml\n";
    let files = [
        ("base/kustomization.yaml", base),
        ("base/s.yaml", SCHEMA),
        ("base/res.yaml", RESOURCES),
        (
            "app/kustomization.yaml",
            r#"resources: [../base]
patches:
- patch: |-
    apiVersion: example.com/v1
    kind: Foo
    metadata:
      name: f
    spec:
      items:
      - {id: c}
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: d
    spec:
      template:
        spec:
          containers:
          - {name: a, image: A}
"#,
        ),
    ];
    assert_eq!(
        build(&files).expect("builds"),
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - image: A
        name: a
---
apiVersion: example.com/v1
kind: Foo
metadata:
  name: f
spec:
  byName:
    one:
      l:
      - k: 1
        v: 1
  items:
  - id: c
  - id: a
    subs:
    - nm: x
      v: 1
    - nm: "y"
    v: 1
  - id: b
  other:
  - id: a
    v: 1
  ports:
  - port: 80
    protocol: TCP
    x: 1
  - port: 80
    protocol: UDP
    x: 2
  tags:
  - a
  - b
"#
    );
    let files = [
        ("base/kustomization.yaml", base),
        ("base/s.yaml", SCHEMA),
        ("base/res.yaml", RESOURCES),
        (
            "app/bar.yaml",
            "apiVersion: x.io/v1\nkind: Bar\nmetadata:\n  name: bar\n",
        ),
        (
            "app/kustomization.yaml",
            r#"resources: [bar.yaml, ../base]
patches:
- patch: |-
    apiVersion: example.com/v1
    kind: Foo
    metadata:
      name: f
    spec:
      items:
      - {id: c}
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: d
    spec:
      template:
        spec:
          containers:
          - {name: a, image: A}
"#,
        ),
    ];
    assert_eq!(
        build(&files).expect("builds"),
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - image: A
        name: a
      - image: b
        name: b
---
apiVersion: example.com/v1
kind: Foo
metadata:
  name: f
spec:
  byName:
    one:
      l:
      - k: 1
        v: 1
  items:
  - id: c
  - id: a
    subs:
    - nm: x
      v: 1
    - nm: "y"
    v: 1
  - id: b
  other:
  - id: a
    v: 1
  ports:
  - port: 80
    protocol: TCP
    x: 1
  - port: 80
    protocol: UDP
    x: 2
  tags:
  - a
  - b
---
apiVersion: x.io/v1
kind: Bar
metadata:
  name: bar
"#
    );
}

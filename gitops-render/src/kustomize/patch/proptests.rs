//! Property tests: JSON 6902 patches and whole builds with strategic merge and JSON
//! patches on arbitrary inputs return a result or an error, never panic. The strategic
//! merge's own property tests are in `gitops_core::merge`.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::json6902;

/// Keys that mean something to a strategic merge, the built-in schema or a JSON pointer.
const KEYS: &[&str] = &[
    "$patch",
    "$retainKeys",
    "$setElementOrder/containers",
    "$deleteFromPrimitiveList/args",
    "apiVersion",
    "kind",
    "metadata",
    "name",
    "spec",
    "template",
    "containers",
    "image",
    "ports",
    "containerPort",
    "protocol",
    "args",
    "env",
    "volumes",
    "items",
    "id",
    "a/b",
    "~",
    "",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..3).prop_map(Value::from),
        prop::sample::select(vec![
            "merge",
            "replace",
            "delete",
            "bogus",
            "a",
            "b",
            "TCP",
            "UDP",
            "apps/v1",
            "Deployment"
        ])
        .prop_map(Value::from),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..5).prop_map(|fields| {
                Value::Object(
                    fields
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect(),
                )
            }),
        ]
    })
}

/// A resource-like root: a map with `apiVersion`, `kind` and arbitrary fields.
fn object() -> impl Strategy<Value = Value> {
    let kinds = prop::sample::select(vec![
        ("apps/v1", "Deployment"),
        ("v1", "Pod"),
        ("example.com/v1", "Foo"),
    ]);
    (
        kinds,
        prop::collection::vec((prop::sample::select(KEYS), value()), 0..5),
    )
        .prop_map(|((api, kind), fields)| {
            let mut map: Map<String, Value> = fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            map.insert("apiVersion".into(), api.into());
            map.insert("kind".into(), kind.into());
            Value::Object(map)
        })
}

fn pointer() -> impl Strategy<Value = String> {
    let segment = prop::sample::select(vec![
        "",
        "a",
        "b",
        "0",
        "1",
        "10",
        "-",
        "~0",
        "~1",
        "~",
        "~2",
        "a~1b",
        "spec",
        "containers",
        "name",
        "01",
    ]);
    (any::<bool>(), prop::collection::vec(segment, 0..4)).prop_map(|(slash, segs)| {
        let joined = segs.join("/");
        if slash || joined.is_empty() {
            format!("/{joined}")
        } else {
            joined
        }
    })
}

fn operation() -> impl Strategy<Value = Value> {
    let op = prop::sample::select(vec![
        "add", "remove", "replace", "move", "copy", "test", "bogus",
    ]);
    (
        op,
        pointer(),
        prop::option::of(pointer()),
        prop::option::of(value()),
    )
        .prop_map(|(op, path, from, value)| {
            let mut map = Map::new();
            map.insert("op".into(), op.into());
            map.insert("path".into(), path.into());
            if let Some(from) = from {
                map.insert("from".into(), from.into());
            }
            if let Some(value) = value {
                map.insert("value".into(), value);
            }
            Value::Object(map)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn json_patch_never_panics(doc in value(), ops in prop::collection::vec(operation(), 0..6)) {
        let mut doc = doc;
        let _ = json6902::decode(&Value::Array(ops.clone()));
        // Each valid operation on its own, so that most lists apply something.
        for op in ops {
            if let Ok(op) = json6902::decode(&Value::Array(vec![op])) {
                let _ = json6902::apply(&mut doc, &op);
            }
        }
    }

    #[test]
    fn json_patch_decode_of_arbitrary_values_never_panics(ops in value()) {
        let _ = json6902::decode(&ops);
    }
}

/// `object()` made loadable: `metadata.name` set.
fn named(mut v: Value) -> Value {
    if let Value::Object(map) = &mut v {
        map.insert("metadata".into(), json!({"name": "x"}));
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whole builds with arbitrary strategic merge and JSON patches return a result or
    /// an error.
    #[test]
    fn build_with_arbitrary_patches_never_panics(
        resource in object(),
        patch in object(),
        ops in prop::collection::vec(operation(), 0..4),
    ) {
        let resource = named(resource);
        let patch = named(patch);
        let kind = resource.get("kind").cloned().unwrap_or_default();
        let k = json!({
            "resources": ["res.yaml"],
            "patchesStrategicMerge": [patch.to_string()],
            "patches": [{"patch": Value::Array(ops).to_string(), "target": {"kind": kind}}],
        });
        let mut fs = crate::kustomize::MemFs::new();
        fs.add("app/kustomization.yaml", k.to_string()).add("app/res.yaml", resource.to_string());
        let _ = crate::kustomize::build(&fs, "app", &crate::kustomize::Options::default());
    }
}

//! Property tests: strategic merges of arbitrary inputs, with the built-in and a custom
//! schema, return a result or an error, never panic.

use std::sync::Arc;

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::{CustomDoc, Layer, Schema, strategic};

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

/// A custom schema with merge keys, `additionalProperties`, a reference cycle and a
/// dangling reference.
fn custom_schema() -> Schema {
    let doc = json!({"definitions": {
        "com.example.v1.Foo": {
            "x-kubernetes-group-version-kind": [{"group": "example.com", "version": "v1", "kind": "Foo"}],
            "properties": {
                "spec": {"$ref": "#/definitions/com.example.v1.Foo"},
                "items": {"type": "array", "items": {"$ref": "#/definitions/com.example.v1.Foo"},
                          "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "id"},
                "ports": {"type": "array", "items": {"type": "object"}, "x-kubernetes-patch-strategy": "merge",
                          "x-kubernetes-list-map-keys": ["containerPort", "protocol"]},
                "args": {"type": "array", "x-kubernetes-patch-strategy": "merge"},
                "env": {"$ref": "#/definitions/loop"},
                "volumes": {"$ref": "#/definitions/missing"},
                "template": {"$ref": "#/definitions/io.k8s.api.core.v1.PodTemplateSpec"}
            },
            "additionalProperties": {"$ref": "#/definitions/com.example.v1.Foo"}
        },
        "loop": {"$ref": "#/definitions/loop"}
    }});
    let doc = CustomDoc::from_value(doc).unwrap_or_default();
    Schema::new(vec![Layer::Builtin, Layer::Custom(Arc::new(doc))])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn strategic_merge_never_panics(dest in object(), patch in object()) {
        let _ = strategic::merge(dest.clone(), &patch, &Schema::builtin());
        let _ = strategic::merge(dest, &patch, &custom_schema());
    }

    #[test]
    fn strategic_merge_of_arbitrary_values_never_panics(dest in value(), patch in value()) {
        let _ = strategic::merge(dest, &patch, &custom_schema());
    }
}

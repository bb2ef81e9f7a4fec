//! One test per directive, with the API server's results (cases follow apimachinery's
//! `strategicpatch/patch_test.go` where it has one).

use serde_json::{Value, json};

use super::{SmpError, apply};
use crate::patch::{PatchType, apply as apply_body};

fn deploy(containers: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "finalizers": ["a", "b"], "labels": {"app": "web", "tier": "x"}},
        "spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
            "template": {"spec": {"containers": containers}}}})
}

fn pod_spec(patch: Value) -> Value {
    json!({"spec": {"template": {"spec": patch}}})
}

fn containers(v: &Value) -> &Value {
    &v["spec"]["template"]["spec"]["containers"]
}

fn names(v: &Value) -> Vec<String> {
    containers(v)
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["name"].as_str().unwrap_or("?").to_string())
        .collect()
}

fn dollar_keys(v: &Value) -> Vec<String> {
    match v {
        Value::Object(m) => m
            .iter()
            .flat_map(|(k, v)| {
                let mut out = dollar_keys(v);
                if k.starts_with('$') {
                    out.push(k.clone());
                }
                out
            })
            .collect(),
        Value::Array(a) => a.iter().flat_map(dollar_keys).collect(),
        _ => Vec::new(),
    }
}

/// The status code the server answers a failing patch with.
fn code(doc: &Value, patch: Value) -> u16 {
    match apply_body(PatchType::StrategicMerge, doc, patch.to_string().as_bytes()) {
        Ok(v) => panic!("patch should fail, got {v}"),
        Err(e) => e.to_status().code,
    }
}

fn ok(doc: &Value, patch: Value) -> Value {
    let out = apply(doc, patch).expect("patch applies");
    assert!(dollar_keys(&out).is_empty(), "directives leaked: {out}");
    out
}

#[test]
fn kubectl_client_side_apply_body() {
    let doc = deploy(json!([
        {"name": "app", "image": "nginx", "env": [{"name": "A", "value": "one"}]},
        {"name": "sidecar", "image": "busybox"}]));
    let patch = json!({"spec":{"template":{"spec":{
        "$setElementOrder/containers":[{"name":"app"},{"name":"sidecar"}],
        "containers":[{"$setElementOrder/env":[{"name":"A"}],"env":[{"name":"A","value":"two"}],"name":"app"}]}}}});
    let out = ok(&doc, patch);
    assert_eq!(
        containers(&out),
        &json!([{"name": "app", "image": "nginx", "env": [{"name": "A", "value": "two"}]},
            {"name": "sidecar", "image": "busybox"}])
    );
}

#[test]
fn set_element_order_of_maps_keeps_server_only_items_in_place() {
    // apimachinery: "add map and delete map from merging list".
    let doc =
        deploy(json!([{"name": "1"}, {"name": "2", "image": "b"}, {"name": "4", "image": "c"}]));
    let patch = pod_spec(
        json!({"$setElementOrder/containers": [{"name": "2"}, {"name": "3"}],
        "containers": [{"name": "3"}, {"name": "1", "$patch": "delete"}]}),
    );
    let out = ok(&doc, patch);
    assert_eq!(
        containers(&out),
        &json!([{"name": "2", "image": "b"}, {"name": "4", "image": "c"}, {"name": "3"}])
    );
    // The order alone reorders.
    let doc = deploy(json!([{"name": "a"}, {"name": "b"}]));
    let out = ok(
        &doc,
        pod_spec(json!({"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}]})),
    );
    assert_eq!(names(&out), ["b", "a"]);
}

#[test]
fn set_element_order_of_scalars() {
    let doc = deploy(json!([]));
    let patch =
        json!({"metadata": {"$setElementOrder/finalizers": ["a", "x", "b"], "finalizers": ["x"]}});
    assert_eq!(
        ok(&doc, patch)["metadata"]["finalizers"],
        json!(["a", "x", "b"])
    );
    // A server-only item keeps its place relative to the items it preceded.
    let mut doc = deploy(json!([]));
    doc["metadata"]["finalizers"] = json!(["a", "s", "b"]);
    let patch = json!({"metadata": {"$setElementOrder/finalizers": ["b", "a"]}});
    assert_eq!(
        ok(&doc, patch)["metadata"]["finalizers"],
        json!(["s", "b", "a"])
    );
}

#[test]
fn delete_from_primitive_list() {
    let mut doc = deploy(json!([]));
    doc["metadata"]["finalizers"] = json!(["a", "b", "c"]);
    let patch = json!({"metadata": {"$setElementOrder/finalizers": ["a", "c"],
        "$deleteFromPrimitiveList/finalizers": ["b"]}});
    assert_eq!(ok(&doc, patch)["metadata"]["finalizers"], json!(["a", "c"]));
    let patch = json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a", "zzz"]}});
    assert_eq!(ok(&doc, patch)["metadata"]["finalizers"], json!(["b", "c"]));
    let bad = json!({"metadata": {"$deleteFromPrimitiveListfinalizers": ["a"]}});
    assert_eq!(
        apply(&doc, bad.clone()),
        Err(SmpError::BadRequest(
            "invalid patch format of primitive list".into()
        ))
    );
    assert_eq!(code(&doc, bad), 400);
}

#[test]
fn primitive_merge_list_is_a_union() {
    let doc = deploy(json!([]));
    let patch = json!({"metadata": {"finalizers": ["c", "a"]}});
    // The patch's items in its order; a new item goes before the object's others.
    assert_eq!(
        ok(&doc, patch)["metadata"]["finalizers"],
        json!(["c", "a", "b"])
    );
}

#[test]
fn retain_keys() {
    let doc = deploy(json!([]));
    let patch = json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}});
    assert_eq!(
        ok(&doc, patch)["spec"]["strategy"],
        json!({"type": "Recreate"})
    );
    // Every field of the patch must be retained.
    let bad =
        json!({"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {"maxSurge": 2}}}});
    assert_eq!(
        apply(&doc, bad.clone()),
        Err(SmpError::BadRequest(
            "invalid patch format of retainKeys".into()
        ))
    );
    assert_eq!(code(&doc, bad), 400);
    let bad = json!({"spec": {"strategy": {"$retainKeys": "type"}}});
    assert_eq!(code(&doc, bad), 400);
}

#[test]
fn patch_directive_on_maps() {
    let doc = deploy(json!([]));
    let replace = json!({"metadata": {"labels": {"$patch": "replace", "only": "1"}}});
    assert_eq!(
        ok(&doc, replace)["metadata"]["labels"],
        json!({"only": "1"})
    );
    let delete = json!({"metadata": {"labels": {"$patch": "delete"}}});
    assert_eq!(ok(&doc, delete)["metadata"]["labels"], json!({}));
    // The API server knows no `$patch: merge` on a map.
    let merge = json!({"metadata": {"labels": {"$patch": "merge", "x": "1"}}});
    match apply(&doc, merge.clone()) {
        Err(SmpError::BadRequest(m)) => {
            assert!(m.starts_with("unknown patch type: merge in map"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(code(&doc, merge), 400);
}

#[test]
fn patch_directive_on_list_items() {
    let doc = deploy(json!([{"name": "a", "image": "1"}, {"name": "b"}]));
    let delete = pod_spec(json!({"containers": [{"name": "a", "$patch": "delete"}]}));
    assert_eq!(names(&ok(&doc, delete)), ["b"]);
    let replace =
        pod_spec(json!({"containers": [{"$patch": "replace"}, {"name": "c", "image": null}]}));
    assert_eq!(containers(&ok(&doc, replace)), &json!([{"name": "c"}]));
    let merge = pod_spec(json!({"containers": [{"$patch": "merge"}]}));
    assert_eq!(
        apply(&doc, merge),
        Err(SmpError::BadRequest(
            "merging lists cannot yet be specified in the patch".into()
        ))
    );
    let keyless = pod_spec(json!({"containers": [{"$patch": "delete"}]}));
    assert_eq!(code(&doc, keyless), 400);
    let keyless = pod_spec(json!({"containers": [{"image": "x"}]}));
    match apply(&doc, keyless) {
        Err(SmpError::BadRequest(m)) => {
            assert_eq!(
                m,
                "map: map[image:x] does not contain declared merge key: name"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn null_deletes_and_new_values_drop_nulls() {
    let doc = deploy(json!([{"name": "a", "image": "1"}]));
    let patch = json!({"metadata": {"labels": {"tier": null, "gone": null}},
        "spec": {"template": {"spec": {"securityContext": {"runAsUser": 1, "fsGroup": null}}}}});
    let out = ok(&doc, patch);
    assert_eq!(out["metadata"]["labels"], json!({"app": "web"}));
    assert_eq!(
        out["spec"]["template"]["spec"]["securityContext"],
        json!({"runAsUser": 1})
    );
    let out = ok(
        &doc,
        pod_spec(json!({"containers": [{"name": "a", "image": null}]})),
    );
    assert_eq!(containers(&out), &json!([{"name": "a"}]));
}

#[test]
fn merge_lists_put_new_items_first_and_keep_positions() {
    let doc = deploy(json!([{"name": "c", "image": "nginx"}]));
    let out = ok(
        &doc,
        pod_spec(json!({"containers": [{"name": "log", "image": "busybox"}]})),
    );
    assert_eq!(names(&out), ["log", "c"]);
    let out = ok(
        &out,
        pod_spec(json!({"containers": [{"name": "c", "image": "nginx:2"}]})),
    );
    assert_eq!(
        containers(&out),
        &json!([{"name": "log", "image": "busybox"}, {"name": "c", "image": "nginx:2"}])
    );
    // Ports merge by containerPort (the struct tag), not by the SSA keys.
    let doc = deploy(json!([{"name": "c", "ports": [{"containerPort": 80, "name": "http"}]}]));
    let patch = pod_spec(
        json!({"containers": [{"name": "c", "ports": [{"containerPort": 80, "protocol": "UDP"}]}]}),
    );
    assert_eq!(
        containers(&ok(&doc, patch))[0]["ports"],
        json!([{"containerPort": 80, "name": "http", "protocol": "UDP"}])
    );
}

#[test]
fn replace_strategy_on_a_map_field() {
    // PodDisruptionBudgetSpec.selector is `patchStrategy:"replace"`.
    let pdb = json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"a": "1"}}}});
    let out = ok(
        &pdb,
        json!({"spec": {"selector": {"matchLabels": {"b": "2"}, "x": null}}}),
    );
    assert_eq!(
        out["spec"],
        json!({"minAvailable": 1, "selector": {"matchLabels": {"b": "2"}}})
    );
}

#[test]
fn other_lists_and_unknown_kinds_are_replaced() {
    let doc = deploy(json!([{"name": "c", "args": ["x", "y"]}]));
    let out = ok(
        &doc,
        pod_spec(json!({"containers": [{"name": "c", "args": ["z"]}]})),
    );
    assert_eq!(containers(&out)[0]["args"], json!(["z"]));
    let cr = json!({"apiVersion": "example.com/v1", "kind": "Foo", "spec": {"items": [1, 2], "m": {"a": 1}}});
    let out = ok(&cr, json!({"spec": {"items": [3], "m": {"b": 2}}}));
    assert_eq!(out["spec"], json!({"items": [3], "m": {"a": 1, "b": 2}}));
}

#[test]
fn malformed_directives_are_client_errors() {
    let doc = deploy(json!([{"name": "a"}, {"name": "b"}]));
    let not_a_list = pod_spec(json!({"$setElementOrder/containers": "a"}));
    assert_eq!(
        apply(&doc, not_a_list.clone()),
        Err(SmpError::BadRequest(
            "expected a []interface {}, but received a string".into()
        ))
    );
    assert_eq!(code(&doc, not_a_list), 400);
    let no_slash = pod_spec(json!({"$setElementOrder": [{"name": "a"}]}));
    assert_eq!(
        apply(&doc, no_slash),
        Err(SmpError::BadRequest(
            "invalid patch format of setElementOrder list".into()
        ))
    );
    let mismatch = pod_spec(json!({"$setElementOrder/containers": [{"name": "b"}],
        "containers": [{"name": "a", "image": "x"}]}));
    assert_eq!(code(&doc, mismatch), 400);
    let mut doc = doc;
    doc["metadata"]["finalizers"] = json!([["a"]]);
    let lists_of_lists = json!({"metadata": {"finalizers": [["x"]]}});
    assert_eq!(
        apply(&doc, lists_of_lists.clone()),
        Err(SmpError::Invalid("lists of lists are not supported".into()))
    );
    assert_eq!(code(&doc, lists_of_lists), 422);
    assert_eq!(code(&doc, json!([1])), 400);
    assert_eq!(
        apply_body(PatchType::StrategicMerge, &doc, b"null").map(|v| v == doc),
        Ok(true)
    );
}

mod props {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::{apply_body, dollar_keys};
    use crate::patch::PatchType;

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (0i64..3).prop_map(|n| json!(n)),
            prop::sample::select(vec!["a", "b", "delete", "replace", "merge"])
                .prop_map(|s| json!(s)),
        ]
    }

    /// Pod-spec-shaped values; `directives` adds the patch directives to the keys.
    fn value(directives: bool) -> impl Strategy<Value = Value> {
        let mut keys = vec![
            "containers",
            "env",
            "name",
            "finalizers",
            "image",
            "value",
            "ports",
        ];
        if directives {
            keys.extend([
                "$patch",
                "$retainKeys",
                "$setElementOrder/containers",
                "$setElementOrder/env",
                "$deleteFromPrimitiveList/finalizers",
            ]);
        }
        leaf().prop_recursive(4, 32, 4, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(prop::sample::select(keys.clone()), inner, 0..4)
                    .prop_map(|m| Value::Object(
                        m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
                    )),
            ]
        })
    }

    fn deploy(spec: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": spec.clone(),
            "spec": {"template": {"spec": spec}}})
    }

    proptest! {
        #[test]
        fn directives_never_panic_nor_leak(doc in value(false), patch in value(true)) {
            let doc = deploy(doc);
            let patch = deploy(patch);
            let mut patch = patch.as_object().cloned().unwrap_or_default();
            patch.remove("apiVersion");
            patch.remove("kind");
            let body = Value::Object(patch).to_string();
            match apply_body(PatchType::StrategicMerge, &doc, body.as_bytes()) {
                Ok(out) => prop_assert!(dollar_keys(&out).is_empty(), "{out}"),
                Err(e) => prop_assert!(matches!(e.to_status().code, 400 | 422)),
            }
            let empty = apply_body(PatchType::StrategicMerge, &doc, b"{}");
            prop_assert_eq!(empty, Ok(doc));
        }
    }
}

use serde_json::{Value, json};

use super::*;
use crate::typeschema::{self, TypeRef};

fn builtin(g: &str, v: &str, k: &str) -> TypeRef {
    typeschema::builtin(g, v, k).expect("built-in kind")
}

fn decode(t: &TypeRef, mut v: Value) -> Result<(Value, Vec<String>), String> {
    decode_builtin(&t.types, t.root, &mut v, true)
        .map(|u| (v, u))
        .map_err(|e| e.to_string())
}

#[test]
fn builtin_type_errors_name_struct_and_field_chain() {
    let d = builtin("apps", "v1", "Deployment");
    let cases = [
        (
            json!({"spec": {"replicas": "3"}}),
            "string into Go struct field DeploymentSpec.spec.replicas of type int32",
        ),
        (
            json!({"spec": {"replicas": 1.5}}),
            "number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32",
        ),
        (
            json!({"spec": {"replicas": 3_000_000_000u64}}),
            "number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32",
        ),
        (
            json!({"spec": {"paused": "yes"}}),
            "string into Go struct field DeploymentSpec.spec.paused of type bool",
        ),
        (
            json!({"spec": "x"}),
            "string into Go struct field Deployment.spec of type v1.DeploymentSpec",
        ),
        (
            json!({"metadata": {"labels": {"a": 1}}}),
            "number into Go struct field ObjectMeta.metadata.labels of type string",
        ),
        (
            json!({"metadata": {"labels": []}}),
            "array into Go struct field ObjectMeta.metadata.labels of type map[string]string",
        ),
        (
            json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "image": 5}]}}}}),
            "number into Go struct field Container.spec.template.spec.containers.image of type string",
        ),
        (
            json!({"spec": {"template": {"spec": {"containers": {"name": "a"}}}}}),
            "object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container",
        ),
    ];
    for (body, want) in cases {
        let err = decode(&d, body.clone()).expect_err("type error");
        assert_eq!(err, format!("json: cannot unmarshal {want}"), "{body}");
    }
}

#[test]
fn builtin_custom_unmarshallers() {
    let d = builtin("apps", "v1", "Deployment");
    let ok = json!({"spec": {"strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
        "template": {"spec": {"containers": [{"name": "a", "resources": {"limits": {"cpu": "500m", "memory": 1024}}}]}}}});
    assert!(decode(&d, ok).is_ok());
    let bad_ios = json!({"spec": {"strategy": {"rollingUpdate": {"maxSurge": true}}}});
    assert_eq!(
        decode(&d, bad_ios).expect_err("bool"),
        "json: cannot unmarshal bool into Go value of type int32"
    );
    let bad_q = json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "resources": {"limits": {"cpu": "lots"}}}]}}}});
    assert_eq!(
        decode(&d, bad_q).expect_err("quantity"),
        go::QUANTITY_FORMAT
    );
    let bad_suffix = json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "resources": {"limits": {"cpu": "1Zi"}}}]}}}});
    assert_eq!(
        decode(&d, bad_suffix).expect_err("suffix"),
        go::QUANTITY_FORMAT
    );
    let bad_suffix = json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "resources": {"limits": {"cpu": "1mi"}}}]}}}});
    assert_eq!(
        decode(&d, bad_suffix).expect_err("suffix"),
        go::QUANTITY_SUFFIX
    );
    let time = json!({"metadata": {"creationTimestamp": 5}});
    assert_eq!(
        decode(&d, time).expect_err("time"),
        "json: cannot unmarshal number into Go value of type string"
    );
    let s = builtin("", "v1", "Secret");
    assert!(decode(&s, json!({"data": {"a": "aGk="}})).is_ok());
    assert_eq!(
        decode(&s, json!({"data": {"a": "hunter2"}})).expect_err("b64"),
        "illegal base64 data at input byte 4"
    );
    assert_eq!(
        decode(&s, json!({"data": {"a": "aGk"}})).expect_err("b64"),
        "illegal base64 data at input byte 0"
    );
    assert_eq!(
        decode(&s, json!({"data": {"a": "a!k="}})).expect_err("b64"),
        "illegal base64 data at input byte 1"
    );
    assert!(decode(&s, json!({"data": {"a": "aG\nk=", "b": "YQ==", "c": ""}})).is_ok());
    assert_eq!(
        decode(&s, json!({"data": {"a": 1}})).expect_err("number"),
        "json: cannot unmarshal number into Go struct field Secret.data of type []uint8"
    );
}

#[test]
fn builtin_unknown_fields_are_dropped_with_paths() {
    let d = builtin("apps", "v1", "Deployment");
    let body = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x", "bogus": 1, "labels": {"a": "b"}},
        "spec": {"foo": 1, "replicas": null, "template": {"spec": {"containers": [{"name": "a", "extra": true}]}}, "bar": {}}});
    let (out, unknown) = decode(&d, body).expect("decodes");
    assert_eq!(
        unknown,
        [
            "metadata.bogus",
            "spec.foo",
            "spec.template.spec.containers[0].extra",
            "spec.bar"
        ]
    );
    assert_eq!(
        out,
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x", "labels": {"a": "b"}},
            "spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}})
    );
    assert_eq!(
        strict_error(&unknown[..2]),
        "strict decoding error: unknown field \"metadata.bogus\", unknown field \"spec.foo\""
    );
    // Case-sensitive, like sigs.k8s.io/json.
    let (_, unknown) = decode(&d, json!({"spec": {"Replicas": 1}})).expect("decodes");
    assert_eq!(unknown, ["spec.Replicas"]);
    // Not tracked: still dropped.
    let mut v = json!({"spec": {"foo": 1}});
    assert!(
        decode_builtin(&d.types, d.root, &mut v, false)
            .expect("decodes")
            .is_empty()
    );
    assert_eq!(v, json!({"spec": {}}));
}

#[test]
fn directive_parsing() {
    assert_eq!(Directive::parse(None), Ok(Directive::Warn));
    assert_eq!(Directive::parse(Some("Strict")), Ok(Directive::Strict));
    assert_eq!(Directive::parse(Some("Ignore")), Ok(Directive::Ignore));
    let e = Directive::parse(Some("strict")).expect_err("case matters");
    assert_eq!(
        e.to_string(),
        "fieldValidation: Unsupported value: \"strict\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\""
    );
}

fn widget() -> TypeRef {
    typeschema::custom(&json!({"type": "object",
        "properties": {
            "metadata": {"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}]},
            "apiVersion": {"type": "string"}, "kind": {"type": "string"},
            "spec": {"type": "object", "required": ["size"], "properties": {
                "size": {"type": "integer", "minimum": 1, "maximum": 10},
                "color": {"type": "string", "enum": ["red", "blue"], "default": "red"},
                "name": {"type": "string", "maxLength": 5, "minLength": 2},
                "port": {"x-kubernetes-int-or-string": true},
                "tags": {"type": "array", "maxItems": 2, "items": {"type": "string"}},
                "nested": {"type": "object", "default": {}, "properties": {"n": {"type": "integer", "default": 3}}},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "opaque": {"type": "object"}}},
            "status": {"type": "object", "properties": {"ok": {"type": "boolean"}}}}}))
}

fn prune(t: &TypeRef, mut v: Value) -> (Value, Vec<String>) {
    let unknown = decode_custom(&t.types, t.root, &mut v, true).expect("prunes");
    (v, unknown)
}

fn validate(t: &TypeRef, v: Value) -> Vec<String> {
    let (v, _) = prune(t, v);
    validate_custom(&t.types, t.root, &v)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn custom_pruning_defaults_and_preserved_fields() {
    let w = widget();
    let (out, unknown) = prune(
        &w,
        json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w", "junk": 1},
        "spec": {"size": 2, "zzz": 1, "aaa": {"b": 1}, "free": {"any": {"thing": [1]}}, "labels": {"k": "v"},
                 "opaque": {"gone": 1}, "tags": ["a"]},
        "extra": true}),
    );
    assert_eq!(
        unknown,
        [
            "extra",
            "metadata.junk",
            "spec.aaa",
            "spec.opaque.gone",
            "spec.zzz"
        ]
    );
    assert_eq!(
        out,
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
            "spec": {"size": 2, "free": {"any": {"thing": [1]}}, "labels": {"k": "v"}, "opaque": {}, "tags": ["a"],
                     "color": "red", "nested": {"n": 3}}})
    );
    // Non-nullable nulls: defaulted or dropped.
    let (out, _) = prune(
        &w,
        json!({"spec": {"size": 1, "color": null, "name": null}}),
    );
    assert_eq!(
        out,
        json!({"spec": {"size": 1, "color": "red", "nested": {"n": 3}}})
    );
    // Apply configurations: pruned, not defaulted.
    let mut config = json!({"spec": {"size": 1, "x": 1, "color": null}});
    let unknown = prune_custom(&w.types, w.root, &mut config, true).expect("prunes");
    assert_eq!(
        (unknown, config),
        (
            vec!["spec.x".to_string()],
            json!({"spec": {"size": 1, "color": null}})
        )
    );
    // Malformed metadata is a decoding error, as ObjectMeta decoding.
    let mut bad = json!({"metadata": {"labels": "x"}});
    let err = decode_custom(&w.types, w.root, &mut bad, true).expect_err("bad metadata");
    assert_eq!(
        err.to_string(),
        "json: cannot unmarshal string into Go struct field ObjectMeta.labels of type map[string]string"
    );
}

#[test]
fn custom_validation_wording() {
    let w = widget();
    assert!(
        validate(
            &w,
            json!({"spec": {"size": 3, "port": "http", "tags": ["a"]}})
        )
        .is_empty()
    );
    assert!(validate(&w, json!({"spec": {"size": 3.0, "port": 80}})).is_empty());
    assert_eq!(
        validate(&w, json!({"spec": {"size": "big"}})),
        [
            "spec.size: Invalid value: \"string\": spec.size in body must be of type integer: \"string\""
        ]
    );
    assert_eq!(
        validate(&w, json!({"spec": {}})),
        ["spec.size: Required value"]
    );
    assert_eq!(
        validate(&w, json!({"spec": {"size": 1, "color": "green"}})),
        ["spec.color: Unsupported value: \"green\": supported values: \"red\", \"blue\""]
    );
    assert_eq!(
        validate(&w, json!({"spec": {"size": 0}})),
        ["spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1"]
    );
    assert_eq!(
        validate(&w, json!({"spec": {"size": 11}})),
        ["spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10"]
    );
    assert_eq!(
        validate(&w, json!({"spec": {"size": 1, "name": "toolong"}})),
        ["spec.name: Too long: may not be more than 5 bytes"]
    );
    assert_eq!(
        validate(&w, json!({"spec": {"size": 1, "name": "a"}})),
        ["spec.name: Invalid value: \"a\": spec.name in body should be at least 2 chars long"]
    );
    assert_eq!(
        validate(&w, json!({"spec": {"size": 1, "tags": ["a", "b", "c"]}})),
        ["spec.tags: Too many: 3: must have at most 2 items"]
    );
    assert_eq!(
        validate(&w, json!({"spec": {"size": 1, "tags": [1]}})),
        [
            "spec.tags[0]: Invalid value: \"integer\": spec.tags[0] in body must be of type string: \"integer\""
        ]
    );
    assert_eq!(
        validate(&w, json!({"spec": {"size": 1, "port": true}})),
        [
            "spec.port: Invalid value: \"boolean\": spec.port in body must be of type integer,string: \"boolean\""
        ]
    );
    assert_eq!(
        validate(&w, json!({"spec": {"size": 1, "labels": {"a": 1}}})),
        [
            "spec.labels.a: Invalid value: \"integer\": spec.labels.a in body must be of type string: \"integer\""
        ]
    );
    assert_eq!(
        validate(&w, json!({"spec": "x"})),
        ["spec: Invalid value: \"string\": spec in body must be of type object: \"string\""]
    );
}

#[test]
fn go_number_formatting() {
    assert_eq!(go_float(2.0), "2");
    assert_eq!(go_float(1.5), "1.5");
    assert_eq!(go_float(1e21), "1e+21");
    assert_eq!(
        go_value(&json!({"b": 1, "a": [true]})),
        "{\"a\":[true],\"b\":1}"
    );
}

#[test]
fn custom_pattern_is_checked() {
    let t = typeschema::custom(&json!({"type": "object", "properties": {
        "spec": {"type": "object", "properties": {
            "interval": {"type": "string", "pattern": "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"}}}}}));
    assert!(validate(&t, json!({"spec": {"interval": "1m30s"}})).is_empty());
    assert_eq!(
        validate(&t, json!({"spec": {"interval": "soon"}})),
        [
            "spec.interval: Invalid value: \"soon\": spec.interval in body should match '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$'"
        ]
    );
}

#[test]
fn custom_multiple_of_tolerates_float_rounding_as_kube_openapi() {
    let t = typeschema::custom(&json!({"type": "object", "properties": {
        "spec": {"type": "object", "properties": {
            "price": {"type": "number", "multipleOf": 0.01},
            "ratio": {"type": "number", "multipleOf": 0.1},
            "even": {"type": "integer", "multipleOf": 2}}}}}));
    // 0.07 / 0.01 == 7.000000000000001 and 0.3 / 0.1 == 2.9999999999999996 in f64.
    assert!(
        validate(
            &t,
            json!({"spec": {"price": 0.07, "ratio": 0.3, "even": 4}})
        )
        .is_empty()
    );
    assert!(validate(&t, json!({"spec": {"price": 2.5, "ratio": -0.7}})).is_empty());
    assert_eq!(
        validate(&t, json!({"spec": {"price": 0.075}})),
        ["spec.price: Invalid value: 0.075: spec.price in body should be a multiple of 0.01"]
    );
    assert_eq!(
        validate(&t, json!({"spec": {"even": 3}})),
        ["spec.even: Invalid value: 3: spec.even in body should be a multiple of 2"]
    );
}

#[test]
fn many_unknown_fields_are_dropped_in_linear_time() {
    // 200k unknown keys (a few MiB of body): dropping them must not be quadratic.
    let mut spec = serde_json::Map::new();
    for i in 0..200_000 {
        spec.insert(format!("k{i}"), json!(1));
    }
    spec.insert("replicas".into(), json!(2));
    let started = std::time::Instant::now();
    let t = builtin("apps", "v1", "Deployment");
    let (v, unknown) = decode(&t, json!({"spec": Value::Object(spec.clone())})).expect("decodes");
    assert_eq!(v["spec"], json!({"replicas": 2}));
    assert_eq!(unknown.len(), MAX_UNKNOWN_FIELDS);
    spec.insert("size".into(), json!(3));
    let (v, unknown) = prune(&widget(), json!({"spec": Value::Object(spec)}));
    assert_eq!(v["spec"]["size"], 3);
    assert_eq!(
        v["spec"].as_object().map(|m| m.len()),
        Some(3),
        "size plus defaults"
    );
    assert_eq!(unknown.len(), MAX_UNKNOWN_FIELDS);
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(20), "took {took:?}");
}

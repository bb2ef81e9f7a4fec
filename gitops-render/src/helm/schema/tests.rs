//! Unit tests of schema validation; texts are Helm 4's (see also `tests/helm_schema.rs`,
//! which compares whole charts with recordings of the real `helm template`).
#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};

use super::*;

fn err(schema: &str, values: Value) -> String {
    validate_single(schema.as_bytes(), &values).unwrap_err()
}

#[test]
fn type_mismatch_and_missing_required() {
    let s = r#"{"required":["image"],"properties":{"replicas":{"type":"integer"}}}"#;
    assert_eq!(
        err(s, json!({"replicas": "3"})),
        "- at '': missing property 'image'\n- at '/replicas': got string, want integer\n"
    );
    assert_eq!(
        validate_single(s.as_bytes(), &json!({"image": {}, "replicas": 3.0})),
        Ok(())
    );
}

#[test]
fn ref_with_several_errors_prints_a_group() {
    let s = r##"{"$defs":{"n":{"minLength":3,"pattern":"^x"}},"properties":{"a":{"$ref":"#/$defs/n"}}}"##;
    assert_eq!(
        err(s, json!({"a": "ab"})),
        "- at '/a': validation failed\n  - at '/a': minLength: got 2, want 3\n  - at '/a': 'ab' does not match pattern '^x'\n"
    );
}

#[test]
fn chart_sections_follow_the_tree() {
    let tree = SchemaTree {
        name: "top".into(),
        schema: Some(br#"{"properties":{"a":{"type":"string"}}}"#.to_vec()),
        dependencies: vec![SchemaTree {
            name: "sub".into(),
            schema: Some(br#"{"properties":{"b":{"maximum":1}}}"#.to_vec()),
            dependencies: vec![SchemaTree {
                name: "bad".into(),
                schema: Some(b"{".to_vec()),
                dependencies: vec![],
            }],
        }],
    };
    let values = json!({"a": 1.0, "sub": {"b": 2000.0, "bad": {}}});
    let text = validate_chart(&tree, &values).unwrap_err();
    assert_eq!(
        text,
        "top:\n- at '/a': got number, want string\nsub:\n- at '/b': maximum: got 2,000, want 1\nbad:\nunexpected EOF"
    );
    assert!(schema_error_message(&text).starts_with(
        "values don't meet the specifications of the schema(s) in the following chart(s):\ntop:\n"
    ));
}

#[test]
fn draft4_boolean_exclusive_bounds_and_ignored_ref_siblings() {
    let s = r##"{"$schema":"http://json-schema.org/draft-04/schema#","definitions":{"p":{"type":"integer"}},
        "properties":{"a":{"minimum":1,"exclusiveMinimum":true},"b":{"$ref":"#/definitions/p","maximum":0}}}"##;
    assert_eq!(
        err(s, json!({"a": 1})),
        "- at '/a': exclusiveMinimum: got 1, want 1\n"
    );
    assert_eq!(validate_single(s.as_bytes(), &json!({"b": 5})), Ok(()));
}

#[test]
fn metaschema_errors_name_the_keyword() {
    assert_eq!(
        err(r#"{"properties":{"a":{"maxLength":"3"}}}"#, json!({})),
        "\"file:///values.schema.json#\" is not valid against metaschema: jsonschema validation failed with \
         'https://json-schema.org/draft/2020-12/schema#'\n- at '': 'allOf' failed\n  - at '/properties/a': \
         'allOf' failed\n    - at '/properties/a/maxLength': got string, want integer"
    );
}

#[test]
fn deep_schema_document_is_refused() {
    let deep_schema = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    assert_eq!(
        validate_single(deep_schema.as_bytes(), &json!({})),
        Err("exceeded max depth".to_string())
    );
}

#[test]
fn deep_recursion_stops_without_overflowing_the_stack() {
    // 1,000 nested lists under a schema that refers to itself: 2,000 schema applications
    let mut v = json!("leaf");
    for _ in 0..1000 {
        v = Value::Array(vec![v]);
    }
    let s = r##"{"items":{"$ref":"#"},"type":"array"}"##;
    let text = err(s, v);
    assert!(
        text.contains("schema nesting too deep"),
        "{}",
        &text[..text.len().min(200)]
    );
}

#[test]
fn multiple_of_with_huge_exponents_terminates() {
    let s = r#"{"multipleOf":3}"#;
    let v: Value = serde_json::from_str("1e300").unwrap();
    assert_eq!(err(s, v), "- at '': multipleOf: got 1×10³⁰⁰, want 3\n");
}

#[test]
fn remote_and_file_refs_are_not_loaded() {
    assert_eq!(
        err(r#"{"$ref":"other.json"}"#, json!({})),
        "failing loading \"file:///other.json\": open /other.json: no such file or directory"
    );
    let e = err(r#"{"$ref":"https://example.com/s.json"}"#, json!({}));
    assert!(
        e.starts_with("failing loading \"https://example.com/s.json\": "),
        "{e}"
    );
    // Helm answers unresolved urn: references with the schema `true`
    assert_eq!(
        validate_single(br#"{"$ref":"urn:example:thing"}"#, &json!({"a": 1})),
        Ok(())
    );
}

//! Unit tests of the strategic merge and the schema layers, without kustomize.

use std::sync::Arc;

use serde_json::{Value, json};

use super::{CustomDoc, Layer, MergeError, Schema, SchemaError, strategic};

fn deployment(spec: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app"}, "spec": spec})
}

fn merge(dest: Value, patch: Value) -> Result<Option<Value>, MergeError> {
    strategic::merge(dest, &patch, &Schema::builtin())
}

#[test]
fn builtin_merge_keys_nulls_and_replaced_lists() {
    let dest = deployment(json!({"replicas": 1, "template": {"spec": {
        "containers": [{"name": "a", "image": "a:1", "args": ["x"]}, {"name": "b", "image": "b:1"}],
        "tolerations": [{"key": "k"}]}}}));
    let patch = json!({"spec": {"replicas": null, "template": {"spec": {
        "containers": [{"name": "b", "image": "b:2"}, {"name": "c", "image": "c:1"}],
        "tolerations": [{"key": "other"}]}}}});
    let merged = merge(dest, patch).expect("merge").expect("kept");
    assert_eq!(merged["spec"].get("replicas"), None);
    assert_eq!(
        merged["spec"]["template"]["spec"]["containers"],
        json!([{"name": "b", "image": "b:2"}, {"name": "c", "image": "c:1"},
               {"name": "a", "image": "a:1", "args": ["x"]}])
    );
    // Tolerations have no merge key: the patch's list replaces the object's.
    assert_eq!(
        merged["spec"]["template"]["spec"]["tolerations"],
        json!([{"key": "other"}])
    );
}

#[test]
fn patch_directives() {
    let dest = deployment(
        json!({"template": {"metadata": {"labels": {"a": "1", "b": "2"}},
        "spec": {"containers": [{"name": "a"}, {"name": "b"}]}}}),
    );
    // `$patch: delete` at the root deletes the object.
    assert_eq!(merge(dest.clone(), json!({"$patch": "delete"})), Ok(None));
    // `$patch: replace` on a map, `$patch: delete` on a list element.
    let patch = json!({"spec": {"template": {"metadata": {"labels": {"$patch": "replace", "c": "3"}},
        "spec": {"containers": [{"name": "a", "$patch": "delete"}]}}}});
    let merged = merge(dest.clone(), patch).expect("merge").expect("kept");
    assert_eq!(
        merged["spec"]["template"]["metadata"]["labels"],
        json!({"c": "3"})
    );
    assert_eq!(
        merged["spec"]["template"]["spec"]["containers"],
        json!([{"name": "b"}])
    );
    // `$patch: replace` as a list element replaces the list.
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"$patch": "replace"}, {"name": "z"}]}}}});
    let merged = merge(dest.clone(), patch).expect("merge").expect("kept");
    assert_eq!(
        merged["spec"]["template"]["spec"]["containers"],
        json!([{"name": "z"}])
    );
    // Unknown strategies and node kind conflicts are errors.
    let err = merge(dest.clone(), json!({"spec": {"$patch": "bogus"}})).expect_err("unknown");
    assert_eq!(
        err.to_string(),
        "field 'spec': unknown patch strategy 'bogus'"
    );
    let err = merge(dest, json!({"spec": {"template": []}})).expect_err("kind");
    assert!(
        matches!(err, MergeError::WrongKind { ref path, .. } if path == "spec.template"),
        "{err}"
    );
}

#[test]
fn custom_layers() {
    let doc = CustomDoc::parse(
        r#"{"definitions": {"com.example.v1.Foo": {
  "x-kubernetes-group-version-kind": [{"group": "example.com", "version": "v1", "kind": "Foo"}],
  "properties": {
    "ports": {"type": "array", "x-kubernetes-patch-strategy": "merge",
              "x-kubernetes-list-map-keys": ["port", "protocol"]},
    "args": {"type": "array", "x-kubernetes-patch-strategy": "merge"}}}}}"#,
    )
    .expect("schema");
    let doc = Arc::new(doc);
    let foo = json!({"apiVersion": "example.com/v1", "kind": "Foo",
        "ports": [{"port": 80, "protocol": "TCP", "x": 1}], "args": ["a", "b"]});
    let patch = json!({"ports": [{"port": 80, "protocol": "UDP"}, {"port": 80, "protocol": "TCP", "x": 2}],
        "args": ["c", "a"]});

    // Without the custom layer both lists are replaced.
    assert!(!Schema::builtin().has_type("example.com/v1", "Foo"));
    let replaced = merge(foo.clone(), patch.clone())
        .expect("merge")
        .expect("kept");
    assert_eq!(replaced["args"], json!(["c", "a"]));

    let mut schema = Schema::builtin();
    schema.push(Layer::Custom(Arc::clone(&doc)));
    assert!(schema.has_type("example.com/v1", "Foo") && schema.has_type("apps/v1", "Deployment"));
    let merged = strategic::merge(foo, &patch, &schema)
        .expect("merge")
        .expect("kept");
    assert_eq!(merged["args"], json!(["c", "a", "b"]));
    assert_eq!(
        merged["ports"],
        json!([{"port": 80, "protocol": "UDP"}, {"port": 80, "protocol": "TCP", "x": 2}])
    );

    // Pushing an equal layer again moves it to the top; a custom schema alone has no
    // built-in types.
    schema.push(Layer::Builtin);
    assert!(matches!(
        schema.layers(),
        [Layer::Custom(_), Layer::Builtin]
    ));
    let custom_only = Schema::new(vec![Layer::Custom(doc)]);
    assert!(!custom_only.has_type("apps/v1", "Deployment"));
}

#[test]
fn custom_document_errors() {
    assert_eq!(
        CustomDoc::parse("[1]").expect_err("list"),
        SchemaError::NotAMap
    );
    assert_eq!(
        CustomDoc::parse("definitions: 3").expect_err("defs"),
        SchemaError::Definitions
    );
    assert!(
        CustomDoc::parse("a: [")
            .expect_err("syntax")
            .to_string()
            .starts_with("invalid schema file: ")
    );
    assert!(CustomDoc::parse("swagger: '2.0'").is_ok());
}

//! `crds:` files: kustomize reads them as OpenAPI definitions (a map from type name to
//! `{Schema, Dependencies}`, JSON when the file starts with `{`, else YAML), not as
//! CustomResourceDefinition objects, which it rejects. Each type whose schema has `kind`,
//! `apiVersion` and `metadata` properties is a kind (the type name's last `.`-separated
//! part); its properties, followed through `$ref`s to other types of the file, add:
//! - `x-kubernetes-annotation`: a `commonAnnotations` target;
//! - `x-kubernetes-label-selector`: a `commonLabels` target;
//! - `x-kubernetes-identity`: a `namePrefix` target;
//! - `x-kubernetes-object-ref-api-version` with `x-kubernetes-object-ref-kind`: a name
//!   reference to that kind (the api version taken as a version) through the property's
//!   `x-kubernetes-object-ref-name-key` field (`name` by default).

use serde_json::{Map, Value};

use super::merge::merge_specs;
use super::{FieldSpec, NameBackRefs, TransformerConfig, yaml_documents};
use crate::kustomize::transform::Error;

/// The transformer configuration one `crds:` file declares.
pub(super) fn config(text: &str, file: &str) -> Result<TransformerConfig, Error> {
    let invalid = |message: String| Error::Config {
        file: file.to_string(),
        message: format!("unable to parse open API definition from '{file}': {message}"),
    };
    let docs = yaml_documents(text, file)?;
    let Some(Value::Object(types)) = docs.into_iter().next() else {
        return Err(invalid(
            "expected a map from type names to definitions".into(),
        ));
    };
    let mut schemas = Map::new();
    for (name, definition) in &types {
        let Value::Object(definition) = definition else {
            return Err(invalid(format!("definition of '{name}' is not a mapping")));
        };
        // encoding/json matches the `Schema` field name case-insensitively.
        let schema = definition
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("schema"))
            .map(|(_, v)| v.clone());
        schemas.insert(name.clone(), schema.unwrap_or(Value::Null));
    }
    let mut result = TransformerConfig::default();
    for (name, schema) in &schemas {
        let props = properties(schema);
        if !["kind", "apiVersion", "metadata"]
            .iter()
            .all(|p| props.is_some_and(|m| m.contains_key(*p)))
        {
            continue;
        }
        let kind = name.rsplit('.').next().unwrap_or(name);
        let mut one = TransformerConfig::default();
        walk(&mut one, kind, &schemas, name, &[], 0);
        result.merge(one);
    }
    Ok(result)
}

fn properties(schema: &Value) -> Option<&Map<String, Value>> {
    schema.get("properties").and_then(Value::as_object)
}

/// An `x-` extension's string value (extension names are case-insensitive).
fn extension<'a>(property: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    property
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str())
}

fn spec(kind: &str, path: &[&str]) -> FieldSpec {
    FieldSpec {
        kind: kind.to_string(),
        path: path.join("/"),
        ..FieldSpec::default()
    }
}

/// kustomize's `loadCrdIntoConfig` over type `type_name` at `path` (depth-bounded, as
/// `$ref` cycles would otherwise not end).
fn walk(
    config: &mut TransformerConfig,
    kind: &str,
    schemas: &Map<String, Value>,
    type_name: &str,
    path: &[&str],
    depth: usize,
) {
    let Some(props) = schemas.get(type_name).and_then(properties) else {
        return;
    };
    if depth > 64 {
        return;
    }
    for (name, property) in props {
        let Some(property) = property.as_object() else {
            continue;
        };
        let here: Vec<&str> = path.iter().copied().chain([name.as_str()]).collect();
        if extension(property, "x-kubernetes-annotation").is_some() {
            merge_specs(&mut config.common_annotations, vec![spec(kind, &here)]);
        }
        if extension(property, "x-kubernetes-label-selector").is_some() {
            merge_specs(&mut config.common_labels, vec![spec(kind, &here)]);
        }
        if extension(property, "x-kubernetes-identity").is_some() {
            merge_specs(&mut config.name_prefix, vec![spec(kind, &here)]);
        }
        let version = extension(property, "x-kubernetes-object-ref-api-version");
        if let (Some(version), Some(ref_kind)) =
            (version, extension(property, "x-kubernetes-object-ref-kind"))
        {
            let key = extension(property, "x-kubernetes-object-ref-name-key").unwrap_or("name");
            let field: Vec<&str> = here.iter().copied().chain([key]).collect();
            let backref = NameBackRefs {
                version: version.to_string(),
                kind: ref_kind.to_string(),
                field_specs: vec![spec(kind, &field)],
                ..NameBackRefs::default()
            };
            match config
                .name_reference
                .iter_mut()
                .find(|b| b.group.is_empty() && b.version == version && b.kind == ref_kind)
            {
                Some(existing) => merge_specs(&mut existing.field_specs, backref.field_specs),
                None => config.name_reference.push(backref),
            }
        }
        if let Some(target) = property
            .get("$ref")
            .and_then(Value::as_str)
            .filter(|r| !r.is_empty())
        {
            walk(config, kind, schemas, target, &here, depth + 1);
        }
    }
}

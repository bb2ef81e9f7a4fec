//! Schemas of Flagger's hand-written CRD that differ from what a Rust type derives: Go
//! `int` fields declared `type: number`, integers without a `format`, and Istio's
//! `format: string` on strings. Used with `#[schemars(schema_with = "...")]`.

use schemars::{Schema, SchemaGenerator, json_schema};

/// Removes the `default` schemars derives from `#[serde(default)]`: Flagger's schema has
/// none for fields that Go always writes.
pub(super) fn drop_default(schema: &mut Schema) {
    schema.remove("default");
}

/// Removes the derived `required` list of an object (Flagger's schema states it elsewhere).
pub(super) fn drop_required(schema: &mut Schema) {
    schema.remove("required");
}

/// `type: number` (Go `int` fields of Flagger's own types).
pub(super) fn number(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "number" })
}

/// An array of `type: number`.
pub(super) fn number_array(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "array", "items": { "type": "number" } })
}

/// `type: integer` without a format.
pub(super) fn integer(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer" })
}

/// A map of `type: integer` values without a format.
pub(super) fn integer_map(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "object", "additionalProperties": { "type": "integer" } })
}

/// An Istio string: `type: string` with `format: string`.
pub(super) fn istio_string(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "format": "string" })
}

/// An array of Istio strings.
pub(super) fn istio_string_array(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "array", "items": { "type": "string", "format": "string" } })
}

/// A map of Istio strings.
pub(super) fn istio_string_map(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "object", "additionalProperties": { "type": "string", "format": "string" } })
}

/// A URL: `type: string` with `format: url`.
pub(super) fn url(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "format": "url" })
}

/// A port number or name: `x-kubernetes-int-or-string` without a type.
pub(super) fn int_or_string(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "x-kubernetes-int-or-string": true })
}

/// The `oneOf` of an Istio string match that allows at most one of `exact`, `prefix` and
/// `regex`: either none of them, or exactly one.
pub(super) fn at_most_one_of_exact_prefix_regex() -> serde_json::Value {
    serde_json::json!([
        { "not": { "anyOf": [
            { "required": ["exact"] },
            { "required": ["prefix"] },
            { "required": ["regex"] }
        ] } },
        { "required": ["exact"] },
        { "required": ["prefix"] },
        { "required": ["regex"] }
    ])
}

/// Checks the Istio string-match rule `oneOf` expresses for the set fields of a match:
/// `exactly_one` requires one field, otherwise at most one is allowed. Returns an error
/// message when violated.
pub(super) fn one_of_rule(set: &[(&str, bool)], exactly_one: bool) -> Option<String> {
    let count = set.iter().filter(|(_, present)| *present).count();
    let names = set.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
    if count > 1 {
        Some(format!("Invalid value: only one of {names} may be set"))
    } else if exactly_one && count == 0 {
        Some(format!("Required value: one of {names} must be set"))
    } else {
        None
    }
}

//! Schema and serde helpers for fields whose Go type controller-gen renders in a way
//! schemars does not: Go `int` (an integer without `format`) and `apiextensionsv1.JSON`
//! (any value, unknown fields preserved).

use schemars::{Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer};

/// Schema of a Go `int` field: `type: integer` without a format.
pub(crate) fn go_int(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer" })
}

/// Schema of an `apiextensionsv1.JSON` field: any value, unknown fields preserved.
pub(crate) fn preserve_unknown(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "x-kubernetes-preserve-unknown-fields": true })
}

/// Reads a present field as `Some`, even when its value is `null`, so that an explicit
/// `null` survives a round trip (an absent field stays `None` through `#[serde(default)]`).
pub(crate) fn some_even_if_null<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(deserializer).map(Some)
}

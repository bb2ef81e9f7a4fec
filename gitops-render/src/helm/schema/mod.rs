//! JSON Schema validation of chart values, as Helm 4 does it before rendering
//! (`pkg/chart/common/util/jsonschema.go`: `ValidateAgainstSchema` and
//! `ValidateAgainstSingleSchema` over santhosh-tekuri/jsonschema v6), with Helm 4's error text.
//!
//! ```
//! use gitops_render::helm::schema::{validate_chart, schema_error_message, SchemaTree};
//! let tree = SchemaTree {
//!     name: "web".into(),
//!     schema: Some(br#"{"properties":{"replicas":{"type":"integer"}}}"#.to_vec()),
//!     dependencies: vec![],
//! };
//! let err = validate_chart(&tree, &serde_json::json!({"replicas": "two"})).unwrap_err();
//! assert_eq!(err, "web:\n- at '/replicas': got string, want integer\n");
//! assert_eq!(
//!     schema_error_message(&err),
//!     "values don't meet the specifications of the schema(s) in the following chart(s):\n\
//!      web:\n- at '/replicas': got string, want integer\n"
//! );
//! ```
//!
//! What is covered: drafts 4, 6, 7, 2019-09 and 2020-12 chosen by `$schema` (2020-12 when
//! absent); every validation and applicator keyword those drafts define except
//! `$dynamicRef`/`$recursiveRef` (treated as absent) and the content keywords (not asserted
//! by Helm either); `format` asserted for drafts 4–7 only, as santhosh does by default;
//! `$ref` to JSON pointers, `$id`-relative URLs and anchors inside the document. Remote
//! references are not fetched: they fail with an error naming the URL. Patterns use Go's RE2
//! syntax in Helm; here they run on `regex-lite`, which has the same syntax and ASCII classes
//! but no Unicode classes (`\p{..}`), so such patterns are reported as invalid.
//!
//! The metaschema check santhosh runs at compile time is covered for the keyword values
//! charts get wrong (type names, numbers and counts, `required`, patterns, subschema shapes),
//! with santhosh's error tree; other metaschema violations are not reported.
//!
//! Callers pass the coalesced values Helm validates: chart defaults under user values, every
//! enabled subchart (by its alias, if any) present under its key with `global` copied in.
//!
//! Where santhosh's order depends on Go map iteration (several failing properties of one
//! object, the names in `additional properties ... not allowed`), Helm's own output varies
//! from run to run; this module uses the order of the values map.

mod compile;
mod format;
mod instance;
mod json;
mod meta;
mod num;
mod output;
mod pattern;
mod url;
mod validate;

use serde_json::Value;

/// A chart as schema validation sees it.
#[derive(Debug, Clone, Default)]
pub struct SchemaTree {
    /// The chart name (`Chart.yaml` `name`), which heads its section of the error text.
    pub name: String,
    /// The bytes of `values.schema.json`, if the chart has one.
    pub schema: Option<Vec<u8>>,
    /// Subcharts (in `Chart.Dependencies()` order), each validated against its own key of
    /// the parent's values.
    pub dependencies: Vec<SchemaTree>,
}

/// The prefix Helm puts before the text of [`validate_chart`].
const PREFIX: &str =
    "values don't meet the specifications of the schema(s) in the following chart(s):\n";

/// Helm's `ValidateAgainstSchema`: `Ok` or the error text (the part after Helm's prefix).
///
/// The chart's own schema sees `values`; each dependency sees `values[<name>]` when that is
/// present and not null (a non-map there is reported without validating). Sections appear in
/// tree order: `<chart>:\n<errors>`, where validation errors end with a newline and errors
/// reading the schema do not (as in Helm).
pub fn validate_chart(tree: &SchemaTree, values: &Value) -> Result<(), String> {
    let mut out = String::new();
    collect(tree, values, &mut out);
    if out.is_empty() { Ok(()) } else { Err(out) }
}

fn collect(tree: &SchemaTree, values: &Value, out: &mut String) {
    if let Some(schema) = &tree.schema
        && let Err(e) = validate_single(schema, values)
    {
        out.push_str(&tree.name);
        out.push_str(":\n");
        out.push_str(&e);
    }
    for sub in &tree.dependencies {
        let raw = match values {
            Value::Object(m) => m.get(&sub.name),
            _ => None,
        };
        match raw {
            None | Some(Value::Null) => {}
            Some(v @ Value::Object(_)) => collect(sub, v, out),
            Some(other) => {
                out.push_str(&format!(
                    "{}:\ninvalid type for values: expected object (map), got {}\n",
                    sub.name,
                    go_type_name(other)
                ));
            }
        }
    }
}

/// Go's `%T` of a decoded values node.
fn go_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// Helm's `ValidateAgainstSingleSchema`: `Ok` or the error text of one schema (validation
/// errors as `- at '<pointer>': <message>` lines ending with a newline; schema reading
/// errors as santhosh/Go word them, without a final newline).
pub fn validate_single(schema_json: &[u8], values: &Value) -> Result<(), String> {
    // Recursive schemas over deep values nest deeply; run on a thread with a stack sized
    // for the nesting limits rather than on the caller's (possibly small) one.
    let run = || validate_here(schema_json, values);
    std::thread::scope(|s| {
        match std::thread::Builder::new()
            .name("values-schema".into())
            .stack_size(STACK_SIZE)
            .spawn_scoped(s, run)
        {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|_| Err("unable to validate schema: internal error".into())),
            Err(_) => validate_here(schema_json, values),
        }
    })
}

/// Stack for validation threads: enough for the reader's and the validator's depth limits.
const STACK_SIZE: usize = 256 * 1024 * 1024;

fn validate_here(schema_json: &[u8], values: &Value) -> Result<(), String> {
    let doc = json::parse(schema_json)?;
    meta::check(&doc)?;
    let compiled = compile::compile(&doc)?;
    validate::validate_root(&compiled, values).map_err(|errs| output::render(&errs))
}

/// The message `helm template` prints after `Error: ` for a [`validate_chart`] failure.
pub fn schema_error_message(text: &str) -> String {
    format!("{PREFIX}{text}")
}

#[cfg(test)]
mod tests;

//! kustomize's content hash of generated ConfigMaps and Secrets (`api/hasher`): SHA-256
//! of a Go `encoding/json` encoding of selected fields, first ten hex digits, with some
//! digits and letters swapped so the suffix never looks like a number or a word.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use gitops_core::Object;

/// The suffix kustomize appends (after `-`) to the name of `object`.
pub fn content_hash(object: &Object) -> String {
    let encoded = match object.kind() {
        "ConfigMap" => encode_fields(object, &["binaryData"], &[("kind", "ConfigMap")], false),
        "Secret" => encode_fields(object, &["stringData"], &[("kind", "Secret")], true),
        _ => {
            let mut out = String::new();
            write_json(&mut out, object.as_value());
            out
        }
    };
    let digest = Sha256::digest(encoded.as_bytes());
    let hex: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    hex.chars()
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}

/// The map kustomize hashes: `kind`, `name`, `data` (`""` when absent), `type` for
/// Secrets, and the optional maps (`binaryData`, `stringData`) only when they are maps.
/// Go's `json.Marshal` sorts map keys, as `BTreeMap`-like ordering here does.
fn encode_fields(
    object: &Object,
    optional: &[&str],
    fixed: &[(&str, &str)],
    with_type: bool,
) -> String {
    let mut fields: Vec<(&str, Value)> = fixed
        .iter()
        .map(|(k, v)| (*k, Value::String((*v).to_string())))
        .collect();
    // kustomize looks the name up as a single field literally called `metadata/name`,
    // which never exists: the name it hashes is always empty.
    fields.push(("name", Value::String(String::new())));
    fields.push(("data", lookup(object, "data")));
    if with_type {
        fields.push(("type", lookup(object, "type")));
    }
    for key in optional {
        if let Some(v @ Value::Object(_)) = object.as_value().get(*key) {
            fields.push((key, v.clone()));
        }
    }
    fields.sort_by(|a, b| a.0.cmp(b.0));
    let map: Map<String, Value> = fields
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let mut out = String::new();
    write_json(&mut out, &Value::Object(map));
    out
}

/// kustomize's `getNodeValues`: a scalar's text, a map as a map, `""` when absent.
fn lookup(object: &Object, key: &str) -> Value {
    match object.as_value().get(key) {
        None | Some(Value::Null) => Value::String(String::new()),
        Some(Value::String(s)) => Value::String(s.clone()),
        Some(Value::Number(n)) => Value::String(n.to_string()),
        Some(Value::Bool(b)) => Value::String(b.to_string()),
        Some(v) => v.clone(),
    }
}

/// Writes `value` as Go's `json.Marshal` would: object keys sorted, HTML-safe escaping.
fn write_json(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, key);
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_json(out, v);
                }
            }
            out.push('}');
        }
    }
}

/// A JSON string with Go's escaping (`<`, `>`, `&`, U+2028 and U+2029 escaped too).
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_escaping() {
        let mut out = String::new();
        write_string(&mut out, "<a&b>\u{1}\u{8}\u{2028}é\"\\");
        assert_eq!(out, r#""\u003ca\u0026b\u003e\u0001\b\u2028é\"\\""#);
    }
}

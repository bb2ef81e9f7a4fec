//! Resolution of plain YAML scalars to typed values, the way go-yaml does it.
//!
//! go-yaml v3 (kustomize's kyaml, what Flux reads objects with) resolves YAML 1.2-ish:
//! only `true`/`false` spellings are booleans, `0755` and `0o17` are octal integers and
//! unquoted timestamps become times. go-yaml v2 (`sigs.k8s.io/yaml`, Helm values) resolves
//! YAML 1.1: `yes`, `on`, `y`, `off`… are booleans too, and timestamps stay strings when
//! decoded into untyped values.

use super::goparse;
use super::load::Schema;

/// A resolved scalar.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    /// `null`, `~` or empty.
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer above `i64::MAX`.
    Uint(u64),
    /// A float (may be infinite or NaN).
    Float(f64),
    /// A string.
    Str(String),
}

const V2_TRUE: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
];
const V2_FALSE: &[&str] = &[
    "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
];
const V3_TRUE: &[&str] = &["true", "True", "TRUE"];
const V3_FALSE: &[&str] = &["false", "False", "FALSE"];
const NULLS: &[&str] = &["", "~", "null", "Null", "NULL"];

/// Resolves the text of a plain (unquoted, untagged) scalar under `schema`.
pub fn resolve_plain(text: &str, schema: Schema) -> Scalar {
    let (truthy, falsy) = match schema {
        Schema::GoYamlV3 => (V3_TRUE, V3_FALSE),
        Schema::GoYamlV2 => (V2_TRUE, V2_FALSE),
    };
    if NULLS.contains(&text) {
        return Scalar::Null;
    }
    if truthy.contains(&text) {
        return Scalar::Bool(true);
    }
    if falsy.contains(&text) {
        return Scalar::Bool(false);
    }
    if let Some(f) = special_float(text) {
        return Scalar::Float(f);
    }
    match text.as_bytes().first() {
        Some(b'.') => {
            goparse::parse_float(text).map_or_else(|| Scalar::Str(text.to_string()), Scalar::Float)
        }
        Some(b'0'..=b'9' | b'+' | b'-') => resolve_number(text, schema),
        _ => Scalar::Str(text.to_string()),
    }
}

/// `.inf`, `-.Inf`, `.nan` … (go-yaml's table).
fn special_float(text: &str) -> Option<f64> {
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Some(f64::NAN),
        _ => None,
    }
}

fn resolve_number(text: &str, schema: Schema) -> Scalar {
    if schema == Schema::GoYamlV3 {
        if let Some(ts) = goparse::parse_timestamp(text) {
            return Scalar::Str(ts.to_rfc3339());
        }
    }
    let plain: String = text.chars().filter(|c| *c != '_').collect();
    if let Some(i) = goparse::parse_int(plain.as_bytes(), 0) {
        return Scalar::Int(i);
    }
    if let Some(u) = goparse::parse_uint(plain.as_bytes(), 0) {
        return Scalar::Uint(u);
    }
    if goparse::is_yaml_style_float(plain.as_bytes()) {
        if let Some(f) = goparse::parse_float(&plain) {
            return Scalar::Float(f);
        }
    }
    // go-yaml's own prefix branches re-parse the digits after the prefix, where Go still
    // accepts a sign (`0b+101` is 5); v3 adds YAML 1.2's `0o` octals.
    let prefixes: &[(&str, u32)] = match schema {
        Schema::GoYamlV2 => &[("0b", 2)],
        Schema::GoYamlV3 => &[("0b", 2), ("0o", 8)],
    };
    for (prefix, radix) in prefixes {
        if let Some(rest) = plain.strip_prefix(prefix) {
            if let Some(i) = goparse::parse_int(rest.as_bytes(), *radix) {
                return Scalar::Int(i);
            }
            if let Some(u) = goparse::parse_uint(rest.as_bytes(), *radix) {
                return Scalar::Uint(u);
            }
        } else if let Some(rest) = plain.strip_prefix('-').and_then(|p| p.strip_prefix(prefix)) {
            if let Some(i) = goparse::parse_int(format!("-{rest}").as_bytes(), *radix) {
                return Scalar::Int(i);
            }
        }
    }
    Scalar::Str(text.to_string())
}

/// Whether go-yaml v2 would read `text`, written plain, as something other than a
/// string — the question its emitter asks before writing a string unquoted. Timestamps
/// count: v2 resolves them, although it decodes them into strings.
pub(crate) fn v2_resolves_to_non_string(text: &str) -> bool {
    !matches!(resolve_plain(text, Schema::GoYamlV2), Scalar::Str(_))
        || goparse::parse_timestamp(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v3(s: &str) -> Scalar {
        resolve_plain(s, Schema::GoYamlV3)
    }
    fn v2(s: &str) -> Scalar {
        resolve_plain(s, Schema::GoYamlV2)
    }
    fn s(x: &str) -> Scalar {
        Scalar::Str(x.to_string())
    }

    #[test]
    fn booleans_by_schema() {
        for t in ["yes", "on", "y", "Off", "NO"] {
            assert_eq!(v3(t), s(t), "{t}");
            assert!(matches!(v2(t), Scalar::Bool(_)), "{t}");
        }
        assert_eq!(v3("True"), Scalar::Bool(true));
        assert_eq!(v3("tRue"), s("tRue"));
        assert_eq!(v2("off"), Scalar::Bool(false));
    }

    #[test]
    fn numbers_like_go_yaml() {
        assert_eq!(v3("0755"), Scalar::Int(493));
        assert_eq!(v3("0o17"), Scalar::Int(15));
        assert_eq!(v3("0x1F"), Scalar::Int(31));
        assert_eq!(v3("1_000"), Scalar::Int(1000));
        assert_eq!(v3("-0"), Scalar::Int(0));
        assert_eq!(v3("-0b101"), Scalar::Int(-5));
        assert_eq!(v3("18446744073709551615"), Scalar::Uint(u64::MAX));
        assert_eq!(v3("99999999999999999999"), Scalar::Float(1e20));
        assert_eq!(v3("1e3"), Scalar::Float(1000.0));
        assert_eq!(v3("1."), Scalar::Float(1.0));
        assert_eq!(v3(".5"), Scalar::Float(0.5));
        assert_eq!(v3("08"), Scalar::Float(8.0));
        assert_eq!(v3("1.10"), Scalar::Float(1.1));
        for t in [
            "0o8", "0x", "0xG", "1e", "123abc", "0.1.2", "1.2.3", "_1", "1,000", "-1a", "+Inf",
            "inf", "1:20", ".",
        ] {
            assert_eq!(v3(t), s(t), "{t}");
        }
        assert_eq!(v3(".inf"), Scalar::Float(f64::INFINITY));
        // Go's ParseFloat reports a range error, so go-yaml keeps the text.
        assert_eq!(v3("1e400"), s("1e400"));
        assert_eq!(v3("0b+101"), Scalar::Int(5));
        assert_eq!(v3("0o+17"), Scalar::Int(15));
        assert_eq!(v3("~"), Scalar::Null);
        assert_eq!(v3(""), Scalar::Null);
    }

    #[test]
    fn timestamps_only_in_v3() {
        assert_eq!(v3("2001-12-14"), s("2001-12-14T00:00:00Z"));
        assert_eq!(v2("2001-12-14"), s("2001-12-14"));
        assert_eq!(v3("20011214"), Scalar::Int(20011214));
    }
}

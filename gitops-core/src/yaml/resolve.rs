//! Resolution of plain YAML scalars to typed values, the way go-yaml does it.
//!
//! go-yaml v3 (kustomize's kyaml, what Flux reads objects with) resolves YAML 1.2-ish:
//! only `true`/`false` spellings are booleans, `0755` and `0o17` are octal integers and
//! unquoted timestamps become times. go-yaml v2 (`sigs.k8s.io/yaml`, Helm values) resolves
//! YAML 1.1: `yes`, `on`, `y`, `off`… are booleans too, and timestamps stay strings when
//! decoded into untyped values.

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

const V2_TRUE: &[&str] = &["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"];
const V2_FALSE: &[&str] = &["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"];
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
        Some(b'.') => parse_go_float(text).map_or_else(|| Scalar::Str(text.to_string()), Scalar::Float),
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
        if let Some(ts) = super::timestamp::parse(text) {
            return Scalar::Str(ts);
        }
    }
    let plain: String = text.chars().filter(|c| *c != '_').collect();
    if let Some(v) = parse_go_int(&plain) {
        return v;
    }
    if is_yaml_style_float(&plain) {
        if let Some(f) = parse_go_float(&plain) {
            return Scalar::Float(f);
        }
    }
    let (negative, digits) = match plain.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, plain.as_str()),
    };
    if let Some(bin) = digits.strip_prefix("0b") {
        if let Some(v) = radix_int(negative, bin, 2) {
            return v;
        }
    }
    if schema == Schema::GoYamlV3 {
        if let Some(oct) = digits.strip_prefix("0o") {
            if let Some(v) = radix_int(negative, oct, 8) {
                return v;
            }
        }
    }
    Scalar::Str(text.to_string())
}

/// Go's `strconv.ParseInt(s, 0, 64)`, then `ParseUint(s, 0, 64)`.
fn parse_go_int(s: &str) -> Option<Scalar> {
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = if let Some(d) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        (16, d)
    } else if let Some(d) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
        (8, d)
    } else if let Some(d) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
        (2, d)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    radix_int(negative, digits, radix)
}

fn radix_int(negative: bool, digits: &str, radix: u32) -> Option<Scalar> {
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if negative {
        if magnitude <= i64::MAX as u64 {
            Some(Scalar::Int(-(magnitude as i64)))
        } else if magnitude == 1u64 << 63 {
            Some(Scalar::Int(i64::MIN))
        } else {
            None
        }
    } else if let Ok(v) = i64::try_from(magnitude) {
        Some(Scalar::Int(v))
    } else {
        Some(Scalar::Uint(magnitude))
    }
}

/// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal forms (`.5`, `1.`, `1e3`, `+1.5E-3`).
/// Go also reads `inf`/`nan`/hex floats; go-yaml only reaches this for texts starting with
/// `.` or passing [`is_yaml_style_float`], where those cannot occur, except `.`-forms.
fn parse_go_float(s: &str) -> Option<f64> {
    let ok = s.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)) && s.bytes().any(|b| b.is_ascii_digit());
    if !ok {
        return None;
    }
    s.parse::<f64>().ok()
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
        for t in ["0o8", "0x", "0xG", "1e", "123abc", "0.1.2", "1.2.3", "_1", "1,000", "-1a", "+Inf", "inf", "1:20", "."] {
            assert_eq!(v3(t), s(t), "{t}");
        }
        assert_eq!(v3(".inf"), Scalar::Float(f64::INFINITY));
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

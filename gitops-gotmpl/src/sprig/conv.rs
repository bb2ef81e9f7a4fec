//! Sprig's conversions: `strval`, spf13/cast's `ToInt64`/`ToInt`/`ToFloat64`, `empty`,
//! and the pieces of Go's `strconv` they rely on.

use crate::fmt::format_value;
use crate::value::Value;

use super::NIL_DEREF;

/// Sprig's `strval`: strings as they are, `[]byte` as text, anything else through `%v`
/// (which calls `String()`/`Error()` on objects that have them).
pub fn strval(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Bytes(b) => go_string(b),
        other => format_value(other),
    }
}

/// Bytes as a Go string would print through `encoding/json`: every byte that is not
/// part of valid UTF-8 becomes U+FFFD (Go decodes invalid input one byte at a time).
pub(crate) fn go_string(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    let mut rest = b;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                break;
            }
            Err(e) => {
                let good = e.valid_up_to();
                out.push_str(std::str::from_utf8(&rest[..good]).unwrap_or_default());
                out.push('\u{FFFD}');
                rest = &rest[good + 1..];
            }
        }
    }
    out
}

/// Go's conversion of a `float64` to `int64` on amd64: truncation, and the "integer
/// indefinite" value (`math.MinInt64`) for NaN and out-of-range values.
pub(crate) fn float_to_i64(f: f64) -> i64 {
    let limit = i64::MAX as f64; // 2^63
    if !(-limit..limit).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// spf13/cast's `ToInt64` (errors give 0): integers as they are, floats truncated,
/// strings through `strconv.ParseInt(s, 0, 64)` after dropping a zero fraction
/// (`"1.0"`), booleans as 0/1, nil and everything else 0.
pub fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Uint64(u) => *u as i64,
        Value::Float(f) => float_to_i64(*f),
        Value::String(s) => parse_int(trim_zero_decimal(s), 0).unwrap_or(0),
        Value::Bool(b) => i64::from(*b),
        _ => 0,
    }
}

/// spf13/cast's `ToFloat64` (errors give 0): numbers converted, strings through
/// `strconv.ParseFloat`, booleans as 0/1, everything else 0.
pub fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i as f64,
        Value::Uint64(u) => *u as f64,
        Value::Float(f) => *f,
        Value::String(s) => parse_float(s).unwrap_or(0.0),
        Value::Bool(b) => f64::from(u8::from(*b)),
        _ => 0.0,
    }
}

/// cast's `trimZeroDecimal`: `"1.000"` → `"1"`, anything else unchanged.
fn trim_zero_decimal(s: &str) -> &str {
    let b = s.as_bytes();
    let mut found_zero = false;
    for i in (0..b.len()).rev() {
        match b[i] {
            b'.' => {
                if found_zero {
                    return &s[..i];
                }
            }
            b'0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// Why `strconv.ParseInt` failed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ParseIntError {
    /// `invalid syntax`.
    Syntax,
    /// `value out of range`; carries the clamped value Go returns alongside.
    Range(i64),
}

/// Go's `strconv.ParseInt(s, base, 64)` for base 0 (Go literal prefixes and
/// underscores), 8 and 10.
pub(crate) fn parse_int(s: &str, base: u32) -> Result<i64, ParseIntError> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let u = parse_uint(body, base)?;
    if neg {
        if u > 1u64 << 63 {
            return Err(ParseIntError::Range(i64::MIN));
        }
        Ok((u as i64).wrapping_neg())
    } else {
        if u > i64::MAX as u64 {
            return Err(ParseIntError::Range(i64::MAX));
        }
        Ok(u as i64)
    }
}

fn parse_uint(s0: &str, base: u32) -> Result<u64, ParseIntError> {
    if s0.is_empty() {
        return Err(ParseIntError::Syntax);
    }
    let base0 = base == 0;
    let mut s = s0.as_bytes();
    let mut base = base;
    if base0 {
        base = 10;
        if s[0] == b'0' {
            let p = s.get(1).map(u8::to_ascii_lowercase);
            if s.len() >= 3 && p == Some(b'b') {
                base = 2;
                s = &s[2..];
            } else if s.len() >= 3 && p == Some(b'o') {
                base = 8;
                s = &s[2..];
            } else if s.len() >= 3 && p == Some(b'x') {
                base = 16;
                s = &s[2..];
            } else {
                base = 8;
                s = &s[1..];
            }
        }
    }
    let mut n: u64 = 0;
    let mut underscores = false;
    let mut overflow = false;
    for &c in s {
        let d = match c {
            b'_' if base0 => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => u32::from(c - b'0'),
            b'a'..=b'z' => u32::from(c - b'a') + 10,
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return Err(ParseIntError::Syntax),
        };
        if d >= base {
            return Err(ParseIntError::Syntax);
        }
        if !overflow {
            match n
                .checked_mul(u64::from(base))
                .and_then(|m| m.checked_add(u64::from(d)))
            {
                Some(m) => n = m,
                None => overflow = true,
            }
        }
    }
    if underscores && !underscore_ok(s0) {
        return Err(ParseIntError::Syntax);
    }
    if overflow {
        return Err(ParseIntError::Range(i64::MAX));
    }
    Ok(n)
}

/// Go's `underscoreOK`: underscores only between digits (or after a base prefix).
fn underscore_ok(s: &str) -> bool {
    let mut b = s.as_bytes();
    if let Some(b'-' | b'+') = b.first() {
        b = &b[1..];
    }
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    while i < b.len() {
        let c = b[i];
        i += 1;
        if c.is_ascii_digit() || hex && c.is_ascii_hexdigit() {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

/// Go's `strconv.ParseFloat(s, 64)`; `None` for syntax and range errors.
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let special = match lower.as_str() {
        "inf" | "infinity" => Some(f64::INFINITY),
        "nan" => Some(f64::NAN),
        _ => None,
    };
    if let Some(v) = special {
        return Some(if neg { -v } else { v });
    }
    let v = match lower.strip_prefix("0x") {
        Some(hex) => parse_hex_float(hex)?,
        None => parse_dec_float(body)?,
    };
    if v.is_infinite() {
        return None;
    }
    Some(if neg { -v } else { v })
}

fn parse_dec_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut digits = 0;
    let mut underscores = false;
    let mut dot = false;
    while i < b.len() {
        match b[i] {
            b'_' => underscores = true,
            b'.' if !dot => dot = true,
            b'0'..=b'9' => digits += 1,
            _ => break,
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            underscores |= b[i] == b'_';
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if i != b.len() || underscores && !underscore_ok(s) {
        return None;
    }
    s.replace('_', "").parse::<f64>().ok()
}

fn parse_hex_float(s: &str) -> Option<f64> {
    // mantissa hex digits with an optional point, then a mandatory p exponent
    let (mant, exp) = s.split_once('p')?;
    let mut m: f64 = 0.0;
    let mut scale: i32 = 0;
    let mut dot = false;
    let mut digits = 0;
    for c in mant.chars() {
        match c {
            '_' => {}
            '.' if !dot => dot = true,
            _ => {
                let d = c.to_digit(16)?;
                m = m * 16.0 + f64::from(d);
                digits += 1;
                if dot {
                    scale -= 4;
                }
            }
        }
    }
    if digits == 0 {
        return None;
    }
    let e: i32 = exp.replace('_', "").parse().ok()?;
    Some(m * 2f64.powi(e + scale))
}

/// Sprig's `empty` (text/template's truth, inverted): nil, false, 0, nil pointers, and
/// empty strings, slices and maps are empty; structs never are.
pub fn empty(v: &Value) -> bool {
    !v.truthy()
}

/// The items of a slice argument of Sprig's reflection-based list functions: a nil
/// list panics with Go's nil dereference, a non-slice gives `err(kind)`.
pub(crate) fn slice_items(v: &Value, err: impl Fn(&str) -> String) -> Result<Vec<Value>, String> {
    match v {
        Value::Nil => Err(NIL_DEREF.to_string()),
        Value::List(items, _) => Ok(items.as_ref().clone()),
        Value::Bytes(b) => Ok(b.iter().map(|x| Value::Int(i64::from(*x))).collect()),
        other => Err(err(other.kind())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cast_to_int64_follows_spf13_cast() {
        assert_eq!(to_int64(&Value::str("0x1F")), 31);
        assert_eq!(to_int64(&Value::str("010")), 8);
        assert_eq!(to_int64(&Value::str("1.0")), 1);
        assert_eq!(to_int64(&Value::str("1.5")), 0);
        assert_eq!(to_int64(&Value::str("1_000")), 1000);
        assert_eq!(to_int64(&Value::str(" 5")), 0);
        assert_eq!(to_int64(&Value::Float(-4.9)), -4);
        assert_eq!(to_int64(&Value::Float(1e19)), i64::MIN);
        assert_eq!(to_int64(&Value::Bool(true)), 1);
        assert_eq!(to_int64(&Value::Nil), 0);
    }

    #[test]
    fn parse_float_follows_strconv() {
        assert_eq!(parse_float("1e3"), Some(1000.0));
        assert_eq!(parse_float(".5"), Some(0.5));
        assert_eq!(parse_float("0x1p-2"), Some(0.25));
        assert_eq!(parse_float("1e400"), None);
        assert_eq!(parse_float("x"), None);
        assert!(parse_float("NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_float("-Inf"), Some(f64::NEG_INFINITY));
    }

    #[test]
    fn parse_int_clamps_on_range_errors() {
        assert_eq!(
            parse_int("99999999999999999999", 10),
            Err(ParseIntError::Range(i64::MAX))
        );
        assert_eq!(parse_int("-9223372036854775808", 10), Ok(i64::MIN));
        assert_eq!(parse_int("0b101", 0), Ok(5));
        assert_eq!(parse_int("0o17", 8), Err(ParseIntError::Syntax));
        assert_eq!(parse_int("1__0", 0), Err(ParseIntError::Syntax));
    }

    #[test]
    fn invalid_utf8_bytes_become_replacement_characters() {
        assert_eq!(go_string(b"a\xc3"), "a\u{FFFD}");
        assert_eq!(go_string(b"\xe2\x82x"), "\u{FFFD}\u{FFFD}x");
    }
}

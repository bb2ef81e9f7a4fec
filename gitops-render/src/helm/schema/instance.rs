//! Instance values as santhosh-tekuri/jsonschema sees Go's decoded values: their JSON type,
//! exact numeric value, equality (numbers by value), and how messages display them.

use serde_json::Value;

use super::json::Json;
use super::num::Dec;
use super::output::quote;

/// JSON type names in santhosh's bit order.
pub(crate) const TYPE_ORDER: &[&str] = &[
    "null", "boolean", "number", "integer", "string", "array", "object",
];

pub(crate) fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

pub(crate) fn json_type_of(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Num(_) => "number",
        Json::Str(_) => "string",
        Json::Arr(_) => "array",
        Json::Obj(_) => "object",
    }
}

/// The exact decimal value of an instance number.
pub(crate) fn value_dec(n: &serde_json::Number) -> Option<Dec> {
    if let Some(i) = n.as_i64() {
        return Dec::parse(&i.to_string());
    }
    if let Some(u) = n.as_u64() {
        return Dec::parse(&u.to_string());
    }
    n.as_f64().and_then(Dec::from_f64)
}

pub(crate) fn is_integer(v: &Value) -> bool {
    match v {
        Value::Number(n) => value_dec(n).is_some_and(|d| d.is_integer()),
        _ => false,
    }
}

/// Equality of an instance value and a schema value (numbers by value).
pub(crate) fn eq_schema(v: &Value, s: &Json) -> bool {
    match (v, s) {
        (Value::Null, Json::Null) => true,
        (Value::Bool(a), Json::Bool(b)) => a == b,
        (Value::String(a), Json::Str(b)) => a == b,
        (Value::Number(a), Json::Num(b)) => match (value_dec(a), Dec::parse(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
        (Value::Array(a), Json::Arr(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| eq_schema(x, y))
        }
        (Value::Object(a), Json::Obj(b)) => {
            a.len() == b.len()
                && b.iter()
                    .all(|(k, y)| a.get(k).is_some_and(|x| eq_schema(x, y)))
        }
        _ => false,
    }
}

/// Equality of two instance values (numbers by value).
pub(crate) fn eq_values(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (value_dec(x), value_dec(y)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| eq_values(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, p)| y.get(k).is_some_and(|q| eq_values(p, q)))
        }
        _ => a == b,
    }
}

/// santhosh's `display` of a schema value inside `value must be ...`.
pub(crate) fn display_json(v: &Json) -> String {
    match v {
        Json::Null => "<nil>".to_string(),
        Json::Bool(b) => b.to_string(),
        Json::Num(t) => t.clone(),
        Json::Str(s) => quote(s),
        Json::Arr(_) | Json::Obj(_) => "value".to_string(),
    }
}

/// Go's `%v` of a float64 (`1e+06`, `0.5`).
pub(crate) fn go_v_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let e = format!("{:e}", f);
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..21).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mant}e{sign}{:02}", exp.unsigned_abs());
    }
    let s = format!("{f}");
    s
}

/// santhosh's `display` of an instance value (`%v` of Go's decoded value).
pub(crate) fn display_value(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => {
            if n.is_f64() {
                go_v_float(n.as_f64().unwrap_or(0.0))
            } else {
                n.to_string()
            }
        }
        Value::String(s) => quote(s),
        Value::Array(_) | Value::Object(_) => "value".to_string(),
    }
}

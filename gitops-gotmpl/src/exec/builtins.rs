//! The builtin functions of `text/template` (`and`, `or`, `not`, `len`, `index`, `slice`,
//! `print*`, `html`, `js`, `urlquery`, comparisons, `call`).

use super::R;
use crate::func::{Func, Ty};
use crate::value::{MapType, Value};

/// The builtins with Go parameter types (checked like any function).
pub(super) fn typed(name: &str) -> Option<Func> {
    Some(match name {
        "print" => Func::variadic(&[], Ty::Any, |a| Ok(Value::str(crate::fmt::sprint(a)))),
        "println" => Func::variadic(&[], Ty::Any, |a| Ok(Value::str(crate::fmt::sprintln(a)))),
        "printf" => Func::variadic(&[Ty::String], Ty::Any, |a| {
            Ok(Value::str(crate::fmt::sprintf(a[0].as_str().unwrap_or_default(), &a[1..])))
        }),
        "html" => Func::variadic(&[], Ty::Any, |a| Ok(Value::str(html_escape(&eval_args(a))))),
        "js" => Func::variadic(&[], Ty::Any, |a| Ok(Value::str(js_escape(&eval_args(a))))),
        "urlquery" => Func::variadic(&[], Ty::Any, |a| Ok(Value::str(query_escape(&eval_args(a))))),
        _ => return None,
    })
}

/// Whether `name` is a builtin taking `reflect.Value` arguments.
pub(super) fn is_reflective(name: &str) -> bool {
    matches!(name, "and" | "or" | "not" | "len" | "index" | "slice" | "call" | "eq" | "ne" | "lt" | "le" | "gt" | "ge")
}

/// Fixed parameter count and whether the function is variadic.
pub(super) fn arity(name: &str) -> (usize, bool) {
    match name {
        "and" | "or" | "call" | "index" | "slice" | "eq" => (1, true),
        "not" | "len" => (1, false),
        _ => (2, false),
    }
}

/// `fmt.Sprint` of the arguments, or the argument itself when it is one string.
fn eval_args(a: &[Value]) -> String {
    if let [Value::String(s)] = a {
        return s.to_string();
    }
    // Go turns each argument into its printable form first: nil becomes "<no value>".
    let printable: Vec<Value> =
        a.iter().map(|v| if v.is_nil() { Value::str("<no value>") } else { v.clone() }).collect();
    crate::fmt::sprint(&printable)
}

/// Go's `template.HTMLEscapeString`.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Go's `template.JSEscapeString`.
pub fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u00{:02X}", c as u32)),
            c if c.is_ascii() => out.push(c),
            c if crate::fmt::is_go_print(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn r(v: Value) -> R {
    R::concrete(v)
}

/// The builtins taking `reflect.Value`s (except `and`/`or`, which the executor
/// short-circuits, and `call`).
pub(super) fn reflective(name: &str, a: &[R]) -> Result<R, String> {
    match name {
        "not" => Ok(r(Value::Bool(!a[0].truth()))),
        "len" => length(&a[0]).map(|n| r(Value::Int(n as i64))),
        "index" => index(&a[0], &a[1..]),
        "slice" => slice(&a[0], &a[1..]),
        "eq" => eq(&a[0], &a[1..]).map(|b| r(Value::Bool(b))),
        "ne" => eq(&a[0], &a[1..2]).map(|b| r(Value::Bool(!b))),
        "lt" => lt(&a[0], &a[1]).map(|b| r(Value::Bool(b))),
        "le" => le(&a[0], &a[1]).map(|b| r(Value::Bool(b))),
        "gt" => le(&a[0], &a[1]).map(|b| r(Value::Bool(!b))),
        "ge" => lt(&a[0], &a[1]).map(|b| r(Value::Bool(!b))),
        _ => Err(format!("{name} is not a builtin")),
    }
}

/// `call`: there are no function values in this engine, so it can only fail as Go does
/// for a nil or non-function value.
pub(super) fn call(callee: &str, a: &[R]) -> Result<R, String> {
    match &a[0] {
        x if x.is_nil() => Err("call of nil".into()),
        R::Val(v, _) => Err(format!("non-function {callee} of type {}", v.type_name())),
        R::Invalid => Err("call of nil".into()),
    }
}

fn length(item: &R) -> Result<usize, String> {
    match item {
        R::Invalid => Err("reflect: call of reflect.Value.Type on zero Value".into()),
        R::Val(Value::Nil, _) => Err("len of nil pointer".into()),
        R::Val(v, _) => match v {
            Value::String(s) => Ok(s.len()),
            Value::Bytes(b) => Ok(b.len()),
            Value::List(l, _) => Ok(l.len()),
            Value::Map(m, _) => Ok(m.borrow().len()),
            other => Err(format!("len of type {}", other.type_name())),
        },
    }
}

fn index_arg(index: &R, cap: usize) -> Result<usize, String> {
    let x: i64 = match index {
        R::Val(Value::Int(i) | Value::Int64(i), _) => *i,
        R::Val(Value::Uint64(u), _) => *u as i64,
        x if x.is_nil() => return Err("cannot index slice/array with nil".into()),
        R::Val(v, _) => {
            return Err(format!("cannot index slice/array with type {}", v.type_name()));
        }
        R::Invalid => return Err("cannot index slice/array with nil".into()),
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn index(item: &R, indexes: &[R]) -> Result<R, String> {
    if item.is_nil() {
        return Err("index of untyped nil".into());
    }
    let mut cur = item.clone();
    for ix in indexes {
        let v = match &cur {
            R::Val(Value::Nil, _) | R::Invalid => return Err("index of nil pointer".into()),
            R::Val(v, _) => v.clone(),
        };
        cur = match &v {
            Value::List(l, t) => {
                let x = index_arg(ix, l.len())?;
                if x == l.len() {
                    return Err("reflect: slice index out of range".into());
                }
                super::elem_of_list(*t, l[x].clone())
            }
            Value::Bytes(b) => {
                let x = index_arg(ix, b.len())?;
                if x == b.len() {
                    return Err("reflect: slice index out of range".into());
                }
                r(Value::Int(b[x] as i64))
            }
            Value::String(s) => {
                let x = index_arg(ix, s.len())?;
                if x == s.len() {
                    return Err("reflect: string index out of range".into());
                }
                r(Value::Int(s.as_bytes()[x] as i64))
            }
            Value::Map(m, t) => {
                let key = match ix {
                    R::Val(Value::String(k), _) => k.clone(),
                    x if x.is_nil() => return Err("value is nil; should be of type string".into()),
                    R::Val(k, _) => {
                        return Err(format!("value has type {}; should be string", k.type_name()));
                    }
                    R::Invalid => return Err("value is nil; should be of type string".into()),
                };
                let found = m.borrow().get(&*key).cloned();
                match found {
                    Some(x) => super::elem_of_map(*t, x),
                    None => match t {
                        MapType::String => r(Value::str("")),
                        _ => R::Val(Value::Nil, true),
                    },
                }
            }
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(cur)
}

fn slice(item: &R, indexes: &[R]) -> Result<R, String> {
    let v = match item {
        x if x.is_nil() => return Err("slice of untyped nil".into()),
        R::Val(v, _) => v.clone(),
        R::Invalid => return Err("slice of untyped nil".into()),
    };
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let len = match &v {
        Value::String(s) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            s.len()
        }
        Value::List(l, _) => l.len(),
        Value::Bytes(b) => b.len(),
        other => return Err(format!("can't slice item of type {}", other.type_name())),
    };
    let mut idx = [0, len, len];
    for (i, ix) in indexes.iter().enumerate() {
        idx[i] = index_arg(ix, len)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    Ok(match &v {
        Value::String(s) => {
            let b = &s.as_bytes()[idx[0]..idx[1]];
            r(Value::str(String::from_utf8_lossy(b).into_owned()))
        }
        Value::List(l, t) => R::Val(Value::List(std::rc::Rc::new(l[idx[0]..idx[1]].to_vec()), *t), false),
        Value::Bytes(b) => R::Val(Value::Bytes(std::rc::Rc::from(&b[idx[0]..idx[1]])), false),
        _ => R::Invalid,
    })
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Uint,
    Float,
    String,
}

fn basic_kind(v: &R) -> Kind {
    match v {
        R::Val(Value::Bool(_), _) => Kind::Bool,
        R::Val(Value::Int(_) | Value::Int64(_), _) => Kind::Int,
        R::Val(Value::Uint64(_), _) => Kind::Uint,
        R::Val(Value::Float(_), _) => Kind::Float,
        R::Val(Value::String(_), _) => Kind::String,
        _ => Kind::Invalid,
    }
}

const BAD_COMPARISON: &str = "incompatible types for comparison";
const BAD_COMPARISON_TYPE: &str = "invalid type for comparison";

fn int_of(v: &R) -> i64 {
    match v {
        R::Val(Value::Int(i) | Value::Int64(i), _) => *i,
        _ => 0,
    }
}

fn uint_of(v: &R) -> u64 {
    match v {
        R::Val(Value::Uint64(u), _) => *u,
        _ => 0,
    }
}

fn comparable(v: &Value) -> bool {
    !matches!(v, Value::List(..) | Value::Map(..) | Value::Bytes(_))
}

fn eq(a1: &R, rest: &[R]) -> Result<bool, String> {
    if rest.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic_kind(a1);
    for a in rest {
        let k2 = basic_kind(a);
        let truth = if k1 != k2 {
            match (k1, k2) {
                (Kind::Int, Kind::Uint) => int_of(a1) >= 0 && int_of(a1) as u64 == uint_of(a),
                (Kind::Uint, Kind::Int) => int_of(a) >= 0 && uint_of(a1) == int_of(a) as u64,
                _ => {
                    if !a1.is_nil() && !a.is_nil() {
                        return Err(BAD_COMPARISON.into());
                    }
                    false
                }
            }
        } else {
            match k1 {
                Kind::Invalid => {
                    if a1.is_nil() || a.is_nil() {
                        a1.is_nil() == a.is_nil()
                    } else {
                        let (v1, v2) = (a1.value(), a.value());
                        if v1.type_name() != v2.type_name() {
                            // Go formats the first value with %s (so `[%!s(float64=1)]`).
                            return Err(format!(
                                "non-comparable types {}: {}, {}: {}",
                                crate::fmt::sprintf("%s", std::slice::from_ref(&v1)),
                                v1.type_name(),
                                v2.type_name(),
                                crate::fmt::format_value(&v2)
                            ));
                        }
                        if !comparable(&v2) {
                            return Err(format!(
                                "non-comparable type {}: {}",
                                crate::fmt::sprintf("%s", std::slice::from_ref(&v2)),
                                v2.type_name()
                            ));
                        }
                        v1 == v2
                    }
                }
                _ => {
                    let (v1, v2) = (a1.value(), a.value());
                    match (&v1, &v2) {
                        (Value::Float(x), Value::Float(y)) => x == y,
                        (Value::String(x), Value::String(y)) => x == y,
                        (Value::Bool(x), Value::Bool(y)) => x == y,
                        (Value::Uint64(x), Value::Uint64(y)) => x == y,
                        _ => int_of(a1) == int_of(a),
                    }
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn lt(a1: &R, a2: &R) -> Result<bool, String> {
    let k1 = basic_kind(a1);
    if k1 == Kind::Invalid {
        return Err(BAD_COMPARISON_TYPE.into());
    }
    let k2 = basic_kind(a2);
    if k2 == Kind::Invalid {
        return Err(BAD_COMPARISON_TYPE.into());
    }
    if k1 != k2 {
        return match (k1, k2) {
            (Kind::Int, Kind::Uint) => Ok(int_of(a1) < 0 || (int_of(a1) as u64) < uint_of(a2)),
            (Kind::Uint, Kind::Int) => Ok(int_of(a2) >= 0 && uint_of(a1) < int_of(a2) as u64),
            _ => Err(BAD_COMPARISON.into()),
        };
    }
    match (a1.value(), a2.value()) {
        (Value::Bool(_), _) => Err(BAD_COMPARISON_TYPE.into()),
        (Value::Float(x), Value::Float(y)) => Ok(x < y),
        (Value::String(x), Value::String(y)) => Ok(x.as_bytes() < y.as_bytes()),
        (Value::Uint64(x), Value::Uint64(y)) => Ok(x < y),
        _ => Ok(int_of(a1) < int_of(a2)),
    }
}

fn le(a1: &R, a2: &R) -> Result<bool, String> {
    if lt(a1, a2)? {
        return Ok(true);
    }
    eq(a1, std::slice::from_ref(a2))
}

//! Helm's `toYamlPretty`: go-yaml v3's encoder with an indent of 2, over the Go value
//! itself (not through JSON): sorted keys, sequences indented under their key, floats as
//! Go's `%g` (`1e+06`).
//!
//! Scalars are quoted with go-yaml v2's rules (the printer this crate has); v3 differs
//! for a few strings (v3 quotes fewer YAML 1.1 forms), which is a known approximation.

use crate::value::Value;

/// The text `toYamlPretty` prints for `v` (without the final newline), or `None` when
/// Helm's encoder fails (non-finite floats are printed, so only unsupported values fail).
pub fn to_yaml_pretty(v: &Value) -> Option<String> {
    let mut out = String::new();
    node(&mut out, v, 0, Position::Root);
    Some(out.strip_suffix('\n').unwrap_or(&out).to_string())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Position {
    Root,
    Value,
    Item,
}

fn scalar(v: &Value) -> Option<String> {
    Some(match v {
        Value::Nil => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) | Value::Int64(i) => i.to_string(),
        Value::Uint64(u) => u.to_string(),
        Value::Float(f) if f.is_nan() => ".nan".into(),
        Value::Float(f) if f.is_infinite() => {
            if *f > 0.0 {
                ".inf".into()
            } else {
                "-.inf".into()
            }
        }
        Value::Float(f) => crate::fmt::format_float_g(*f),
        Value::String(s) => string(s),
        Value::Bytes(b) => string(&crate::sprig::strval(&Value::Bytes(b.clone()))),
        Value::Object(o) => string(&o.format()),
        Value::List(l, _) if l.is_empty() => "[]".into(),
        Value::Map(m, _) if m.borrow().is_empty() => "{}".into(),
        _ => return None,
    })
}

fn string(s: &str) -> String {
    let out = gitops_yaml::emit::to_string(&serde_json::Value::String(s.to_string()));
    let out = out.strip_suffix('\n').unwrap_or(&out);
    if s.contains('\n') || !out.contains('\n') {
        return out.to_string();
    }
    // v2 folded a long single-line scalar at column 80; Helm's v3 encoder does not fold:
    // put the words back on one line.
    let mut joined = String::new();
    for (i, line) in out.split('\n').enumerate() {
        let line = if i == 0 {
            line
        } else {
            line.trim_start_matches(' ')
        };
        if i > 0 {
            match joined.strip_suffix('\\') {
                Some(rest) => joined = rest.to_string(),
                None => joined.push(' '),
            }
        }
        joined.push_str(line);
    }
    joined
}

fn push_indented(out: &mut String, text: &str, indent: usize) {
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            if !line.is_empty() {
                out.push_str(&" ".repeat(indent));
            }
        }
        out.push_str(line);
    }
    out.push('\n');
}

fn node(out: &mut String, v: &Value, indent: usize, pos: Position) {
    if let Some(s) = scalar(v) {
        if pos != Position::Root {
            out.push(' ');
        }
        push_indented(out, &s, indent.saturating_sub(2));
        return;
    }
    match v {
        Value::Map(m, _) => {
            let entries: Vec<(String, Value)> = m
                .borrow()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            for (i, (k, x)) in entries.iter().enumerate() {
                if i > 0 || pos == Position::Value {
                    if pos == Position::Value && i == 0 {
                        out.push('\n');
                    }
                    out.push_str(&" ".repeat(indent));
                } else if pos == Position::Item {
                    out.push(' ');
                }
                out.push_str(&string(k));
                out.push(':');
                node(out, x, indent + 2, Position::Value);
            }
        }
        Value::List(l, _) => {
            for (i, x) in l.iter().enumerate() {
                if i > 0 || pos == Position::Value {
                    if pos == Position::Value && i == 0 {
                        out.push('\n');
                    }
                    out.push_str(&" ".repeat(indent));
                } else if pos == Position::Item {
                    out.push(' ');
                }
                out.push('-');
                node(out, x, indent + 2, Position::Item);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sequences_are_indented_under_keys() {
        let v =
            Value::from_json(&serde_json::json!({"a": [1, {"b": 2, "c": [3]}], "d": {"e": "x"}}));
        assert_eq!(
            to_yaml_pretty(&v).unwrap(),
            "a:\n  - 1\n  - b: 2\n    c:\n      - 3\nd:\n  e: x"
        );
    }
}

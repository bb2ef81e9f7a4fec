//! kyaml field paths as replacements and vars use them: `a.b.[name=x].c`, `0`, `*`,
//! escaped dots (`a\.b`), and `[key=value]` list selectors.

use gitops_core::yaml::Schema;
use gitops_core::yaml::resolve::{Scalar, resolve_plain};
use serde_json::Value;

/// Splits a field path on dots, keeping escaped dots (`\.`) and dots inside `[..]`
/// (kyaml's `SmarterPathSplitter`).
pub fn split(path: &str) -> Vec<String> {
    let mut raw: Vec<&str> = path.split('.').collect();
    if raw.len() > 1 && raw[0].is_empty() {
        raw.remove(0);
    }
    let mut parts: Vec<String> = Vec::new();
    for piece in raw {
        match parts.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('.');
                last.push_str(piece);
            }
            _ => parts.push(piece.to_string()),
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < parts.len() {
        let elem = &parts[i];
        if elem.starts_with('[') && !elem.ends_with(']') {
            let mut joined = elem.clone();
            while i + 1 < parts.len() {
                i += 1;
                joined.push('.');
                joined.push_str(&parts[i]);
                if parts[i].ends_with(']') {
                    break;
                }
            }
            if joined.contains('=') {
                out.push(joined);
            } else {
                out.push(joined.trim_matches(|c| c == '[' || c == ']').to_string());
            }
        } else {
            out.push(elem.clone());
        }
        i += 1;
    }
    out
}

/// The text of a scalar as YAML holds it (`None` for maps and lists).
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

/// A plain (untagged) scalar with this text, as go-yaml resolves it.
pub fn plain(text: &str) -> Value {
    match resolve_plain(text, Schema::GoYamlV3) {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(b),
        Scalar::Int(i) => Value::from(i),
        Scalar::Uint(u) => Value::from(u),
        Scalar::Float(f) => serde_json::Number::from_f64(f)
            .map_or_else(|| Value::String(text.to_string()), Value::Number),
        Scalar::Str(s) => Value::String(s),
    }
}

fn is_index(p: &str) -> Option<usize> {
    p.parse::<i64>()
        .ok()
        .filter(|i| *i >= 0)
        .and_then(|i| usize::try_from(i).ok())
}

fn is_list_selector(p: &str) -> bool {
    p.starts_with('[') && p.ends_with(']')
}

fn split_selector(p: &str) -> Result<(String, String), String> {
    let inner = p.strip_suffix(']').unwrap_or(p);
    let inner = inner.strip_prefix('[').unwrap_or(inner);
    match inner.split_once('=') {
        Some((k, v)) => Ok((k.to_string(), v.to_string())),
        None => {
            Err("list path element must contain fieldName=fieldValue for element to match".into())
        }
    }
}

/// Reads the value at `parts` (kyaml's `Lookup`, without creation); `None` when missing.
pub fn lookup<'a>(v: &'a Value, parts: &[String]) -> Result<Option<&'a Value>, String> {
    let mut cur = v;
    for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let next = if let Ok(i) = part.parse::<i64>() {
            if i < 0 {
                return Err(format!("array index {i} cannot be negative"));
            }
            cur.as_array()
                .and_then(|a| usize::try_from(i).ok().and_then(|i| a.get(i)))
        } else if part == "-" {
            cur.as_array().and_then(|a| a.last())
        } else if part == "*" {
            return Err("wildcard is not supported in PathGetter".into());
        } else if is_list_selector(part) {
            let (key, want) = split_selector(part)?;
            cur.as_array().and_then(|a| {
                a.iter().find(|e| {
                    let field = if key.is_empty() {
                        Some(*e)
                    } else {
                        e.get(&key)
                    };
                    field.and_then(scalar_text).is_some_and(|t| t == want)
                })
            })
        } else {
            cur.as_object().and_then(|m| m.get(part))
        };
        match next {
            Some(n) if !n.is_null() => cur = n,
            _ => return Ok(None),
        }
    }
    Ok(Some(cur))
}

/// One step of a concrete path.
#[derive(Clone, Debug)]
pub enum Step {
    /// A map key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// What to create for a missing leaf.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A scalar (left `Null` until set).
    Scalar,
    /// A map.
    Map,
    /// A list.
    Seq,
}

fn new_node(next: Option<&String>, leaf: Kind) -> Value {
    let kind = match next {
        Some(p) if is_list_selector(p) || is_index(p).is_some() => Kind::Seq,
        Some(_) => Kind::Map,
        None => leaf,
    };
    match kind {
        Kind::Scalar => Value::Null,
        Kind::Map => Value::Object(Default::default()),
        Kind::Seq => Value::Array(Vec::new()),
    }
}

/// Finds every node `parts` matches (kyaml's `PathMatcher`: `[k=regex]` selects all list
/// elements whose `k` matches, `*` every element), creating missing parts when `create` is
/// set. Returns the concrete paths of the matches.
pub fn matches(
    v: &mut Value,
    parts: &[String],
    create: Option<Kind>,
) -> Result<Vec<Vec<Step>>, String> {
    let mut out = Vec::new();
    walk(v, parts, create, &mut Vec::new(), &mut out)?;
    Ok(out)
}

fn wrong_kind(expected: &str, v: &Value) -> String {
    let got = match v {
        Value::Object(_) => "MappingNode",
        Value::Array(_) => "SequenceNode",
        _ => "ScalarNode",
    };
    format!("wrong node kind: expected {expected} but got {got}")
}

fn walk(
    v: &mut Value,
    parts: &[String],
    create: Option<Kind>,
    at: &mut Vec<Step>,
    out: &mut Vec<Vec<Step>>,
) -> Result<(), String> {
    let Some(part) = parts.first() else {
        out.push(at.clone());
        return Ok(());
    };
    let rest = &parts[1..];
    if let Some(idx) = is_index(part) {
        let Value::Array(items) = v else {
            return Err(wrong_kind("SequenceNode", v));
        };
        if items.len() == idx {
            if let Some(leaf) = create {
                items.push(new_node(rest.first(), leaf));
            }
        }
        let len = items.len();
        let Some(item) = items.get_mut(idx) else {
            return Err(format!(
                "index {idx} specified but only {len} elements found"
            ));
        };
        at.push(Step::Index(idx));
        walk(item, rest, create, at, out)?;
        at.pop();
    } else if is_list_selector(part) {
        let (key, pattern) = split_selector(part)?;
        let re = regex_lite::Regex::new(&pattern).map_err(|e| e.to_string())?;
        let Value::Array(items) = v else {
            return Err(wrong_kind("SequenceNode", v));
        };
        let mut found = false;
        for (i, item) in items.iter_mut().enumerate() {
            at.push(Step::Index(i));
            if key.is_empty() {
                if scalar_text(item).is_some_and(|t| re.is_match(t.trim())) {
                    found = true;
                    out.push(at.clone());
                }
            } else if item
                .get(&key)
                .and_then(scalar_text)
                .is_some_and(|t| re.is_match(t.trim()))
            {
                found = true;
                walk(item, rest, create, at, out)?;
            }
            at.pop();
        }
        if !found && create.is_some() {
            let value = plain(&pattern);
            let elem = if key.is_empty() {
                value
            } else {
                let mut m = serde_json::Map::new();
                m.insert(key, value);
                Value::Object(m)
            };
            items.push(elem);
            return walk(v, parts, create, at, out);
        }
    } else if part == "*" {
        let Value::Array(items) = v else {
            return Err(wrong_kind("SequenceNode", v));
        };
        for (i, item) in items.iter_mut().enumerate() {
            at.push(Step::Index(i));
            walk(item, rest, create, at, out)?;
            at.pop();
        }
    } else {
        if v.is_null() && create.is_some() {
            *v = Value::Object(Default::default());
        }
        let Value::Object(map) = v else {
            return if create.is_some() {
                Err(wrong_kind("MappingNode", v))
            } else {
                Ok(())
            };
        };
        if !map.contains_key(part.as_str()) {
            let Some(leaf) = create else { return Ok(()) };
            map.insert(part.clone(), new_node(rest.first(), leaf));
        }
        if let Some(child) = map.get_mut(part.as_str()) {
            at.push(Step::Key(part.clone()));
            walk(child, rest, create, at, out)?;
            at.pop();
        }
    }
    Ok(())
}

/// The node at a concrete path.
pub fn get_mut<'a>(v: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    let mut cur = v;
    for step in path {
        cur = match step {
            Step::Key(k) => cur.as_object_mut()?.get_mut(k)?,
            Step::Index(i) => cur.as_array_mut()?.get_mut(*i)?,
        };
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_kyaml() {
        assert_eq!(
            split("a.b\\.c.[name=x.y].0"),
            vec!["a", "b.c", "[name=x.y]", "0"]
        );

        assert_eq!(
            split("metadata.annotations.[a.b/c]"),
            vec!["metadata", "annotations", "a.b/c"]
        );
    }
}

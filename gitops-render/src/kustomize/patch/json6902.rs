//! JSON patch (RFC 6902): `add`, `remove`, `replace`, `move`, `copy`, `test`, with JSON
//! pointers (`~0`, `~1`, `-` to append to a list) and, as in kustomize's library, negative
//! list indices counting from the end.

use serde_json::Value;

/// Why a JSON patch could not be decoded or applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonPatchError {
    /// The operations are malformed.
    #[error("invalid JSON patch operation {index}: {message}")]
    Invalid {
        /// Index of the operation.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// An operation does not apply to the object.
    #[error("{op} operation does not apply: {message} (path '{path}')")]
    Apply {
        /// The operation.
        op: String,
        /// The pointer.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// One decoded operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    op: String,
    path: String,
    from: Option<String>,
    value: Option<Value>,
}

/// Decodes a list of operations (already parsed from JSON or YAML).
pub fn decode(value: &Value) -> Result<Vec<Operation>, JsonPatchError> {
    let Value::Array(items) = value else {
        return Err(JsonPatchError::Invalid {
            index: 0,
            message: "expected a list of operations".into(),
        });
    };
    let mut ops = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let invalid = |message: &str| JsonPatchError::Invalid {
            index,
            message: message.into(),
        };
        let map = item.as_object().ok_or_else(|| invalid("not a map"))?;
        let op = map
            .get("op")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("missing 'op'"))?;
        if !["add", "remove", "replace", "move", "copy", "test"].contains(&op) {
            return Err(invalid(&format!("unexpected kind: {op}")));
        }
        let path = map
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("missing 'path'"))?;
        let from = map.get("from").and_then(Value::as_str).map(str::to_string);
        if matches!(op, "move" | "copy") && from.is_none() {
            return Err(invalid("missing 'from'"));
        }
        let value = map.get("value").cloned();
        if matches!(op, "add" | "replace" | "test") && value.is_none() {
            return Err(invalid("missing 'value'"));
        }
        ops.push(Operation {
            op: op.to_string(),
            path: path.to_string(),
            from,
            value,
        });
    }
    Ok(ops)
}

fn tokens(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    Some(
        rest.split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

/// A list index as kustomize's JSON patch library (evanphx/json-patch v4) reads it: a
/// decimal integer (Go's `strconv.Atoi`), where a negative one counts from the end. For
/// `add` (`allow_end`) the list is one longer, so `-` and `len` append and `-1` inserts
/// before the end; otherwise `-1` is the last element.
fn index(token: &str, len: usize, allow_end: bool) -> Option<usize> {
    if token == "-" {
        return allow_end.then_some(len);
    }
    let i: i64 = token.parse().ok()?;
    let size = i64::try_from(len).ok()? + i64::from(allow_end);
    let i = if i < 0 { i + size } else { i };
    if (0..size).contains(&i) {
        usize::try_from(i).ok()
    } else {
        None
    }
}

fn get<'v>(doc: &'v Value, toks: &[String]) -> Option<&'v Value> {
    toks.iter().try_fold(doc, |node, t| match node {
        Value::Object(m) => m.get(t),
        Value::Array(a) => index(t, a.len(), false).and_then(|i| a.get(i)),
        _ => None,
    })
}

fn parent_mut<'v>(doc: &'v mut Value, toks: &[String]) -> Option<&'v mut Value> {
    toks.iter().try_fold(doc, |node, t| match node {
        Value::Object(m) => m.get_mut(t),
        Value::Array(a) => {
            let len = a.len();
            index(t, len, false).and_then(move |i| a.get_mut(i))
        }
        _ => None,
    })
}

fn add(doc: &mut Value, toks: &[String], value: Value) -> Result<(), String> {
    let Some((last, parent)) = toks.split_last() else {
        *doc = value;
        return Ok(());
    };
    match parent_mut(doc, parent) {
        Some(Value::Object(m)) => {
            m.insert(last.clone(), value);
            Ok(())
        }
        Some(Value::Array(a)) => {
            let i = index(last, a.len(), true).ok_or("index out of bounds")?;
            a.insert(i, value);
            Ok(())
        }
        _ => Err("doc is missing path".into()),
    }
}

/// `replace` as kustomize's JSON patch library (evanphx/json-patch v4) does it: the
/// parent must exist and a list index must be in range, but a missing key of a map is
/// simply set (its "missing key" check never fires for maps).
fn replace(doc: &mut Value, toks: &[String], value: Value) -> Result<(), String> {
    let Some((last, parent)) = toks.split_last() else {
        *doc = value;
        return Ok(());
    };
    match parent_mut(doc, parent) {
        Some(Value::Object(m)) => {
            m.insert(last.clone(), value);
            Ok(())
        }
        Some(Value::Array(a)) => {
            let i = index(last, a.len(), false).ok_or("doc is missing key")?;
            a[i] = value;
            Ok(())
        }
        _ => Err("doc is missing path".into()),
    }
}

fn remove(doc: &mut Value, toks: &[String]) -> Result<Value, String> {
    let (last, parent) = toks.split_last().ok_or("cannot remove the root")?;
    match parent_mut(doc, parent) {
        Some(Value::Object(m)) => m
            .shift_remove(last)
            .ok_or_else(|| "doc is missing key".into()),
        Some(Value::Array(a)) => {
            let i = index(last, a.len(), false).ok_or("index out of bounds")?;
            Ok(a.remove(i))
        }
        _ => Err("doc is missing path".into()),
    }
}

fn apply_one(doc: &mut Value, op: &Operation) -> Result<(), String> {
    let toks = tokens(&op.path).ok_or("invalid JSON pointer")?;
    let value = || op.value.clone().unwrap_or(Value::Null);
    match op.op.as_str() {
        "add" => add(doc, &toks, value()),
        "remove" => remove(doc, &toks).map(drop),
        "replace" => replace(doc, &toks, value()),
        "move" | "copy" => {
            let from = tokens(op.from.as_deref().unwrap_or("")).ok_or("invalid 'from' pointer")?;
            let moved = if op.op == "move" {
                remove(doc, &from)?
            } else {
                get(doc, &from).cloned().ok_or("'from' is missing")?
            };
            add(doc, &toks, moved)
        }
        "test" => match get(doc, &toks) {
            Some(v) if *v == value() => Ok(()),
            _ => Err("testing value failed".into()),
        },
        other => Err(format!("unexpected op {other}")),
    }
}

/// Applies the operations to `doc`, in order.
pub fn apply(doc: &mut Value, ops: &[Operation]) -> Result<(), JsonPatchError> {
    for op in ops {
        apply_one(doc, op).map_err(|message| JsonPatchError::Apply {
            op: op.op.clone(),
            path: op.path.clone(),
            message,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn pointers_append_and_failures() {
        let mut doc = json!({"a/b": {"~x": [1, 2]}});
        let ops = decode(&json!([
            {"op": "add", "path": "/a~1b/~0x/-", "value": 3},
            {"op": "add", "path": "/a~1b/~0x/0", "value": 0},
            {"op": "test", "path": "/a~1b/~0x/3", "value": 3},
        ]))
        .expect("valid");
        apply(&mut doc, &ops).expect("applies");
        assert_eq!(doc, json!({"a/b": {"~x": [0, 1, 2, 3]}}));
        let bad =
            decode(&json!([{"op": "replace", "path": "/missing/x", "value": 1}])).expect("valid");
        assert!(matches!(
            apply(&mut doc, &bad),
            Err(JsonPatchError::Apply { .. })
        ));
        assert!(decode(&json!([{"op": "frobnicate", "path": "/"}])).is_err());
        assert!(decode(&json!([{"op": "add", "path": "/x"}])).is_err());
    }

    /// kubectl (kustomize v5.5.0) reads `-1` as the last element for replace/remove/test
    /// and inserts `add` at `len + 1 + i`: `[--a, --b]` becomes `[--a, --inserted, --last]`.
    #[test]
    fn negative_indices_count_from_the_end() {
        let mut doc = json!({"args": ["--a", "--b"]});
        let ops = decode(&json!([
            {"op": "replace", "path": "/args/-1", "value": "--last"},
            {"op": "add", "path": "/args/-2", "value": "--inserted"},
            {"op": "test", "path": "/args/-3", "value": "--a"},
        ]))
        .expect("valid");
        apply(&mut doc, &ops).expect("applies");
        assert_eq!(doc, json!({"args": ["--a", "--inserted", "--last"]}));
        let ops = decode(&json!([{"op": "remove", "path": "/args/-3"}, {"op": "add", "path": "/args/-3", "value": "x"}])).expect("valid");
        apply(&mut doc, &ops).expect("applies");
        assert_eq!(doc, json!({"args": ["x", "--inserted", "--last"]}));
        let ops =
            decode(&json!([{"op": "replace", "path": "/args/-4", "value": "y"}])).expect("valid");
        assert!(apply(&mut doc, &ops).is_err());
        let ops = decode(&json!([{"op": "add", "path": "/args/-5", "value": "y"}])).expect("valid");
        assert!(apply(&mut doc, &ops).is_err());
    }

    /// Regression: kubectl's JSON patch sets a missing map key on `replace` (the
    /// corpus' scale tree replaces `/spec/suspend` on CronJobs that have none).
    #[test]
    fn replace_sets_a_missing_map_key_but_not_a_missing_index() {
        let mut doc = json!({"spec": {"schedule": "@daily", "list": [1]}});
        let ops = decode(&json!([{"op": "replace", "path": "/spec/suspend", "value": false}]))
            .expect("valid");
        apply(&mut doc, &ops).expect("applies");
        assert_eq!(doc["spec"]["suspend"], json!(false));
        let ops =
            decode(&json!([{"op": "replace", "path": "/spec/list/1", "value": 2}])).expect("valid");
        assert!(apply(&mut doc, &ops).is_err());
    }
}

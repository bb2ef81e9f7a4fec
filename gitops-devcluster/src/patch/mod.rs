//! Non-apply PATCH bodies: JSON Patch (RFC 6902), JSON Merge Patch (RFC 7386) and
//! strategic merge patch ([`strategic`], the API server's semantics with its directives),
//! applied to a JSON object, with the API server's error mapping
//! (`pkg/endpoints/handlers/patch.go`). Apply patches are handled by `server::apply`.

pub mod strategic;

use serde_json::{Map, Value};

use crate::status::{Reason, Status, StatusDetails};

/// The most operations a JSON Patch may carry (the API server's limit).
pub const MAX_JSON_PATCH_OPS: usize = 10_000;

/// The PATCH content types the server recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    /// `application/json-patch+json`.
    Json,
    /// `application/merge-patch+json`.
    Merge,
    /// `application/strategic-merge-patch+json` (built-in kinds, with their merge keys).
    StrategicMerge,
    /// `application/apply-patch+yaml` (server-side apply, handled by `server::apply`).
    Apply,
}

impl PatchType {
    /// Parses a Content-Type header (parameters such as `charset` are ignored).
    pub fn from_content_type(ct: &str) -> Option<Self> {
        let mt = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match mt.as_str() {
            "application/json-patch+json" => Some(Self::Json),
            "application/merge-patch+json" => Some(Self::Merge),
            "application/strategic-merge-patch+json" => Some(Self::StrategicMerge),
            "application/apply-patch+yaml" => Some(Self::Apply),
            _ => None,
        }
    }
}

/// Why a patch could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// The body is not a decodable patch of its type (400 BadRequest).
    #[error("{0}")]
    Decode(String),
    /// A JSON Patch operation failed against the document (422 Invalid; the text is not sent).
    #[error("{0}")]
    Apply(String),
    /// More than [`MAX_JSON_PATCH_OPS`] operations (413 RequestEntityTooLarge).
    #[error("The allowed maximum operations in a JSON patch is {MAX_JSON_PATCH_OPS}, got {0}")]
    TooManyOps(usize),
}

impl PatchError {
    /// The Kubernetes `Status` the API server answers with.
    pub fn to_status(&self) -> Status {
        match self {
            Self::Decode(m) => Status::bad_request(m.clone()),
            // `NewGenericServerResponse(422, …, isUnexpectedResponse=false)`: the
            // json-patch error text is dropped, details are empty.
            Self::Apply(_) => Status {
                code: 422,
                reason: Reason::Invalid,
                message: "the server rejected our request due to an error in our request".into(),
                details: Some(StatusDetails::default()),
            },
            Self::TooManyOps(_) => Status::too_large(&self.to_string()),
        }
    }
}

/// Applies a patch body of type `ty` (JSON, merge or strategic merge) to `doc`; apply
/// patches are not handled here (400).
pub fn apply(ty: PatchType, doc: &Value, body: &[u8]) -> Result<Value, PatchError> {
    match ty {
        PatchType::Json => {
            let ops: Value =
                serde_json::from_slice(body).map_err(|e| PatchError::Decode(e.to_string()))?;
            json_patch(doc, &ops)
        }
        PatchType::Merge => {
            let patch: Value = serde_json::from_slice(body)
                .map_err(|_| PatchError::Decode("Invalid JSON Patch".into()))?;
            if !patch.is_object() {
                return Err(PatchError::Decode("Invalid JSON Patch".into()));
            }
            Ok(merge_patch(doc, &patch))
        }
        PatchType::StrategicMerge => {
            let patch: Value =
                serde_json::from_slice(body).map_err(|e| PatchError::Decode(e.to_string()))?;
            // Go decodes `null` into the patch map as an empty patch.
            let patch = if patch.is_null() {
                Value::Object(Map::new())
            } else {
                patch
            };
            if !patch.is_object() {
                return Err(PatchError::Decode(format!(
                    "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    json_kind(&patch)
                )));
            }
            strategic::apply(doc, patch).map_err(PatchError::from)
        }
        PatchType::Apply => Err(PatchError::Decode("patch type not implemented".into())),
    }
}

impl From<strategic::SmpError> for PatchError {
    fn from(e: strategic::SmpError) -> Self {
        match e {
            strategic::SmpError::BadRequest(m) => PatchError::Decode(m),
            strategic::SmpError::Invalid(m) => PatchError::Apply(m),
        }
    }
}

/// Go's JSON name of a value's kind, as `encoding/json` errors print it.
fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Object(_) => "object",
        Value::Null => "null",
    }
}

/// RFC 7386 MergePatch(target, patch).
pub fn merge_patch(target: &Value, patch: &Value) -> Value {
    let Value::Object(p) = patch else {
        return patch.clone();
    };
    let mut out = match target {
        Value::Object(t) => t.clone(),
        _ => Map::new(),
    };
    for (k, v) in p {
        if v.is_null() {
            out.remove(k);
        } else {
            let merged = merge_patch(out.get(k).unwrap_or(&Value::Null), v);
            out.insert(k.clone(), merged);
        }
    }
    Value::Object(out)
}

/// RFC 6902: applies the operation array `ops` to `doc` atomically.
pub fn json_patch(doc: &Value, ops: &Value) -> Result<Value, PatchError> {
    let Value::Array(ops) = ops else {
        return Err(PatchError::Decode(
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch".into(),
        ));
    };
    if ops.len() > MAX_JSON_PATCH_OPS {
        return Err(PatchError::TooManyOps(ops.len()));
    }
    let mut doc = doc.clone();
    for op in ops {
        apply_op(&mut doc, op)?;
    }
    Ok(doc)
}

fn field<'a>(op: &'a Value, name: &str, kind: &str) -> Result<&'a str, PatchError> {
    op.get(name).and_then(Value::as_str).ok_or_else(|| {
        PatchError::Apply(format!(
            "{kind} operation missing {name} field: missing value"
        ))
    })
}

fn apply_op(doc: &mut Value, op: &Value) -> Result<(), PatchError> {
    let kind = op.get("op").and_then(Value::as_str).unwrap_or("");
    match kind {
        "add" | "replace" | "test" => {
            let path = field(op, "path", kind)?;
            let value = op
                .get("value")
                .ok_or_else(|| {
                    PatchError::Apply(format!(
                        "{kind} operation missing value field: missing value"
                    ))
                })?
                .clone();
            match kind {
                "add" => add(doc, path, value),
                "replace" => {
                    remove(doc, path, "replace")?;
                    add(doc, path, value)
                }
                _ => match doc.pointer(&unescape_check(path)?) {
                    Some(v) if *v == value => Ok(()),
                    _ => Err(PatchError::Apply(format!(
                        "testing value {path} failed: test failed"
                    ))),
                },
            }
        }
        "remove" => remove(doc, field(op, "path", kind)?, "remove").map(|_| ()),
        "move" => {
            let (from, path) = (field(op, "from", kind)?, field(op, "path", kind)?);
            if path.starts_with(&format!("{from}/")) {
                return Err(PatchError::Apply(format!(
                    "move operation does not apply: cannot move {from} into its child {path}"
                )));
            }
            let v = remove(doc, from, "move")?;
            add(doc, path, v)
        }
        "copy" => {
            let (from, path) = (field(op, "from", kind)?, field(op, "path", kind)?);
            let v = doc
                .pointer(&unescape_check(from)?)
                .cloned()
                .ok_or_else(|| PatchError::Apply(format!("copy operation does not apply: doc is missing from path: {from}: missing value")))?;
            add(doc, path, v)
        }
        other => Err(PatchError::Apply(format!("Unexpected kind: {other}"))),
    }
}

/// Validates a JSON pointer (must be empty or start with `/`) and returns it unchanged.
fn unescape_check(path: &str) -> Result<String, PatchError> {
    if path.is_empty() || path.starts_with('/') {
        Ok(path.to_string())
    } else {
        Err(PatchError::Apply(format!("invalid JSON pointer: {path:?}")))
    }
}

/// Splits a pointer into (parent pointer, last token unescaped).
fn split(path: &str) -> Result<(String, String), PatchError> {
    unescape_check(path)?;
    let idx = path.rfind('/').unwrap_or(0);
    let (parent, last) = path.split_at(idx);
    let last = last
        .strip_prefix('/')
        .unwrap_or(last)
        .replace("~1", "/")
        .replace("~0", "~");
    Ok((parent.to_string(), last))
}

fn index(token: &str, len: usize, allow_end: bool) -> Option<usize> {
    if token.is_empty()
        || (token.len() > 1 && token.starts_with('0'))
        || !token.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let i: usize = token.parse().ok()?;
    (i < len || (allow_end && i == len)).then_some(i)
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), PatchError> {
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (parent, last) = split(path)?;
    let missing = || {
        PatchError::Apply(format!(
            "add operation does not apply: doc is missing path: {path:?}: missing value"
        ))
    };
    match doc.pointer_mut(&parent).ok_or_else(missing)? {
        Value::Object(m) => {
            m.insert(last, value);
            Ok(())
        }
        Value::Array(a) => {
            let i = if last == "-" {
                Some(a.len())
            } else {
                index(&last, a.len(), true)
            };
            let i = i.ok_or_else(|| {
                PatchError::Apply(format!(
                    "Unable to access invalid index: {last}: invalid index referenced"
                ))
            })?;
            a.insert(i, value);
            Ok(())
        }
        _ => Err(missing()),
    }
}

fn remove(doc: &mut Value, path: &str, kind: &str) -> Result<Value, PatchError> {
    let missing = || {
        PatchError::Apply(format!(
            "{kind} operation does not apply: doc is missing key: {path}: missing value"
        ))
    };
    if path.is_empty() {
        return Ok(std::mem::take(doc));
    }
    let (parent, last) = split(path)?;
    match doc.pointer_mut(&parent).ok_or_else(missing)? {
        Value::Object(m) => m.remove(&last).ok_or_else(missing),
        Value::Array(a) => {
            let i = index(&last, a.len(), false).ok_or_else(missing)?;
            Ok(a.remove(i))
        }
        _ => Err(missing()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc6902_basics() {
        let doc = json!({"a": {"b": [1, 2]}, "c~d": 1});
        let ops = json!([
            {"op": "add", "path": "/a/b/-", "value": 3},
            {"op": "add", "path": "/a/b/0", "value": 0},
            {"op": "remove", "path": "/c~0d"},
            {"op": "copy", "from": "/a/b", "path": "/x"},
            {"op": "move", "from": "/x", "path": "/y"},
            {"op": "test", "path": "/y/3", "value": 3},
            {"op": "replace", "path": "/a", "value": "z"}
        ]);
        assert_eq!(
            json_patch(&doc, &ops),
            Ok(json!({"a": "z", "y": [0, 1, 2, 3]}))
        );
        let bad = json!([{"op": "test", "path": "/a", "value": 1}]);
        assert!(matches!(json_patch(&doc, &bad), Err(PatchError::Apply(_))));
        let bad = json!([{"op": "remove", "path": "/nope"}]);
        assert_eq!(
            json_patch(&doc, &bad).map_err(|e| e.to_status().code),
            Err(422)
        );
    }

    #[test]
    fn rfc7386_examples() {
        let t = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        let p = json!({"a": "z", "c": {"f": null}});
        assert_eq!(merge_patch(&t, &p), json!({"a": "z", "c": {"d": "e"}}));
        assert_eq!(
            apply(PatchType::Merge, &t, b"[1]").map_err(|e| e.to_status().code),
            Err(400)
        );
    }
}

//! Strategic merge patch as the API server applies it (apimachinery
//! `pkg/util/strategicpatch`, `StrategicMergeMapPatch`), not as kustomize's kyaml merges.
//!
//! - Maps merge recursively; `null` deletes a field; `$patch: replace` takes the patch map
//!   as is, `$patch: delete` empties the map, any other `$patch` value is an error.
//! - Lists whose field has patch strategy `merge` merge: maps by the field's merge key
//!   (an item `{<key>: v, $patch: delete}` removes the items with that key, an item
//!   `{$patch: replace}` replaces the list), scalars as a union. Items the patch names come
//!   in the patch's order, the object's other items keep their relative positions (a new
//!   item lands before them, as on a real server); every other list is replaced.
//! - `$setElementOrder/<list>` fixes the order of the items it names; the object's other
//!   items are interleaved by their old positions.
//! - `$deleteFromPrimitiveList/<list>` removes scalars from a merging list.
//! - `$retainKeys: [..]` removes the map's fields it does not name (the patch's own fields
//!   must all be named).
//!
//! Patch strategies and merge keys come from the served OpenAPI schemas ([`meta`]).
//! Errors: the API server's sentinel errors keep their codes (400 for malformed
//! `$setElementOrder`/`$deleteFromPrimitiveList`/`$retainKeys`, 422 for lists of lists);
//! its other merge errors (a 500 there) are 400 here, with the same message. Values new to
//! the object are taken with nulls and nested directives removed.

mod list;
mod meta;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use list::{element_kind, merge_list, normalize, partition};
use meta::{FieldMeta, Ty};

/// Why a strategic merge patch could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmpError {
    /// A malformed patch (400 BadRequest with this message).
    #[error("{0}")]
    BadRequest(String),
    /// A patch the server refuses as unprocessable (422 Invalid, generic message).
    #[error("{0}")]
    Invalid(String),
}

type Result<T> = std::result::Result<T, SmpError>;

const PATCH: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const DELETE_PREFIX: &str = "$deleteFromPrimitiveList";
const ORDER_PREFIX: &str = "$setElementOrder";
const BAD_PRIMITIVE: &str = "invalid patch format of primitive list";
const BAD_RETAIN: &str = "invalid patch format of retainKeys";
const BAD_ORDER: &str = "invalid patch format of setElementOrder list";
const GO_MAP: &str = "map[string]interface {}";
const GO_LIST: &str = "[]interface {}";

fn bad(msg: impl Into<String>) -> SmpError {
    SmpError::BadRequest(msg.into())
}

/// Go's name of the type a JSON value decodes to.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => GO_MAP,
        Value::Array(_) => GO_LIST,
        Value::String(_) => "string",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::Bool(_) => "bool",
        Value::Null => "<nil>",
    }
}

/// Go's `%v` of a JSON value (maps with sorted keys).
fn go_fmt(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{k}:{}", go_fmt(v)))
                .collect();
            items.sort();
            format!("map[{}]", items.join(" "))
        }
        Value::Array(a) => format!("[{}]", a.iter().map(go_fmt).collect::<Vec<_>>().join(" ")),
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".into(),
        other => other.to_string(),
    }
}

fn bad_arg(expected: &str, actual: &Value) -> SmpError {
    bad(format!(
        "expected a {expected}, but received a {}",
        go_type(actual)
    ))
}

fn no_merge_key(m: &Value, key: &str) -> SmpError {
    bad(format!(
        "map: {} does not contain declared merge key: {key}",
        go_fmt(m)
    ))
}

fn bad_patch_type(directive: &Value, m: &Map<String, Value>) -> SmpError {
    bad(format!(
        "unknown patch type: {} in map: {}",
        go_fmt(directive),
        go_fmt(&Value::Object(m.clone()))
    ))
}

/// Applies the strategic merge patch `patch` (a JSON object) to the object `original`; the
/// patch metadata is that of the built-in kind `original` names.
pub fn apply(original: &Value, patch: Value) -> Result<Value> {
    let Value::Object(patch) = patch else {
        return Err(bad(
            "json: cannot unmarshal into Go value of type map[string]interface {}",
        ));
    };
    let text = |k: &str| original.get(k).and_then(Value::as_str).unwrap_or("");
    let ty = Ty::root(text("apiVersion"), text("kind"));
    let original = original.as_object().cloned().unwrap_or_default();
    merge_map(original, patch, ty).map(Value::Object)
}

/// Whether a key is a parallel-list directive (`$setElementOrder/…`,
/// `$deleteFromPrimitiveList/…`) or `$retainKeys`.
fn is_key_directive(k: &str) -> bool {
    k.starts_with(ORDER_PREFIX) || k.starts_with(DELETE_PREFIX) || k == RETAIN_KEYS
}

/// A patch value taken as is where the object has none: nulls dropped, maps carrying
/// `$patch` dropped, key directives dropped. `None`: not kept at all.
fn fresh(v: Value) -> Option<Value> {
    match v {
        Value::Object(m) => {
            if m.contains_key(PATCH) {
                return None;
            }
            let out = m
                .into_iter()
                .filter(|(k, v)| !v.is_null() && !is_key_directive(k))
                .filter_map(|(k, v)| fresh(v).map(|v| (k, v)))
                .collect();
            Some(Value::Object(out))
        }
        Value::Array(a) => Some(Value::Array(a.into_iter().filter_map(fresh).collect())),
        other => Some(other),
    }
}

fn fresh_list(list: Vec<Value>) -> Vec<Value> {
    list.into_iter().filter_map(fresh).collect()
}

fn fresh_map(m: Map<String, Value>) -> Map<String, Value> {
    match fresh(Value::Object(m)) {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// The key `s` names after `prefix/`.
fn extract_key<'k>(s: &'k str, prefix: &str) -> Result<&'k str> {
    match s.split_once('/') {
        Some((p, rest)) if p == prefix => Ok(rest),
        _ if prefix == DELETE_PREFIX => Err(bad(BAD_PRIMITIVE)),
        _ => Err(bad(BAD_ORDER)),
    }
}

/// The field's strategy other than `retainKeys`.
fn list_strategy<'a>(strategies: &[&'a str]) -> Result<&'a str> {
    match strategies {
        [] => Ok(""),
        [s] if *s == "retainKeys" => Ok(""),
        [s] => Ok(s),
        ["retainKeys", s] | [s, "retainKeys"] => Ok(s),
        other => Err(bad(format!(
            "unexpected patch strategy: [{}]",
            other.join(" ")
        ))),
    }
}

fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// Merges `patch` into `original` (a map of type `ty`).
fn merge_map(
    mut original: Map<String, Value>,
    mut patch: Map<String, Value>,
    ty: Ty<'static>,
) -> Result<Map<String, Value>> {
    if let Some(directive) = patch.get(PATCH) {
        return match directive.as_str() {
            Some("replace") => {
                patch.shift_remove(PATCH);
                Ok(fresh_map(patch))
            }
            Some("delete") => Ok(Map::new()),
            _ => Err(bad_patch_type(directive, &patch)),
        };
    }
    retain_keys(&mut original, &mut patch)?;
    set_element_order(&mut original, &mut patch, ty)?;
    for (key, value) in patch {
        let (key, delete_list) = if key.starts_with(DELETE_PREFIX) {
            (extract_key(&key, DELETE_PREFIX)?.to_string(), true)
        } else {
            (key, false)
        };
        if value.is_null() {
            original.shift_remove(&key);
            continue;
        }
        let Some(current) = original.get_mut(&key) else {
            if !delete_list && let Some(v) = fresh(value) {
                original.insert(key, v);
            }
            continue;
        };
        if !same_type(current, &value) {
            if !delete_list {
                match fresh(value) {
                    Some(v) => *current = v,
                    None => {
                        original.shift_remove(&key);
                    }
                }
            }
            continue;
        }
        match (current, value) {
            (Value::Object(o), Value::Object(p)) => {
                let meta = ty.field(&key);
                let merged = if list_strategy(&meta.strategies)? == "replace" {
                    fresh_map(p)
                } else {
                    merge_map(std::mem::take(o), p, meta.ty)?
                };
                *o = merged;
            }
            (Value::Array(o), Value::Array(p)) => {
                let meta = ty.field(&key);
                let strategy = list_strategy(&meta.strategies)?;
                *o = merge_list_field(std::mem::take(o), p, &meta, strategy, delete_list)?.0;
            }
            (current, value) => *current = value,
        }
    }
    Ok(original)
}

/// `$retainKeys`: drops the object's fields the list does not name.
fn retain_keys(original: &mut Map<String, Value>, patch: &mut Map<String, Value>) -> Result<()> {
    let Some(list) = patch.shift_remove(RETAIN_KEYS) else {
        return Ok(());
    };
    let Value::Array(list) = list else {
        return Err(bad(BAD_RETAIN));
    };
    let named = |k: &str| list.iter().any(|x| x.as_str() == Some(k));
    let unnamed = patch.iter().any(|(k, v)| {
        !v.is_null() && !k.starts_with(DELETE_PREFIX) && !k.starts_with(ORDER_PREFIX) && !named(k)
    });
    if unnamed {
        return Err(bad(BAD_RETAIN));
    }
    original.retain(|k, _| named(k));
    Ok(())
}

fn as_list(v: Option<&Value>) -> Result<Option<Vec<Value>>> {
    match v {
        None => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a.clone())),
        Some(other) => Err(bad_arg(GO_LIST, other)),
    }
}

/// `$setElementOrder/<list>`: merges the list (if patched) and orders it.
fn set_element_order(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
    ty: Ty<'static>,
) -> Result<()> {
    let keys: Vec<String> = patch
        .keys()
        .filter(|k| k.starts_with(ORDER_PREFIX))
        .cloned()
        .collect();
    for key in keys {
        let order = patch.shift_remove(&key).unwrap_or_default();
        let Value::Array(order) = order else {
            return Err(bad_arg(GO_LIST, &order));
        };
        let list_key = extract_key(&key, ORDER_PREFIX)?;
        let current = as_list(original.get(list_key))?;
        let patched = as_list(patch.get(list_key))?;
        let meta = ty.field(list_key);
        let strategy = list_strategy(&meta.strategies)?;
        validate_order(
            patched.as_deref().unwrap_or_default(),
            &order,
            meta.merge_key,
        )?;
        // `server_order`: the object's list as the merge left its backing array.
        let (merged, server_order) = match (current.clone(), patched.clone()) {
            (Some(c), None) => (c.clone(), c),
            (None, Some(p)) => (fresh_list(p), Vec::new()),
            (Some(c), Some(p)) => merge_list_field(c, p, &meta, strategy, false)?,
            (None, None) => continue,
        };
        patch.shift_remove(list_key);
        let current = current.unwrap_or_default();
        let (in_order, server_only) = partition(merged, &order, meta.merge_key)?;
        let Some(kind) = element_kind(&current, patched.as_deref().unwrap_or_default())? else {
            original.insert(list_key.to_string(), Value::Array(in_order));
            continue;
        };
        let all = normalize(
            in_order,
            server_only,
            &order,
            &server_order,
            meta.merge_key,
            kind,
        )?;
        original.insert(list_key.to_string(), Value::Array(all));
    }
    Ok(())
}

/// Whether the items of the patch list (deletions aside) come in the order list's order.
fn validate_order(patch: &[Value], order: &[Value], merge_key: &str) -> Result<()> {
    if order.is_empty() || patch.is_empty() {
        return Ok(());
    }
    let mut items = Vec::new();
    for item in patch {
        if !merge_key.is_empty() {
            let Value::Object(m) = item else {
                return Err(bad_arg(GO_MAP, item));
            };
            if m.get(PATCH).and_then(Value::as_str) == Some("delete") {
                continue;
            }
        }
        items.push(item);
    }
    let (mut p, mut o) = (0, 0);
    while p < items.len() && o < order.len() {
        if items[p].get(PATCH).is_some() {
            p += 1;
            continue;
        }
        if key_equal(items[p], &order[o], merge_key)? {
            p += 1;
        }
        o += 1;
    }
    if p < items.len() && o >= order.len() {
        return Err(bad(format!(
            "The order in patch list:\n{}\n doesn't match {ORDER_PREFIX} list:\n{}\n",
            go_fmt(&Value::Array(patch.to_vec())),
            go_fmt(&Value::Array(order.to_vec()))
        )));
    }
    Ok(())
}

fn key_equal(left: &Value, right: &Value, merge_key: &str) -> Result<bool> {
    if merge_key.is_empty() {
        return Ok(left == right);
    }
    let get = |v: &Value| -> Result<Value> {
        let Value::Object(m) = v else {
            return Err(bad_arg(GO_MAP, v));
        };
        m.get(merge_key)
            .cloned()
            .ok_or_else(|| no_merge_key(v, merge_key))
    };
    Ok(get(left)? == get(right)?)
}

/// A list field: merged under strategy `merge` (or as a deletion list), else replaced.
/// Returns the merged list and the object's list as the merge left it ([`merge_list`]).
fn merge_list_field(
    original: Vec<Value>,
    patch: Vec<Value>,
    meta: &FieldMeta<'static>,
    strategy: &str,
    delete_list: bool,
) -> Result<(Vec<Value>, Vec<Value>)> {
    if strategy == "merge" || delete_list {
        merge_list(original, patch, meta.ty, meta.merge_key, delete_list)
    } else {
        Ok((fresh_list(patch), original))
    }
}

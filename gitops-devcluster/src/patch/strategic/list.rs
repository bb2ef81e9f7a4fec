//! Merging the lists of a `merge` field: maps by merge key (with `$patch` items), scalars
//! as a union, and the API server's ordering of the result.

use serde_json::{Map, Value};

use super::meta::Ty;
use super::{
    GO_MAP, PATCH, Result, SmpError, bad, bad_arg, bad_patch_type, fresh_list, fresh_map, go_fmt,
    merge_map, no_merge_key, same_type,
};

/// What the items of a list are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Map,
    Scalar,
}

/// The common kind of the items of both lists; `None` when both are empty.
pub(super) fn element_kind(a: &[Value], b: &[Value]) -> Result<Option<Kind>> {
    let mut first: Option<&Value> = None;
    for v in a.iter().chain(b) {
        match first {
            None if v.is_array() => {
                return Err(SmpError::Invalid("lists of lists are not supported".into()));
            }
            None => first = Some(v),
            Some(f) if !same_type(f, v) => {
                return Err(bad(format!(
                    "list element types are not identical: [{} {}]",
                    go_fmt(&Value::Array(a.to_vec())),
                    go_fmt(&Value::Array(b.to_vec()))
                )));
            }
            Some(_) => {}
        }
    }
    Ok(first.map(|f| {
        if f.is_object() {
            Kind::Map
        } else {
            Kind::Scalar
        }
    }))
}

/// Merges two lists of a `merge` field. Also returns the object's list as apimachinery's
/// in-place slice operations leave it (its `$setElementOrder` handling orders server-only
/// items by that array): deletions shift the items left, appended items fill the freed
/// slots (apimachinery's test "add map and delete map from merging list" relies on it).
pub(super) fn merge_list(
    original: Vec<Value>,
    patch: Vec<Value>,
    ty: Ty<'static>,
    merge_key: &str,
    delete_list: bool,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let Some(kind) = element_kind(&original, &patch)? else {
        return Ok((original.clone(), original));
    };
    let (merged, server_order, patch, backing) = if kind == Kind::Scalar {
        if delete_list {
            let kept = original
                .iter()
                .filter(|v| !patch.contains(v))
                .cloned()
                .collect();
            return Ok((kept, original));
        }
        let mut merged: Vec<Value> = Vec::new();
        for v in original.iter().chain(&patch) {
            if !merged.contains(v) {
                merged.push(v.clone());
            }
        }
        let backing = original.clone();
        (merged, original, patch, backing)
    } else {
        if merge_key.is_empty() {
            return Err(bad("cannot merge lists without merge key for struct"));
        }
        let mut backing = original.clone();
        let (original, patch, replaced) = special_items(original, patch, merge_key, &mut backing)?;
        let merged = merge_items(original.clone(), patch.clone(), merge_key, ty)?;
        if !replaced {
            // Appended items fill the slots the deletions freed.
            let slots = backing.iter_mut().skip(original.len());
            for (slot, item) in slots.zip(merged.iter().skip(original.len())) {
                *slot = item.clone();
            }
        }
        (merged, original, patch, backing)
    };
    let (patch_items, server_only) = partition(merged, &patch, merge_key)?;
    let merged = normalize(
        patch_items,
        server_only,
        &patch,
        &server_order,
        merge_key,
        kind,
    )?;
    Ok((merged, backing))
}

/// Applies the patch items carrying `$patch` (delete by merge key, replace the list);
/// returns the object's items left, the patch's other items and whether the list was
/// replaced. Deletions also shift the items of `backing` (the object's list) as Go does.
fn special_items(
    mut original: Vec<Value>,
    patch: Vec<Value>,
    merge_key: &str,
    backing: &mut [Value],
) -> Result<(Vec<Value>, Vec<Value>, bool)> {
    let mut rest = Vec::new();
    let mut replace = false;
    for item in patch {
        let Value::Object(m) = &item else {
            return Err(bad_arg(GO_MAP, &item));
        };
        let Some(directive) = m.get(PATCH) else {
            rest.push(item);
            continue;
        };
        match directive.as_str() {
            Some("delete") => {
                let value = m
                    .get(merge_key)
                    .ok_or_else(|| no_merge_key(&item, merge_key))?;
                while let Some(i) = find(&original, merge_key, value)? {
                    // Go's `append(s[:i], s[i+1:]...)`: the last slot keeps its old item.
                    for j in i..original.len() - 1 {
                        backing[j] = backing[j + 1].clone();
                    }
                    original.remove(i);
                }
            }
            Some("replace") => replace = true,
            Some("merge") => return Err(bad("merging lists cannot yet be specified in the patch")),
            _ => return Err(bad_patch_type(directive, m)),
        }
    }
    Ok(if replace {
        (fresh_list(rest), Vec::new(), true)
    } else {
        (original, rest, false)
    })
}

/// The index of the first map of `list` whose `key` is `value`.
fn find(list: &[Value], key: &str, value: &Value) -> Result<Option<usize>> {
    for (i, item) in list.iter().enumerate() {
        let Value::Object(m) = item else {
            return Err(bad(format!("value for key {i} is not a map")));
        };
        if m.get(key) == Some(value) {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// Merges each patch item into the object's item with its merge key, or appends it.
fn merge_items(
    mut original: Vec<Value>,
    patch: Vec<Value>,
    merge_key: &str,
    ty: Ty<'static>,
) -> Result<Vec<Value>> {
    for item in patch {
        let Value::Object(m) = item else {
            return Err(bad_arg(GO_MAP, &item));
        };
        let Some(value) = m.get(merge_key).cloned() else {
            return Err(no_merge_key(&Value::Object(m), merge_key));
        };
        match find(&original, merge_key, &value)? {
            Some(i) => {
                let current = match std::mem::take(&mut original[i]) {
                    Value::Object(c) => c,
                    _ => Map::new(),
                };
                original[i] = Value::Object(merge_map(current, m, ty)?);
            }
            None => original.push(Value::Object(fresh_map(m))),
        }
    }
    Ok(original)
}

/// Splits `list` into the items `by` names (by merge key, or equal scalars) and the others.
pub(super) fn partition(
    list: Vec<Value>,
    by: &[Value],
    merge_key: &str,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let (mut named, mut others) = (Vec::new(), Vec::new());
    for item in list {
        let hit = if merge_key.is_empty() {
            by.contains(&item)
        } else {
            let Value::Object(m) = &item else {
                return Err(bad_arg(GO_MAP, &item));
            };
            let value = m
                .get(merge_key)
                .ok_or_else(|| no_merge_key(&item, merge_key))?;
            find(by, merge_key, value)?.is_some()
        };
        if hit {
            named.push(item)
        } else {
            others.push(item)
        }
    }
    Ok((named, others))
}

/// The position of `item` in `list` (by merge key for maps).
fn index(list: &[Value], item: &Value, merge_key: &str, kind: Kind) -> Option<usize> {
    match kind {
        Kind::Map => {
            let key = |v: &Value| v.as_object().and_then(|m| m.get(merge_key)).cloned();
            let wanted = key(item);
            list.iter().position(|v| key(v) == wanted)
        }
        Kind::Scalar => list.iter().position(|v| v == item),
    }
}

/// Sorts `patch_items` by `patch_order` and `server_only` by `server_order`, then
/// interleaves them: a server-only item goes before a patch item it preceded in the object.
pub(super) fn normalize(
    patch_items: Vec<Value>,
    server_only: Vec<Value>,
    patch_order: &[Value],
    server_order: &[Value],
    merge_key: &str,
    kind: Kind,
) -> Result<Vec<Value>> {
    let right = sort_by_order(patch_items, patch_order, merge_key, kind)?;
    let left = sort_by_order(server_only, server_order, merge_key, kind)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut left, mut right) = (left.into_iter().peekable(), right.into_iter().peekable());
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(r)) => {
                let li = index(server_order, l, merge_key, kind);
                let ri = index(server_order, r, merge_key, kind);
                matches!((li, ri), (Some(li), Some(ri)) if li < ri)
            }
        };
        let next = if take_left { left.next() } else { right.next() };
        out.extend(next);
    }
    Ok(out)
}

/// Stable sort of `items` by their positions in `order` (deletion items last).
fn sort_by_order(
    items: Vec<Value>,
    order: &[Value],
    merge_key: &str,
    kind: Kind,
) -> Result<Vec<Value>> {
    let mut items = items;
    let mut deletions = Vec::new();
    if kind == Kind::Map {
        for v in items.iter().chain(order) {
            let Value::Object(m) = v else {
                return Err(bad_arg(GO_MAP, v));
            };
            if !m.contains_key(merge_key) {
                return Err(no_merge_key(v, merge_key));
            }
        }
        let (keep, delete): (Vec<Value>, Vec<Value>) = items
            .into_iter()
            .partition(|v| v.get(PATCH).and_then(Value::as_str) != Some("delete"));
        items = keep;
        deletions = delete;
    }
    items.sort_by_key(|v| index(order, v, merge_key, kind).unwrap_or(usize::MAX));
    items.extend(deletions);
    Ok(items)
}

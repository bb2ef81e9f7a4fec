//! Strategic merge, as kustomize's kyaml `merge2` performs it (kustomize does not use the
//! apimachinery implementation): maps merge recursively, `null` deletes, `$patch: delete`
//! and `$patch: replace` on maps and lists, lists of built-in types merge by their merge
//! keys (patch elements first, then the object's others), every other list is replaced.
//! kyaml has no `$retainKeys`, `$setElementOrder/…` or `$deleteFromPrimitiveList/…`:
//! like kustomize, such keys are merged as ordinary fields.
//!
//! ```
//! use gitops_core::merge::{Schema, strategic};
//! use serde_json::json;
//!
//! let dest = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app"},
//!     "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:1"}]}}}});
//! let patch = json!({"spec": {"template": {"spec": {"containers": [
//!     {"name": "app", "image": "app:2"}, {"name": "sidecar", "image": "proxy:1"}]}}}});
//! let merged = strategic::merge(dest, &patch, &Schema::builtin())?.expect("not deleted");
//! assert_eq!(merged["spec"]["template"]["spec"]["containers"], json!([
//!     {"name": "app", "image": "app:2"}, {"name": "sidecar", "image": "proxy:1"}]));
//! # Ok::<(), gitops_core::merge::MergeError>(())
//! ```

use serde_json::{Map, Value};

use super::schema::{ListMerge, Schema, Ty};

/// Why a merge failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    /// The object and the patch disagree on a field's node kind.
    #[error("field '{path}': wrong node kind: expected {expected} but got {found}")]
    WrongKind {
        /// Dotted field path.
        path: String,
        /// Kind in the object.
        expected: &'static str,
        /// Kind in the patch.
        found: &'static str,
    },
    /// An unknown `$patch` value.
    #[error("field '{path}': unknown patch strategy '{value}'")]
    UnknownStrategy {
        /// Dotted field path.
        path: String,
        /// The value.
        value: String,
    },
}

const DIRECTIVE: &str = "$patch";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Directive {
    Merge,
    Replace,
    Delete,
}

fn node_kind(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "MappingNode",
        Value::Array(_) => "SequenceNode",
        _ => "ScalarNode",
    }
}

fn present(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null())
}

/// Merges `patch` into `dest` (an object's root map) with the merge keys of `schema`;
/// `None` means the object was deleted (`$patch: delete` at the root). The types of
/// `dest` and of its embedded objects come from their `apiVersion` and `kind`.
pub fn merge(dest: Value, patch: &Value, schema: &Schema) -> Result<Option<Value>, MergeError> {
    let mut path = Vec::new();
    walk(
        schema,
        Some(dest),
        Some(patch.clone()),
        None,
        None,
        &mut path,
    )
}

/// The type of a map without a known type: the resource type its `apiVersion` and `kind`
/// name, as kyaml looks it up for any map.
fn type_from_meta<'s>(schema: &'s Schema, sources: [Option<&Value>; 2]) -> Ty<'s> {
    sources
        .into_iter()
        .flatten()
        .filter(|v| !v.is_null())
        .find_map(|v| {
            let field = |k: &str| v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
            schema.root(field("apiVersion")?, field("kind")?)
        })
}

/// Merges one field. `None` in the result removes the field.
fn walk<'s>(
    schema: &'s Schema,
    dest: Option<Value>,
    origin: Option<Value>,
    ty: Ty<'s>,
    list: Option<ListMerge<'s>>,
    path: &mut Vec<String>,
) -> Result<Option<Value>, MergeError> {
    let ty = match ty {
        Some(ty) => Some(ty),
        None => type_from_meta(schema, [dest.as_ref(), origin.as_ref()]),
    };
    let kind_of = present(dest.as_ref())
        .or(present(origin.as_ref()))
        .map(node_kind);
    for v in [dest.as_ref(), origin.as_ref()].into_iter().flatten() {
        if let Some(expected) = kind_of.filter(|e| !v.is_null() && node_kind(v) != *e) {
            return Err(MergeError::WrongKind {
                path: path.join("."),
                expected,
                found: node_kind(v),
            });
        }
    }
    match kind_of {
        Some("SequenceNode") => walk_list(schema, dest, origin, ty, list, path),
        Some("ScalarNode") => Ok(match origin {
            Some(Value::Null) => None,
            Some(o) => Some(o),
            None => dest,
        }),
        _ => walk_map(schema, dest, origin, ty, path),
    }
}

/// The `$patch` directive of a map, removed from it.
fn map_directive(map: &mut Map<String, Value>, path: &[String]) -> Result<Directive, MergeError> {
    let Some(value) = map.get(DIRECTIVE) else {
        return Ok(Directive::Merge);
    };
    let directive = match value.as_str() {
        Some("merge") => Directive::Merge,
        Some("replace") => Directive::Replace,
        Some("delete") => Directive::Delete,
        _ => {
            let value = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            return Err(MergeError::UnknownStrategy {
                path: path.join("."),
                value,
            });
        }
    };
    map.shift_remove(DIRECTIVE);
    Ok(directive)
}

fn walk_map<'s>(
    schema: &'s Schema,
    dest: Option<Value>,
    origin: Option<Value>,
    ty: Ty<'s>,
    path: &mut Vec<String>,
) -> Result<Option<Value>, MergeError> {
    let mut origin = origin;
    let mut result = match (present(dest.as_ref()).is_some(), origin.as_mut()) {
        (false, Some(Value::Object(o))) => match map_directive(o, path) {
            Ok(Directive::Delete) => return Ok(None),
            _ => origin.clone().unwrap_or_default(),
        },
        (false, Some(_)) => return Ok(None),
        (false, None) => return Ok(dest),
        (true, None) => return Ok(dest),
        (true, Some(Value::Null)) => return Ok(None),
        (true, Some(Value::Object(o))) => match map_directive(o, path)? {
            Directive::Delete => return Ok(None),
            Directive::Replace => origin.clone().unwrap_or_default(),
            Directive::Merge => dest.unwrap_or_default(),
        },
        (true, Some(_)) => return Ok(dest),
    };
    let Some(Value::Object(mut patch)) = origin else {
        return Ok(Some(result));
    };
    let Value::Object(map) = &mut result else {
        return Ok(Some(result));
    };
    let mut keys: Vec<String> = map.keys().chain(patch.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let (child_ty, list) = schema.field(ty, &key);
        path.push(key.clone());
        // Each side's field is moved into the merge; the result takes the field's place.
        let mine = map.get_mut(&key).map(std::mem::take);
        let theirs = patch.get_mut(&key).map(std::mem::take);
        let merged = walk(schema, mine, theirs, child_ty, list, path)?;
        path.pop();
        match merged {
            Some(v) if !v.is_null() => {
                map.insert(key, v);
            }
            _ => {
                map.shift_remove(&key);
            }
        }
    }
    Ok(Some(result))
}

/// The `$patch` directive of a list: an element that is a map of only `$patch`.
fn list_directive(list: &mut Vec<Value>, path: &[String]) -> Result<Directive, MergeError> {
    let Some(pos) = list.iter().position(|e| e.get(DIRECTIVE).is_some()) else {
        return Ok(Directive::Merge);
    };
    let only = list[pos].as_object().is_some_and(|m| m.len() == 1);
    if !only {
        return Ok(Directive::Merge);
    }
    let directive = match list[pos].get(DIRECTIVE).and_then(Value::as_str) {
        Some("merge") => Directive::Merge,
        Some("replace") => Directive::Replace,
        Some("delete") => Directive::Delete,
        other => {
            return Err(MergeError::UnknownStrategy {
                path: path.join("."),
                value: other.unwrap_or("").to_string(),
            });
        }
    };
    list.retain(|e| e.get(DIRECTIVE).is_none() || e.as_object().is_some_and(|m| m.len() != 1));
    Ok(directive)
}

fn walk_list<'s>(
    schema: &'s Schema,
    dest: Option<Value>,
    origin: Option<Value>,
    ty: Ty<'s>,
    list: Option<ListMerge<'s>>,
    path: &mut Vec<String>,
) -> Result<Option<Value>, MergeError> {
    let Some(merge) = list else {
        return Ok(match origin {
            Some(Value::Null) => None,
            Some(o) => Some(o),
            None => dest,
        });
    };
    let mut origin = origin;
    let dest_items = match (dest, origin.as_mut()) {
        (Some(Value::Array(d)), Some(Value::Array(o))) => match list_directive(o, path)? {
            Directive::Delete => return Ok(None),
            Directive::Replace => o.clone(),
            Directive::Merge => d,
        },
        (Some(d @ Value::Array(_)), None) => return Ok(Some(d)),
        (Some(Value::Array(_)), Some(_)) => return Ok(None),
        (_, Some(Value::Array(o))) => o.clone(),
        (_, _) => return Ok(None),
    };
    let patch_items = match origin {
        Some(Value::Array(o)) => o,
        _ => Vec::new(),
    };
    let items = match merge {
        ListMerge::Primitive => merge_primitive(dest_items, patch_items),
        ListMerge::Keys(keys) => merge_keyed(schema, dest_items, patch_items, &keys, ty, path)?,
    };
    Ok(Some(Value::Array(items)))
}

fn scalar_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Object(m) if m.is_empty() => String::new(),
        Value::Array(a) if a.is_empty() => String::new(),
        other => other.to_string(),
    }
}

fn merge_primitive(dest: Vec<Value>, patch: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for v in patch.into_iter().chain(dest) {
        let s = scalar_string(&v);
        if !seen.contains(&s) {
            seen.push(s);
            out.push(v);
        }
    }
    out
}

fn key_values(item: &Value, keys: &[&str]) -> Vec<String> {
    keys.iter()
        .map(|k| item.get(*k).map(scalar_string).unwrap_or_default())
        .collect()
}

/// Unites tuples that agree wherever both have a value and share at least one value.
fn unify(a: &[String], b: &[String]) -> Option<Vec<String>> {
    let mut common = false;
    let mut out = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            out.push(x.clone());
        } else if !x.is_empty() && !y.is_empty() {
            return None;
        } else {
            out.push(if x.is_empty() { y.clone() } else { x.clone() });
        }
    }
    common.then_some(out)
}

fn matches(item: &Value, keys: &[&str], values: &[String]) -> bool {
    item.is_object()
        && keys
            .iter()
            .zip(values)
            .all(|(k, v)| item.get(*k).is_some_and(|f| scalar_string(f) == *v))
}

fn merge_keyed<'s>(
    schema: &'s Schema,
    dest: Vec<Value>,
    patch: Vec<Value>,
    keys: &[&str],
    ty: Ty<'s>,
    path: &mut Vec<String>,
) -> Result<Vec<Value>, MergeError> {
    let mut entries: Vec<Vec<String>> = Vec::new();
    for item in patch.iter().chain(&dest).filter(|i| i.is_object()) {
        let values = key_values(item, keys);
        if !entries.contains(&values) {
            entries.push(values);
        }
    }
    if keys.len() > 1 {
        for i in 0..entries.len() {
            for j in 0..entries.len() {
                if let Some(u) = unify(&entries[i], &entries[j]) {
                    entries[i] = u.clone();
                    entries[j] = u;
                }
            }
        }
    }
    let used: Vec<bool> = (0..keys.len())
        .map(|i| entries.iter().any(|e| !e[i].is_empty()))
        .collect();
    // The object's elements after merging: `None` once deleted.
    let mut merged_dest: Vec<Option<Value>> = dest.iter().cloned().map(Some).collect();
    let mut out: Vec<Value> = Vec::new();
    let mut out_ids: Vec<(Vec<&str>, Vec<String>)> = Vec::new();
    for entry in &entries {
        // Match on the keys this entry has values for.
        let (mk, mv): (Vec<&str>, Vec<String>) = keys
            .iter()
            .zip(entry)
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (*k, v.clone()))
            .unzip();
        if mk.is_empty() {
            continue;
        }
        let d_index = dest.iter().position(|i| matches(i, &mk, &mv));
        let d = d_index.and_then(|i| merged_dest[i].clone());
        let p = patch.iter().find(|i| matches(i, &mk, &mv)).cloned();
        let merged = walk(schema, d, p, ty, None, path)?;
        let Some(val) = merged.filter(|v| v.as_object().is_some_and(|m| !m.is_empty())) else {
            for (i, item) in dest.iter().enumerate() {
                if matches(item, &mk, &mv) {
                    merged_dest[i] = None;
                }
            }
            continue;
        };
        if let Some(i) = d_index {
            merged_dest[i] = Some(val.clone());
        }
        // Replace an element already added with the same keys, else append.
        let (vk, vv): (Vec<&str>, Vec<String>) = keys
            .iter()
            .zip(entry)
            .enumerate()
            .filter(|(i, _)| used[*i])
            .map(|(_, (k, v))| (*k, v.clone()))
            .unzip();
        match out_ids.iter().position(|(k, v)| *k == vk && *v == vv) {
            Some(pos) => out[pos] = val,
            None => {
                out.push(val);
                out_ids.push((vk, vv));
            }
        }
    }
    if keys.len() > 1 {
        // kyaml re-adds each of the object's elements at the end, in the object's order,
        // after removing the elements matching its key values.
        for item in merged_dest.into_iter().flatten() {
            let present: Vec<String> = keys
                .iter()
                .filter_map(|k| item.get(*k).map(scalar_string))
                .collect();
            if !present.is_empty() {
                let ks = &keys[..present.len()];
                out.retain(|o| !matches(o, ks, &present));
            }
            out.push(item);
        }
        return Ok(out);
    }
    // Elements of the object without any merge key stay, at the end.
    out.extend(
        dest.into_iter()
            .filter(|i| !i.is_object() || key_values(i, keys).iter().all(String::is_empty)),
    );
    Ok(out)
}

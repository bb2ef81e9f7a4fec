//! `vars`: each var's value is read from the object its `objref` names (matched by current
//! or previous id, so names carry prefixes and hash suffixes by then), and `$(NAME)` is
//! substituted in the `varReference` fields (kustomize's `refvar`). Unknown `$(X)` stays.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::select::{all_ids, effective_namespace};
use super::{Error, path};
use crate::kustomize::accumulate::Accumulator;
use crate::kustomize::fieldspec;
use crate::kustomize::kustomization::Var;
use crate::kustomize::resource::ResId;

/// A var's `objref`, with its apiVersion split.
struct ObjRef {
    group: String,
    version: String,
    kind: String,
    name: String,
    namespace: String,
}

fn field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

impl ObjRef {
    fn of(v: &Value) -> Self {
        let (mut group, mut version) = (
            field(v, "group").to_string(),
            field(v, "version").to_string(),
        );
        let api_version = field(v, "apiVersion");
        if !api_version.is_empty() {
            match api_version.split('/').collect::<Vec<_>>().as_slice() {
                [g, ver] => (group, version) = (g.to_string(), ver.to_string()),
                [ver] => version = ver.to_string(),
                _ => {}
            }
        }
        ObjRef {
            group,
            version,
            kind: field(v, "kind").into(),
            name: field(v, "name").into(),
            namespace: field(v, "namespace").into(),
        }
    }

    /// kustomize's `GvknEquals`, plus `IsNsEquals` when a namespace is given.
    fn matches(&self, id: &ResId) -> bool {
        let gvkn = self.group == id.group
            && self.version == id.version
            && self.kind == id.kind
            && self.name == id.name;
        let ns = self.namespace.is_empty()
            || effective_namespace(&self.kind, &self.namespace)
                == effective_namespace(&id.kind, &id.namespace);
        gvkn && ns
    }
}

fn field_path(var: &Var) -> String {
    var.fieldref
        .as_ref()
        .and_then(|f| f.get("fieldPath").or_else(|| f.get("fieldpath")))
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty())
        .unwrap_or("metadata.name")
        .to_string()
}

/// Go's `%v` of a defaulted `types.Var`, as kustomize's errors print it.
fn describe(var: &Var) -> String {
    let o = ObjRef::of(&var.objref);
    let or = |s: &str, d: &str| {
        if s.is_empty() {
            d.to_string()
        } else {
            s.to_string()
        }
    };
    format!(
        "{{{} {{{} {}.{}.{} {} {}}} {{{}}}}}",
        var.name,
        field(&var.objref, "apiVersion"),
        or(&o.kind, "[noKind]"),
        or(&o.version, "[noVer]"),
        or(&o.group, "[noGrp]"),
        o.name,
        o.namespace,
        field_path(var)
    )
}

/// The key under which [`merge_vars`] records, in a var's `objref`, the id its object had
/// when the var was declared.
const BOUND: &str = "x-gitops-bound-id";

#[derive(serde::Serialize, serde::Deserialize)]
struct BoundId {
    group: String,
    version: String,
    kind: String,
    namespace: String,
    name: String,
}

impl BoundId {
    fn is(&self, id: &ResId) -> bool {
        self.group == id.group
            && self.version == id.version
            && self.kind == id.kind
            && self.namespace == id.namespace
            && self.name == id.name
    }
}

/// kustomize's `MergeVars`: adds a kustomization's `vars` to `acc`, binding each to the
/// object its `objref` selects among the resources accumulated so far (so that objects
/// renamed differently later, e.g. by two overlays' prefixes, stay distinguishable).
pub fn merge_vars(vars: &[Var], acc: &mut Accumulator) -> Result<(), Error> {
    for var in vars {
        if acc.vars.iter().any(|v| v.name == var.name) {
            return Err(Error::Var(format!(
                "var '{}' already encountered",
                var.name
            )));
        }
        let objref = ObjRef::of(&var.objref);
        let matched: Vec<_> = acc
            .resmap
            .resources()
            .iter()
            .filter(|r| all_ids(r).iter().any(|id| objref.matches(id)))
            .collect();
        if matched.len() > 1 {
            return Err(Error::Var(format!(
                "found {} resId matches for var {} (unable to disambiguate)",
                matched.len(),
                describe(var)
            )));
        }
        let mut var = var.clone();
        if let (Some(r), Value::Object(map)) = (matched.first(), &mut var.objref) {
            let id = r.id();
            let bound = BoundId {
                group: id.group,
                version: id.version,
                kind: id.kind,
                namespace: id.namespace,
                name: id.name,
            };
            map.insert(
                BOUND.to_string(),
                serde_json::to_value(bound).unwrap_or(Value::Null),
            );
        }
        acc.vars.push(var);
    }
    Ok(())
}

/// kyaml's `convertSliceIndex`: `a[0]` and `[0]` become `a`, `0`.
fn slice_indexes(parts: Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    for p in parts {
        if let Some((head, idx)) = p.strip_suffix(']').and_then(|q| q.rsplit_once('[')) {
            if idx.parse::<usize>().is_ok() {
                if !head.is_empty() {
                    out.push(head.to_string());
                }
                out.push(idx.to_string());
                continue;
            }
        }
        out.push(p);
    }
    out
}

/// Substitutes `$(VAR)` references once all names are final.
pub fn resolve_vars(acc: &mut Accumulator) -> Result<(), Error> {
    let mut seen = BTreeSet::new();
    for var in &acc.vars {
        if !seen.insert(var.name.clone()) {
            return Err(Error::Var(format!(
                "var '{}' already encountered",
                var.name
            )));
        }
    }
    let mut values: BTreeMap<String, Value> = BTreeMap::new();
    for var in &acc.vars {
        let objref = ObjRef::of(&var.objref);
        let bound = var
            .objref
            .get(BOUND)
            .and_then(|b| serde_json::from_value::<BoundId>(b.clone()).ok());
        let matched: Vec<_> = acc
            .resmap
            .resources()
            .iter()
            .filter(|r| match &bound {
                Some(b) => all_ids(r).iter().any(|id| b.is(id)),
                None => all_ids(r).iter().any(|id| objref.matches(id)),
            })
            .collect();
        if matched.len() > 1 {
            return Err(Error::Var(format!(
                "found {} resId matches for var {} (unable to disambiguate)",
                matched.len(),
                describe(var)
            )));
        }
        let Some(r) = matched.first() else {
            return Err(Error::Var(format!(
                "var '{}' cannot be mapped to a field in the set of known resources",
                describe(var)
            )));
        };
        let parts = slice_indexes(path::split(&field_path(var)));
        match path::lookup(r.object.as_value(), &parts) {
            Ok(Some(v)) => {
                values.insert(var.name.clone(), v.clone());
            }
            _ => {
                return Err(Error::Var(format!(
                    "field specified in var '{}' not found in corresponding resource",
                    describe(var)
                )));
            }
        }
    }
    if values.is_empty() {
        return Ok(());
    }
    let specs = acc.config.var_reference.clone();
    for r in acc.resmap.resources_mut().iter_mut() {
        let (api_version, kind) = (
            r.object.api_version().to_string(),
            r.object.kind().to_string(),
        );
        let mut root = Value::Object(std::mem::take(r.object.as_map_mut()));
        let mut result = Ok(());
        for spec in specs
            .iter()
            .filter(|s| fieldspec::selects(s, &api_version, &kind))
        {
            let spec = fieldspec::FieldSpec {
                create: false,
                ..spec.clone()
            };
            result = fieldspec::visit(&mut root, &spec, None, &mut |node| {
                substitute(node, &values)
            });
            if result.is_err() {
                break;
            }
        }
        if let Value::Object(map) = root {
            *r.object.as_map_mut() = map;
        }
        result.map_err(|e| Error::Var(format!("{}: {e}", r.id())))?;
    }
    Ok(())
}

/// kustomize's refvar `set`: strings of a scalar, a map's values or a list's items.
fn substitute(node: &mut Value, values: &BTreeMap<String, Value>) -> Result<(), String> {
    match node {
        Value::String(s) => *node = expand(s, values),
        Value::Object(map) => {
            for v in map.values_mut() {
                if let Value::String(s) = v {
                    *v = expand(s, values);
                }
            }
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                let Value::String(s) = item else {
                    return Err("invalid value type expect a string".into());
                };
                *item = expand(s, values);
            }
        }
        _ => {}
    }
    Ok(())
}

fn primitive(v: &Value) -> Option<&Value> {
    matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_)).then_some(v)
}

/// Replaces `$(NAME)` with the var's value (`$$` escapes `$`); a string that is exactly
/// one reference takes the value's type.
fn expand(input: &str, values: &BTreeMap<String, Value>) -> Value {
    let mut out = String::new();
    let mut rest = input;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if after.is_empty() {
            out.push('$');
            rest = after;
            break;
        }
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('(') {
            match body.find(')') {
                Some(end) => {
                    let name = &body[..end];
                    match values.get(name).and_then(primitive) {
                        Some(v) if input == format!("$({name})") => return v.clone(),
                        Some(v) => out.push_str(&path::scalar_text(v).unwrap_or_default()),
                        None => {
                            out.push_str("$(");
                            out.push_str(name);
                            out.push(')');
                        }
                    }
                    rest = &body[end + 1..];
                }
                None => {
                    out.push_str("$(");
                    rest = body;
                }
            }
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Value::String(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_like_refvar() {
        let mut values = BTreeMap::new();
        values.insert("A".to_string(), Value::from("x"));
        values.insert("N".to_string(), Value::from(3));
        assert_eq!(
            expand("a-$(A)-$(B)-$$(A)", &values),
            Value::from("a-x-$(B)-$(A)")
        );
        assert_eq!(expand("$(N)", &values), Value::from(3));
        assert_eq!(expand("p$(N)", &values), Value::from("p3"));
        assert_eq!(expand("$(A", &values), Value::from("$(A"));
    }
}

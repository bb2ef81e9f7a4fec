//! Structural pruning and defaulting of custom resources (apiextensions-apiserver
//! `pkg/apiserver/schema/pruning`, `defaulting`, `objectmeta`), in one walk.
//!
//! At an object node: missing (or null, non-nullable) properties with a `default` get a
//! copy of it, non-nullable nulls without one are dropped, then every key is either a
//! property, an `additionalProperties` entry, kept by `x-kubernetes-preserve-unknown-fields`,
//! or pruned. The resource root and `x-kubernetes-embedded-resource` objects keep
//! `apiVersion`, `kind` and `metadata`; `metadata` is decoded as ObjectMeta (unknown fields
//! reported as `metadata.foo`, wrong types rejected as the Go decoder rejects them). An
//! object where the schema has a scalar, a list or a property-less `type: object` loses all
//! its keys, as in the real server (validation then reports the type).

use serde_json::Value;

use super::go::GoDecoder;
use super::{MAX_UNKNOWN_FIELDS, TypecheckError, push_index, push_key};
use crate::typeschema::{Atom, MapType, TypeId, Types};

const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
const META_FIELDS: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// One pruning pass over a custom resource.
pub(super) struct Pruner<'t> {
    types: &'t Types,
    track: bool,
    /// Whether `default`s are applied (not on server-side apply configurations).
    defaults: bool,
    unknown: Vec<String>,
    path: String,
}

fn flag(types: &Types, id: TypeId, key: &str) -> bool {
    types.get(id).keywords.get(key).and_then(Value::as_bool) == Some(true)
}

impl<'t> Pruner<'t> {
    pub(super) fn new(types: &'t Types, track: bool, defaults: bool) -> Self {
        Self {
            types,
            track,
            defaults,
            unknown: Vec::new(),
            path: String::new(),
        }
    }

    pub(super) fn run(
        mut self,
        obj: &mut Value,
        root: TypeId,
    ) -> Result<Vec<String>, TypecheckError> {
        self.walk(obj, root, true)?;
        self.unknown.sort();
        self.unknown.truncate(MAX_UNKNOWN_FIELDS);
        Ok(self.unknown)
    }

    fn record(&mut self, key: &str) {
        if self.track {
            let mut p = self.path.clone();
            push_key(&mut p, key);
            self.unknown.push(p);
        }
    }

    /// Drops every key of an object whose schema allows none.
    fn prune_all(&mut self, v: &mut Value) {
        if let Value::Object(obj) = v {
            let keys: Vec<String> = obj.keys().cloned().collect();
            for k in &keys {
                self.record(k);
            }
            obj.clear();
        }
    }

    fn walk(&mut self, v: &mut Value, id: TypeId, root: bool) -> Result<(), TypecheckError> {
        let types = self.types;
        match types.atom(id) {
            Atom::Deduced => Ok(()),
            Atom::Untyped => {
                if types.get(id).keywords.get("type").and_then(Value::as_str) == Some("object") {
                    self.prune_all(v);
                }
                Ok(())
            }
            Atom::Scalar(_) => {
                self.prune_all(v);
                Ok(())
            }
            Atom::List(l) => {
                match v {
                    Value::Array(items) => {
                        let len = self.path.len();
                        for (i, item) in items.iter_mut().enumerate() {
                            push_index(&mut self.path, i);
                            let r = self.walk(item, l.elem, false);
                            self.path.truncate(len);
                            r?;
                        }
                    }
                    other => self.prune_all(other),
                }
                Ok(())
            }
            Atom::Map(m) => {
                let embedded = root || flag(types, id, "x-kubernetes-embedded-resource");
                self.object(v, m, embedded)
            }
        }
    }

    fn object(&mut self, v: &mut Value, m: &MapType, embedded: bool) -> Result<(), TypecheckError> {
        let types = self.types;
        let Value::Object(obj) = v else { return Ok(()) };
        // Defaults and non-nullable nulls (only when defaulting), applied in a stable order.
        let mut actions: Vec<(&String, Option<&Value>)> = Vec::new();
        for (name, &fid) in m.fields.iter().filter(|_| self.defaults) {
            let kw = &types.get(fid).keywords;
            let nullable = kw.get("nullable").and_then(Value::as_bool) == Some(true);
            match (obj.get(name.as_str()), kw.get("default")) {
                (None, Some(d)) => actions.push((name, Some(d))),
                (Some(Value::Null), Some(d)) if !nullable => actions.push((name, Some(d))),
                (Some(Value::Null), None)
                    if !nullable && !matches!(types.atom(fid), Atom::Deduced) =>
                {
                    actions.push((name, None));
                }
                _ => {}
            }
        }
        actions.sort_by(|a, b| a.0.cmp(b.0));
        for (name, default) in actions {
            match default {
                Some(d) => {
                    obj.insert(name.clone(), d.clone());
                }
                None => {
                    obj.shift_remove(name.as_str());
                }
            }
        }
        // A set: an object can carry hundreds of thousands of unknown keys.
        let mut dropped: std::collections::HashSet<String> = std::collections::HashSet::new();
        let len = self.path.len();
        for (key, val) in obj.iter_mut() {
            if embedded && META_FIELDS.contains(&key.as_str()) {
                if key == "metadata" {
                    self.metadata(val, m.fields.get("metadata").copied())?;
                }
                continue;
            }
            let Some(child) = m.field(key) else {
                self.record(key);
                dropped.insert(key.clone());
                continue;
            };
            push_key(&mut self.path, key);
            let r = self.walk(val, child, false);
            self.path.truncate(len);
            r?;
        }
        if !dropped.is_empty() {
            obj.retain(|k, _| !dropped.contains(k));
        }
        Ok(())
    }

    /// `metadata` of the root or an embedded resource: decoded as ObjectMeta.
    fn metadata(&mut self, v: &mut Value, declared: Option<TypeId>) -> Result<(), TypecheckError> {
        let types = self.types;
        let Some(meta) = declared.filter(|&id| types.name(id) == Some(OBJECT_META)) else {
            return Ok(());
        };
        let mut prefix = self.path.clone();
        push_key(&mut prefix, "metadata");
        let mut d = GoDecoder::with_prefix(types, self.track, &prefix);
        d.walk(v, meta)?;
        self.unknown.extend(d.into_unknown());
        Ok(())
    }
}

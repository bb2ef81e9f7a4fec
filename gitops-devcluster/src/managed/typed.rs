//! Typed operations on JSON objects, as structured-merge-diff defines them: the field set
//! an object sets, the merge of an applied configuration into a live object, the
//! comparison of two objects (added, modified, removed fields) and the removal of a set of
//! fields.
//!
//! Shapes come from [`crate::typeschema`]: atomic maps and lists and scalars are leaves;
//! granular maps recurse per key; associative lists recurse per item, identified by
//! their key fields (`map` lists, missing keys taking the schema default) or their value
//! (`set` lists). A value whose JSON type does not fit its schema is treated as a leaf.

use serde_json::{Map, Value};

use super::ManagedError;
use super::fieldpath::{Path, PathElement, Set, path_string};
use crate::typeschema::{Atom, ListKind, ListType, MapType, TypeId, Types};

/// The type of values nothing is known about: maps granular, lists atomic.
pub const DEDUCED: TypeId = usize::MAX;

/// The shape of a value at a type.
enum Shape<'t> {
    Leaf,
    /// A granular map; `None`: deduced (every key a map key of deduced type).
    Map(Option<&'t MapType>),
    List(&'t ListType),
}

/// The typed view of an object kind: an arena and a root type.
#[derive(Clone, Copy)]
pub struct Typed<'t> {
    types: &'t Types,
    root: TypeId,
}

/// The result of [`Typed::compare`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// Fields present only in the new object.
    pub added: Set,
    /// Fields whose value changed.
    pub modified: Set,
    /// Fields present only in the old object.
    pub removed: Set,
}

fn shape_of<'t>(types: &'t Types, id: TypeId, v: Option<&Value>) -> Shape<'t> {
    let is_obj = v.is_none_or(Value::is_object);
    let is_arr = v.is_none_or(Value::is_array);
    if id == DEDUCED {
        return if v.is_some_and(Value::is_object) {
            Shape::Map(None)
        } else {
            Shape::Leaf
        };
    }
    match types.atom(id) {
        Atom::Deduced => {
            if v.is_some_and(Value::is_object) {
                Shape::Map(None)
            } else {
                Shape::Leaf
            }
        }
        Atom::Map(m) if !m.atomic && is_obj => Shape::Map(Some(m)),
        Atom::List(l) if l.kind != ListKind::Atomic && is_arr => Shape::List(l),
        _ => Shape::Leaf,
    }
}

fn field_type(m: Option<&MapType>, key: &str) -> TypeId {
    m.and_then(|m| m.field(key)).unwrap_or(DEDUCED)
}

fn is_named(m: Option<&MapType>, key: &str) -> bool {
    m.is_some_and(|m| m.is_named(key))
}

fn is_empty_container(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Object(m)) => m.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    }
}

impl<'t> Typed<'t> {
    /// A view of `types` rooted at `root`.
    pub fn new(types: &'t Types, root: TypeId) -> Self {
        Typed { types, root }
    }

    /// The path element of a list item.
    fn item_pe(
        &self,
        l: &ListType,
        item: &Value,
        path: &Path,
        index: usize,
    ) -> Result<PathElement, ManagedError> {
        let err = |msg: String| {
            ManagedError::Typed(format!("{}: element {index}: {msg}", path_string(path)))
        };
        match &l.kind {
            ListKind::Set => {
                if item.is_object() || item.is_array() {
                    return Err(err("only scalar values are allowed in a set".into()));
                }
                Ok(PathElement::value(item))
            }
            ListKind::Map(keys) => {
                let Some(obj) = item.as_object() else {
                    return Err(err(
                        "associative list with keys has an element that is not a map".into(),
                    ));
                };
                let elem = match self.types.atom(l.elem) {
                    Atom::Map(m) => Some(m),
                    _ => None,
                };
                let mut pairs: Vec<(&str, Value)> = Vec::with_capacity(keys.len());
                for k in keys {
                    let v = match obj.get(k).filter(|v| !v.is_null()) {
                        Some(v) => v.clone(),
                        None => {
                            let default = elem
                                .and_then(|m| m.fields.get(k))
                                .and_then(|id| self.types.get(*id).keywords.get("default"));
                            match default {
                                Some(d) => d.clone(),
                                None => {
                                    return Err(err(format!(
                                        "associative list with keys has an element that omits key field {k:?} (and doesn't have default value)"
                                    )));
                                }
                            }
                        }
                    };
                    pairs.push((k, v));
                }
                let refs: Vec<(&str, &Value)> = pairs.iter().map(|(k, v)| (*k, v)).collect();
                Ok(PathElement::key(&refs))
            }
            ListKind::Atomic => Ok(PathElement::Index(index)),
        }
    }

    /// The fields `v` sets (structured-merge-diff `ToFieldSet`).
    pub fn to_set(&self, v: &Value) -> Result<Set, ManagedError> {
        let mut out = Set::new();
        self.set_walk(self.root, v, &mut Vec::new(), &mut out)?;
        Ok(out)
    }

    fn set_walk(
        &self,
        id: TypeId,
        v: &Value,
        path: &mut Path,
        out: &mut Set,
    ) -> Result<(), ManagedError> {
        match shape_of(self.types, id, Some(v)) {
            Shape::Leaf => out.insert(path),
            Shape::Map(m) => {
                for (k, child) in v.as_object().into_iter().flatten() {
                    path.push(PathElement::Field(k.clone()));
                    self.set_walk(field_type(m, k), child, path, out)?;
                    if is_empty_container(Some(child)) && !child.is_array() || !is_named(m, k) {
                        out.insert(path);
                    }
                    path.pop();
                }
            }
            Shape::List(l) => {
                let items = v.as_array().map(Vec::as_slice).unwrap_or_default();
                let mut pes = Vec::with_capacity(items.len());
                let mut seen = std::collections::HashMap::new();
                for (i, item) in items.iter().enumerate() {
                    let pe = self.item_pe(l, item, path, i)?;
                    *seen.entry(pe.clone()).or_insert(0usize) += 1;
                    pes.push(pe);
                }
                for (item, pe) in items.iter().zip(pes) {
                    path.push(pe.clone());
                    if seen.get(&pe).copied().unwrap_or(0) > 1 {
                        out.insert(path);
                    } else {
                        self.set_walk(l.elem, item, path, out)?;
                        out.insert(path);
                    }
                    path.pop();
                }
            }
        }
        Ok(())
    }

    /// Merges `rhs` (an applied configuration) into `lhs` (the live object): rhs wins on
    /// leaves, maps merge per key, associative lists per item keeping rhs's order for the
    /// items it names.
    pub fn merge(&self, lhs: &Value, rhs: &Value) -> Result<Value, ManagedError> {
        Ok(self
            .merge_walk(self.root, Some(lhs), Some(rhs), &mut Vec::new())?
            .unwrap_or(Value::Object(Map::new())))
    }

    fn merge_walk(
        &self,
        id: TypeId,
        lhs: Option<&Value>,
        rhs: Option<&Value>,
        path: &mut Path,
    ) -> Result<Option<Value>, ManagedError> {
        let (l, r) = match (lhs, rhs) {
            (None, r) => return Ok(r.cloned()),
            (l, None) => return Ok(l.cloned()),
            (Some(l), Some(r)) => (l, r),
        };
        if is_empty_container(Some(l)) && is_empty_container(Some(r)) {
            return Ok(Some(r.clone()));
        }
        match (
            shape_of(self.types, id, Some(l)),
            shape_of(self.types, id, Some(r)),
        ) {
            (Shape::Map(m), Shape::Map(_)) => {
                let (lm, rm) = (l.as_object(), r.as_object());
                let mut out = Map::new();
                for (k, lv) in lm.into_iter().flatten() {
                    path.push(PathElement::Field(k.clone()));
                    let merged = self.merge_walk(
                        field_type(m, k),
                        Some(lv),
                        rm.and_then(|m| m.get(k)),
                        path,
                    )?;
                    path.pop();
                    if let Some(v) = merged {
                        out.insert(k.clone(), v);
                    }
                }
                for (k, rv) in rm.into_iter().flatten() {
                    if lm.is_some_and(|m| m.contains_key(k)) {
                        continue;
                    }
                    out.insert(k.clone(), rv.clone());
                }
                Ok(Some(Value::Object(out)))
            }
            (Shape::List(lt), Shape::List(_)) => self.merge_list(lt, l, r, path).map(Some),
            _ => Ok(Some(r.clone())),
        }
    }

    fn merge_list(
        &self,
        lt: &ListType,
        l: &Value,
        r: &Value,
        path: &mut Path,
    ) -> Result<Value, ManagedError> {
        let li = l.as_array().map(Vec::as_slice).unwrap_or_default();
        let ri = r.as_array().map(Vec::as_slice).unwrap_or_default();
        let lpes = li
            .iter()
            .enumerate()
            .map(|(i, v)| self.item_pe(lt, v, path, i))
            .collect::<Result<Vec<_>, _>>()?;
        let mut rpes = Vec::with_capacity(ri.len());
        let mut robserved = std::collections::HashMap::new();
        for (i, v) in ri.iter().enumerate() {
            let pe = self.item_pe(lt, v, path, i)?;
            if robserved.insert(pe.clone(), v).is_some() {
                return Err(ManagedError::Typed(format!(
                    "{}: duplicate entries for key {pe}",
                    path_string(path)
                )));
            }
            rpes.push(pe);
        }
        // Items of lhs: the first occurrence of each key; duplicates merge as null.
        let mut lobserved: std::collections::HashMap<PathElement, Option<&Value>> =
            std::collections::HashMap::new();
        for (pe, v) in lpes.iter().zip(li) {
            lobserved
                .entry(pe.clone())
                .and_modify(|e| *e = None)
                .or_insert(Some(v));
        }
        let mut shared: std::collections::VecDeque<&PathElement> = rpes
            .iter()
            .filter(|pe| lobserved.contains_key(*pe))
            .collect();
        let mut next_shared = shared.pop_front();
        let mut merged_rhs = std::collections::HashSet::new();
        let mut out = Vec::with_capacity(li.len().max(ri.len()));
        let (mut x, mut y) = (0, 0);
        while x < lpes.len() || y < rpes.len() {
            if x < lpes.len() && y < rpes.len() {
                let pe = &lpes[x];
                if *pe == rpes[y] {
                    merged_rhs.insert(pe.clone());
                    path.push(pe.clone());
                    let m = self.merge_walk(
                        lt.elem,
                        lobserved.get(pe).copied().flatten(),
                        robserved.get(pe).copied(),
                        path,
                    )?;
                    path.pop();
                    out.extend(m);
                    x += 1;
                    y += 1;
                    next_shared = shared.pop_front();
                    continue;
                }
                if robserved.contains_key(pe) && next_shared.is_some_and(|n| n != pe) {
                    x += 1;
                    continue;
                }
            }
            if x < lpes.len() {
                let pe = &lpes[x];
                if !robserved.contains_key(pe) {
                    path.push(pe.clone());
                    let m = self.merge_walk(lt.elem, Some(&li[x]), None, path)?;
                    path.pop();
                    out.extend(m);
                    x += 1;
                    continue;
                } else if merged_rhs.contains(pe) {
                    x += 1;
                }
            }
            if y < rpes.len() {
                let pe = &rpes[y];
                merged_rhs.insert(pe.clone());
                path.push(pe.clone());
                let m = self.merge_walk(
                    lt.elem,
                    lobserved.get(pe).copied().flatten(),
                    robserved.get(pe).copied(),
                    path,
                )?;
                path.pop();
                out.extend(m);
                y += 1;
                if next_shared.is_some_and(|n| n == pe) {
                    next_shared = shared.pop_front();
                }
            }
        }
        Ok(Value::Array(out))
    }

    /// What changed from `lhs` to `rhs` (either may be absent: create, delete).
    pub fn compare(
        &self,
        lhs: Option<&Value>,
        rhs: Option<&Value>,
    ) -> Result<Comparison, ManagedError> {
        let mut c = Comparison::default();
        self.compare_walk(self.root, lhs, rhs, &mut Vec::new(), &mut c)?;
        Ok(c)
    }

    fn compare_walk(
        &self,
        id: TypeId,
        l: Option<&Value>,
        r: Option<&Value>,
        path: &mut Path,
        c: &mut Comparison,
    ) -> Result<(), ManagedError> {
        if l.is_none() && r.is_none() {
            return Ok(());
        }
        let both_empty = is_empty_container(l) && is_empty_container(r);
        let ls = l.map(|v| shape_of(self.types, id, Some(v)));
        let rs = r.map(|v| shape_of(self.types, id, Some(v)));
        let leaf = both_empty
            || matches!((&ls, &rs), (Some(Shape::Leaf), _) | (_, Some(Shape::Leaf)))
            || matches!(
                (&ls, &rs),
                (Some(Shape::Map(_)), Some(Shape::List(_)))
                    | (Some(Shape::List(_)), Some(Shape::Map(_)))
            );
        if leaf {
            match (l, r) {
                (None, _) => c.added.insert(path),
                (_, None) => c.removed.insert(path),
                (Some(a), Some(b)) if a != b => c.modified.insert(path),
                _ => {}
            }
            return Ok(());
        }
        match ls.as_ref().or(rs.as_ref()) {
            Some(Shape::Map(m)) => {
                let (lm, rm) = (l.and_then(Value::as_object), r.and_then(Value::as_object));
                for (k, lv) in lm.into_iter().flatten() {
                    path.push(PathElement::Field(k.clone()));
                    self.compare_walk(
                        field_type(*m, k),
                        Some(lv),
                        rm.and_then(|m| m.get(k)),
                        path,
                        c,
                    )?;
                    path.pop();
                }
                for (k, rv) in rm.into_iter().flatten() {
                    if lm.is_some_and(|m| m.contains_key(k)) {
                        continue;
                    }
                    path.push(PathElement::Field(k.clone()));
                    self.compare_walk(field_type(*m, k), None, Some(rv), path, c)?;
                    path.pop();
                }
            }
            Some(Shape::List(lt)) => self.compare_list(lt, l, r, path, c)?,
            _ => {}
        }
        match (l, r) {
            (None, _) => c.added.insert(path),
            (_, None) => c.removed.insert(path),
            _ => {}
        }
        Ok(())
    }

    fn compare_list(
        &self,
        lt: &ListType,
        l: Option<&Value>,
        r: Option<&Value>,
        path: &mut Path,
        c: &mut Comparison,
    ) -> Result<(), ManagedError> {
        let li = l
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let ri = r
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut order: Vec<PathElement> = Vec::new();
        let mut lvals: std::collections::HashMap<PathElement, Vec<&Value>> =
            std::collections::HashMap::new();
        let mut rvals: std::collections::HashMap<PathElement, Vec<&Value>> =
            std::collections::HashMap::new();
        for (i, v) in li.iter().enumerate() {
            let pe = self.item_pe(lt, v, path, i)?;
            let e = lvals.entry(pe.clone()).or_default();
            if e.is_empty() {
                order.push(pe);
            }
            e.push(v);
        }
        for (i, v) in ri.iter().enumerate() {
            let pe = self.item_pe(lt, v, path, i)?;
            let e = rvals.entry(pe.clone()).or_default();
            if e.is_empty() && !lvals.contains_key(&pe) {
                order.push(pe);
            }
            e.push(v);
        }
        for pe in order {
            let lv = lvals.get(&pe).map(Vec::as_slice).unwrap_or_default();
            let rv = rvals.get(&pe).map(Vec::as_slice).unwrap_or_default();
            path.push(pe);
            match (lv.len(), rv.len()) {
                (0..=1, 0..=1) => {
                    self.compare_walk(lt.elem, lv.first().copied(), rv.first().copied(), path, c)?
                }
                (a, b) if a >= 2 && b >= 2 => {
                    if lv != rv {
                        c.modified.insert(path);
                    }
                }
                (a, _) if a >= 2 => {
                    if let Some(first) = rv.first() {
                        self.compare_walk(lt.elem, None, Some(first), path, c)?;
                    }
                    c.removed.insert(path);
                }
                _ => {
                    if let Some(first) = lv.first() {
                        self.compare_walk(lt.elem, Some(first), None, path, c)?;
                    }
                    c.added.insert(path);
                }
            }
            path.pop();
        }
        Ok(())
    }

    /// `v` without the fields in `set` (a member removes its whole subtree). A map or
    /// list emptied by the removal is dropped from its parent.
    pub fn remove(&self, v: &Value, set: &Set) -> Value {
        self.remove_walk(self.root, v, set)
            .unwrap_or(Value::Object(Map::new()))
    }

    fn remove_walk(&self, id: TypeId, v: &Value, set: &Set) -> Option<Value> {
        if is_empty_container(Some(v)) {
            return Some(v.clone());
        }
        match shape_of(self.types, id, Some(v)) {
            Shape::Leaf => Some(v.clone()),
            Shape::Map(m) => {
                let mut out = Map::new();
                for (k, child) in v.as_object().into_iter().flatten() {
                    let pe = PathElement::Field(k.clone());
                    if set.members.contains(&pe) {
                        continue;
                    }
                    match set.with_prefix(&pe) {
                        Some(sub) => {
                            if let Some(c) = self.remove_walk(field_type(m, k), child, sub) {
                                out.insert(k.clone(), c);
                            }
                        }
                        None => {
                            out.insert(k.clone(), child.clone());
                        }
                    }
                }
                (!out.is_empty()).then_some(Value::Object(out))
            }
            Shape::List(lt) => {
                let mut out = Vec::new();
                let path = Vec::new();
                for (i, item) in v.as_array().into_iter().flatten().enumerate() {
                    let Ok(pe) = self.item_pe(lt, item, &path, i) else {
                        out.push(item.clone());
                        continue;
                    };
                    if set.members.contains(&pe) {
                        continue;
                    }
                    match set.with_prefix(&pe) {
                        Some(sub) => out.extend(self.remove_walk(lt.elem, item, sub)),
                        None => out.push(item.clone()),
                    }
                }
                (!out.is_empty()).then_some(Value::Array(out))
            }
        }
    }

    /// `set` plus every struct field that has members below it (structured-merge-diff
    /// `EnsureNamedFieldsAreMembers`): pruning a field's children then also drops the
    /// field itself when nothing else is left in it.
    pub fn with_named_fields(&self, set: &Set) -> Set {
        self.named_walk(self.root, set)
    }

    fn named_walk(&self, id: TypeId, set: &Set) -> Set {
        let atom = if id == DEDUCED {
            &Atom::Deduced
        } else {
            self.types.atom(id)
        };
        let (map, list) = match atom {
            Atom::Map(m) => (Some(m), None),
            Atom::List(l) => (None, Some(l)),
            _ => (None, None),
        };
        let mut out = Set {
            members: set.members.clone(),
            children: Default::default(),
        };
        for (pe, child) in &set.children {
            let child_ty = match pe {
                PathElement::Field(f) => {
                    if is_named(map, f) && !child.is_empty() {
                        out.members.insert(pe.clone());
                    }
                    field_type(map, f)
                }
                _ => list.map_or(DEDUCED, |l| l.elem),
            };
            out.children
                .insert(pe.clone(), self.named_walk(child_ty, child));
        }
        out
    }
}

#[cfg(test)]
mod tests;

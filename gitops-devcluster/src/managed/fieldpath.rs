//! Field paths and sets of them, and their `FieldsV1` JSON form.
//!
//! A path element is a struct field or map key (`f:name`), an associative list item told
//! apart by its key fields (`k:{"name":"nginx"}`), a set item by its value (`v:"x"`), or a
//! positional item (`i:0`). A [`Set`] is a trie of them: `members` are paths in the set,
//! `children` lead deeper. In `FieldsV1` a member that also has children is written with a
//! `"."` entry: `{"f:labels": {".": {}, "f:app": {}}}`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Map, Value};

use super::ManagedError;

/// One step of a field path. Keys and values hold canonical JSON text (keys sorted) so that
/// elements compare and order like structured-merge-diff's: fields, then keys, then values,
/// then indexes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathElement {
    /// A struct field or map key.
    Field(String),
    /// An associative list item: its key fields as a JSON object, e.g. `{"name":"a"}`.
    Key(String),
    /// A set item: its JSON value.
    Value(String),
    /// A list item by position.
    Index(usize),
}

impl PathElement {
    /// A key element from (field, value) pairs.
    pub fn key(fields: &[(&str, &Value)]) -> Self {
        let mut sorted: Vec<&(&str, &Value)> = fields.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        let mut m = Map::new();
        for (k, v) in sorted {
            m.insert((*k).to_string(), (*v).clone());
        }
        PathElement::Key(Value::Object(m).to_string())
    }

    /// A value element.
    pub fn value(v: &Value) -> Self {
        PathElement::Value(v.to_string())
    }

    /// The `FieldsV1` key: `f:…`, `k:…`, `v:…`, `i:…`.
    pub fn to_fields_key(&self) -> String {
        match self {
            PathElement::Field(f) => format!("f:{f}"),
            PathElement::Key(k) => format!("k:{k}"),
            PathElement::Value(v) => format!("v:{v}"),
            PathElement::Index(i) => format!("i:{i}"),
        }
    }

    /// Parses a `FieldsV1` key.
    pub fn from_fields_key(s: &str) -> Result<Self, ManagedError> {
        let bad = || ManagedError::FieldsV1(format!("invalid path element {s:?}"));
        let (kind, rest) = s.split_once(':').ok_or_else(bad)?;
        Ok(match kind {
            "f" => PathElement::Field(rest.to_string()),
            "k" => {
                let v: Value = serde_json::from_str(rest).map_err(|_| bad())?;
                let m = v.as_object().ok_or_else(bad)?;
                let pairs: Vec<(&str, &Value)> = m.iter().map(|(k, v)| (k.as_str(), v)).collect();
                PathElement::key(&pairs)
            }
            "v" => {
                let v: Value = serde_json::from_str(rest).map_err(|_| bad())?;
                PathElement::value(&v)
            }
            "i" => PathElement::Index(rest.parse().map_err(|_| bad())?),
            _ => return Err(bad()),
        })
    }
}

impl fmt::Display for PathElement {
    /// structured-merge-diff's path syntax: `.name`, `[k1="v",k2=1]`, `[="v"]`, `[0]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathElement::Field(n) => write!(f, ".{n}"),
            PathElement::Key(k) => {
                let parsed: Value = serde_json::from_str(k).unwrap_or(Value::Null);
                let parts: Vec<String> = parsed
                    .as_object()
                    .map(|m| m.iter().map(|(k, v)| format!("{k}={v}")).collect())
                    .unwrap_or_default();
                write!(f, "[{}]", parts.join(","))
            }
            PathElement::Value(v) => write!(f, "[={v}]"),
            PathElement::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// A path from the object root.
pub type Path = Vec<PathElement>;

/// Prints a path as structured-merge-diff does (`.spec.containers[name="a"].image`).
pub fn path_string(p: &[PathElement]) -> String {
    p.iter().map(ToString::to_string).collect()
}

/// A set of field paths (a trie).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Set {
    /// Paths ending here.
    pub members: BTreeSet<PathElement>,
    /// Paths continuing through an element.
    pub children: BTreeMap<PathElement, Set>,
}

impl Set {
    /// The empty set.
    pub fn new() -> Self {
        Set::default()
    }

    /// Whether no path is in the set.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty() && self.children.values().all(Set::is_empty)
    }

    /// Adds a path (the empty path is ignored).
    pub fn insert(&mut self, path: &[PathElement]) {
        match path {
            [] => {}
            [last] => {
                self.members.insert(last.clone());
            }
            [first, rest @ ..] => self.children.entry(first.clone()).or_default().insert(rest),
        }
    }

    /// Whether `path` is a member.
    pub fn has(&self, path: &[PathElement]) -> bool {
        match path {
            [] => false,
            [last] => self.members.contains(last),
            [first, rest @ ..] => self.children.get(first).is_some_and(|c| c.has(rest)),
        }
    }

    /// The paths below `pe` (relative to it); empty when none.
    pub fn with_prefix(&self, pe: &PathElement) -> Option<&Set> {
        self.children.get(pe).filter(|c| !c.is_empty())
    }

    /// The union of two sets.
    pub fn union(&self, other: &Set) -> Set {
        let mut out = self.clone();
        out.union_with(other);
        out
    }

    /// Adds every path of `other`.
    pub fn union_with(&mut self, other: &Set) {
        self.members.extend(other.members.iter().cloned());
        for (pe, c) in &other.children {
            self.children.entry(pe.clone()).or_default().union_with(c);
        }
    }

    /// The paths in both sets.
    pub fn intersection(&self, other: &Set) -> Set {
        let members = self.members.intersection(&other.members).cloned().collect();
        let children = self
            .children
            .iter()
            .filter_map(|(pe, c)| {
                let i = c.intersection(other.children.get(pe)?);
                (!i.is_empty()).then(|| (pe.clone(), i))
            })
            .collect();
        Set { members, children }
    }

    /// The paths of `self` not in `other`.
    pub fn difference(&self, other: &Set) -> Set {
        let members = self.members.difference(&other.members).cloned().collect();
        let children = self
            .children
            .iter()
            .filter_map(|(pe, c)| {
                let d = match other.children.get(pe) {
                    Some(o) => c.difference(o),
                    None => c.clone(),
                };
                (!d.is_empty()).then(|| (pe.clone(), d))
            })
            .collect();
        Set { members, children }
    }

    /// Drops empty children so that equal sets compare equal.
    pub fn normalized(mut self) -> Set {
        self.children = std::mem::take(&mut self.children)
            .into_iter()
            .map(|(pe, c)| (pe, c.normalized()))
            .filter(|(_, c)| !c.is_empty())
            .collect();
        self
    }

    /// Every member path, in order.
    pub fn paths(&self) -> Vec<Path> {
        let mut out = Vec::new();
        self.collect(&mut Vec::new(), &mut out);
        out
    }

    fn collect(&self, prefix: &mut Path, out: &mut Vec<Path>) {
        let keys: BTreeSet<&PathElement> =
            self.members.iter().chain(self.children.keys()).collect();
        for pe in keys {
            prefix.push(pe.clone());
            if self.members.contains(pe) {
                out.push(prefix.clone());
            }
            if let Some(c) = self.children.get(pe) {
                c.collect(prefix, out);
            }
            prefix.pop();
        }
    }

    /// The `FieldsV1` JSON object of the set.
    pub fn to_fields_v1(&self) -> Value {
        let mut m = Map::new();
        let keys: BTreeSet<&PathElement> =
            self.members.iter().chain(self.children.keys()).collect();
        for pe in keys {
            let child = self.children.get(pe).filter(|c| !c.is_empty());
            let v = match child {
                Some(c) => {
                    let mut inner = Map::new();
                    if self.members.contains(pe) {
                        inner.insert(".".into(), Value::Object(Map::new()));
                    }
                    if let Value::Object(cm) = c.to_fields_v1() {
                        inner.extend(cm);
                    }
                    Value::Object(inner)
                }
                None if self.members.contains(pe) => Value::Object(Map::new()),
                None => continue,
            };
            m.insert(pe.to_fields_key(), v);
        }
        Value::Object(m)
    }

    /// Reads a `FieldsV1` JSON object.
    pub fn from_fields_v1(v: &Value) -> Result<Set, ManagedError> {
        let m = v
            .as_object()
            .ok_or_else(|| ManagedError::FieldsV1("expected an object".into()))?;
        let mut set = Set::new();
        for (k, sub) in m {
            if k == "." {
                continue;
            }
            let pe = PathElement::from_fields_key(k)?;
            let sm = sub
                .as_object()
                .ok_or_else(|| ManagedError::FieldsV1(format!("{k}: expected an object")))?;
            if sm.is_empty() || sm.contains_key(".") {
                set.members.insert(pe.clone());
            }
            let child = Set::from_fields_v1(sub)?;
            if !child.is_empty() {
                set.children.insert(pe, child);
            }
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_v1_round_trip() {
        let doc = json!({"f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            "f:spec": {"f:containers": {"k:{\"name\":\"a\"}": {".": {}, "f:image": {}}},
                "f:finalizers": {"v:\"x\"": {}}, "f:ports": {"i:0": {}}}});
        let set = Set::from_fields_v1(&doc).expect("parses");
        assert!(set.has(&[
            PathElement::Field("metadata".into()),
            PathElement::Field("labels".into())
        ]));
        assert!(!set.has(&[PathElement::Field("spec".into())]));
        assert_eq!(set.to_fields_v1(), doc);
        let paths: Vec<String> = set.paths().iter().map(|p| path_string(p)).collect();
        assert!(
            paths.contains(&".spec.containers[name=\"a\"].image".to_string()),
            "{paths:?}"
        );
        assert!(paths.contains(&".spec.finalizers[=\"x\"]".to_string()));
    }

    #[test]
    fn keys_are_canonical_and_set_algebra_works() {
        let a = PathElement::from_fields_key("k:{\"protocol\":\"TCP\",\"containerPort\":80}")
            .expect("key");
        assert_eq!(
            a.to_fields_key(),
            "k:{\"containerPort\":80,\"protocol\":\"TCP\"}"
        );
        let p =
            |s: &[&str]| -> Path { s.iter().map(|f| PathElement::Field((*f).into())).collect() };
        let mut x = Set::new();
        x.insert(&p(&["a", "b"]));
        x.insert(&p(&["a", "c"]));
        let mut y = Set::new();
        y.insert(&p(&["a", "b"]));
        assert_eq!(x.difference(&y).paths(), vec![p(&["a", "c"])]);
        assert_eq!(x.intersection(&y), y);
        assert!(x.difference(&x).is_empty());
        assert_eq!(y.union(&x), x);
        assert!(PathElement::from_fields_key("z:1").is_err());
    }
}

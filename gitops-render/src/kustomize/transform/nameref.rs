//! Name references (kustomize's `nameReference`): fields that name another object are
//! updated to that object's final name when it was renamed (prefix, suffix, content hash)
//! or moved (namespace).
//!
//! As kustomize's `nameref` filter: a referrer is selected by its original id; its
//! candidate referrals are the objects it could refer to (cluster-scoped ones, those in its
//! namespace, and for a RoleBinding those in its ServiceAccount subjects' namespaces). A
//! candidate must have had the referenced name before a rename, and a former id of the
//! back-reference's kind; then, while more than one remains: the roleRef's kind, the
//! referrer's namespace (ServiceAccounts pass), and the same name prefixes and suffixes as
//! the referrer (first allowing either side to have none). Several candidates left that
//! are not all the same name are an error.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{Error, edit, is_cluster_scoped};
use crate::kustomize::accumulate::Accumulator;
use crate::kustomize::fieldspec::{self, FieldSpec, NameBackRefs};
use crate::kustomize::resource::{ResId, Resource};

/// A group/version/kind selector; empty parts match anything.
#[derive(Clone, Copy)]
struct Gvk<'a> {
    group: &'a str,
    version: &'a str,
    kind: &'a str,
}

impl Gvk<'_> {
    fn selects(&self, group: &str, version: &str, kind: &str) -> bool {
        (self.group.is_empty() || self.group == group)
            && (self.version.is_empty() || self.version == version)
            && (self.kind.is_empty() || self.kind == kind)
    }
}

/// The referenced kind of a back-reference. kustomize's IngressClass entry spells its
/// group as `networking.k8s.io/v1`; kustomize compares it literally, so it matches nothing.
fn target_of(backref: &NameBackRefs) -> Gvk<'_> {
    Gvk {
        group: &backref.group,
        version: &backref.version,
        kind: &backref.kind,
    }
}

/// kustomize's effective namespace: `None` for cluster-scoped ids, `default` for unset.
fn effective_ns(cluster_scoped: bool, namespace: &str) -> Option<&str> {
    match namespace {
        _ if cluster_scoped => None,
        "" => Some("default"),
        ns => Some(ns),
    }
}

/// What the name-reference rules need to know of one resource.
struct Facts {
    group: String,
    version: String,
    /// Current kind, name and namespace.
    current: ResId,
    current_ns: Option<String>,
    /// Former (kind, name) pairs, oldest first, with kustomize's `PrevIds` (the current
    /// group and version apply to all).
    previous: Vec<(String, String)>,
    /// Effective namespace of the original id.
    original_ns: Option<String>,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

impl Facts {
    fn of(r: &Resource) -> Self {
        let current = r.id();
        let (group, version) = (current.group.clone(), current.version.clone());
        let av = r.object.api_version().to_string();
        let scoped = |kind: &str| is_cluster_scoped(&av, kind);
        let current_ns =
            effective_ns(scoped(&current.kind), &current.namespace).map(str::to_string);
        let original = r.previous_ids.first().unwrap_or(&current);
        let original_ns =
            effective_ns(scoped(&original.kind), &original.namespace).map(str::to_string);
        Facts {
            group,
            version,
            previous: r
                .previous_ids
                .iter()
                .map(|id| (id.kind.clone(), id.name.clone()))
                .collect(),
            original_ns,
            current_ns,
            current,
            prefixes: r.name_prefixes.clone(),
            suffixes: r.name_suffixes.clone(),
        }
    }

    fn original_kind(&self) -> &str {
        self.previous
            .first()
            .map_or(self.current.kind.as_str(), |(kind, _)| kind)
    }

    fn had_kind(&self, gvk: Gvk<'_>) -> bool {
        self.previous
            .iter()
            .any(|(kind, _)| gvk.selects(&self.group, &self.version, kind))
    }
}

/// Whether `a` and `b` end the same way (kustomize's `SameEndingSubSlice`).
fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return long.is_empty();
    }
    long.ends_with(short)
}

fn same_affixes(a: &Facts, b: &Facts, allow_empty: bool) -> bool {
    let matches = |x: &[String], y: &[String]| {
        (allow_empty && (x.is_empty() || y.is_empty())) || same_ending(x, y)
    };
    matches(&a.prefixes, &b.prefixes) && matches(&a.suffixes, &b.suffixes)
}

/// Every resource's facts, indexed by the names they had before a rename.
struct Index {
    facts: Vec<Facts>,
    by_previous_name: HashMap<String, Vec<usize>>,
    by_original_ns: HashMap<String, Vec<usize>>,
}

impl Index {
    fn new(resources: &[Resource]) -> Self {
        let facts: Vec<Facts> = resources.iter().map(Facts::of).collect();
        let mut by_previous_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_original_ns: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, f) in facts.iter().enumerate() {
            for (j, (_, name)) in f.previous.iter().enumerate() {
                if f.previous[..j].iter().all(|(_, earlier)| earlier != name) {
                    by_previous_name.entry(name.clone()).or_default().push(i);
                }
            }
            if let Some(ns) = &f.original_ns {
                by_original_ns.entry(ns.clone()).or_default().push(i);
            }
        }
        Index {
            facts,
            by_previous_name,
            by_original_ns,
        }
    }
}

/// One referrer's view: which resources it could refer to at all.
struct Referrer<'a> {
    index: &'a Index,
    me: usize,
    /// Namespaces of the ServiceAccount subjects of a RoleBinding.
    subject_namespaces: Vec<String>,
    /// Group and kind of a binding's `roleRef`.
    role_ref: Option<(String, String)>,
}

impl<'a> Referrer<'a> {
    fn new(index: &'a Index, me: usize, object: &Value) -> Result<Self, String> {
        let facts = &index.facts[me];
        let mut subject_namespaces = Vec::new();
        if facts.current.kind == "RoleBinding" {
            for subject in object
                .get("subjects")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(subject) = subject.as_object() else {
                    continue;
                };
                let (Some(ns), Some(kind)) = (subject.get("namespace"), subject.get("kind")) else {
                    continue;
                };
                if kind.as_str() == Some("ServiceAccount") {
                    let ns = ns.as_str().ok_or_else(|| {
                        format!(
                            "Invalid Input: namespace is blank for resource {}",
                            facts.current
                        )
                    })?;
                    subject_namespaces.push(ns.to_string());
                }
            }
        }
        let role_ref = object.get("roleRef").and_then(|r| {
            let group = r.get("apiGroup")?.as_str()?;
            let kind = r.get("kind")?.as_str()?;
            Some((group.to_string(), kind.to_string()))
        });
        Ok(Referrer {
            index,
            me,
            subject_namespaces,
            role_ref,
        })
    }

    fn facts(&self) -> &'a Facts {
        &self.index.facts[self.me]
    }

    /// kustomize's `SubsetThatCouldBeReferencedByResource`, as a predicate.
    fn could_refer_to(&self, candidate: usize) -> bool {
        let Some(my_ns) = &self.facts().current_ns else {
            return true;
        };
        let c = &self.index.facts[candidate];
        match &c.current_ns {
            None => true,
            Some(ns) => {
                ns == my_ns
                    || self
                        .subject_namespaces
                        .iter()
                        .any(|s| *s == c.current.namespace)
            }
        }
    }

    /// Candidates for a `{name, namespace}` map: those originally in that namespace if
    /// any, else those now in it.
    fn in_namespace(&self, namespace: &str) -> Vec<usize> {
        let originally: Vec<usize> = self
            .index
            .by_original_ns
            .get(namespace)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| self.could_refer_to(i))
            .collect();
        if !originally.is_empty() {
            return originally;
        }
        (0..self.index.facts.len())
            .filter(|&i| {
                self.index.facts[i].current_ns.as_deref() == Some(namespace)
                    && self.could_refer_to(i)
            })
            .collect()
    }

    /// kustomize's `selectReferral`.
    fn select(
        &self,
        old_name: &str,
        pool: Option<&[usize]>,
        target: Gvk<'_>,
        role_ref_field: bool,
        same_target: fn(&Facts, &Facts) -> bool,
    ) -> Result<Option<&'a Facts>, String> {
        let facts = &self.index.facts;
        let mine = self.facts();
        let mut candidates: Vec<&Facts> = self
            .index
            .by_previous_name
            .get(old_name)
            .into_iter()
            .flatten()
            .copied()
            .filter(|i| pool.map_or_else(|| self.could_refer_to(*i), |p| p.contains(i)))
            .map(|i| &facts[i])
            .filter(|c| c.had_kind(target))
            .filter(|c| match (&self.role_ref, role_ref_field) {
                (Some((group, kind)), true) => c.had_kind(Gvk {
                    group,
                    version: "",
                    kind,
                }),
                _ => true,
            })
            .filter(|c| match (&mine.current_ns, &c.current_ns) {
                (None, _) | (_, None) => true,
                (Some(a), Some(b)) => c.current.kind == "ServiceAccount" || a == b,
            })
            .collect();
        if candidates.len() == 1 {
            return Ok(candidates.pop());
        }
        candidates.retain(|c| same_affixes(c, mine, true));
        if candidates.len() > 1 {
            candidates.retain(|c| same_affixes(c, mine, false));
        }
        match candidates.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one)),
            [first, rest @ ..] if rest.iter().all(|c| same_target(first, c)) => Ok(Some(first)),
            _ => {
                let ids: Vec<String> = candidates.iter().map(|c| c.current.to_string()).collect();
                Err(format!(
                    "found multiple possible referrals: {}",
                    ids.join(", ")
                ))
            }
        }
    }
}

fn same_name(a: &Facts, b: &Facts) -> bool {
    a.current.name == b.current.name
}

fn same_name_and_namespace(a: &Facts, b: &Facts) -> bool {
    a.current.name == b.current.name && a.current.namespace == b.current.namespace
}

/// Updates one selected field (a name, a list of names or `{name, namespace}` maps).
fn set(
    node: &mut Value,
    referrer: &Referrer<'_>,
    target: Gvk<'_>,
    role_ref_field: bool,
) -> Result<(), String> {
    match node {
        Value::Null => Ok(()),
        Value::String(_) | Value::Object(_) => set_one(node, referrer, target, role_ref_field),
        Value::Array(items) => {
            items
                .iter_mut()
                .filter(|i| !i.is_null())
                .try_for_each(|i| match i {
                    Value::Array(_) => Err(format!(
                        "{i} is expected to be either a string or a map of string"
                    )),
                    _ => set_one(i, referrer, target, role_ref_field),
                })
        }
        _ => Err("node must be a scalar, sequence or map".into()),
    }
}

fn set_one(
    node: &mut Value,
    referrer: &Referrer<'_>,
    target: Gvk<'_>,
    role_ref_field: bool,
) -> Result<(), String> {
    match node {
        Value::String(name) => {
            if let Some(r) = referrer.select(name, None, target, role_ref_field, same_name)? {
                name.clone_from(&r.current.name);
            }
            Ok(())
        }
        Value::Object(map) => set_map(map, referrer, target, role_ref_field),
        _ => Ok(()),
    }
}

fn set_map(
    map: &mut Map<String, Value>,
    referrer: &Referrer<'_>,
    target: Gvk<'_>,
    role_ref_field: bool,
) -> Result<(), String> {
    let Some(name) = map.get("name") else {
        return Err("path config error; no 'name' field in node".into());
    };
    let old_name = scalar_text(name);
    let pool = map
        .get("namespace")
        .map(|ns| referrer.in_namespace(&scalar_text(ns)));
    let Some(r) = referrer.select(
        &old_name,
        pool.as_deref(),
        target,
        role_ref_field,
        same_name_and_namespace,
    )?
    else {
        return Ok(());
    };
    if r.current.name == old_name && r.current.namespace.is_empty() {
        return Ok(());
    }
    map.insert("name".into(), Value::String(r.current.name.clone()));
    if !r.current.namespace.is_empty() {
        map.insert(
            "namespace".into(),
            Value::String(r.current.namespace.clone()),
        );
    }
    Ok(())
}

/// A scalar's text as kustomize reads it from the YAML node.
fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Runs every name-reference rule over the resources.
pub(super) fn run(acc: &mut Accumulator) -> Result<(), Error> {
    let index = Index::new(acc.resmap.resources());
    let backrefs = &acc.config.name_reference;
    let resources = acc.resmap.resources_mut();
    for (me, r) in resources.iter_mut().enumerate() {
        let facts = &index.facts[me];
        let org_kind = facts.original_kind();
        let rules: Vec<(&FieldSpec, Gvk<'_>)> = backrefs
            .iter()
            .flat_map(|b| b.field_specs.iter().map(move |spec| (spec, target_of(b))))
            .filter(|(spec, _)| {
                Gvk {
                    group: &spec.group,
                    version: &spec.version,
                    kind: &spec.kind,
                }
                .selects(&facts.group, &facts.version, org_kind)
            })
            .collect();
        if rules.is_empty() {
            continue;
        }
        let field_error = |message: String| Error::Field {
            resource: facts.current.to_string(),
            message,
        };
        let referrer = Referrer::new(&index, me, r.object.as_value()).map_err(field_error)?;
        for (spec, target) in rules {
            let role_ref_field = spec.path.ends_with("roleRef/name");
            let unconditional = FieldSpec {
                group: String::new(),
                version: String::new(),
                kind: String::new(),
                ..spec.clone()
            };
            edit(&mut r.object, |v| {
                fieldspec::visit(v, &unconditional, None, &mut |node| {
                    set(node, &referrer, target, role_ref_field)
                })
            })
            .map_err(|message| {
                field_error(format!(
                    "updating name reference in '{}' field: {message}",
                    spec.path
                ))
            })?;
        }
    }
    Ok(())
}

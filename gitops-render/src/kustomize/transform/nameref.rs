//! Name references (kustomize's `nameReference`): fields that name another object are
//! updated to that object's final name when it was renamed (prefix, suffix, content hash)
//! or moved (namespace), matching the referral by any of its former names and by namespace.

use serde_json::Value;

use super::{Error, apply_specs, id_is_cluster_scoped};
use crate::kustomize::accumulate::Accumulator;
use crate::kustomize::fieldspec::NameBackRefs;
use crate::kustomize::resource::ResId;

/// What the referrers see of each resource.
struct Referral {
    current: ResId,
    ids: Vec<ResId>,
    cluster_scoped: bool,
}

fn selected(backref: &NameBackRefs, id: &ResId) -> bool {
    let (group, version) = match backref.group.split_once('/') {
        // kustomize's IngressClass entry spells its group as `networking.k8s.io/v1`.
        Some((g, v)) => (g, if backref.version.is_empty() { v } else { backref.version.as_str() }),
        None => (backref.group.as_str(), backref.version.as_str()),
    };
    backref.kind == id.kind && (group.is_empty() || group == id.group) && (version.is_empty() || version == id.version)
}

/// The one referral `name` designates for a referrer in `namespace` (`None`: cluster-scoped).
fn find<'a>(referrals: &[&'a Referral], name: &str, namespace: Option<&str>, subject_ns: Option<&str>) -> Option<&'a Referral> {
    let matches: Vec<&Referral> = referrals
        .iter()
        .copied()
        .filter(|r| {
            r.ids.iter().any(|id| id.name == name && subject_ns.is_none_or(|ns| ns.is_empty() || same_ns(&id.namespace, ns)))
        })
        .filter(|r| match (namespace, subject_ns) {
            (_, Some(_)) | (None, _) => true,
            (Some(ns), None) => r.cluster_scoped || same_ns(&r.current.namespace, ns),
        })
        .collect();
    match matches.as_slice() {
        [one] => Some(one),
        [first, rest @ ..] if rest.iter().all(|r| r.current.name == first.current.name) => Some(first),
        _ => None,
    }
}

fn same_ns(a: &str, b: &str) -> bool {
    let norm = |s: &str| if s.is_empty() { "default" } else { s }.to_string();
    norm(a) == norm(b)
}

fn fix_node(node: &mut Value, backref: &NameBackRefs, referrals: &[&Referral], namespace: Option<&str>) {
    match node {
        Value::String(s) => {
            if let Some(r) = find(referrals, s, namespace, None) {
                *s = r.current.name.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| fix_node(i, backref, referrals, namespace)),
        Value::Object(map) => {
            if map.get("kind").and_then(Value::as_str).is_some_and(|k| k != backref.kind) {
                return;
            }
            let Some(name) = map.get("name").and_then(Value::as_str).map(str::to_string) else { return };
            let ns = map.get("namespace").and_then(Value::as_str).map(str::to_string);
            let subject_ns = Some(ns.as_deref().unwrap_or(""));
            if let Some(r) = find(referrals, &name, namespace, subject_ns) {
                map.insert("name".into(), Value::String(r.current.name.clone()));
                if !r.current.namespace.is_empty() {
                    map.insert("namespace".into(), Value::String(r.current.namespace.clone()));
                }
            }
        }
        _ => {}
    }
}

/// Runs every name-reference rule over the resources.
pub(super) fn run(acc: &mut Accumulator) -> Result<(), Error> {
    let all: Vec<Referral> = acc
        .resmap
        .resources()
        .iter()
        .map(|r| {
            let current = r.id();
            let mut ids = r.previous_ids.clone();
            ids.push(current.clone());
            let cluster_scoped = id_is_cluster_scoped(&current);
            Referral { current, ids, cluster_scoped }
        })
        .collect();
    let backrefs = acc.config.name_reference.clone();
    for backref in &backrefs {
        let referrals: Vec<&Referral> = all.iter().filter(|r| selected(backref, &r.current)).collect();
        if referrals.is_empty() {
            continue;
        }
        for r in acc.resmap.resources_mut() {
            let id = r.id();
            let namespace = if id_is_cluster_scoped(&id) { None } else { Some(id.namespace.clone()) };
            for spec in &backref.field_specs {
                if spec.path.ends_with("roleRef/name") {
                    let kind = r.object.as_value().pointer("/roleRef/kind").and_then(Value::as_str);
                    if kind.is_some_and(|k| k != backref.kind) {
                        continue;
                    }
                }
                apply_specs(r, std::slice::from_ref(spec), None, &mut |node| {
                    fix_node(node, backref, &referrals, namespace.as_deref());
                    Ok(())
                })?;
            }
        }
    }
    Ok(())
}

//! Owner-reference garbage collection over the [`Store`], after Kubernetes' garbage
//! collector (`pkg/controller/garbagecollector`), run synchronously.
//!
//! # When it runs
//! The HTTP server calls [`collect`] under the store mutex after every DELETE (single,
//! collection, namespace and CRD purges) and after every PUT/PATCH of an object that is
//! being deleted (removing a finalizer may finish a deletion). A dependent created with
//! references to owners that are already gone is collected on the next such call. Each call loops until nothing changes, so a whole chain of
//! owners and dependents settles before the response is sent; watchers see the owner's
//! MODIFIED (`deletionTimestamp`) event, then each dependent's DELETED, then the owner's.
//!
//! # Semantics
//! Dependents are found by `metadata.ownerReferences[].uid`. A reference is valid when the
//! owner with that uid exists and is cluster-scoped or in the dependent's namespace;
//! otherwise it dangles.
//! - **Orphan** (owner being deleted with finalizer `orphan`): the references to the owner
//!   are removed from every dependent, then the `orphan` finalizer is removed (the owner
//!   goes once it has no other finalizers).
//! - **Foreground** (finalizer `foregroundDeletion`): dependents are deleted (with
//!   Foreground when they have dependents of their own, else Background); the finalizer is
//!   removed once no dependent with `blockOwnerDeletion: true` remains.
//! - **Background** (default): a dependent whose references all dangle is deleted. A
//!   dependent with at least one live owner only loses its dangling references and those
//!   to owners waiting in foreground deletion.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use thiserror::Error;

use crate::store::{DeleteOptions, ListParams, ResourceType, Store, StoreError, WriteOptions};

/// Garbage-collection failures (listing a type failed; per-object write errors are skipped).
#[derive(Debug, Error)]
pub enum GcError {
    /// Listing the objects of a type failed.
    #[error("garbage collector could not list {resource}: {source}")]
    List {
        /// The resource listed.
        resource: String,
        /// The store's error.
        source: Box<StoreError>,
    },
}

/// Upper bound of passes per [`collect`] call (a chain deeper than this settles on the next call).
const MAX_PASSES: usize = 64;

struct Node {
    rt: usize,
    ns: String,
    name: String,
    uid: String,
    obj: std::sync::Arc<Value>,
}

fn s<'a>(v: &'a Value, p: &str) -> &'a str {
    v.pointer(p).and_then(Value::as_str).unwrap_or("")
}

fn has_finalizer(obj: &Value, f: &str) -> bool {
    obj.pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|x| x == f))
}

fn owner_refs(obj: &Value) -> Vec<Value> {
    obj.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// Runs the garbage collector over every type in `types` until nothing changes; returns the
/// number of writes it made. Duplicate types (several versions of one resource) are skipped.
pub fn collect(store: &mut Store, types: &[ResourceType]) -> Result<usize, GcError> {
    let mut seen = HashSet::new();
    let types: Vec<&ResourceType> = types
        .iter()
        .filter(|t| seen.insert((t.group.clone(), t.resource.clone())))
        .collect();
    let mut total = 0;
    for _ in 0..MAX_PASSES {
        let n = pass(store, &types)?;
        total += n;
        if n == 0 {
            break;
        }
    }
    Ok(total)
}

fn snapshot(store: &Store, types: &[&ResourceType]) -> Result<Vec<Node>, GcError> {
    let mut nodes = Vec::new();
    for (i, rt) in types.iter().enumerate() {
        let items = store
            .list(rt, &ListParams::default())
            .map_err(|e| GcError::List {
                resource: rt.resource.clone(),
                source: Box::new(e),
            })?
            .items;
        for obj in items {
            nodes.push(Node {
                rt: i,
                ns: s(&obj, "/metadata/namespace").to_string(),
                name: s(&obj, "/metadata/name").to_string(),
                uid: s(&obj, "/metadata/uid").to_string(),
                obj,
            });
        }
    }
    Ok(nodes)
}

/// One pass: decisions from one snapshot, then the writes. Returns the number of writes.
fn pass(store: &mut Store, types: &[&ResourceType]) -> Result<usize, GcError> {
    let nodes = snapshot(store, types)?;
    let by_uid: HashMap<&str, &Node> = nodes.iter().map(|n| (n.uid.as_str(), n)).collect();
    // The owner a reference of `dep` validly points at.
    let owner_of = |dep: &Node, r: &Value| -> Option<&Node> {
        let o = by_uid.get(s(r, "/uid")).copied()?;
        (o.ns.is_empty() || o.ns == dep.ns).then_some(o)
    };
    // owner uid → indices of dependents with a valid reference to it.
    let mut dependents: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, d) in nodes.iter().enumerate() {
        for r in owner_refs(&d.obj) {
            if let Some(o) = owner_of(d, &r) {
                dependents.entry(o.uid.as_str()).or_default().push(i);
            }
        }
    }
    let deleting = |n: &Node| !s(&n.obj, "/metadata/deletionTimestamp").is_empty();
    let waiting = |n: &Node| deleting(n) && has_finalizer(&n.obj, "foregroundDeletion");
    let mut writes = 0;
    let mut ok = |r: Result<(), StoreError>| {
        if r.is_ok() {
            writes += 1;
        }
    };
    // Owners being deleted with `orphan` or `foregroundDeletion`.
    for o in nodes.iter().filter(|n| deleting(n)) {
        let deps = dependents.get(o.uid.as_str()).cloned().unwrap_or_default();
        if has_finalizer(&o.obj, "orphan") {
            for &d in &deps {
                let dep = &nodes[d];
                let keep: Vec<Value> = owner_refs(&dep.obj)
                    .into_iter()
                    .filter(|r| s(r, "/uid") != o.uid)
                    .collect();
                ok(set_refs(store, types[dep.rt], dep, keep));
            }
            ok(drop_finalizer(store, types[o.rt], o, "orphan"));
        } else if has_finalizer(&o.obj, "foregroundDeletion") {
            let blocking = deps.iter().any(|&d| {
                owner_refs(&nodes[d].obj).iter().any(|r| {
                    s(r, "/uid") == o.uid && r.get("blockOwnerDeletion") == Some(&Value::Bool(true))
                })
            });
            if !blocking {
                ok(drop_finalizer(store, types[o.rt], o, "foregroundDeletion"));
            }
        }
    }
    // Dependents: delete when no live owner remains, else drop dangling/waiting references.
    for d in nodes.iter().filter(|n| !deleting(n)) {
        let refs = owner_refs(&d.obj);
        if refs.is_empty() {
            continue;
        }
        let (mut solid, mut wait) = (Vec::new(), false);
        for r in &refs {
            match owner_of(d, r) {
                Some(o) if waiting(o) => wait = true,
                Some(_) => solid.push(r.clone()),
                None => {}
            }
        }
        if !solid.is_empty() {
            if solid.len() != refs.len() {
                ok(set_refs(store, types[d.rt], d, solid));
            }
            continue;
        }
        let has_deps = dependents.contains_key(d.uid.as_str());
        let policy = if wait && has_deps {
            "Foreground"
        } else {
            "Background"
        };
        let opts = DeleteOptions {
            propagation_policy: Some(policy.into()),
            ..DeleteOptions::default()
        };
        ok(store.delete(types[d.rt], &d.ns, &d.name, &opts).map(|_| ()));
    }
    Ok(writes)
}

fn write(store: &mut Store, rt: &ResourceType, n: &Node, obj: Value) -> Result<(), StoreError> {
    store
        .update(rt, &n.ns, &n.name, obj, &WriteOptions::default())
        .map(|_| ())
}

fn set_refs(
    store: &mut Store,
    rt: &ResourceType,
    n: &Node,
    refs: Vec<Value>,
) -> Result<(), StoreError> {
    let mut obj = (*n.obj).clone();
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        if refs.is_empty() {
            meta.remove("ownerReferences");
        } else {
            meta.insert("ownerReferences".into(), Value::Array(refs));
        }
    }
    write(store, rt, n, obj)
}

fn drop_finalizer(
    store: &mut Store,
    rt: &ResourceType,
    n: &Node,
    f: &str,
) -> Result<(), StoreError> {
    let mut obj = (*n.obj).clone();
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        let rest: Vec<Value> = meta
            .get("finalizers")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter(|x| *x != f).cloned().collect())
            .unwrap_or_default();
        if rest.is_empty() {
            meta.remove("finalizers");
        } else {
            meta.insert("finalizers".into(), Value::Array(rest));
        }
    }
    write(store, rt, n, obj)
}

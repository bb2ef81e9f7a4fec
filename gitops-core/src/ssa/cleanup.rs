//! Metadata cleanup before apply (`fluxcd/pkg: ssa/patch.go`, `cleanupMetadata`).
//!
//! kustomize-controller hands the fields of these managers to its own Apply manager, so
//! that the next apply reverts what they changed and removes what they added:
//! `kubectl` (Apply: `kubectl apply --server-side`), `kubectl*` (Update: `kubectl edit`,
//! `kubectl-client-side-apply`, `kubectl patch`, …), `before-first-apply` (Update) and its
//! own legacy Update entries — names match by prefix, entries of subresources are kept.
//! It also drops `kubectl.kubernetes.io/last-applied-configuration`, two deprecated
//! annotations and a deprecated label. Objects with `<group>/ssa: Merge` are left alone.
//!
//! Matching entries are renamed to our manager with operation `Apply`; when we already
//! have an Apply entry the field sets are merged (union) into it and the result is placed
//! last, as Flux's `PatchReplaceFieldsManagers` does.

use serde_json::{Map, Value, json};

use super::policy::{Owner, Selector};

/// Why a cleanup patch could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CleanupError {
    /// A `metadata.managedFields` entry is not an object, or its `fieldsV1` is not a map.
    #[error("metadata.managedFields[{index}] of {subject}: {reason}")]
    InvalidEntry {
        /// `Kind/ns/name` of the live object.
        subject: String,
        /// Index of the entry.
        index: usize,
        /// What is wrong.
        reason: &'static str,
    },
}

/// The operation of a managed fields entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// `Apply` (server-side apply).
    Apply,
    /// `Update` (create, update, patch).
    Update,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Operation::Apply => "Apply",
            Operation::Update => "Update",
        }
    }
}

/// A field manager whose entries are taken over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldManager {
    /// Manager name, or prefix of it unless `exact_match`.
    pub name: String,
    /// Match the name exactly instead of as a prefix.
    pub exact_match: bool,
    /// The operation of the entries to match.
    pub operation: Operation,
}

impl FieldManager {
    /// A prefix-matching manager.
    pub fn prefix(name: impl Into<String>, operation: Operation) -> Self {
        FieldManager {
            name: name.into(),
            exact_match: false,
            operation,
        }
    }

    fn matches(&self, entry: &Map<String, Value>) -> bool {
        let s = |k: &str| entry.get(k).and_then(Value::as_str).unwrap_or("");
        if s("operation") != self.operation.as_str() || !s("subresource").is_empty() {
            return false;
        }
        if self.exact_match {
            s("manager") == self.name
        } else {
            s("manager").starts_with(&self.name)
        }
    }
}

/// Which metadata to clean (Flux's `ApplyCleanupOptions`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CleanupOptions {
    /// Annotation keys to remove.
    pub annotations: Vec<String>,
    /// Label keys to remove.
    pub labels: Vec<String>,
    /// Managers whose entries are handed to our field manager.
    pub field_managers: Vec<FieldManager>,
    /// Objects (desired or live) matching it are not cleaned (`<group>/ssa: Merge`).
    pub exclusions: Selector,
}

impl CleanupOptions {
    /// kustomize-controller's cleanup for `owner` (without `--override-manager` entries;
    /// add those with [`CleanupOptions::disallow_manager`]).
    pub fn flux(owner: &Owner) -> Self {
        CleanupOptions {
            annotations: vec![
                "kubectl.kubernetes.io/last-applied-configuration".into(),
                "kustomize.toolkit.fluxcd.io/checksum".into(),
                "fluxcd.io/sync-checksum".into(),
            ],
            labels: vec!["fluxcd.io/sync-gc-mark".into()],
            field_managers: vec![
                FieldManager::prefix("kubectl", Operation::Apply),
                FieldManager::prefix("kubectl", Operation::Update),
                FieldManager::prefix("before-first-apply", Operation::Update),
                FieldManager::prefix(owner.field_manager.clone(), Operation::Update),
            ],
            exclusions: Selector::new([(owner.key("ssa"), "Merge")]),
        }
    }

    /// Also takes over `name`'s Apply and Update entries (`--override-manager`).
    pub fn disallow_manager(&mut self, name: &str) {
        self.field_managers
            .push(FieldManager::prefix(name, Operation::Apply));
        self.field_managers
            .push(FieldManager::prefix(name, Operation::Update));
    }
}

/// One RFC 6902 operation of a cleanup patch.
#[derive(Clone, Debug, PartialEq)]
pub enum PatchOp {
    /// `{"op": "remove", "path": …}`.
    Remove(String),
    /// `{"op": "replace", "path": "/metadata/managedFields", "value": […]}`.
    ReplaceManagedFields(Vec<Value>),
}

/// The metadata patch for one live object.
#[derive(Clone, Debug, PartialEq)]
pub struct CleanupPatch {
    /// The operations, annotations first, then labels, then managed fields.
    pub ops: Vec<PatchOp>,
}

impl CleanupPatch {
    /// The patch as an RFC 6902 JSON Patch document.
    pub fn to_json_patch(&self) -> Value {
        Value::Array(
            self.ops
                .iter()
                .map(|op| match op {
                    PatchOp::Remove(path) => json!({"op": "remove", "path": path}),
                    PatchOp::ReplaceManagedFields(v) => {
                        json!({"op": "replace", "path": "/metadata/managedFields", "value": v})
                    }
                })
                .collect(),
        )
    }

    /// The same change as an RFC 7386 JSON merge patch (lists are replaced whole, `null`
    /// removes a key), for clients without JSON Patch support.
    pub fn to_merge_patch(&self) -> Value {
        let mut meta = Map::new();
        for op in &self.ops {
            match op {
                PatchOp::Remove(path) => {
                    let rest = path.strip_prefix("/metadata/").unwrap_or(path);
                    if let Some((field, key)) = rest.split_once('/') {
                        let key = key.replace("~1", "/").replace("~0", "~");
                        let m = meta.entry(field.to_string()).or_insert_with(|| json!({}));
                        if let Some(m) = m.as_object_mut() {
                            m.insert(key, Value::Null);
                        }
                    }
                }
                PatchOp::ReplaceManagedFields(v) => {
                    meta.insert("managedFields".into(), Value::Array(v.clone()));
                }
            }
        }
        json!({"metadata": meta})
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The cleanup patch for `live` given the `desired` object, or `None` when nothing needs
/// cleaning. `field_manager` is our manager name.
pub fn cleanup_patch(
    desired: &Value,
    live: &Value,
    opts: &CleanupOptions,
    field_manager: &str,
) -> Result<Option<CleanupPatch>, CleanupError> {
    if opts.exclusions.matches(desired) || opts.exclusions.matches(live) {
        return Ok(None);
    }
    let mut ops = Vec::new();
    for (field, keys) in [("annotations", &opts.annotations), ("labels", &opts.labels)] {
        let present = live
            .pointer(&format!("/metadata/{field}"))
            .and_then(Value::as_object);
        for key in keys {
            if present.is_some_and(|m| m.contains_key(key)) {
                ops.push(PatchOp::Remove(format!(
                    "/metadata/{field}/{}",
                    escape(key)
                )));
            }
        }
    }
    if !opts.field_managers.is_empty()
        && let Some(entries) = replace_field_managers(live, &opts.field_managers, field_manager)?
    {
        ops.push(PatchOp::ReplaceManagedFields(entries));
    }
    Ok(if ops.is_empty() {
        None
    } else {
        Some(CleanupPatch { ops })
    })
}

fn subject(live: &Value) -> String {
    let s = |p: &str| live.pointer(p).and_then(Value::as_str).unwrap_or("");
    let ns = s("/metadata/namespace");
    if ns.is_empty() {
        format!("{}/{}", s("/kind"), s("/metadata/name"))
    } else {
        format!("{}/{}/{}", s("/kind"), ns, s("/metadata/name"))
    }
}

/// Flux's `PatchReplaceFieldsManagers`: the new `managedFields`, or `None` when no entry
/// matched.
fn replace_field_managers(
    live: &Value,
    managers: &[FieldManager],
    name: &str,
) -> Result<Option<Vec<Value>>, CleanupError> {
    let Some(entries) = live
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
    else {
        return Ok(None);
    };
    let mut maps = Vec::with_capacity(entries.len());
    for (index, e) in entries.iter().enumerate() {
        let m = e.as_object().ok_or_else(|| CleanupError::InvalidEntry {
            subject: subject(live),
            index,
            reason: "not an object",
        })?;
        maps.push(m);
    }
    let is_ours = |m: &Map<String, Value>| {
        m.get("manager").and_then(Value::as_str) == Some(name)
            && m.get("operation").and_then(Value::as_str) == Some("Apply")
    };
    // Flux keeps the last Apply entry of ours as the one to merge into.
    let prev_index = maps.iter().rposition(|m| is_ours(m));
    let mut prev: Option<Map<String, Value>> = prev_index.map(|i| maps[i].clone());
    let mut kept = Vec::with_capacity(maps.len());
    let mut edited = false;
    for (index, m) in maps.iter().enumerate() {
        if Some(index) == prev_index {
            continue;
        }
        if !managers.iter().any(|fm| fm.matches(m)) {
            kept.push(Value::Object((*m).clone()));
            continue;
        }
        edited = true;
        match prev.as_mut() {
            None => {
                let mut renamed = (*m).clone();
                renamed.insert("manager".into(), Value::String(name.into()));
                renamed.insert("operation".into(), Value::String("Apply".into()));
                prev = Some(renamed);
            }
            Some(p) => {
                let theirs = m.get("fieldsV1").cloned().unwrap_or(Value::Null);
                let ours = p.entry("fieldsV1").or_insert(Value::Null);
                if !theirs.is_null() && !theirs.is_object() {
                    return Err(CleanupError::InvalidEntry {
                        subject: subject(live),
                        index,
                        reason: "fieldsV1 is not a map",
                    });
                }
                union_fields(ours, &theirs);
            }
        }
    }
    if !edited {
        return Ok(None);
    }
    if let Some(p) = prev {
        kept.push(Value::Object(p));
    }
    Ok(Some(kept))
}

/// The union of two `fieldsV1` tries (a deep merge of their maps).
fn union_fields(ours: &mut Value, theirs: &Value) {
    match (ours, theirs) {
        (_, Value::Null) => {}
        (o @ Value::Null, t) => *o = t.clone(),
        (Value::Object(o), Value::Object(t)) => {
            for (k, v) in t {
                match o.get_mut(k) {
                    Some(existing) => union_fields(existing, v),
                    None => {
                        o.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        _ => {}
    }
}

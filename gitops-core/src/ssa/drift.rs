//! Drift: normalisation of desired objects and the decision whether a server-side
//! dry-run result differs from the live object (`fluxcd/pkg: ssa/normalize`,
//! `ssa/manager_diff.go` `hasDrifted`, `ssa/sanitize.go`).
//!
//! An object has drifted when the dry-run result has no `resourceVersion` (it would be
//! created), when its labels or its annotations differ from the live object's (absent and
//! empty maps are equal), or when the objects differ once `metadata` and `status` are
//! removed. The dry-run result already holds the server's defaults and the fields of
//! other managers, so only real changes count.

use base64::Engine as _;
use serde_json::{Map, Value};

use super::order;
use crate::Object;

const POD_SPEC_PATHS: &[(&str, &str)] = &[
    ("Pod", "/spec"),
    ("Deployment", "/spec/template/spec"),
    ("StatefulSet", "/spec/template/spec"),
    ("DaemonSet", "/spec/template/spec"),
    ("ReplicaSet", "/spec/template/spec"),
    ("Job", "/spec/template/spec"),
    ("CronJob", "/spec/jobTemplate/spec/template/spec"),
];

fn is_builtin_kind(object: &Object, kind: &str) -> bool {
    if object.kind() != kind {
        return false;
    }
    match kind {
        "Pod" | "Service" | "Secret" => object.api_version() == "v1",
        "Job" | "CronJob" => object.group() == "batch",
        _ => object.group() == "apps",
    }
}

/// Normalises a desired object before apply the way Flux's `normalize.Unstructured`
/// does: container and service ports get the default protocol `TCP`, a Secret's
/// `stringData` moves into `data` (base64), and `status` is dropped (except on CRDs).
/// Role and ClusterRole objects are left as they are.
pub fn normalize(object: &mut Object) {
    if object.group() == "rbac.authorization.k8s.io"
        && matches!(object.kind(), "Role" | "ClusterRole")
    {
        return;
    }
    for (kind, path) in POD_SPEC_PATHS {
        if !is_builtin_kind(object, kind) {
            continue;
        }
        let containers = object
            .as_map_mut()
            .pointer_mut(&format!("{path}/containers"));
        if let Some(containers) = containers.and_then(Value::as_array_mut) {
            for c in containers {
                default_protocols(c.get_mut("ports"));
            }
        }
    }
    if is_builtin_kind(object, "Service") {
        default_protocols(object.as_map_mut().pointer_mut("/spec/ports"));
    }
    if is_builtin_kind(object, "Secret") {
        move_string_data(object.as_map_mut());
    }
    if !order::is_crd(object) {
        object.as_map_mut().shift_remove("status");
    }
}

trait PointerMut {
    fn pointer_mut(&mut self, pointer: &str) -> Option<&mut Value>;
}

impl PointerMut for Map<String, Value> {
    fn pointer_mut(&mut self, pointer: &str) -> Option<&mut Value> {
        let mut parts = pointer.trim_start_matches('/').split('/');
        let first = parts.next()?;
        let mut cur = self.get_mut(first)?;
        for p in parts {
            cur = cur.get_mut(p)?;
        }
        Some(cur)
    }
}

fn default_protocols(ports: Option<&mut Value>) {
    let Some(ports) = ports.and_then(Value::as_array_mut) else {
        return;
    };
    for p in ports {
        if let Some(p) = p.as_object_mut() {
            let empty = p
                .get("protocol")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty);
            if empty {
                p.insert("protocol".into(), Value::String("TCP".into()));
            }
        }
    }
}

fn move_string_data(map: &mut Map<String, Value>) {
    let Some(Value::Object(string_data)) = map.shift_remove("stringData") else {
        return;
    };
    if string_data.is_empty() {
        return;
    }
    let data = map
        .entry("data")
        .or_insert_with(|| Value::Object(Map::new()));
    if !data.is_object() {
        *data = Value::Object(Map::new());
    }
    if let Some(data) = data.as_object_mut() {
        for (k, v) in string_data {
            let text = v.as_str().unwrap_or_default();
            data.insert(
                k,
                Value::String(base64::engine::general_purpose::STANDARD.encode(text)),
            );
        }
    }
}

/// Fixes known dry-run artefacts (Flux's `DryRunUnstructured`): a HorizontalPodAutoscaler's
/// metrics are de-duplicated and entries without a `type` dropped.
pub fn normalize_dry_run(object: &mut Value) {
    if object.get("kind").and_then(Value::as_str) != Some("HorizontalPodAutoscaler") {
        return;
    }
    let Some(metrics) = object
        .pointer_mut("/spec/metrics")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    let mut kept: Vec<Value> = Vec::with_capacity(metrics.len());
    for m in metrics.drain(..) {
        let typed = m
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| !t.is_empty());
        if typed && !kept.contains(&m) {
            kept.push(m);
        }
    }
    *metrics = kept;
}

fn string_map(object: &Value, field: &str) -> Map<String, Value> {
    object
        .pointer(&format!("/metadata/{field}"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn without_metadata_and_status(object: &Value) -> Value {
    let mut copy = object.clone();
    if let Some(m) = copy.as_object_mut() {
        m.shift_remove("metadata");
        m.shift_remove("status");
    }
    normalize_dry_run(&mut copy);
    copy
}

/// Whether applying would change the live object: `dry_run` is the server's dry-run
/// apply result, `live` the object read before it.
pub fn has_drifted(live: &Value, dry_run: &Value) -> bool {
    let rv = dry_run
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    if rv.is_empty() {
        return true;
    }
    if string_map(dry_run, "labels") != string_map(live, "labels") {
        return true;
    }
    if string_map(dry_run, "annotations") != string_map(live, "annotations") {
        return true;
    }
    without_metadata_and_status(dry_run) != without_metadata_and_status(live)
}

/// Prepares a live / dry-run pair for display: `managedFields` removed, and for a Secret
/// the `data` values masked as Flux masks them (`***`, or `*** (before)` /
/// `*** (after)` when the value changed).
pub fn prepare_diff_pair(live: &mut Value, merged: &mut Value) {
    for o in [&mut *live, &mut *merged] {
        if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.shift_remove("managedFields");
        }
    }
    let is_secret = merged.get("kind").and_then(Value::as_str) == Some("Secret")
        && merged.get("apiVersion").and_then(Value::as_str) == Some("v1");
    if is_secret {
        mask_secret_data(live, merged);
    }
}

fn mask_secret_data(old: &mut Value, new: &mut Value) {
    let old_data = old.get("data").and_then(Value::as_object).cloned();
    let new_data = new.get("data").and_then(Value::as_object).cloned();
    let mask = |s: &str| Value::String(s.to_string());
    let mut old_masked = old_data.clone().unwrap_or_default();
    let mut new_masked = new_data.clone().unwrap_or_default();
    if let (Some(o), n) = (&old_data, &new_data) {
        for (k, v) in o {
            match n.as_ref().and_then(|n| n.get(k)) {
                Some(nv) if nv != v => {
                    old_masked.insert(k.clone(), mask("*** (before)"));
                    new_masked.insert(k.clone(), mask("*** (after)"));
                }
                Some(_) => {
                    new_masked.insert(k.clone(), mask("***"));
                    old_masked.insert(k.clone(), mask("***"));
                }
                None => {
                    old_masked.insert(k.clone(), mask("***"));
                }
            }
        }
    }
    if let Some(n) = &new_data {
        for k in n.keys() {
            if old_data.as_ref().is_none_or(|o| !o.contains_key(k)) {
                new_masked.insert(k.clone(), mask("***"));
            }
        }
    }
    if old_data.is_some()
        && let Some(m) = old.as_object_mut()
    {
        m.insert("data".into(), Value::Object(old_masked));
    }
    if new_data.is_some()
        && let Some(m) = new.as_object_mut()
    {
        m.insert("data".into(), Value::Object(new_masked));
    }
}

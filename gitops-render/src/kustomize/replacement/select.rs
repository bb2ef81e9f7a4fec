//! Resource selection for replacements: ids (exact group, version, kind, name, namespace,
//! matched against current and previous ids) and label/annotation selectors.

use gitops_core::Object;
use serde::Deserialize;

use crate::kustomize::resource::{ResId, Resource};

/// A resource id to select by; empty parts match anything.
#[derive(Deserialize, Clone, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct ResIdSel {
    #[serde(default)]
    group: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
}

/// A target `select` or `reject` entry.
#[derive(Deserialize, Clone, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct Selector {
    #[serde(flatten)]
    pub id: ResIdSel,
    #[serde(default)]
    label_selector: String,
    #[serde(default)]
    annotation_selector: String,
}

/// Kinds kustomize knows as cluster-scoped (for namespace comparisons).
const CLUSTER_SCOPED: &[&str] = &[
    "APIService",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ComponentStatus",
    "CSIDriver",
    "CSINode",
    "CustomResourceDefinition",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "RuntimeClass",
    "StorageClass",
    "TokenReview",
    "SelfSubjectAccessReview",
    "SelfSubjectRulesReview",
    "SubjectAccessReview",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
];

/// kustomize's `EffectiveNamespace`.
pub fn effective_namespace<'a>(kind: &str, namespace: &'a str) -> &'a str {
    if CLUSTER_SCOPED.contains(&kind) {
        "_non_namespaceable_"
    } else if namespace.is_empty() || namespace == "default" {
        "default"
    } else {
        namespace
    }
}

impl ResIdSel {
    /// Whether every part is empty.
    pub fn is_empty(&self) -> bool {
        self.group.is_empty()
            && self.version.is_empty()
            && self.kind.is_empty()
            && self.name.is_empty()
            && self.namespace.is_empty()
    }

    /// kustomize's `IsSelectedBy`.
    pub fn selects(&self, id: &ResId) -> bool {
        (self.name.is_empty() || self.name == id.name)
            && (self.namespace.is_empty()
                || effective_namespace(&self.kind, &self.namespace)
                    == effective_namespace(&id.kind, &id.namespace))
            && (self.group.is_empty() || self.group == id.group)
            && (self.version.is_empty() || self.version == id.version)
            && (self.kind.is_empty() || self.kind == id.kind)
    }

    /// kyaml's `ResId.String()`: `Kind.version.group/name.namespace` with placeholders.
    pub fn res_id_string(&self) -> String {
        let or = |s: &str, d: &str| {
            if s.is_empty() {
                d.to_string()
            } else {
                s.to_string()
            }
        };
        format!(
            "{}.{}.{}/{}.{}",
            or(&self.kind, "[noKind]"),
            or(&self.version, "[noVer]"),
            or(&self.group, "[noGrp]"),
            or(&self.name, "[noName]"),
            or(&self.namespace, "[noNs]")
        )
    }
}

/// The current id and the previous ids (with the current group and version, as kustomize's
/// `MakeResIds`) of `r`.
pub fn all_ids(r: &Resource) -> Vec<ResId> {
    let cur = r.id();
    let mut ids = vec![cur.clone()];
    for prev in r.previous_ids.iter().rev() {
        ids.push(ResId {
            group: cur.group.clone(),
            version: cur.version.clone(),
            ..prev.clone()
        });
    }
    ids
}

/// Whether any id of `r` is selected by `sel`.
pub fn any_id_selected(r: &Resource, sel: &ResIdSel) -> bool {
    all_ids(r).iter().any(|id| sel.selects(id))
}

impl Selector {
    /// Whether a label or annotation selector is set.
    pub fn has_label_or_annotation(&self) -> bool {
        !self.label_selector.is_empty() || !self.annotation_selector.is_empty()
    }

    /// Whether `object` matches the label and annotation selectors (empty ones match).
    pub fn matches_labels(&self, object: &Object) -> Result<bool, String> {
        let meta = object.as_value().get("metadata");
        let labels = meta.and_then(|m| m.get("labels"));
        let annotations = meta.and_then(|m| m.get("annotations"));
        Ok(matches_selector(&self.label_selector, labels)?
            && matches_selector(&self.annotation_selector, annotations)?)
    }
}

/// Kubernetes label-selector syntax: `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`,
/// `k notin (a,b)`, comma separated.
pub fn matches_selector(selector: &str, map: Option<&serde_json::Value>) -> Result<bool, String> {
    let get = |k: &str| map.and_then(|m| m.get(k)).and_then(|v| v.as_str());
    for req in split_requirements(selector) {
        let req = req.trim();
        if req.is_empty() {
            continue;
        }
        let ok = if let Some(k) = req.strip_prefix('!') {
            get(k.trim()).is_none()
        } else if let Some((k, v)) = req.split_once("!=") {
            get(k.trim()) != Some(v.trim())
        } else if let Some((k, v)) = req.split_once("==").or_else(|| req.split_once('=')) {
            get(k.trim()) == Some(v.trim())
        } else if let Some((k, set)) = split_set(req, " notin ") {
            get(k).is_none_or(|v| !set.contains(&v))
        } else if let Some((k, set)) = split_set(req, " in ") {
            get(k).is_some_and(|v| set.contains(&v))
        } else if req
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        {
            get(req).is_some()
        } else {
            return Err(format!("unable to parse requirement: {req}"));
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn split_set<'a>(req: &'a str, op: &str) -> Option<(&'a str, Vec<&'a str>)> {
    let (k, rest) = req.split_once(op)?;
    let inner = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
    Some((k.trim(), inner.split(',').map(str::trim).collect()))
}

/// Splits on commas outside parentheses.
fn split_requirements(s: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

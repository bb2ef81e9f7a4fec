//! Which resources a patch applies to: kustomize's `Selector` (anchored regular
//! expressions, label and annotation selectors) and id matching for untargeted patches.

use regex_lite::Regex;

use super::super::kustomization::Selector;
use super::super::resource::{ResId, Resource};
use super::Error;

/// Kinds without a namespace (the common built-in ones).
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
    "PriorityLevelConfiguration",
    "FlowSchema",
    "RuntimeClass",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
];

/// kustomize's effective namespace: `~X` for cluster-scoped kinds, `default` for none.
pub fn effective_namespace(id: &ResId) -> &str {
    effective_ns(&id.kind, &id.namespace)
}

/// [`effective_namespace`] of a kind and namespace.
fn effective_ns<'a>(kind: &str, namespace: &'a str) -> &'a str {
    if CLUSTER_SCOPED.contains(&kind) {
        "~X"
    } else if namespace.is_empty() {
        "default"
    } else {
        namespace
    }
}

/// kustomize's `ResId.Equals`: same group, version, kind, name and effective namespace.
pub fn same_id(a: &ResId, b: &ResId) -> bool {
    a.group == b.group
        && a.version == b.version
        && a.kind == b.kind
        && a.name == b.name
        && effective_namespace(a) == effective_namespace(b)
}

/// Whether `r` has had (or has) the id `id`.
pub fn has_any_id(r: &Resource, id: &ResId) -> bool {
    r.previous_ids
        .iter()
        .chain(std::iter::once(&r.id()))
        .any(|i| same_id(i, id))
}

fn anchored(field: &'static str, pattern: &Option<String>) -> Result<Option<Regex>, Error> {
    match pattern.as_deref() {
        None | Some("") => Ok(None),
        Some(p) => Regex::new(&format!("^(?:{p})$"))
            .map(Some)
            .map_err(|e| Error::Selector {
                field,
                message: e.to_string(),
            }),
    }
}

/// A compiled selector.
pub struct Matcher {
    group: Option<Regex>,
    version: Option<Regex>,
    kind: Option<Regex>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: Vec<Requirement>,
    annotations: Vec<Requirement>,
}

impl Matcher {
    /// Compiles `selector`.
    pub fn new(selector: &Selector) -> Result<Self, Error> {
        Ok(Matcher {
            group: anchored("group", &selector.group)?,
            version: anchored("version", &selector.version)?,
            kind: anchored("kind", &selector.kind)?,
            name: anchored("name", &selector.name)?,
            namespace: anchored("namespace", &selector.namespace)?,
            labels: parse_selector(
                "labelSelector",
                selector.label_selector.as_deref().unwrap_or(""),
            )?,
            annotations: parse_selector(
                "annotationSelector",
                selector.annotation_selector.as_deref().unwrap_or(""),
            )?,
        })
    }

    /// Whether `r` is selected (original or current name and namespace).
    pub fn matches(&self, r: &Resource) -> bool {
        let o = &r.object;
        let (kind, name, namespace) = (o.kind(), o.name(), o.namespace());
        let (org_kind, org_name, org_namespace) = r
            .previous_ids
            .first()
            .map_or((kind, name, namespace), |id| {
                (id.kind.as_str(), id.name.as_str(), id.namespace.as_str())
            });
        let ok = |re: &Option<Regex>, a: &str, b: &str| {
            re.as_ref()
                .is_none_or(|re| re.is_match(a) || re.is_match(b))
        };
        let one = |re: &Option<Regex>, a: &str| re.as_ref().is_none_or(|re| re.is_match(a));
        ok(
            &self.namespace,
            effective_ns(org_kind, org_namespace),
            effective_ns(kind, namespace),
        ) && ok(&self.name, org_name, name)
            && one(&self.group, o.group())
            && one(&self.version, o.version())
            && one(&self.kind, kind)
            && self.labels.iter().all(|q| q.matches(|k| r.object.label(k)))
            && self
                .annotations
                .iter()
                .all(|q| q.matches(|k| r.object.annotation(k)))
    }
}

/// One requirement of a label selector.
enum Requirement {
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

impl Requirement {
    fn matches<'v>(&self, get: impl Fn(&str) -> Option<&'v str>) -> bool {
        match self {
            Requirement::In(k, vs) => get(k).is_some_and(|v| vs.iter().any(|x| x == v)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|v| !vs.iter().any(|x| x == v)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::NotExists(k) => get(k).is_none(),
        }
    }
}

/// Parses a Kubernetes label selector (`a=b,c!=d,e in (f,g),!h`).
fn parse_selector(field: &'static str, text: &str) -> Result<Vec<Requirement>, Error> {
    let err = |m: &str| Error::Selector {
        field,
        message: format!("{m} in '{text}'"),
    };
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    let mut out = Vec::new();
    for part in parts.into_iter().map(str::trim).filter(|p| !p.is_empty()) {
        let set = |s: &str| -> Result<Vec<String>, Error> {
            let s = s.trim();
            let inner = s
                .strip_prefix('(')
                .and_then(|s| s.strip_suffix(')'))
                .ok_or_else(|| err("expected a (set)"))?;
            Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
        };
        if let Some(k) = part.strip_prefix('!') {
            out.push(Requirement::NotExists(k.trim().to_string()));
        } else if let Some((k, v)) = part.split_once("!=") {
            out.push(Requirement::NotIn(
                k.trim().to_string(),
                vec![v.trim().to_string()],
            ));
        } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
            out.push(Requirement::In(
                k.trim().to_string(),
                vec![v.trim().to_string()],
            ));
        } else if let Some((k, v)) = part.split_once(" notin ") {
            out.push(Requirement::NotIn(k.trim().to_string(), set(v)?));
        } else if let Some((k, v)) = part.split_once(" in ") {
            out.push(Requirement::In(k.trim().to_string(), set(v)?));
        } else if part
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        {
            out.push(Requirement::Exists(part.to_string()));
        } else {
            return Err(err("invalid requirement"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_selectors() {
        let reqs =
            parse_selector("labelSelector", "app in (a, b),tier!=db,!legacy,env").expect("valid");
        let labels = [("app", "b"), ("tier", "web"), ("env", "prod")];
        let get = |k: &str| labels.iter().find(|(l, _)| *l == k).map(|(_, v)| *v);
        assert!(reqs.iter().all(|r| r.matches(get)));
        let other = [("app", "c"), ("env", "prod")];
        let get = |k: &str| other.iter().find(|(l, _)| *l == k).map(|(_, v)| *v);
        assert!(!reqs.iter().all(|r| r.matches(get)));
        assert!(parse_selector("labelSelector", "a in b").is_err());
    }
}

//! Helm's manifest sorting (`pkg/release/v1/util`): rendered files split into YAML
//! documents, each document's head read (kind, name, annotations), hooks set apart by
//! their `helm.sh/hook` annotation, and both lists stably sorted by Helm's install order
//! of kinds.

use std::collections::BTreeMap;

/// Helm's install order of kinds; unknown kinds go last, alphabetically.
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// The hook events Helm knows (`helm.sh/hook` values).
pub const HOOK_EVENTS: &[&str] = &[
    "pre-install",
    "post-install",
    "pre-delete",
    "post-delete",
    "pre-upgrade",
    "post-upgrade",
    "pre-rollback",
    "post-rollback",
    "test",
    "test-success",
];

/// A rendered document that is not a hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// The template it came from (`chart/templates/x.yaml`).
    pub path: String,
    /// The document, trimmed.
    pub content: String,
    /// Its `kind` (empty when none).
    pub kind: String,
    /// Its `metadata.name`.
    pub name: String,
}

/// A rendered document with a `helm.sh/hook` annotation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hook {
    /// The document itself.
    pub manifest: Manifest,
    /// The events (`pre-install`, `test`, …), lower-cased.
    pub events: Vec<String>,
    /// `helm.sh/hook-weight` (0 when absent or not a number).
    pub weight: i64,
    /// `helm.sh/hook-delete-policy` entries.
    pub delete_policies: Vec<String>,
}

impl Hook {
    /// Whether this is a test hook (`helm template --skip-tests` leaves those out).
    pub fn is_test(&self) -> bool {
        self.events
            .iter()
            .any(|e| e == "test" || e == "test-success")
    }
}

/// A document whose head does not read as Helm's `SimpleHead`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("YAML parse error on {path}: {message}")]
pub struct Error {
    /// The template.
    pub path: String,
    /// What sigs.k8s.io/yaml reported.
    pub message: String,
}

/// Helm's `SplitManifests`: the documents of a rendered file, split at lines starting
/// with `---` and trimmed; empty ones dropped.
pub fn split_manifests(text: &str) -> Vec<&str> {
    let text = text.trim();
    let b = text.as_bytes();
    let skip_ws = |mut i: usize| {
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
            i += 1;
        }
        i
    };
    let mut docs = Vec::new();
    let mut start = 0;
    let mut from = 0;
    if text.starts_with("---") {
        start = skip_ws(3);
        from = start;
    }
    while let Some(i) = text[from..].find("\n---") {
        let nl = from + i;
        docs.push(&text[start..nl]);
        start = skip_ws(nl + 4);
        from = start;
    }
    docs.push(&text[start..]);
    docs.into_iter()
        .filter(|d| !d.is_empty())
        .map(str::trim)
        .collect()
}

#[derive(Debug)]
struct Head {
    kind: String,
    name: String,
    annotations: BTreeMap<String, String>,
}

/// A scalar as sigs.k8s.io/yaml gives it to a Go `string` field.
fn scalar_string(v: &serde_json::Value) -> Option<String> {
    Some(match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        _ => return None,
    })
}

/// The JSON kind Go's `encoding/json` names in its unmarshal errors.
pub(crate) fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Null => "null",
    }
}

const HEAD_META_TYPE: &str = "struct { Name string \"json:\\\"name\\\"\"; Annotations map[string]string \"json:\\\"annotations\\\"\" }";

fn read_head(doc: &str) -> Result<Head, String> {
    let json = gitops_gotmpl::helm::yaml_to_json(doc)?.unwrap_or_default();
    let unmarshal = |kind: &str, field: &str, ty: &str| {
        format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {kind} into Go struct field {field} of type {ty}"
        )
    };
    let obj = match &json {
        serde_json::Value::Null => {
            return Ok(Head {
                kind: String::new(),
                name: String::new(),
                annotations: BTreeMap::new(),
            });
        }
        serde_json::Value::Object(o) => o,
        other => {
            return Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type util.SimpleHead",
                json_kind(other)
            ));
        }
    };
    for f in ["apiVersion", "kind"] {
        if let Some(v) = obj.get(f) {
            if scalar_string(v).is_none() {
                return Err(unmarshal(
                    json_kind(v),
                    &format!("SimpleHead.{f}"),
                    "string",
                ));
            }
        }
    }
    let kind = obj.get("kind").and_then(scalar_string).unwrap_or_default();
    let mut head = Head {
        kind,
        name: String::new(),
        annotations: BTreeMap::new(),
    };
    match obj.get("metadata") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::Object(md)) => {
            if let Some(n) = md.get("name") {
                head.name = scalar_string(n)
                    .ok_or_else(|| unmarshal(json_kind(n), ".metadata.name", "string"))?;
            }
            match md.get("annotations") {
                None | Some(serde_json::Value::Null) => {}
                Some(serde_json::Value::Object(a)) => {
                    for (k, v) in a {
                        let s = scalar_string(v).ok_or_else(|| {
                            unmarshal(json_kind(v), ".metadata.annotations", "string")
                        })?;
                        head.annotations.insert(k.clone(), s);
                    }
                }
                Some(other) => {
                    return Err(unmarshal(
                        json_kind(other),
                        ".metadata.annotations",
                        "map[string]string",
                    ));
                }
            }
        }
        Some(other) => {
            return Err(unmarshal(
                json_kind(other),
                "SimpleHead.metadata",
                HEAD_META_TYPE,
            ));
        }
    }
    Ok(head)
}

fn kind_rank(kind: &str) -> Option<usize> {
    INSTALL_ORDER.iter().position(|k| *k == kind)
}

/// Helm's `lessByKind` as an ordering (used with a stable sort).
fn by_kind(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (kind_rank(a), kind_rank(b)) {
        (None, None) => a.cmp(b),
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => x.cmp(&y),
    }
}

/// One document of a rendered file with its head, as [`parse_file`] reads it.
#[derive(Debug)]
pub struct ParsedDoc {
    content: String,
    head: Head,
}

/// Splits one rendered file into documents and reads each head (the expensive, parallel
/// part of [`sort_manifests`]). Partials and blank files have no documents.
pub fn parse_file(path: &str, content: &str) -> Result<Vec<ParsedDoc>, Error> {
    if path.rsplit('/').next().unwrap_or(path).starts_with('_') || content.trim().is_empty() {
        return Ok(Vec::new());
    }
    split_manifests(content)
        .into_iter()
        .map(|doc| {
            let head = read_head(doc).map_err(|message| Error {
                path: path.to_string(),
                message,
            })?;
            Ok(ParsedDoc {
                content: doc.to_string(),
                head,
            })
        })
        .collect()
}

/// Helm's `SortManifests`: the rendered files (by path) split into hooks and manifests,
/// each list stably sorted by kind. Partials and blank files are skipped; documents with
/// an unknown hook event are dropped, as Helm drops them. The first file (in path order)
/// with an unreadable document is the error.
pub fn sort_manifests(
    files: &BTreeMap<String, String>,
) -> Result<(Vec<Hook>, Vec<Manifest>), Error> {
    let mut parsed = Vec::new();
    for (path, content) in files {
        parsed.push((path.clone(), parse_file(path, content)?));
    }
    Ok(sort_parsed(parsed))
}

/// The sorting half of [`sort_manifests`], over files already parsed (in path order).
pub fn sort_parsed(files: Vec<(String, Vec<ParsedDoc>)>) -> (Vec<Hook>, Vec<Manifest>) {
    let mut hooks = Vec::new();
    let mut generic = Vec::new();
    for (path, docs) in files {
        for ParsedDoc { content, head } in docs {
            let manifest = Manifest {
                path: path.clone(),
                content,
                kind: head.kind,
                name: head.name,
            };
            let Some(hook_types) = head.annotations.get("helm.sh/hook") else {
                generic.push(manifest);
                continue;
            };
            let mut events = Vec::new();
            let mut unknown = false;
            for t in hook_types.split(',') {
                let t = t.trim().to_lowercase();
                if !HOOK_EVENTS.contains(&t.as_str()) {
                    unknown = true;
                    break;
                }
                events.push(t);
            }
            if unknown {
                continue;
            }
            let weight = head
                .annotations
                .get("helm.sh/hook-weight")
                .and_then(|w| w.parse::<i64>().ok())
                .unwrap_or(0);
            let delete_policies = head
                .annotations
                .get("helm.sh/hook-delete-policy")
                .map(|d| d.split(',').map(|p| p.trim().to_lowercase()).collect())
                .unwrap_or_default();
            hooks.push(Hook {
                manifest,
                events,
                weight,
                delete_policies,
            });
        }
    }
    hooks.sort_by(|a, b| by_kind(&a.manifest.kind, &b.manifest.kind));
    generic.sort_by(|a, b| by_kind(&a.kind, &b.kind));
    (hooks, generic)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn split_follows_helms_separator_regex() {
        assert_eq!(split_manifests("a: 1\n---\nb: 2\n"), vec!["a: 1", "b: 2"]);
        assert_eq!(
            split_manifests("---\na: 1\n---   \n\n---\nb: 2"),
            vec!["a: 1", "---\nb: 2"]
        );
        assert_eq!(split_manifests("# c\n---foo: 1"), vec!["# c", "foo: 1"]);
        assert!(split_manifests("\n---\n").is_empty());
    }

    #[test]
    fn sorting_is_by_kind_then_file_order() {
        let files = BTreeMap::from([
            ("c/templates/a.yaml".to_string(), "kind: Deployment\n---\nkind: Zeta\n---\nkind: Alpha\n".to_string()),
            ("c/templates/b.yaml".to_string(), "kind: Service\n---\nkind: Deployment\nmetadata:\n  name: d2\n".to_string()),
            (
                "c/templates/h.yaml".to_string(),
                "kind: Pod\nmetadata:\n  annotations:\n    helm.sh/hook: test\n    helm.sh/hook-weight: 5\n---\nkind: Job\nmetadata:\n  annotations:\n    helm.sh/hook: bogus\n".to_string(),
            ),
        ]);
        let (hooks, manifests) = sort_manifests(&files).unwrap();
        let kinds: Vec<&str> = manifests.iter().map(|m| m.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["Service", "Deployment", "Deployment", "Alpha", "Zeta"]
        );
        assert_eq!(manifests[2].name, "d2");
        assert_eq!(hooks.len(), 1);
        assert!(hooks[0].is_test());
        assert_eq!(hooks[0].weight, 5);
    }

    #[test]
    fn heads_that_go_cannot_read_are_errors() {
        let files = BTreeMap::from([(
            "c/templates/a.yaml".to_string(),
            "metadata:\n  name: {a: 1}\n".to_string(),
        )]);
        assert_eq!(
            sort_manifests(&files).unwrap_err().to_string(),
            "YAML parse error on c/templates/a.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal object into Go struct field .metadata.name of type string"
        );
    }
}

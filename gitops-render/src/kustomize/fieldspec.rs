//! Field specs: which fields of which kinds each built-in transformer touches (kustomize's
//! `builtinconfig`), extended by `configurations:` files and `crds:`.
//!
//! A [`FieldSpec`] selects objects by group, version and kind (empty parts match anything)
//! and names a `/`-separated path (`\/` escapes a slash; `name[]` marks a sequence, and a
//! sequence met on the way is traversed element by element anyway). [`visit`] walks a path
//! and, with `create`, makes the missing mappings and the leaf.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::kustomization::Kustomization;
use super::loader::Dir;
use super::transform::Error;

/// One field of one kind of object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldSpec {
    /// API group (empty: any).
    #[serde(default)]
    pub group: String,
    /// API version (empty: any).
    #[serde(default)]
    pub version: String,
    /// Kind (empty: any).
    #[serde(default)]
    pub kind: String,
    /// Slash-separated path.
    #[serde(default)]
    pub path: String,
    /// Whether a missing field is created.
    #[serde(default, rename = "create")]
    pub create: bool,
}

/// The referrers of one referenced kind (a `nameReference` entry).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NameBackRefs {
    /// Group of the referenced kind.
    #[serde(default)]
    pub group: String,
    /// Version of the referenced kind.
    #[serde(default)]
    pub version: String,
    /// The referenced kind.
    #[serde(default)]
    pub kind: String,
    /// Fields that refer to objects of that kind by name.
    #[serde(default)]
    pub field_specs: Vec<FieldSpec>,
}

/// The field specs of every built-in transformer.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransformerConfig {
    /// `namePrefix` targets.
    #[serde(default)]
    pub name_prefix: Vec<FieldSpec>,
    /// `nameSuffix` targets.
    #[serde(default)]
    pub name_suffix: Vec<FieldSpec>,
    /// `namespace` targets (besides `metadata.namespace`).
    #[serde(default)]
    pub namespace: Vec<FieldSpec>,
    /// `commonLabels` targets (metadata, selectors, templates).
    #[serde(default)]
    pub common_labels: Vec<FieldSpec>,
    /// Template label targets (`labels` with `includeTemplates`).
    #[serde(default)]
    pub template_labels: Vec<FieldSpec>,
    /// Extra targets of every `labels` entry.
    #[serde(default)]
    pub labels: Vec<FieldSpec>,
    /// `commonAnnotations` targets.
    #[serde(default)]
    pub common_annotations: Vec<FieldSpec>,
    /// Name references: referenced kind → referring fields.
    #[serde(default)]
    pub name_reference: Vec<NameBackRefs>,
    /// Fields where `$(VAR)` is substituted.
    #[serde(default)]
    pub var_reference: Vec<FieldSpec>,
    /// `images` targets.
    #[serde(default)]
    pub images: Vec<FieldSpec>,
    /// `replicas` targets.
    #[serde(default)]
    pub replicas: Vec<FieldSpec>,
    /// How this configuration relates to the built-in one (lets merges skip no-ops).
    #[serde(skip)]
    pub(crate) provenance: Provenance,
}

/// How a [`TransformerConfig`] relates to [`TransformerConfig::builtin`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Provenance {
    /// Anything else.
    #[default]
    Other,
    /// The built-in configuration, or a merge of it into an empty one: only built-in
    /// specs, and every built-in spec covered.
    Builtin,
    /// A merge that took in the built-in configuration and more: each built-in spec is
    /// covered.
    CoversBuiltin,
}

fn fs(group: &str, version: &str, kind: &str, path: &str, create: bool) -> FieldSpec {
    FieldSpec {
        group: group.into(),
        version: version.into(),
        kind: kind.into(),
        path: path.into(),
        create,
    }
}

/// Kinds carrying a pod spec, with the path to it (kustomize's built-in referrers).
const POD_SPECS: [(&str, &str, &str); 8] = [
    ("", "Pod", "spec"),
    ("", "PodTemplate", "template/spec"),
    ("", "Deployment", "spec/template/spec"),
    ("", "ReplicaSet", "spec/template/spec"),
    ("", "DaemonSet", "spec/template/spec"),
    ("", "StatefulSet", "spec/template/spec"),
    ("", "Job", "spec/template/spec"),
    ("", "CronJob", "spec/jobTemplate/spec/template/spec"),
];

/// Workloads whose template gets labels and annotations: (group, version, kind, paths).
const TEMPLATES: [(&str, &str, &str, &str); 8] = [
    ("", "v1", "ReplicationController", "spec/template/metadata"),
    ("", "", "Deployment", "spec/template/metadata"),
    ("", "", "ReplicaSet", "spec/template/metadata"),
    ("", "", "DaemonSet", "spec/template/metadata"),
    ("apps", "", "StatefulSet", "spec/template/metadata"),
    ("batch", "", "Job", "spec/template/metadata"),
    ("batch", "", "CronJob", "spec/jobTemplate/metadata"),
    (
        "batch",
        "",
        "CronJob",
        "spec/jobTemplate/spec/template/metadata",
    ),
];

fn template_specs(field: &str) -> Vec<FieldSpec> {
    let mut out = vec![fs("", "", "", &format!("metadata/{field}"), true)];
    for (g, v, k, p) in TEMPLATES {
        // commonAnnotations selects StatefulSet by kind alone.
        let g = if field == "annotations" && k == "StatefulSet" {
            ""
        } else {
            g
        };
        out.push(fs(g, v, k, &format!("{p}/{field}"), true));
        // kustomize v5.5's metadata label specs also label a StatefulSet's claim templates.
        if field == "labels" && k == "StatefulSet" {
            out.push(fs(
                g,
                v,
                k,
                "spec/volumeClaimTemplates[]/metadata/labels",
                true,
            ));
        }
    }
    out
}

fn common_labels() -> Vec<FieldSpec> {
    let mut out = vec![
        fs("", "v1", "Service", "spec/selector", true),
        fs("", "v1", "ReplicationController", "spec/selector", true),
        fs("", "", "Deployment", "spec/selector/matchLabels", true),
    ];
    let affinity = |kind: &str, out: &mut Vec<FieldSpec>| {
        for a in ["podAffinity", "podAntiAffinity"] {
            out.push(fs("apps", "", kind, &format!("spec/template/spec/affinity/{a}/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels"), false));
            out.push(fs("apps", "", kind, &format!("spec/template/spec/affinity/{a}/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels"), false));
        }
        out.push(fs(
            "apps",
            "",
            kind,
            "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
            false,
        ));
    };
    affinity("Deployment", &mut out);
    out.push(fs("", "", "ReplicaSet", "spec/selector/matchLabels", true));
    out.push(fs("", "", "DaemonSet", "spec/selector/matchLabels", true));
    out.push(fs(
        "apps",
        "",
        "StatefulSet",
        "spec/selector/matchLabels",
        true,
    ));
    affinity("StatefulSet", &mut out);
    out.extend([
        fs("batch", "", "Job", "spec/selector/matchLabels", false),
        fs(
            "batch",
            "",
            "CronJob",
            "spec/jobTemplate/spec/selector/matchLabels",
            false,
        ),
        fs(
            "policy",
            "",
            "PodDisruptionBudget",
            "spec/selector/matchLabels",
            false,
        ),
        fs(
            "networking.k8s.io",
            "",
            "NetworkPolicy",
            "spec/podSelector/matchLabels",
            false,
        ),
        fs(
            "networking.k8s.io",
            "",
            "NetworkPolicy",
            "spec/ingress/from/podSelector/matchLabels",
            false,
        ),
        fs(
            "networking.k8s.io",
            "",
            "NetworkPolicy",
            "spec/egress/to/podSelector/matchLabels",
            false,
        ),
    ]);
    out.extend(template_specs("labels"));
    out
}

fn refs(group: &str, version: &str, kind: &str, field_specs: Vec<FieldSpec>) -> NameBackRefs {
    NameBackRefs {
        group: group.into(),
        version: version.into(),
        kind: kind.into(),
        field_specs,
    }
}

/// Referrers in every pod spec, for each `suffix` under the pod spec.
fn pod_refs(suffixes: &[&str]) -> Vec<FieldSpec> {
    let mut out = Vec::new();
    for (g, k, p) in POD_SPECS {
        let v = if k == "Pod" { "v1" } else { "" };
        for s in suffixes {
            out.push(fs(g, v, k, &format!("{p}/{s}"), false));
        }
    }
    out
}

fn name_reference() -> Vec<NameBackRefs> {
    let hpa = || {
        vec![fs(
            "",
            "",
            "HorizontalPodAutoscaler",
            "spec/scaleTargetRef/name",
            false,
        )]
    };
    let mut cm = pod_refs(&[
        "volumes/configMap/name",
        "containers/env/valueFrom/configMapKeyRef/name",
        "initContainers/env/valueFrom/configMapKeyRef/name",
        "containers/envFrom/configMapRef/name",
        "initContainers/envFrom/configMapRef/name",
        "volumes/projected/sources/configMap/name",
    ]);
    cm.extend([
        fs("", "", "Node", "spec/configSource/configMap", false),
        fs("", "", "Role", "rules/resourceNames", false),
        fs("", "", "ClusterRole", "rules/resourceNames", false),
        fs(
            "",
            "",
            "Ingress",
            "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap",
            false,
        ),
    ]);
    let mut secret = pod_refs(&[
        "volumes/secret/secretName",
        "containers/env/valueFrom/secretKeyRef/name",
        "initContainers/env/valueFrom/secretKeyRef/name",
        "containers/envFrom/secretRef/name",
        "initContainers/envFrom/secretRef/name",
        "imagePullSecrets/name",
        "volumes/projected/sources/secret/name",
    ]);
    secret.extend([
        fs("", "", "Ingress", "spec/tls/secretName", false),
        fs(
            "",
            "",
            "Ingress",
            "metadata/annotations/ingress.kubernetes.io\\/auth-secret",
            false,
        ),
        fs(
            "",
            "",
            "Ingress",
            "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret",
            false,
        ),
        fs(
            "",
            "",
            "Ingress",
            "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret",
            false,
        ),
        fs("", "", "ServiceAccount", "imagePullSecrets/name", false),
        fs("", "", "StorageClass", "parameters/secretName", false),
        fs("", "", "StorageClass", "parameters/adminSecretName", false),
        fs("", "", "StorageClass", "parameters/userSecretName", false),
        fs("", "", "StorageClass", "parameters/secretRef", false),
        fs("", "", "Role", "rules/resourceNames", false),
        fs("", "", "ClusterRole", "rules/resourceNames", false),
        fs(
            "serving.knative.dev",
            "v1",
            "Service",
            "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
            false,
        ),
        fs(
            "",
            "",
            "PersistentVolume",
            "spec/azureFile/secretName",
            false,
        ),
    ]);
    let service = vec![
        fs("apps", "", "StatefulSet", "spec/serviceName", false),
        fs(
            "",
            "",
            "Ingress",
            "spec/rules/http/paths/backend/serviceName",
            false,
        ),
        fs("", "", "Ingress", "spec/backend/serviceName", false),
        fs(
            "",
            "",
            "Ingress",
            "spec/rules/http/paths/backend/service/name",
            false,
        ),
        fs("", "", "Ingress", "spec/defaultBackend/service/name", false),
        fs(
            "apiregistration.k8s.io",
            "",
            "APIService",
            "spec/service/name",
            false,
        ),
        fs(
            "admissionregistration.k8s.io",
            "",
            "ValidatingWebhookConfiguration",
            "webhooks/clientConfig/service",
            false,
        ),
        fs(
            "admissionregistration.k8s.io",
            "",
            "MutatingWebhookConfiguration",
            "webhooks/clientConfig/service",
            false,
        ),
    ];
    let rbac = "rbac.authorization.k8s.io";
    let workload_refs = |field: &str| {
        let mut out = vec![fs("", "", "Pod", &format!("spec/{field}"), false)];
        for k in [
            "StatefulSet",
            "Deployment",
            "ReplicationController",
            "Job",
            "DaemonSet",
        ] {
            out.push(fs("", "", k, &format!("spec/template/spec/{field}"), false));
        }
        out.push(fs(
            "",
            "",
            "CronJob",
            &format!("spec/jobTemplate/spec/template/spec/{field}"),
            false,
        ));
        out
    };
    let mut sa = vec![
        fs(rbac, "", "RoleBinding", "subjects", false),
        fs(rbac, "", "ClusterRoleBinding", "subjects", false),
    ];
    sa.extend(workload_refs("serviceAccountName"));
    vec![
        refs("", "", "Deployment", hpa()),
        refs("", "", "ReplicationController", hpa()),
        refs("", "", "ReplicaSet", hpa()),
        refs("", "", "StatefulSet", hpa()),
        refs("", "v1", "ConfigMap", cm),
        refs("", "v1", "Secret", secret),
        refs("", "v1", "Service", service),
        refs(
            rbac,
            "",
            "Role",
            vec![fs(rbac, "", "RoleBinding", "roleRef/name", false)],
        ),
        refs(
            rbac,
            "",
            "ClusterRole",
            vec![
                fs(rbac, "", "RoleBinding", "roleRef/name", false),
                fs(rbac, "", "ClusterRoleBinding", "roleRef/name", false),
            ],
        ),
        refs("", "v1", "ServiceAccount", sa),
        refs(
            "",
            "v1",
            "PersistentVolumeClaim",
            workload_refs("volumes/persistentVolumeClaim/claimName"),
        ),
        refs(
            "",
            "v1",
            "PersistentVolume",
            vec![
                fs("", "", "PersistentVolumeClaim", "spec/volumeName", false),
                fs("", "", "ClusterRole", "rules/resourceNames", false),
            ],
        ),
        refs(
            "storage.k8s.io",
            "v1",
            "StorageClass",
            vec![
                fs("", "", "PersistentVolume", "spec/storageClassName", false),
                fs(
                    "",
                    "",
                    "PersistentVolumeClaim",
                    "spec/storageClassName",
                    false,
                ),
                fs(
                    "",
                    "",
                    "StatefulSet",
                    "spec/volumeClaimTemplates/spec/storageClassName",
                    false,
                ),
            ],
        ),
        refs(
            "scheduling.k8s.io",
            "v1",
            "PriorityClass",
            workload_refs("priorityClassName"),
        ),
        refs(
            "networking.k8s.io/v1",
            "v1",
            "IngressClass",
            vec![fs("", "", "Ingress", "spec/ingressClassName", false)],
        ),
        refs(
            "admissionregistration.k8s.io",
            "",
            "ValidatingAdmissionPolicy",
            vec![fs(
                "admissionregistration.k8s.io",
                "",
                "ValidatingAdmissionPolicyBinding",
                "spec/policyName",
                false,
            )],
        ),
    ]
}

fn var_reference() -> Vec<FieldSpec> {
    let mut out = Vec::new();
    let container_fields = ["args", "command", "env/value", "volumeMounts/mountPath"];
    // kustomize's varReference list has no PodTemplate entries.
    for (_, k, p) in POD_SPECS.iter().filter(|(_, k, _)| *k != "PodTemplate") {
        for c in ["containers", "initContainers"] {
            for f in container_fields {
                out.push(fs("", "", k, &format!("{p}/{c}/{f}"), false));
            }
        }
        let nfs = match *k {
            "CronJob" => "spec/jobTemplate/spec/template/volumes/nfs/server".to_string(),
            "StatefulSet" => "spec/volumeClaimTemplates/spec/nfs/server".to_string(),
            _ => format!("{p}/volumes/nfs/server"),
        };
        out.push(fs("", "", k, &nfs, false));
    }
    out.extend([
        fs(
            "",
            "",
            "Deployment",
            "spec/template/metadata/annotations",
            false,
        ),
        fs("", "", "Ingress", "spec/rules/host", false),
        fs("", "", "Ingress", "spec/tls/hosts", false),
        fs("", "", "Ingress", "spec/tls/secretName", false),
        fs("", "", "Service", "spec/ports/port", false),
        fs("", "", "Service", "spec/ports/targetPort", false),
        fs("", "", "PersistentVolume", "spec/nfs/server", false),
        fs("", "", "", "metadata/labels", false),
        fs("", "", "", "metadata/annotations", false),
    ]);
    out
}

impl TransformerConfig {
    /// kustomize's built-in configuration (its lists in kustomize's sorted order).
    pub fn builtin() -> Self {
        static BUILTIN: std::sync::OnceLock<TransformerConfig> = std::sync::OnceLock::new();
        BUILTIN
            .get_or_init(|| TransformerConfig {
                provenance: Provenance::Builtin,
                ..Self::make_builtin()
            })
            .clone()
    }

    fn make_builtin() -> Self {
        let name = vec![fs("", "", "", "metadata/name", false)];
        let images = [
            "spec/containers[]/image",
            "spec/initContainers[]/image",
            "spec/template/spec/containers[]/image",
            "spec/template/spec/initContainers[]/image",
        ]
        .iter()
        .map(|p| fs("", "", "", p, true))
        .collect();
        let replicas = [
            "Deployment",
            "ReplicationController",
            "ReplicaSet",
            "StatefulSet",
        ]
        .iter()
        .map(|k| fs("", "", k, "spec/replicas", true))
        .collect();
        let mut config = TransformerConfig {
            name_prefix: name.clone(),
            name_suffix: name,
            namespace: vec![
                fs("", "", "Namespace", "metadata/name", true),
                fs(
                    "apiregistration.k8s.io",
                    "",
                    "APIService",
                    "spec/service/namespace",
                    true,
                ),
                fs(
                    "apiextensions.k8s.io",
                    "",
                    "CustomResourceDefinition",
                    "spec/conversion/webhook/clientConfig/service/namespace",
                    false,
                ),
            ],
            common_labels: common_labels(),
            template_labels: template_specs("labels"),
            labels: Vec::new(),
            common_annotations: template_specs("annotations"),
            name_reference: name_reference(),
            var_reference: var_reference(),
            images,
            replicas,
            provenance: Provenance::Other,
        };
        config.sort();
        config
    }

    /// The configuration a kustomization level merges into its accumulator: the built-in
    /// one merged with its `configurations:` files (each merged into an empty one first),
    /// then with what its `crds:` declare. As in kustomize, merging drops a spec whose path
    /// an earlier, at-least-as-specific spec already covers (see [`TransformerConfig::merge`]).
    pub fn load(dir: Dir<'_>, k: &Kustomization) -> Result<Self, Error> {
        let mut user = TransformerConfig::default();
        for rel in k.configurations.iter().flatten() {
            let (path, text) = dir.read(rel)?;
            for value in yaml_documents(&text, &path)? {
                let mut one: TransformerConfig =
                    serde_path_to_error::deserialize(&value).map_err(|e| Error::Config {
                        file: path.clone(),
                        message: format!("{}: {}", e.path(), e.inner()),
                    })?;
                one.sort();
                user.merge(one);
            }
        }
        let mut config = TransformerConfig::builtin();
        if k.configurations.as_ref().is_some_and(|c| !c.is_empty()) {
            config.merge(user);
        }
        for rel in k.crds.iter().flatten() {
            let (path, text) = dir.read(rel)?;
            config.merge(crds::config(&text, &path)?);
        }
        Ok(config)
    }
}

/// The non-empty documents of a YAML file.
pub fn yaml_documents(text: &str, file: &str) -> Result<Vec<Value>, Error> {
    let docs = gitops_core::yaml::load_documents(text, &Default::default()).map_err(|e| {
        Error::Config {
            file: file.to_string(),
            message: e.to_string(),
        }
    })?;
    Ok(docs
        .into_iter()
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .collect())
}

/// Whether `spec` selects an object of this apiVersion and kind.
pub fn selects(spec: &FieldSpec, api_version: &str, kind: &str) -> bool {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    (spec.kind.is_empty() || spec.kind == kind)
        && (spec.group.is_empty() || spec.group == group)
        && (spec.version.is_empty() || spec.version == version)
}

/// Splits a field-spec path on `/`, honouring `\/` escapes.
pub fn split_path(path: &str) -> Vec<Cow<'_, str>> {
    if !path.contains('\\') {
        return path.split('/').map(Cow::Borrowed).collect();
    }
    let mut out = vec![String::new()];
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'/') => {
                chars.next();
                if let Some(last) = out.last_mut() {
                    last.push('/');
                }
            }
            '/' => out.push(String::new()),
            c => {
                if let Some(last) = out.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    out.into_iter().map(Cow::Owned).collect()
}

/// Walks `spec`'s path in `obj` (which the caller has selected) and calls `f` on each
/// field found. With `spec.create` and a `leaf` value, missing mappings on the way and
/// the leaf (set to `leaf`) are created. A scalar met on the way is an error.
pub fn visit(
    obj: &mut Value,
    spec: &FieldSpec,
    leaf: Option<&Value>,
    f: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), String> {
    let path = split_path(&spec.path);
    let create = if spec.create { leaf } else { None };
    walk(obj, &path, create, f).map_err(|e| format!("considering field '{}': {e}", spec.path))
}

fn walk(
    node: &mut Value,
    path: &[Cow<'_, str>],
    create: Option<&Value>,
    f: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), String> {
    let Some((first, rest)) = path.split_first() else {
        return f(node);
    };
    match node {
        Value::Null => Ok(()),
        Value::Array(items) => items
            .iter_mut()
            .try_for_each(|item| walk(item, path, create, f)),
        Value::Object(map) => {
            let (name, is_seq) = match first.strip_suffix("[]") {
                Some(n) => (n, true),
                None => (first.as_ref(), false),
            };
            if name.is_empty() {
                return Err("cannot set or create an empty field name".into());
            }
            // A `name[]` segment is never created, but the segments after it may be (in
            // each element), as in kustomize's field-spec filter.
            let here = if is_seq { None } else { create };
            if !map.contains_key(name) {
                let Some(leaf) = here else { return Ok(()) };
                let value = if rest.is_empty() {
                    leaf.clone()
                } else {
                    Value::Object(Map::new())
                };
                map.insert(name.to_string(), value);
            }
            let Some(child) = map.get_mut(name) else {
                return Ok(());
            };
            if child.is_null()
                && let Some(leaf) = here
            {
                *child = if rest.is_empty() {
                    leaf.clone()
                } else {
                    Value::Object(Map::new())
                };
            }
            walk(child, rest, create, f)
        }
        _ => Err("expected sequence or mapping node".into()),
    }
}

mod crds;
mod merge;

#[cfg(test)]
mod tests;

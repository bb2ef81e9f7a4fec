//! The field-spec transformers: namespace, name prefix/suffix, labels, annotations,
//! replicas, images, `transformers:` plugin configs, and name-reference fixing.

mod images;
mod nameref;
mod plugins;

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use super::accumulate::Accumulator;
use super::fieldspec::{self, FieldSpec};
use super::kustomization::Kustomization;
use super::loader::Dir;
use super::resource::{ResId, Resource};

pub use images::{is_image_matched, split_image};

/// Why a transformer failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A referenced file could not be loaded.
    #[error(transparent)]
    Load(#[from] super::loader::Error),
    /// A `configurations:`, `crds:` or `transformers:` file is invalid.
    #[error("{file}: {message}")]
    Config {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A field of a resource could not be transformed.
    #[error("{resource}: {message}")]
    Field {
        /// The resource (kustomize's id form).
        resource: String,
        /// What is wrong.
        message: String,
    },
    /// A transformer made two resources share an id.
    #[error("{transformer} transformation produces ID conflict: {id}")]
    Conflict {
        /// The transformer.
        transformer: String,
        /// The duplicated id.
        id: String,
    },
    /// A `replicas` entry names no resource of a kind its field specs select.
    #[error("resource with name {name} does not match a config with the following GVK [{gvks}]")]
    NoReplicaTarget {
        /// The entry's name.
        name: String,
        /// The field specs' group/version/kinds, space-separated.
        gvks: String,
    },
    /// A transformer kind or feature this engine does not implement.
    #[error("{0}")]
    Unsupported(String),
}

/// Runs `f` on the object's mapping as a [`Value`].
fn edit<R>(object: &mut gitops_core::Object, f: impl FnOnce(&mut Value) -> R) -> R {
    let map = object.as_map_mut();
    let mut value = Value::Object(std::mem::take(map));
    let out = f(&mut value);
    if let Value::Object(m) = value {
        *map = m;
    }
    out
}

/// Applies `f` to every field `specs` select in `r`'s object.
fn apply_specs(
    r: &mut Resource,
    specs: &[FieldSpec],
    leaf: Option<&Value>,
    f: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), Error> {
    let api_version = r.object.api_version().to_string();
    let kind = r.object.kind().to_string();
    for spec in specs
        .iter()
        .filter(|s| fieldspec::selects(s, &api_version, &kind))
    {
        if let Err(message) = edit(&mut r.object, |v| fieldspec::visit(v, spec, leaf, f)) {
            return Err(Error::Field {
                resource: r.id().to_string(),
                message,
            });
        }
    }
    Ok(())
}

/// apiVersion/kind pairs kustomize knows to be cluster-scoped (kyaml's precomputed table
/// for its built-in OpenAPI schema, as in kustomize v5.5.0: `ValidatingAdmissionPolicy`
/// and its binding are namespaced there).
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    (
        "admissionregistration.k8s.io/v1",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
    ),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"),
    ("apiregistration.k8s.io/v1", "APIService"),
    ("apiregistration.k8s.io/v1beta1", "APIService"),
    ("certificates.k8s.io/v1", "CertificateSigningRequest"),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
    ),
    ("networking.k8s.io/v1", "IngressClass"),
    ("networking.k8s.io/v1beta1", "IngressClass"),
    ("node.k8s.io/v1", "RuntimeClass"),
    ("node.k8s.io/v1beta1", "RuntimeClass"),
    ("policy/v1beta1", "PodSecurityPolicy"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"),
    ("scheduling.k8s.io/v1", "PriorityClass"),
    ("scheduling.k8s.io/v1beta1", "PriorityClass"),
    ("storage.k8s.io/v1", "CSIDriver"),
    ("storage.k8s.io/v1", "CSINode"),
    ("storage.k8s.io/v1", "StorageClass"),
    ("storage.k8s.io/v1", "VolumeAttachment"),
    ("storage.k8s.io/v1beta1", "CSIDriver"),
    ("storage.k8s.io/v1beta1", "CSINode"),
    ("storage.k8s.io/v1beta1", "StorageClass"),
    ("storage.k8s.io/v1beta1", "VolumeAttachment"),
    ("v1", "ComponentStatus"),
    ("v1", "Namespace"),
    ("v1", "Node"),
    ("v1", "NodeProxyOptions"),
    ("v1", "PersistentVolume"),
];

/// Whether kustomize knows `api_version`/`kind` to be cluster-scoped.
pub fn is_cluster_scoped(api_version: &str, kind: &str) -> bool {
    CLUSTER_SCOPED
        .iter()
        .any(|(a, k)| *a == api_version && *k == kind)
}

/// How the namespace transformer treats (Cluster)RoleBinding subjects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SubjectMode {
    DefaultOnly,
    AllServiceAccounts,
    None,
}

fn set_string(value: &str, unset_only: bool) -> impl FnMut(&mut Value) -> Result<(), String> + '_ {
    move |node: &mut Value| {
        if unset_only && node.as_str().is_some_and(|s| !s.is_empty()) {
            return Ok(());
        }
        *node = Value::String(value.to_string());
        Ok(())
    }
}

fn namespace_with(
    acc: &mut Accumulator,
    ns: &str,
    specs: &[FieldSpec],
    unset_only: bool,
    subjects: SubjectMode,
) -> Result<(), Error> {
    let leaf = Value::String(String::new());
    // How many resources have each id, kept current as resources move, so that a move
    // onto another resource's id is found as kustomize finds it (after each resource).
    let mut ids: HashMap<ResId, usize> = HashMap::new();
    for r in acc.resmap.resources() {
        *ids.entry(r.id()).or_default() += 1;
    }
    for i in 0..acc.resmap.len() {
        let r = &mut acc.resmap.resources_mut()[i];
        let before = r.id();
        r.remember_id();
        let api_version = r.object.api_version().to_string();
        let kind = r.object.kind().to_string();
        let is_binding = kind == "RoleBinding" || kind == "ClusterRoleBinding";
        if !is_cluster_scoped(&api_version, &kind) {
            let meta = fieldspec::FieldSpec {
                path: "metadata/namespace".into(),
                create: true,
                ..Default::default()
            };
            apply_specs(
                r,
                std::slice::from_ref(&meta),
                Some(&leaf),
                &mut set_string(ns, unset_only),
            )?;
        }
        let kept: Vec<FieldSpec> = specs
            .iter()
            .filter(|s| s.path != "metadata/namespace")
            .filter(|s| api_version == "v1" || s.path != "metadata/name")
            .filter(|s| {
                !(is_binding
                    && (s.kind == "RoleBinding" || s.kind == "ClusterRoleBinding")
                    && s.path == "subjects/namespace")
            })
            .cloned()
            .collect();
        if is_binding && subjects != SubjectMode::None {
            if let Some(Value::Array(items)) = r.object.as_map_mut().get_mut("subjects") {
                for subject in items.iter_mut().filter_map(Value::as_object_mut) {
                    let hit = match subjects {
                        SubjectMode::DefaultOnly => {
                            subject.get("name").and_then(Value::as_str) == Some("default")
                        }
                        _ => subject.get("kind").and_then(Value::as_str) == Some("ServiceAccount"),
                    };
                    let unset = subject
                        .get("namespace")
                        .and_then(Value::as_str)
                        .is_none_or(str::is_empty);
                    if hit && (!unset_only || unset) {
                        subject.insert("namespace".into(), Value::String(ns.to_string()));
                    }
                }
            }
        }
        apply_specs(r, &kept, Some(&leaf), &mut set_string(ns, unset_only))?;
        let id = r.id();
        if id != before {
            if let Some(n) = ids.get_mut(&before) {
                *n -= 1;
            }
            *ids.entry(id.clone()).or_default() += 1;
        }
        if ids.get(&id).is_some_and(|n| *n > 1) {
            return Err(Error::Conflict {
                transformer: "namespace".into(),
                id: id.to_string(),
            });
        }
    }
    Ok(())
}

/// `namespace`.
pub fn namespace(k: &Kustomization, acc: &mut Accumulator) -> Result<(), Error> {
    let Some(ns) = k.namespace.as_deref().filter(|n| !n.is_empty()) else {
        return Ok(());
    };
    let specs = acc.config.namespace.clone();
    namespace_with(acc, ns, &specs, false, SubjectMode::DefaultOnly)
}

/// Kinds the prefix and suffix transformers never rename (matched on the original id).
fn skips_prefix_suffix(id: &ResId) -> bool {
    id.kind == "CustomResourceDefinition"
        || id.kind == "Namespace"
        || (id.kind == "APIService" && id.group == "apiregistration.k8s.io")
}

fn add_affix(
    acc: &mut Accumulator,
    affix: &str,
    is_prefix: bool,
    specs: &[FieldSpec],
) -> Result<(), Error> {
    if affix.is_empty() {
        return Ok(());
    }
    for r in acc.resmap.resources_mut() {
        let org = r.original_id();
        if skips_prefix_suffix(&org) {
            continue;
        }
        for spec in specs {
            let selected = (spec.group.is_empty() || spec.group == org.group)
                && (spec.version.is_empty() || spec.version == org.version)
                && (spec.kind.is_empty() || spec.kind == org.kind);
            if !selected {
                continue;
            }
            if spec.path == "metadata/name" {
                r.remember_id();
                let affixes = if is_prefix {
                    &mut r.name_prefixes
                } else {
                    &mut r.name_suffixes
                };
                affixes.push(affix.to_string());
            }
            let unconditional = FieldSpec {
                group: String::new(),
                version: String::new(),
                kind: String::new(),
                ..spec.clone()
            };
            let id = r.id();
            // A `create: true` spec makes a missing field as an empty string, then affixes it.
            let empty = Value::String(String::new());
            edit(&mut r.object, |v| {
                fieldspec::visit(v, &unconditional, Some(&empty), &mut |node| {
                    if let Value::String(s) = node {
                        *s = if is_prefix {
                            format!("{affix}{s}")
                        } else {
                            format!("{s}{affix}")
                        };
                    }
                    Ok(())
                })
            })
            .map_err(|message| Error::Field {
                resource: id.to_string(),
                message,
            })?;
        }
    }
    Ok(())
}

/// `namePrefix` and `nameSuffix`.
pub fn prefix_suffix(k: &Kustomization, acc: &mut Accumulator) -> Result<(), Error> {
    let (prefix_specs, suffix_specs) = (
        acc.config.name_prefix.clone(),
        acc.config.name_suffix.clone(),
    );
    add_affix(
        acc,
        k.name_prefix.as_deref().unwrap_or(""),
        true,
        &prefix_specs,
    )?;
    add_affix(
        acc,
        k.name_suffix.as_deref().unwrap_or(""),
        false,
        &suffix_specs,
    )
}

/// Sets every `pairs` entry in the maps `specs` select (labels or annotations).
fn set_map_entries(
    acc: &mut Accumulator,
    pairs: &BTreeMap<String, String>,
    specs: &[FieldSpec],
) -> Result<(), Error> {
    if pairs.is_empty() {
        return Ok(());
    }
    let leaf = Value::Object(Map::new());
    for r in acc.resmap.resources_mut() {
        apply_specs(r, specs, Some(&leaf), &mut |node| {
            if node.is_null() {
                *node = Value::Object(Map::new());
            }
            let Value::Object(map) = node else {
                return Err("expected a mapping".into());
            };
            for (k, v) in pairs {
                map.insert(k.clone(), Value::String(v.clone()));
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// Parses `fields` entries of a `labels` item or a plugin's `fieldSpecs`.
fn parse_specs(values: &[Value], file: &str) -> Result<Vec<FieldSpec>, Error> {
    values
        .iter()
        .map(|v| {
            serde_path_to_error::deserialize(v).map_err(|e| Error::Config {
                file: file.to_string(),
                message: format!("fieldSpecs: {e}"),
            })
        })
        .collect()
}

fn merge_into(mut base: Vec<FieldSpec>, more: &[FieldSpec]) -> Vec<FieldSpec> {
    for s in more {
        if !base.iter().any(|b| {
            b.group == s.group && b.version == s.version && b.kind == s.kind && b.path == s.path
        }) {
            base.push(s.clone());
        }
    }
    base
}

/// `commonLabels` and `labels`.
pub fn labels(k: &Kustomization, acc: &mut Accumulator) -> Result<(), Error> {
    for label in k.labels.iter().flatten() {
        let fields = parse_specs(
            label.fields.as_deref().unwrap_or(&[]),
            "kustomization labels",
        )?;
        let mut specs = merge_into(fields, &acc.config.labels);
        if label.include_selectors {
            specs = merge_into(specs, &acc.config.common_labels);
        } else {
            if label.include_templates {
                specs = merge_into(specs, &acc.config.template_labels);
            }
            specs = merge_into(
                specs,
                &[FieldSpec {
                    path: "metadata/labels".into(),
                    create: true,
                    ..Default::default()
                }],
            );
        }
        set_map_entries(acc, &label.pairs, &specs)?;
    }
    if let Some(common) = &k.common_labels {
        let specs = acc.config.common_labels.clone();
        set_map_entries(acc, common, &specs)?;
    }
    Ok(())
}

/// `commonAnnotations`.
pub fn annotations(k: &Kustomization, acc: &mut Accumulator) -> Result<(), Error> {
    let Some(common) = &k.common_annotations else {
        return Ok(());
    };
    let specs = acc.config.common_annotations.clone();
    set_map_entries(acc, common, &specs)
}

/// kustomize's `Gvk.String()` of a field spec: `Kind.version.group` with `[noKind]`,
/// `[noVer]`, `[noGrp]` for empty parts.
fn spec_gvk_text(spec: &FieldSpec) -> String {
    let or = |s: &str, d: &'static str| {
        if s.is_empty() {
            d.to_string()
        } else {
            s.to_string()
        }
    };
    format!(
        "{}.{}.{}",
        or(&spec.kind, "[noKind]"),
        or(&spec.version, "[noVer]"),
        or(&spec.group, "[noGrp]")
    )
}

/// kustomize's `ReplicaCountTransformer`: for each field spec, the resources that have (or
/// had) the name and a kind the spec selects get the count. An entry that matches no
/// resource through any spec is an error, as in kustomize v5.5.
fn replica_with(
    acc: &mut Accumulator,
    name: &str,
    count: i64,
    specs: &[FieldSpec],
) -> Result<(), Error> {
    let leaf = Value::from(count);
    let mut found = false;
    for spec in specs {
        let spec_selects = |id: &ResId| {
            id.name == name
                && (spec.group.is_empty() || spec.group == id.group)
                && (spec.version.is_empty() || spec.version == id.version)
                && (spec.kind.is_empty() || spec.kind == id.kind)
        };
        for r in acc.resmap.resources_mut() {
            if spec_selects(&r.id()) || r.previous_ids.iter().any(spec_selects) {
                found = true;
                apply_specs(r, std::slice::from_ref(spec), Some(&leaf), &mut |node| {
                    *node = Value::from(count);
                    Ok(())
                })?;
            }
        }
    }
    if !found {
        let gvks: Vec<String> = specs.iter().map(spec_gvk_text).collect();
        return Err(Error::NoReplicaTarget {
            name: name.to_string(),
            gvks: gvks.join(" "),
        });
    }
    Ok(())
}

/// `replicas`.
pub fn replicas(k: &Kustomization, acc: &mut Accumulator) -> Result<(), Error> {
    let specs = acc.config.replicas.clone();
    for replica in k.replicas.iter().flatten() {
        replica_with(acc, &replica.name, replica.count, &specs)?;
    }
    Ok(())
}

/// `images` (and the deprecated `imageTags`).
pub fn images(k: &Kustomization, acc: &mut Accumulator) -> Result<(), Error> {
    let specs = acc.config.images.clone();
    for image in k
        .images
        .iter()
        .flatten()
        .chain(k.image_tags.iter().flatten())
    {
        images::apply(acc, image, &specs)?;
    }
    Ok(())
}

/// Built-in transformer configs under `transformers:`.
pub fn plugins(k: &Kustomization, dir: Dir<'_>, acc: &mut Accumulator) -> Result<(), Error> {
    plugins::run(k, dir, acc)
}

/// Updates references to renamed resources (kustomize's `nameReference`).
pub fn fix_name_references(acc: &mut Accumulator) -> Result<(), Error> {
    nameref::run(acc)
}

#[cfg(test)]
mod tests;

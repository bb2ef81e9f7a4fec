//! Small kustomize-related types shared by Kustomization and HelmRelease
//! (`fluxcd/pkg/apis/kustomize` and the `meta.DependencyReference` of
//! `fluxcd/pkg/apis/meta`): patches with their target selector, image overrides,
//! CEL health checks, dependencies, common metadata, drift-ignore rules and the
//! applied-resources inventory.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Selects resources by group/version/kind, namespace, name and label or annotation
/// selector; a resource matches when it satisfies every field that is set.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Selector {
    /// Annotation selector expression (label-selector syntax) matched against annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotation_selector: Option<String>,
    /// API group of the selected resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Kind of the selected resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Label selector expression matched against labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<String>,
    /// Name of the selected resources (kustomize treats it as a regular expression).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace of the selected resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// API version (without group) of the selected resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// An inline strategic-merge or JSON 6902 patch and the resources it applies to.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Patch {
    /// The patch document: a strategic-merge patch or a JSON 6902 operation list, as YAML text.
    pub patch: String,
    /// The resources the patch applies to; when absent, the patch names its target itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Selector>,
}

/// A kustomize image override: replaces the name, tag or digest of matching images.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    /// Digest replacing the original tag; takes precedence over `newTag`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Image name (without tag) to match.
    pub name: String,
    /// Replacement image name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_name: Option<String>,
    /// Replacement tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_tag: Option<String>,
}

/// CEL expressions that decide the health of custom resources of one API version
/// (and optionally one kind).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomHealthCheck {
    /// API version (`group/version`) of the resources the expressions apply to.
    pub api_version: String,
    /// Expression that is true once the resource reached its desired state.
    pub current: String,
    /// Expression that is true when the resource failed to reach its desired state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
    /// Expression that is true while the resource is still progressing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_progress: Option<String>,
    /// Kind of the resources; when absent, every kind of the API version matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A dependency on another object of the same kind, with an optional CEL readiness
/// expression (`meta.DependencyReference`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DependencyReference {
    /// Name of the dependency.
    pub name: String,
    /// Namespace of the dependency; defaults to the namespace of the dependent object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// CEL expression over `dep` (and `self`) that replaces the built-in readiness check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_expr: Option<String>,
}

impl DependencyReference {
    /// The namespace of the dependency, given the namespace of the dependent object.
    pub fn namespace_or<'a>(&'a self, default: &'a str) -> &'a str {
        self.namespace
            .as_deref()
            .filter(|ns| !ns.is_empty())
            .unwrap_or(default)
    }
}

impl std::fmt::Display for DependencyReference {
    /// Formats as `[<namespace>/]<name>[@<readyExpr>]`, like Flux does.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(ns) = self.namespace.as_deref().filter(|ns| !ns.is_empty()) {
            write!(f, "{ns}/")?;
        }
        f.write_str(&self.name)?;
        if let Some(expr) = self.ready_expr.as_deref().filter(|e| !e.is_empty()) {
            write!(f, "@{expr}")?;
        }
        Ok(())
    }
}

/// Labels and annotations set on every applied object.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommonMetadata {
    /// Annotations added to every object's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Labels added to every object's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
}

/// JSON pointer paths that drift detection (and apply) disregards, optionally only
/// for the objects a selector matches.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IgnoreRule {
    /// RFC 6901 JSON pointers of the ignored fields.
    pub paths: Vec<String>,
    /// The objects the rule applies to; every object when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Selector>,
}

/// The objects applied by the last successful reconciliation.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceInventory {
    /// One entry per applied object.
    pub entries: Vec<ResourceRef>,
}

/// One applied object in an inventory.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct ResourceRef {
    /// Object identity `<namespace>_<name>_<group>_<kind>` (empty namespace and group
    /// for cluster-scoped objects and the core group).
    pub id: String,
    /// API version (without group) of the object's kind.
    #[serde(rename = "v")]
    pub version: String,
}

impl ResourceRef {
    /// The inventory entry of an object: `id` is `<namespace>_<name>_<group>_<kind>`
    /// (a `:` in the name, as in RBAC names, is written `__`), `v` is the version part
    /// of `api_version`.
    pub fn new(namespace: &str, name: &str, api_version: &str, kind: &str) -> Self {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let name = name.replace(':', "__");
        ResourceRef {
            id: format!("{namespace}_{name}_{group}_{kind}"),
            version: version.to_string(),
        }
    }

    /// Splits `id` into `(namespace, name, group, kind)` the way Flux parses it: the
    /// namespace ends at the first `_`, kind and group are the last two fields, and `__`
    /// in the name stands for `:`. `None` when `id` has fewer than four fields or the
    /// name still contains a `_`.
    pub fn parts(&self) -> Option<(String, String, String, String)> {
        let (namespace, rest) = self.id.split_once('_')?;
        let (rest, kind) = rest.rsplit_once('_')?;
        let (name, group) = rest.rsplit_once('_')?;
        let name = name.replace("__", ":");
        if name.contains('_') {
            return None;
        }
        Some((
            namespace.to_string(),
            name,
            group.to_string(),
            kind.to_string(),
        ))
    }
}

//! Apply stages and Flux's kind order (`fluxcd/pkg: ssa/sort.go`, `ssa/utils/is.go`).
//!
//! Objects are applied in four stages: [`Stage::Definitions`] (CRDs, Namespaces,
//! ClusterRoles; applied, then waited on), [`Stage::Classes`] (kinds ending in `Class`;
//! waited on), [`Stage::Custom`] (the `--custom-apply-stage-kinds`) and
//! [`Stage::Resources`] (everything else). Within a stage objects are sorted by kind
//! order (the kinds listed in [`KIND_ORDER_FIRST`], then unlisted kinds, then
//! [`KIND_ORDER_LAST`]), then group, kind, namespace and name. Deletion uses the reverse
//! order.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt;

use crate::{Object, ObjectId};

/// Kinds reconciled first, in this order (Flux's `ReconcileOrder.First`).
pub const KIND_ORDER_FIRST: &[&str] = &[
    "CustomResourceDefinition",
    "Namespace",
    "ClusterRole",
    "ClusterClass",
    "RuntimeClass",
    "PriorityClass",
    "StorageClass",
    "VolumeSnapshotClass",
    "IngressClass",
    "GatewayClass",
    "ClusterRoleBinding",
    "ResourceQuota",
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "ConfigMap",
    "Secret",
    "Service",
    "LimitRange",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

/// Kinds reconciled last, in this order (Flux's `ReconcileOrder.Last`).
pub const KIND_ORDER_LAST: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// Why a group/kind list could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OrderError {
    /// An item of a `group/kind` list is empty or malformed.
    #[error("invalid group/kind format: '{0}'")]
    InvalidGroupKind(String),
}

/// A kind in its API group (empty group: core).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupKind {
    /// API group, empty for the core group.
    pub group: String,
    /// Kind.
    pub kind: String,
}

impl GroupKind {
    /// A group/kind from its parts.
    pub fn new(group: impl Into<String>, kind: impl Into<String>) -> Self {
        GroupKind {
            group: group.into(),
            kind: kind.into(),
        }
    }

    /// Parses `group1/Kind1,group2/Kind2` (a bare `Kind` is in the core group), the
    /// format of kustomize-controller's `--custom-apply-stage-kinds`.
    pub fn parse_set(s: &str) -> Result<BTreeSet<GroupKind>, OrderError> {
        let mut set = BTreeSet::new();
        if s.is_empty() {
            return Ok(set);
        }
        for item in s.split(',') {
            let item = item.trim();
            let gk = match item.split_once('/') {
                Some((g, k)) => GroupKind::new(g, k),
                None => GroupKind::new("", item),
            };
            if gk.kind.is_empty() {
                return Err(OrderError::InvalidGroupKind(item.to_string()));
            }
            set.insert(gk);
        }
        Ok(set)
    }
}

impl fmt::Display for GroupKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.kind)
        } else {
            write!(f, "{}/{}", self.group, self.kind)
        }
    }
}

/// An apply stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// CustomResourceDefinitions, Namespaces and ClusterRoles; waited on after apply.
    Definitions,
    /// Kinds whose name ends in `Class`; waited on after apply.
    Classes,
    /// The configured custom stage kinds.
    Custom,
    /// Everything else.
    Resources,
}

impl Stage {
    /// Whether the engine waits for this stage's objects to be ready before going on.
    pub fn waits(self) -> bool {
        matches!(self, Stage::Definitions | Stage::Classes)
    }

    /// The four stages in apply order.
    pub const ALL: [Stage; 4] = [
        Stage::Definitions,
        Stage::Classes,
        Stage::Custom,
        Stage::Resources,
    ];
}

/// Whether the object is a CustomResourceDefinition (`apiextensions.k8s.io/*`).
pub fn is_crd(object: &Object) -> bool {
    object
        .kind()
        .eq_ignore_ascii_case("CustomResourceDefinition")
        && object.api_version().starts_with("apiextensions.k8s.io/")
}

/// Whether the object is a Namespace (`v1`).
pub fn is_namespace(object: &Object) -> bool {
    object.kind().eq_ignore_ascii_case("Namespace") && object.api_version() == "v1"
}

/// Whether the object is a ClusterRole (`rbac.authorization.k8s.io/*`).
pub fn is_cluster_role(object: &Object) -> bool {
    object.kind().eq_ignore_ascii_case("ClusterRole")
        && object
            .api_version()
            .starts_with("rbac.authorization.k8s.io/")
}

/// The stage of an object.
pub fn stage_of(object: &Object, custom_stage_kinds: &BTreeSet<GroupKind>) -> Stage {
    if is_crd(object) || is_namespace(object) || is_cluster_role(object) {
        Stage::Definitions
    } else if object.kind().ends_with("Class") {
        Stage::Classes
    } else if custom_stage_kinds.contains(&GroupKind::new(object.group(), object.kind())) {
        Stage::Custom
    } else {
        Stage::Resources
    }
}

/// The position of a kind in Flux's order: negative for [`KIND_ORDER_FIRST`], 0 for
/// unlisted kinds, positive for [`KIND_ORDER_LAST`].
pub fn kind_index(kind: &str) -> i64 {
    if let Some(i) = KIND_ORDER_FIRST.iter().position(|k| *k == kind) {
        return i as i64 - KIND_ORDER_FIRST.len() as i64;
    }
    if let Some(i) = KIND_ORDER_LAST.iter().position(|k| *k == kind) {
        return 1 + i as i64;
    }
    0
}

/// Flux's apply order of two identities.
pub fn compare_ids(a: &ObjectId, b: &ObjectId) -> Ordering {
    if a.group != b.group || a.kind != b.kind {
        return kind_index(&a.kind)
            .cmp(&kind_index(&b.kind))
            .then_with(|| a.group.cmp(&b.group))
            .then_with(|| a.kind.cmp(&b.kind));
    }
    a.namespace
        .cmp(&b.namespace)
        .then_with(|| a.name.cmp(&b.name))
}

/// Sorts objects in Flux's apply order.
pub fn sort_objects(objects: &mut [Object]) {
    objects.sort_by_cached_key(|o| SortKey(o.id()));
}

/// Sorts identities in Flux's apply order.
pub fn sort_ids(ids: &mut [ObjectId]) {
    ids.sort_by(compare_ids);
}

/// Sorts identities in deletion order (the reverse of the apply order).
pub fn sort_ids_for_deletion(ids: &mut [ObjectId]) {
    ids.sort_by(|a, b| compare_ids(b, a));
}

#[derive(PartialEq, Eq)]
struct SortKey(ObjectId);

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_ids(&self.0, &other.0)
    }
}

/// Splits objects into their stages (empty stages left out), each sorted in apply order.
pub fn staged(
    objects: &[Object],
    custom_stage_kinds: &BTreeSet<GroupKind>,
) -> Vec<(Stage, Vec<Object>)> {
    let mut stages: Vec<(Stage, Vec<Object>)> =
        Stage::ALL.iter().map(|s| (*s, Vec::new())).collect();
    for o in objects {
        let stage = stage_of(o, custom_stage_kinds);
        if let Some((_, list)) = stages.iter_mut().find(|(s, _)| *s == stage) {
            list.push(o.clone());
        }
    }
    stages.retain(|(_, list)| !list.is_empty());
    for (_, list) in &mut stages {
        sort_objects(list);
    }
    stages
}

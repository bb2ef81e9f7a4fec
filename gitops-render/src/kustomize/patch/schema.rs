//! Patch merge keys of built-in Kubernetes types, for strategic merge patches.
//!
//! kustomize takes these from its built-in OpenAPI document (`x-kubernetes-patch-strategy`,
//! `x-kubernetes-patch-merge-key`, `x-kubernetes-list-map-keys`). Lists of types not in the
//! table, and every list of a custom resource, are replaced by a patch.
//!
//! TODO: the issue wants this table generated from the `_definitions.json` of the PyPI
//! package kubernetes-validate (a `gitops-render/scripts/gen-merge-keys.py` generator);
//! this hand-written table covers the common PodSpec, Service, RBAC and webhook types.

/// How a list field merges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListMerge {
    /// Elements are maps merged by these keys (the first is the patch merge key).
    Keys(&'static [&'static str]),
    /// Elements are scalars; the patch's and the object's values are united.
    Primitive,
}

/// A type of the schema (an index into the table), `None` when unknown.
pub type Ty = Option<&'static str>;

/// (type, field, type of the field's value or of its elements, list merge strategy).
const FIELDS: &[(&str, &str, &str, Option<ListMerge>)] = &[
    ("Object", "metadata", "ObjectMeta", None),
    ("ObjectMeta", "finalizers", "", Some(ListMerge::Primitive)),
    ("ObjectMeta", "ownerReferences", "", Some(ListMerge::Keys(&["uid"]))),
    ("Workload", "metadata", "ObjectMeta", None),
    ("Workload", "spec", "WorkloadSpec", None),
    ("WorkloadSpec", "template", "PodTemplateSpec", None),
    ("CronJob", "metadata", "ObjectMeta", None),
    ("CronJob", "spec", "CronJobSpec", None),
    ("CronJobSpec", "jobTemplate", "Workload", None),
    ("PodTemplate", "metadata", "ObjectMeta", None),
    ("PodTemplate", "template", "PodTemplateSpec", None),
    ("PodTemplateSpec", "metadata", "ObjectMeta", None),
    ("PodTemplateSpec", "spec", "PodSpec", None),
    ("Pod", "metadata", "ObjectMeta", None),
    ("Pod", "spec", "PodSpec", None),
    ("PodSpec", "containers", "Container", Some(ListMerge::Keys(&["name"]))),
    ("PodSpec", "initContainers", "Container", Some(ListMerge::Keys(&["name"]))),
    ("PodSpec", "ephemeralContainers", "Container", Some(ListMerge::Keys(&["name"]))),
    ("PodSpec", "volumes", "", Some(ListMerge::Keys(&["name"]))),
    ("PodSpec", "imagePullSecrets", "", Some(ListMerge::Keys(&["name"]))),
    ("PodSpec", "hostAliases", "", Some(ListMerge::Keys(&["ip"]))),
    ("PodSpec", "topologySpreadConstraints", "", Some(ListMerge::Keys(&["topologyKey", "whenUnsatisfiable"]))),
    ("PodSpec", "resourceClaims", "", Some(ListMerge::Keys(&["name"]))),
    ("PodSpec", "schedulingGates", "", Some(ListMerge::Keys(&["name"]))),
    ("Container", "ports", "", Some(ListMerge::Keys(&["containerPort", "protocol"]))),
    ("Container", "env", "", Some(ListMerge::Keys(&["name"]))),
    ("Container", "volumeMounts", "", Some(ListMerge::Keys(&["mountPath"]))),
    ("Container", "volumeDevices", "", Some(ListMerge::Keys(&["devicePath"]))),
    ("Service", "metadata", "ObjectMeta", None),
    ("Service", "spec", "ServiceSpec", None),
    ("ServiceSpec", "ports", "", Some(ListMerge::Keys(&["port", "protocol"]))),
    ("Webhooks", "metadata", "ObjectMeta", None),
    ("Webhooks", "webhooks", "", Some(ListMerge::Keys(&["name"]))),
];

/// Root types by kind (built-in groups only).
const KINDS: &[(&str, &str, &str)] = &[
    ("apps", "Deployment", "Workload"),
    ("apps", "StatefulSet", "Workload"),
    ("apps", "DaemonSet", "Workload"),
    ("apps", "ReplicaSet", "Workload"),
    ("extensions", "Deployment", "Workload"),
    ("extensions", "DaemonSet", "Workload"),
    ("extensions", "ReplicaSet", "Workload"),
    ("batch", "Job", "Workload"),
    ("batch", "CronJob", "CronJob"),
    ("", "ReplicationController", "Workload"),
    ("", "PodTemplate", "PodTemplate"),
    ("", "Pod", "Pod"),
    ("", "Service", "Service"),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration", "Webhooks"),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration", "Webhooks"),
];

/// Built-in API groups: objects of these groups without a specific entry get `ObjectMeta`.
const BUILTIN_GROUPS: &[&str] = &[
    "",
    "apps",
    "batch",
    "extensions",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "policy",
    "autoscaling",
    "storage.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "apiextensions.k8s.io",
    "admissionregistration.k8s.io",
    "apiregistration.k8s.io",
    "certificates.k8s.io",
    "discovery.k8s.io",
    "node.k8s.io",
    "events.k8s.io",
];

/// The root type of an object of `group` and `kind`.
pub fn root(group: &str, kind: &str) -> Ty {
    if let Some((_, _, ty)) = KINDS.iter().find(|(g, k, _)| *g == group && *k == kind) {
        return Some(ty);
    }
    BUILTIN_GROUPS.contains(&group).then_some("Object")
}

/// The type of `field` of a value of type `ty`, and how it merges when it is a list.
pub fn field(ty: Ty, field: &str) -> (Ty, Option<ListMerge>) {
    let Some(ty) = ty else { return (None, None) };
    match FIELDS.iter().find(|(t, f, _, _)| *t == ty && *f == field) {
        Some((_, _, child, merge)) => ((!child.is_empty()).then_some(*child), *merge),
        None => (None, None),
    }
}

//! The resource registry: built-in kinds a GitOps repository contains, plus the custom
//! resources registered by creating CustomResourceDefinition objects.
//!
//! Each [`ResourceInfo`] carries what discovery publishes (plural, singular, kind, scope,
//! verbs, short names, categories, subresources) and what the store needs
//! ([`ResourceInfo::resource_type`], with the generation policy of facts #8).

use serde_json::Value;

use crate::store::{GenerationPolicy, ResourceType};

/// The verbs of an ordinary resource, as discovery lists them.
pub const ALL_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// One served resource of one group-version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceInfo {
    /// API group, empty for core.
    pub group: String,
    /// Version.
    pub version: String,
    /// Plural (`deployments`).
    pub resource: String,
    /// Singular (`deployment`).
    pub singular: String,
    /// Kind (`Deployment`).
    pub kind: String,
    /// Namespace-scoped.
    pub namespaced: bool,
    /// Discovery verbs.
    pub verbs: Vec<String>,
    /// Short names (`deploy`).
    pub short_names: Vec<String>,
    /// Categories (`all`).
    pub categories: Vec<String>,
    /// Subresources served (`status`, `scale`).
    pub subresources: Vec<String>,
    /// Generation behaviour.
    pub generation: GenerationPolicy,
    /// Registered by a CRD (`None` for built-ins): the CRD's name.
    pub crd: Option<String>,
    /// The CRD version's `additionalPrinterColumns` (empty for built-ins).
    pub printer_columns: Vec<Value>,
}

impl ResourceInfo {
    /// `group/version` or `version` for core.
    pub fn group_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The store's view of this resource.
    pub fn resource_type(&self) -> ResourceType {
        let base = if self.namespaced {
            ResourceType::namespaced(&self.group, &self.version, &self.resource, &self.kind)
        } else {
            ResourceType::cluster(&self.group, &self.version, &self.resource, &self.kind)
        };
        base.with_generation(self.generation)
    }
}

/// (group, version, plural, kind, namespaced, short names, categories, subresources).
type Builtin = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [&'static str],
    bool,
    &'static [&'static str],
);

const ST: &[&str] = &["status"];
const SC: &[&str] = &["status", "scale"];
const NO: &[&str] = &[];

/// The built-in table. The 7th field says whether the resource is in category `all`.
const BUILTINS: &[Builtin] = &[
    (
        "",
        "v1",
        "namespaces",
        "Namespace",
        false,
        &["ns"],
        false,
        ST,
    ),
    (
        "",
        "v1",
        "configmaps",
        "ConfigMap",
        true,
        &["cm"],
        false,
        NO,
    ),
    ("", "v1", "secrets", "Secret", true, NO, false, NO),
    ("", "v1", "services", "Service", true, &["svc"], true, ST),
    (
        "",
        "v1",
        "serviceaccounts",
        "ServiceAccount",
        true,
        &["sa"],
        false,
        NO,
    ),
    ("", "v1", "endpoints", "Endpoints", true, &["ep"], false, NO),
    ("", "v1", "events", "Event", true, &["ev"], false, NO),
    ("", "v1", "pods", "Pod", true, &["po"], true, ST),
    (
        "",
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        true,
        &["pvc"],
        false,
        ST,
    ),
    (
        "",
        "v1",
        "persistentvolumes",
        "PersistentVolume",
        false,
        &["pv"],
        false,
        ST,
    ),
    (
        "",
        "v1",
        "limitranges",
        "LimitRange",
        true,
        &["limits"],
        false,
        NO,
    ),
    (
        "",
        "v1",
        "resourcequotas",
        "ResourceQuota",
        true,
        &["quota"],
        false,
        ST,
    ),
    (
        "apps",
        "v1",
        "deployments",
        "Deployment",
        true,
        &["deploy"],
        true,
        SC,
    ),
    (
        "apps",
        "v1",
        "statefulsets",
        "StatefulSet",
        true,
        &["sts"],
        true,
        SC,
    ),
    (
        "apps",
        "v1",
        "daemonsets",
        "DaemonSet",
        true,
        &["ds"],
        true,
        ST,
    ),
    (
        "apps",
        "v1",
        "replicasets",
        "ReplicaSet",
        true,
        &["rs"],
        true,
        SC,
    ),
    (
        "apps",
        "v1",
        "controllerrevisions",
        "ControllerRevision",
        true,
        NO,
        false,
        NO,
    ),
    ("batch", "v1", "jobs", "Job", true, NO, true, ST),
    (
        "batch",
        "v1",
        "cronjobs",
        "CronJob",
        true,
        &["cj"],
        true,
        ST,
    ),
    (
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        true,
        &["hpa"],
        true,
        ST,
    ),
    (
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        true,
        &["pdb"],
        false,
        ST,
    ),
    (
        "networking.k8s.io",
        "v1",
        "ingresses",
        "Ingress",
        true,
        &["ing"],
        false,
        ST,
    ),
    (
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        true,
        &["netpol"],
        false,
        NO,
    ),
    (
        "networking.k8s.io",
        "v1",
        "ingressclasses",
        "IngressClass",
        false,
        NO,
        false,
        NO,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        "Role",
        true,
        NO,
        false,
        NO,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        true,
        NO,
        false,
        NO,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        false,
        NO,
        false,
        NO,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
        NO,
        false,
        NO,
    ),
    (
        "storage.k8s.io",
        "v1",
        "storageclasses",
        "StorageClass",
        false,
        &["sc"],
        false,
        NO,
    ),
    (
        "coordination.k8s.io",
        "v1",
        "leases",
        "Lease",
        true,
        NO,
        false,
        NO,
    ),
    (
        "events.k8s.io",
        "v1",
        "events",
        "Event",
        true,
        &["ev"],
        false,
        NO,
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        false,
        NO,
        false,
        NO,
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        false,
        NO,
        false,
        NO,
    ),
    (
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        false,
        &["crd", "crds"],
        false,
        ST,
    ),
    (
        "scheduling.k8s.io",
        "v1",
        "priorityclasses",
        "PriorityClass",
        false,
        &["pc"],
        false,
        NO,
    ),
];

/// All served resources.
#[derive(Debug, Clone)]
pub struct Registry {
    entries: Vec<ResourceInfo>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::builtin()
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_string()).collect()
}

fn str_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

impl Registry {
    /// The built-in kinds only.
    pub fn builtin() -> Self {
        let entries = BUILTINS
            .iter()
            .map(|(g, v, r, k, ns, short, all, sub)| {
                let verbs = if *r == "namespaces" {
                    strings(&[
                        "create", "delete", "get", "list", "patch", "update", "watch",
                    ])
                } else {
                    strings(ALL_VERBS)
                };
                ResourceInfo {
                    group: (*g).into(),
                    version: (*v).into(),
                    resource: (*r).into(),
                    singular: k.to_ascii_lowercase(),
                    kind: (*k).into(),
                    namespaced: *ns,
                    verbs,
                    short_names: strings(short),
                    categories: if *all { strings(&["all"]) } else { Vec::new() },
                    subresources: strings(sub),
                    generation: GenerationPolicy::for_builtin(g, r),
                    crd: None,
                    printer_columns: Vec::new(),
                }
            })
            .collect();
        Self { entries }
    }

    /// Every entry, in registration order (built-ins first).
    pub fn entries(&self) -> &[ResourceInfo] {
        &self.entries
    }

    /// The entry serving `group/version` `resource`.
    pub fn lookup(&self, group: &str, version: &str, resource: &str) -> Option<&ResourceInfo> {
        self.entries
            .iter()
            .find(|e| e.group == group && e.version == version && e.resource == resource)
    }

    /// The entry of `kind` in `group` (any version).
    pub fn by_kind(&self, group: &str, kind: &str) -> Option<&ResourceInfo> {
        self.entries
            .iter()
            .find(|e| e.group == group && e.kind == kind)
    }

    /// Group names (core `""` first) with their versions in preference order.
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for e in &self.entries {
            match out.iter_mut().find(|(g, _)| *g == e.group) {
                Some((_, vs)) if !vs.contains(&e.version) => vs.push(e.version.clone()),
                Some(_) => {}
                None => out.push((e.group.clone(), vec![e.version.clone()])),
            }
        }
        out
    }

    /// The entries of one group-version.
    pub fn group_version(&self, group: &str, version: &str) -> Vec<&ResourceInfo> {
        self.entries
            .iter()
            .filter(|e| e.group == group && e.version == version)
            .collect()
    }

    /// Registers (or re-registers) the served versions of a CustomResourceDefinition
    /// object. Returns false when the object lacks group, names or versions.
    pub fn register_crd(&mut self, crd: &Value) -> bool {
        let name = crd
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let spec = crd.get("spec").cloned().unwrap_or(Value::Null);
        let group = spec
            .get("group")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let names = spec.get("names").cloned().unwrap_or(Value::Null);
        let plural = names
            .get("plural")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let kind = names
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if group.is_empty() || plural.is_empty() || kind.is_empty() {
            return false;
        }
        self.unregister_crd(&name);
        let singular = names
            .get("singular")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map_or_else(|| kind.to_ascii_lowercase(), str::to_string);
        let namespaced = spec.get("scope").and_then(Value::as_str) != Some("Cluster");
        let versions = spec
            .get("versions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for v in &versions {
            let Some(version) = v.get("name").and_then(Value::as_str) else {
                continue;
            };
            if v.get("served").and_then(Value::as_bool) == Some(false) {
                continue;
            }
            let mut subresources = Vec::new();
            if v.pointer("/subresources/status").is_some() {
                subresources.push("status".to_string());
            }
            if v.pointer("/subresources/scale").is_some() {
                subresources.push("scale".to_string());
            }
            self.entries.push(ResourceInfo {
                group: group.clone(),
                version: version.into(),
                resource: plural.clone(),
                singular: singular.clone(),
                kind: kind.clone(),
                namespaced,
                verbs: strings(ALL_VERBS),
                short_names: str_list(names.get("shortNames")),
                categories: str_list(names.get("categories")),
                subresources,
                generation: GenerationPolicy::NonMetadata,
                crd: Some(name.clone()),
                printer_columns: v
                    .get("additionalPrinterColumns")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            });
        }
        true
    }

    /// Removes the resources a CRD registered.
    pub fn unregister_crd(&mut self, crd_name: &str) {
        self.entries.retain(|e| e.crd.as_deref() != Some(crd_name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builtins_and_crds() {
        let mut r = Registry::builtin();
        assert!(
            r.lookup("apps", "v1", "deployments")
                .is_some_and(|d| d.generation == GenerationPolicy::SpecOrAnnotations)
        );
        assert!(
            r.lookup("", "v1", "configmaps")
                .is_some_and(|d| d.generation == GenerationPolicy::None)
        );
        let crd = json!({"metadata": {"name": "widgets.example.com"}, "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"]},
            "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}}}, {"name": "v0", "served": false}]}});
        assert!(r.register_crd(&crd));
        let w = r
            .lookup("example.com", "v1", "widgets")
            .expect("registered");
        assert_eq!(w.singular, "widget");
        assert_eq!(w.subresources, vec!["status"]);
        assert!(r.lookup("example.com", "v0", "widgets").is_none());
        r.unregister_crd("widgets.example.com");
        assert!(r.lookup("example.com", "v1", "widgets").is_none());
    }
}

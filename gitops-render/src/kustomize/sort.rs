//! Output order: kustomize's legacy kind order, or input order.

use super::Reorder;
use super::kustomization::SortOptions;
use super::resource::Resource;

/// kustomize's legacy order: these kinds first, in this order…
const ORDER_FIRST: [&str; 17] = [
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
];
/// …and these last.
const ORDER_LAST: [&str; 2] = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];

/// Orders resources per `--reorder` and the kustomization's `sortOptions` (which win).
pub fn order(resources: &mut [Resource], reorder: Reorder, options: Option<&SortOptions>) {
    match options.and_then(|o| o.order.as_deref()) {
        Some("fifo") => {}
        Some("legacy") => {
            let legacy = options.and_then(|o| o.legacy_sort_options.as_ref());
            let first: Vec<&str> = legacy.map_or(ORDER_FIRST.to_vec(), |l| l.order_first.iter().map(String::as_str).collect());
            let last: Vec<&str> = legacy.map_or(ORDER_LAST.to_vec(), |l| l.order_last.iter().map(String::as_str).collect());
            legacy_sort(resources, &first, &last);
        }
        _ if reorder == Reorder::Legacy => legacy_sort(resources, &ORDER_FIRST, &ORDER_LAST),
        _ => {}
    }
}

/// Stable sort by kind rank, then by id (gvk, namespace, name), as kustomize's
/// `legacyIDSorter` does.
fn legacy_sort(resources: &mut [Resource], first: &[&str], last: &[&str]) {
    let rank = |kind: &str| -> i64 {
        if let Some(i) = first.iter().position(|k| *k == kind) {
            return i as i64 - first.len() as i64;
        }
        if let Some(i) = last.iter().position(|k| *k == kind) {
            return 1 + i as i64;
        }
        0
    };
    resources.sort_by(|a, b| {
        let (ia, ib) = (a.id(), b.id());
        rank(&ia.kind)
            .cmp(&rank(&ib.kind))
            .then_with(|| gvk_string(&ia).cmp(&gvk_string(&ib)))
            .then_with(|| ia.namespace.cmp(&ib.namespace))
            .then_with(|| ia.name.cmp(&ib.name))
    });
}

/// kustomize's `Gvk.String()`: `[noGrp]`-style placeholders for empty parts.
fn gvk_string(id: &super::resource::ResId) -> String {
    let group = if id.group.is_empty() { "~G" } else { &id.group };
    let version = if id.version.is_empty() { "~V" } else { &id.version };
    let kind = if id.kind.is_empty() { "~K" } else { &id.kind };
    format!("{group}_{version}_{kind}")
}

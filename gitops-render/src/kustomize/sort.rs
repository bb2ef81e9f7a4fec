//! Output order: kustomize's legacy kind order, or input order.

use super::Reorder;
use super::kustomization::SortOptions;
use super::resource::{ResId, Resource};

/// kustomize's legacy order: these kinds first, in this order…
const ORDER_FIRST: [&str; 22] = [
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
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];
/// …and these last.
const ORDER_LAST: [&str; 2] = [
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// Checks the top kustomization's `sortOptions` as kustomize's `SortOrderTransformer`
/// does before sorting (`sortOptions` of other kustomizations are never read): the order
/// must be `fifo` or `legacy`, and `legacySortOptions` only goes with `legacy`. The
/// build calls it (mapping the message to [`Error::SortOptions`](super::Error)) before
/// [`order`].
pub fn validate(options: Option<&SortOptions>) -> Result<(), String> {
    let Some(options) = options else {
        return Ok(());
    };
    let order = options.order.as_deref().unwrap_or("");
    if order != "fifo" && order != "legacy" {
        return Err("the field 'sortOptions.order' must be one of [fifo, legacy]".into());
    }
    if order == "fifo" && options.legacy_sort_options.is_some() {
        return Err(format!(
            "the field 'sortOptions.legacySortOptions' is set but the selected sort order is '{order}', not 'legacy'"
        ));
    }
    Ok(())
}

/// Orders resources per `--reorder` and the kustomization's `sortOptions` (which win).
pub fn order(resources: &mut [Resource], reorder: Reorder, options: Option<&SortOptions>) {
    match options.and_then(|o| o.order.as_deref()) {
        Some("fifo") => {}
        Some("legacy") => {
            let legacy = options.and_then(|o| o.legacy_sort_options.as_ref());
            let first: Vec<&str> = legacy.map_or(ORDER_FIRST.to_vec(), |l| {
                l.order_first.iter().map(String::as_str).collect()
            });
            let last: Vec<&str> = legacy.map_or(ORDER_LAST.to_vec(), |l| {
                l.order_last.iter().map(String::as_str).collect()
            });
            legacy_sort(resources, &first, &last);
        }
        _ if reorder == Reorder::Legacy => legacy_sort(resources, &ORDER_FIRST, &ORDER_LAST),
        _ => {}
    }
}

/// kustomize's `legacyIDSorter`: resources of different GVKs by kind rank, then by the
/// GVK sort string (two `Namespace` kinds, one of them in the core group, in reverse);
/// resources of the same GVK by the `namespace|name` string (`~X`/`~N` for empty parts).
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
    struct Key {
        id: ResId,
        rank: i64,
        gvk: String,
        ns_name: String,
    }
    let keys: Vec<Key> = resources
        .iter()
        .map(|r| {
            let id = r.id();
            Key {
                rank: rank(&id.kind),
                gvk: gvk_string(&id),
                ns_name: id_sort_string(&id),
                id,
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..resources.len()).collect();
    order.sort_by(|&a, &b| {
        let (ka, kb) = (&keys[a], &keys[b]);
        let (ia, ib) = (&ka.id, &kb.id);
        let same_gvk = ia.group == ib.group && ia.version == ib.version && ia.kind == ib.kind;
        if !same_gvk {
            if ka.rank != kb.rank {
                return ka.rank.cmp(&kb.rank);
            }
            if ia.kind == "Namespace"
                && ib.kind == "Namespace"
                && (ia.group.is_empty() || ib.group.is_empty())
            {
                return kb.gvk.cmp(&ka.gvk);
            }
            return ka.gvk.cmp(&kb.gvk);
        }
        ka.ns_name.cmp(&kb.ns_name)
    });
    // Position i takes the resource at order[i]; earlier positions already hold theirs,
    // so follow the chain of swaps to where that resource is now.
    for i in 0..order.len() {
        let mut from = order[i];
        while from < i {
            from = order[from];
        }
        resources.swap(i, from);
    }
}

/// The namespace and name part of kustomize's `legacyResIDSortString` (the GVK part is
/// equal whenever it is compared).
fn id_sort_string(id: &ResId) -> String {
    let ns = if id.namespace.is_empty() {
        "~X"
    } else {
        &id.namespace
    };
    let name = if id.name.is_empty() { "~N" } else { &id.name };
    format!("{ns}|{name}")
}

/// kustomize's `Gvk.String()`: `[noGrp]`-style placeholders for empty parts.
fn gvk_string(id: &ResId) -> String {
    let group = if id.group.is_empty() { "~G" } else { &id.group };
    let version = if id.version.is_empty() {
        "~V"
    } else {
        &id.version
    };
    let kind = if id.kind.is_empty() { "~K" } else { &id.kind };
    format!("{group}_{version}_{kind}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kustomize::kustomization::LegacySortOptions;

    #[test]
    fn sort_options_are_validated_like_kubectl() {
        let opts = |order: Option<&str>, legacy: bool| SortOptions {
            order: order.map(str::to_string),
            legacy_sort_options: legacy.then(LegacySortOptions::default),
        };
        assert_eq!(validate(None), Ok(()));
        assert_eq!(validate(Some(&opts(Some("legacy"), true))), Ok(()));
        assert_eq!(validate(Some(&opts(Some("fifo"), false))), Ok(()));
        let must = Err("the field 'sortOptions.order' must be one of [fifo, legacy]".to_string());
        assert_eq!(validate(Some(&opts(None, false))), must);
        assert_eq!(validate(Some(&opts(Some("Legacy"), false))), must);
        assert_eq!(
            validate(Some(&opts(Some("fifo"), true))),
            Err("the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy'".into())
        );
    }
}

//! Merging transformer configurations the way kustomize's `TransformerConfig.Merge` does:
//! a spec is added unless the list already holds one with the same path whose
//! group/version/kind the new spec's selects (so an existing `kind: Foo` spec absorbs a
//! later kind-less one), and every list is then sorted by kind order and
//! `group_version_kind` text (`Gvk.IsLessThan`). Merging is therefore order-sensitive, as
//! in kustomize: `[]` merged with `[{kind: Foo}, {}]` keeps only the `Foo` spec.

use super::{FieldSpec, NameBackRefs, Provenance, TransformerConfig};

/// Kinds kustomize orders first (`orderFirst`), then last (`orderLast`).
const ORDER_FIRST: [&str; 21] = [
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
const ORDER_LAST: [&str; 2] = [
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

fn kind_rank(kind: &str) -> i64 {
    if let Some(i) = ORDER_FIRST.iter().position(|k| *k == kind) {
        return i as i64 - ORDER_FIRST.len() as i64;
    }
    ORDER_LAST
        .iter()
        .position(|k| *k == kind)
        .map_or(0, |i| i as i64 + 1)
}

/// kustomize's `Gvk.String()`: `group_version_kind` with `~G`, `~V`, `~K` for empty parts.
fn gvk_text(group: &str, version: &str, kind: &str) -> String {
    let or = |s: &str, d: &str| {
        if s.is_empty() {
            d.to_string()
        } else {
            s.to_string()
        }
    };
    format!(
        "{}_{}_{}",
        or(group, "~G"),
        or(version, "~V"),
        or(kind, "~K")
    )
}

fn spec_gvk(s: &FieldSpec) -> (&str, &str, &str) {
    (&s.group, &s.version, &s.kind)
}

/// Whether `spec`'s group/version/kind selects `existing`'s (empty parts are wildcards).
fn selected_by(existing: &FieldSpec, spec: &FieldSpec) -> bool {
    (spec.group.is_empty() || spec.group == existing.group)
        && (spec.version.is_empty() || spec.version == existing.version)
        && (spec.kind.is_empty() || spec.kind == existing.kind)
}

/// kustomize's `FsSlice.MergeAll`: appends each spec not already covered.
pub(super) fn merge_specs(mine: &mut Vec<FieldSpec>, theirs: Vec<FieldSpec>) {
    for spec in theirs {
        if !mine
            .iter()
            .any(|e| e.path == spec.path && selected_by(e, &spec))
        {
            mine.push(spec);
        }
    }
}

/// kustomize's `Gvk.IsLessThan` as a sort key: the kind's rank, then the `Gvk.String()` text.
fn gvk_key((group, version, kind): (&str, &str, &str)) -> (i64, String) {
    (kind_rank(kind), gvk_text(group, version, kind))
}

fn sort_specs(list: &mut [FieldSpec]) {
    list.sort_by_cached_key(|s| gvk_key(spec_gvk(s)));
}

impl TransformerConfig {
    /// Merges `other` into this configuration, as kustomize's `TransformerConfig.Merge`
    /// (see the module documentation); `nameReference` entries of the same referenced
    /// group/version/kind combine their field specs.
    pub fn merge(&mut self, other: TransformerConfig) {
        // Every spec covers itself and covering is transitive, so merging a part of the
        // built-in configuration into one that covers all of it changes nothing (the
        // common case: every kustomization level merges the built-in specs).
        let covers = |p: Provenance| p != Provenance::Other;
        let part_of_builtin =
            |c: &TransformerConfig| c.provenance == Provenance::Builtin || c.is_empty();
        if other.is_empty() || (other.provenance == Provenance::Builtin && covers(self.provenance))
        {
            return;
        }
        self.provenance = match (
            part_of_builtin(self) && part_of_builtin(&other),
            covers(self.provenance) || covers(other.provenance),
        ) {
            (true, true) => Provenance::Builtin,
            (false, true) => Provenance::CoversBuiltin,
            (_, false) => Provenance::Other,
        };
        let lists = [
            (&mut self.name_prefix, other.name_prefix),
            (&mut self.name_suffix, other.name_suffix),
            (&mut self.namespace, other.namespace),
            (&mut self.common_labels, other.common_labels),
            (&mut self.template_labels, other.template_labels),
            (&mut self.labels, other.labels),
            (&mut self.common_annotations, other.common_annotations),
            (&mut self.var_reference, other.var_reference),
            (&mut self.images, other.images),
            (&mut self.replicas, other.replicas),
        ];
        for (mine, theirs) in lists {
            merge_specs(mine, theirs);
        }
        for backref in other.name_reference {
            let same = |b: &&mut NameBackRefs| {
                b.group == backref.group && b.version == backref.version && b.kind == backref.kind
            };
            match self.name_reference.iter_mut().find(|b| same(b)) {
                Some(existing) => merge_specs(&mut existing.field_specs, backref.field_specs),
                None => self.name_reference.push(backref),
            }
        }
        self.sort();
    }

    /// Whether the configuration has no field specs at all.
    fn is_empty(&self) -> bool {
        [
            &self.name_prefix,
            &self.name_suffix,
            &self.namespace,
            &self.common_labels,
            &self.template_labels,
            &self.labels,
            &self.common_annotations,
            &self.var_reference,
            &self.images,
            &self.replicas,
        ]
        .iter()
        .all(|l| l.is_empty())
            && self.name_reference.is_empty()
    }

    /// Sorts every list (and the `nameReference` entries, not their field specs) by
    /// kustomize's group/version/kind order; equal keys keep their order.
    pub(super) fn sort(&mut self) {
        for list in [
            &mut self.name_prefix,
            &mut self.name_suffix,
            &mut self.namespace,
            &mut self.common_labels,
            &mut self.template_labels,
            &mut self.labels,
            &mut self.common_annotations,
            &mut self.var_reference,
            &mut self.images,
            &mut self.replicas,
        ] {
            sort_specs(list);
        }
        self.name_reference
            .sort_by_cached_key(|b| gvk_key((&b.group, &b.version, &b.kind)));
    }
}

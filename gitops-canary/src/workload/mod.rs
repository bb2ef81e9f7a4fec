//! What Flagger creates for a Canary's target workload: the `<target>-primary` Deployment or
//! DaemonSet ([`primary_workload`]), the ClusterIP services `<svc>`, `<svc>-primary` and
//! `<svc>-canary` ([`services`]), the primary HorizontalPodAutoscaler ([`primary_hpa`]), the
//! `-primary` copies of tracked ConfigMaps and Secrets ([`primary_configs`]) with their
//! checksums ([`tracked_configs`]), and the pod-template hash used for change detection
//! ([`spec_hash`]).
//!
//! Everything here is pure: objects in, objects out. The behaviour follows Flagger's
//! `pkg/canary/deployment_controller.go`, `daemonset_controller.go`, `config_tracker.go`,
//! `hpa_reconciler.go`, `util.go` and `pkg/router/kubernetes_default.go`; where we differ
//! (random ids, Go map order, the spew hash) the item's documentation says so.

mod configs;
pub(crate) mod hash;
mod hpa;
mod primary;
mod services;

use serde_json::{Map, Value, json};

use gitops_core::api::flagger::Canary;

pub use configs::{
    CONFIG_TRACKING_ANNOTATION, ConfigKind, ConfigRef, apply_primary_configs, primary_configs,
    target_config_refs, tracked_configs,
};
pub use hash::{flagger_id, safe_encode_string, spec_hash};
pub use hpa::primary_hpa;
pub use primary::primary_workload;
pub(crate) use services::{FLUX_DISABLED_ANNOTATIONS, service_object};
pub use services::{discover_ports, services};

/// Why the objects of a target could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The target's kind is not one Flagger manages here.
    #[error("{object}: kind '{kind}' is not supported (expected Deployment or DaemonSet)")]
    UnsupportedKind {
        /// `Kind/namespace/name` of the object.
        object: String,
        /// The kind found.
        kind: String,
    },
    /// A required field is missing or has the wrong type.
    #[error("{object}: field '{field}' is missing or invalid")]
    Field {
        /// `Kind/namespace/name` of the object.
        object: String,
        /// Path of the field.
        field: String,
    },
    /// The workload's selector has none of the selector labels.
    #[error("{object}: spec.selector.matchLabels must contain one of {labels:?}")]
    SelectorLabel {
        /// `Kind/namespace/name` of the workload.
        object: String,
        /// The selector labels looked for.
        labels: Vec<String>,
    },
    /// A DaemonSet target does not use the RollingUpdate strategy.
    #[error("{object}: must have RollingUpdate strategy but has {strategy}")]
    DaemonSetStrategy {
        /// `Kind/namespace/name` of the DaemonSet.
        object: String,
        /// The strategy found.
        strategy: String,
    },
    /// A ConfigMap or Secret the pod template requires (not `optional`) was not given.
    #[error(
        "{kind} {namespace}/{name} is referenced by the target's pod template but was not found"
    )]
    MissingConfig {
        /// `configmap` or `secret`.
        kind: &'static str,
        /// Namespace of the canary.
        namespace: String,
        /// Name of the missing object.
        name: String,
    },
    /// The canary has no `spec.autoscalerRef` but an autoscaler was given, or the reverse.
    #[error("canary {canary}: {message}")]
    Autoscaler {
        /// `namespace/name` of the canary.
        canary: String,
        /// What is wrong.
        message: String,
    },
}

/// How Flagger was started: the flags that shape the generated objects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// `-selector-labels`: the pod labels Flagger uses to build selectors, in order of
    /// preference (default `app`, `name`, `app.kubernetes.io/name`).
    pub selector_labels: Vec<String>,
    /// `-include-label-prefix`: prefixes of the labels copied to the primary objects
    /// (`*` for all). Flagger's default (an empty flag) copies none.
    pub include_label_prefix: Vec<String>,
    /// `-enable-config-tracking` (default on).
    pub config_tracking: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            selector_labels: vec![
                "app".to_string(),
                "name".to_string(),
                "app.kubernetes.io/name".to_string(),
            ],
            include_label_prefix: Vec::new(),
            config_tracking: true,
        }
    }
}

/// Flagger's marker for Flux's own labels and annotations, never copied to primaries.
pub(crate) const TOOLKIT_MARKER: &str = "toolkit.fluxcd.io";

/// The controller owner reference Flagger sets on what it generates
/// (`metav1.NewControllerRef(canary, flagger.app/v1beta1 Canary)`).
pub fn owner_reference(canary: &Canary) -> Value {
    json!({
        "apiVersion": gitops_core::api::flagger::API_VERSION,
        "kind": "Canary",
        "name": canary.metadata.name.clone().unwrap_or_default(),
        "uid": canary.metadata.uid.clone().unwrap_or_default(),
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// `namespace/name` of a canary, for messages.
pub(crate) fn canary_ref(canary: &Canary) -> String {
    format!(
        "{}/{}",
        canary.metadata.namespace.as_deref().unwrap_or_default(),
        canary.metadata.name.as_deref().unwrap_or_default()
    )
}

/// A string map read from a JSON mapping (non-string values are skipped).
pub(crate) fn string_map(value: Option<&Value>) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(Value::Object(m)) = value {
        for (k, v) in m {
            if v.is_string() {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

/// Flagger's `includeLabelsByPrefix`: keys matching one of the prefixes (`*` matches all),
/// never Flux's own keys. Sorted by key (Go maps have no order).
pub(crate) fn include_by_prefix(
    map: &Map<String, Value>,
    prefixes: &[String],
) -> Map<String, Value> {
    let mut keys: Vec<&String> = map
        .keys()
        .filter(|k| !k.contains(TOOLKIT_MARKER))
        .filter(|k| {
            prefixes
                .iter()
                .any(|p| p == "*" || (!p.is_empty() && k.starts_with(p.as_str())))
        })
        .collect();
    keys.sort();
    keys.into_iter()
        .map(|k| (k.clone(), map[k].clone()))
        .collect()
}

/// Flagger's `filterMetadata` of `pkg/canary`: every key except Flux's own, sorted.
pub(crate) fn without_toolkit(map: &Map<String, Value>) -> Map<String, Value> {
    let mut keys: Vec<&String> = map.keys().filter(|k| !k.contains(TOOLKIT_MARKER)).collect();
    keys.sort();
    keys.into_iter()
        .map(|k| (k.clone(), map[k].clone()))
        .collect()
}

/// Flagger's `makePrimaryLabels`: the labels without Flux's keys, with `label` set to
/// `value`.
pub(crate) fn primary_labels(
    labels: &Map<String, Value>,
    label: &str,
    value: &str,
) -> Map<String, Value> {
    let mut out = without_toolkit(labels);
    out.insert(label.to_string(), Value::String(value.to_string()));
    sort_map(out)
}

/// A mapping with its keys sorted.
pub(crate) fn sort_map(map: Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(String, Value)> = map.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().collect()
}

/// The selector label and its value: the first of `labels` present in
/// `spec.selector.matchLabels` (Flagger's `getSelectorLabel`).
pub fn selector_label(
    target: &gitops_core::object::Object,
    labels: &[String],
) -> Result<(String, String), Error> {
    let match_labels = target
        .as_value()
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object);
    for l in labels {
        if let Some(v) = match_labels.and_then(|m| m.get(l)).and_then(Value::as_str) {
            return Ok((l.clone(), v.to_string()));
        }
    }
    Err(Error::SelectorLabel {
        object: target.id().to_string(),
        labels: labels.to_vec(),
    })
}

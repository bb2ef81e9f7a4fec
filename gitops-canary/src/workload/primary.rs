//! The `<target>-primary` Deployment or DaemonSet (Flagger's `createPrimaryDeployment` and
//! `createPrimaryDaemonSet`).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use gitops_core::api::flagger::Canary;
use gitops_core::object::Object;

use super::{
    ConfigRef, Error, Options, apply_primary_configs, include_by_prefix, owner_reference,
    primary_labels, selector_label, string_map, without_toolkit,
};

/// The pod annotation Flagger sets to force a rollout of the primary.
pub const FLAGGER_ID_ANNOTATION: &str = "flagger-id";

/// The primary workload Flagger creates for `target` (a Deployment or DaemonSet):
///
/// - name `<target>-primary`, the canary's namespace, the canary as controller owner;
/// - labels: the target's labels kept by `-include-label-prefix` (none by default), with
///   the selector label (`app`, `name` or `app.kubernetes.io/name`, whichever the target's
///   selector has first) set to `<value>-primary`;
/// - annotations: the target's, without Flux's `*toolkit.fluxcd.io*` keys;
/// - Deployment: `replicas` from the target (1 when unset or 0), `progressDeadlineSeconds`,
///   `minReadySeconds`, `revisionHistoryLimit`, `strategy` copied; DaemonSet:
///   `minReadySeconds`, `revisionHistoryLimit`, `updateStrategy` copied (a strategy other
///   than RollingUpdate is an error);
/// - selector `{<label>: <value>-primary}`; pod labels rewritten the same way; pod
///   annotations without Flux's keys plus `flagger-id: <flagger_id>`;
/// - pod spec: references to tracked configs (`refs`) renamed to their `-primary` copies;
///   for a Deployment, topology-spread and pod-anti-affinity selectors naming the target
///   get the `-primary` suffix too.
///
/// `flagger_id` replaces Flagger's random UUID (see [`super::flagger_id`]).
pub fn primary_workload(
    canary: &Canary,
    target: &Object,
    refs: &BTreeMap<String, ConfigRef>,
    options: &Options,
    flagger_id: &str,
) -> Result<Object, Error> {
    let kind = target.kind();
    if kind != "Deployment" && kind != "DaemonSet" {
        return Err(Error::UnsupportedKind {
            object: target.id().to_string(),
            kind: kind.to_string(),
        });
    }
    let v = target.as_value();
    let spec = v.get("spec").cloned().unwrap_or(json!({}));
    if kind == "DaemonSet" {
        let strategy = spec
            .pointer("/updateStrategy/type")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !strategy.is_empty() && strategy != "RollingUpdate" {
            return Err(Error::DaemonSetStrategy {
                object: target.id().to_string(),
                strategy: strategy.to_string(),
            });
        }
    }
    let (label, value) = selector_label(target, &options.selector_labels)?;
    let primary_value = format!("{value}-primary");
    let namespace = canary.metadata.namespace.clone().unwrap_or_default();
    let primary_name = format!("{}-primary", canary.spec.target_ref.name);

    let labels = include_by_prefix(
        &string_map(v.pointer("/metadata/labels")),
        &options.include_label_prefix,
    );
    let annotations = without_toolkit(&string_map(v.pointer("/metadata/annotations")));
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(primary_name));
    metadata.insert("namespace".into(), json!(namespace));
    metadata.insert(
        "labels".into(),
        Value::Object(primary_labels(&labels, &label, &primary_value)),
    );
    if !annotations.is_empty() {
        metadata.insert("annotations".into(), Value::Object(annotations));
    }
    metadata.insert("ownerReferences".into(), json!([owner_reference(canary)]));

    // pod template
    let template = spec.get("template").cloned().unwrap_or(json!({}));
    let mut pod_spec = template.get("spec").cloned().unwrap_or(json!({}));
    if options.config_tracking {
        apply_primary_configs(&mut pod_spec, refs);
    }
    if kind == "Deployment" {
        suffix_affinity_selectors(&mut pod_spec, target.name(), &options.selector_labels);
    }
    let pod_labels = primary_labels(
        &string_map(template.pointer("/metadata/labels")),
        &label,
        &primary_value,
    );
    let mut pod_annotations =
        without_toolkit(&string_map(template.pointer("/metadata/annotations")));
    pod_annotations.remove(FLAGGER_ID_ANNOTATION);
    pod_annotations.insert(FLAGGER_ID_ANNOTATION.into(), json!(flagger_id));
    let pod_annotations = super::sort_map(pod_annotations);

    let mut new_spec = Map::new();
    if kind == "Deployment" {
        let replicas = spec
            .get("replicas")
            .and_then(Value::as_i64)
            .filter(|r| *r > 0)
            .unwrap_or(1);
        new_spec.insert("replicas".into(), json!(replicas));
    }
    new_spec.insert(
        "selector".into(),
        json!({"matchLabels": {label.clone(): primary_value}}),
    );
    new_spec.insert(
        "template".into(),
        json!({
            "metadata": {"labels": pod_labels, "annotations": pod_annotations},
            "spec": pod_spec,
        }),
    );
    let copied: &[&str] = if kind == "Deployment" {
        &[
            "strategy",
            "minReadySeconds",
            "revisionHistoryLimit",
            "progressDeadlineSeconds",
        ]
    } else {
        &["updateStrategy", "minReadySeconds", "revisionHistoryLimit"]
    };
    for key in copied {
        if let Some(x) = spec.get(*key) {
            new_spec.insert((*key).into(), x.clone());
        }
    }

    let mut out = Map::new();
    out.insert("apiVersion".into(), json!("apps/v1"));
    out.insert("kind".into(), json!(kind));
    out.insert("metadata".into(), Value::Object(metadata));
    out.insert("spec".into(), Value::Object(new_spec));
    Object::from_value(Value::Object(out)).map_err(|_| Error::Field {
        object: target.id().to_string(),
        field: "spec".into(),
    })
}

/// Flagger's `appendPrimarySuffixToValuesIfNeeded` over topology spread constraints and
/// pod anti-affinity terms: a selector-label value equal to the target's name gets
/// `-primary` (only the first matching value of each expression).
fn suffix_affinity_selectors(pod_spec: &mut Value, target_name: &str, labels: &[String]) {
    let fix = |selector: Option<&mut Value>| {
        let Some(selector) = selector else { return };
        if let Some(exprs) = selector
            .get_mut("matchExpressions")
            .and_then(Value::as_array_mut)
        {
            for e in exprs {
                let key = e
                    .get("key")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                if !labels.contains(&key) {
                    continue;
                }
                if let Some(values) = e.get_mut("values").and_then(Value::as_array_mut)
                    && let Some(v) = values.iter_mut().find(|v| v.as_str() == Some(target_name))
                {
                    *v = json!(format!("{target_name}-primary"));
                }
            }
        }
        if let Some(ml) = selector
            .get_mut("matchLabels")
            .and_then(Value::as_object_mut)
        {
            for (k, v) in ml.iter_mut() {
                if labels.contains(k) && v.as_str() == Some(target_name) {
                    *v = json!(format!("{target_name}-primary"));
                }
            }
        }
    };
    if let Some(list) = pod_spec
        .get_mut("topologySpreadConstraints")
        .and_then(Value::as_array_mut)
    {
        for c in list {
            fix(c.get_mut("labelSelector"));
        }
    }
    if let Some(anti) = pod_spec.pointer_mut("/affinity/podAntiAffinity") {
        if let Some(list) = anti
            .get_mut("preferredDuringSchedulingIgnoredDuringExecution")
            .and_then(Value::as_array_mut)
        {
            for t in list {
                fix(t.pointer_mut("/podAffinityTerm/labelSelector"));
            }
        }
        if let Some(list) = anti
            .get_mut("requiredDuringSchedulingIgnoredDuringExecution")
            .and_then(Value::as_array_mut)
        {
            for t in list {
                fix(t.get_mut("labelSelector"));
            }
        }
    }
}

//! The primary HorizontalPodAutoscaler (Flagger's `HPAReconciler`).

use serde_json::{Map, Value, json};

use gitops_core::api::flagger::Canary;
use gitops_core::api::flagger::canary::AutoscalerKind;
use gitops_core::object::Object;

use super::{Error, canary_ref, owner_reference, string_map, without_toolkit};

/// The `<hpa>-primary` autoscaling/v2 HorizontalPodAutoscaler Flagger creates from
/// `spec.autoscalerRef`: `scaleTargetRef` pointing at `<target>-primary` (kind and
/// apiVersion kept), `minReplicas`, `maxReplicas`, `metrics` and `behavior` copied, with
/// `autoscalerRef.primaryScalerReplicas` overriding the bounds; the target HPA's labels
/// without Flux's keys, no annotations, the canary as controller owner.
///
/// KEDA ScaledObjects are not handled here (an error names them).
pub fn primary_hpa(canary: &Canary, hpa: &Object) -> Result<Object, Error> {
    let Some(aref) = &canary.spec.autoscaler_ref else {
        return Err(Error::Autoscaler {
            canary: canary_ref(canary),
            message: "spec.autoscalerRef is not set".into(),
        });
    };
    if aref.kind != AutoscalerKind::HorizontalPodAutoscaler {
        return Err(Error::Autoscaler {
            canary: canary_ref(canary),
            message: format!(
                "spec.autoscalerRef.kind {:?} is not supported (HorizontalPodAutoscaler only)",
                aref.kind
            ),
        });
    }
    if hpa.kind() != "HorizontalPodAutoscaler" {
        return Err(Error::UnsupportedKind {
            object: hpa.id().to_string(),
            kind: hpa.kind().to_string(),
        });
    }
    let v = hpa.as_value();
    let spec = v.get("spec").cloned().unwrap_or(json!({}));
    let mut target_ref = Map::new();
    target_ref.insert(
        "apiVersion".into(),
        spec.pointer("/scaleTargetRef/apiVersion")
            .cloned()
            .unwrap_or(json!("")),
    );
    target_ref.insert(
        "kind".into(),
        spec.pointer("/scaleTargetRef/kind")
            .cloned()
            .unwrap_or(json!("")),
    );
    target_ref.insert(
        "name".into(),
        json!(format!("{}-primary", canary.spec.target_ref.name)),
    );
    let mut new_spec = Map::new();
    new_spec.insert("scaleTargetRef".into(), Value::Object(target_ref));
    let mut min = spec.get("minReplicas").cloned();
    let mut max = spec.get("maxReplicas").cloned().unwrap_or(json!(0));
    if let Some(r) = &aref.primary_scaler_replicas {
        if let Some(m) = r.min_replicas {
            min = Some(json!(m));
        }
        if let Some(m) = r.max_replicas {
            max = json!(m);
        }
    }
    if let Some(min) = min {
        new_spec.insert("minReplicas".into(), min);
    }
    new_spec.insert("maxReplicas".into(), max);
    for key in ["metrics", "behavior"] {
        if let Some(x) = spec.get(key) {
            new_spec.insert(key.into(), x.clone());
        }
    }
    let labels = without_toolkit(&string_map(v.pointer("/metadata/labels")));
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(format!("{}-primary", aref.name)));
    metadata.insert(
        "namespace".into(),
        json!(canary.metadata.namespace.clone().unwrap_or_default()),
    );
    if !labels.is_empty() {
        metadata.insert("labels".into(), Value::Object(labels));
    }
    metadata.insert("ownerReferences".into(), json!([owner_reference(canary)]));
    let out = json!({
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata,
        "spec": new_spec,
    });
    Object::from_value(out).map_err(|_| Error::Field {
        object: hpa.id().to_string(),
        field: "spec".into(),
    })
}

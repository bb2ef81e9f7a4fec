//! The ClusterIP services of a canary (Flagger's `KubernetesDefaultRouter`).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::{Map, Value, json};

use gitops_core::api::flagger::Canary;
use gitops_core::api::flagger::service::CustomMetadata;
use gitops_core::object::Object;

use super::{Error, Options, owner_reference, selector_label};

/// Container names Flagger never takes ports from (mesh sidecars).
const SIDECARS: &[&str] = &["istio-proxy", "envoy"];

/// The annotations Flagger adds to the objects it owns so that Flux does not revert them.
pub(crate) const FLUX_DISABLED_ANNOTATIONS: &[(&str, &str)] = &[
    ("helm.toolkit.fluxcd.io/driftDetection", "disabled"),
    ("kustomize.toolkit.fluxcd.io/reconcile", "disabled"),
];

/// The extra service ports of `spec.service.portDiscovery` (Flagger's `getPorts`): every
/// container port of the target except mesh sidecars' and the one the service already
/// targets, named after the port or `tcp-<container>-<index>`.
///
/// Flagger keeps them in a Go map, so its order is random and a later container's port
/// replaces an earlier one of the same name; we keep the last one too and sort by name.
pub fn discover_ports(canary: &Canary, pod_spec: &Value) -> BTreeMap<String, i64> {
    let mut ports = BTreeMap::new();
    let service = &canary.spec.service;
    let containers = pod_spec.get("containers").and_then(Value::as_array);
    for c in containers.into_iter().flatten() {
        let cname = c.get("name").and_then(Value::as_str).unwrap_or("");
        if SIDECARS.contains(&cname) {
            continue;
        }
        for (i, p) in c
            .get("ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let number = p.get("containerPort").and_then(Value::as_i64).unwrap_or(0);
            let pname = p.get("name").and_then(Value::as_str).unwrap_or("");
            let excluded = match &service.target_port {
                None | Some(IntOrString::Int(0)) => number == i64::from(service.port),
                Some(IntOrString::Int(t)) => number == i64::from(*t),
                Some(IntOrString::String(t)) => pname == t,
            };
            if excluded {
                continue;
            }
            let name = if pname.is_empty() {
                format!("tcp-{cname}-{i}")
            } else {
                pname.to_string()
            };
            ports.insert(name, number);
        }
    }
    ports
}

/// The three ClusterIP services Flagger creates for a Deployment or DaemonSet target, in
/// Flagger's creation order: `<svc>-canary` (selecting `<label>: <value>`),
/// `<svc>-primary` and the apex `<svc>` (both selecting `<label>: <value>-primary`).
///
/// Each has the port `spec.service.port` named `portName` (`http`), protocol TCP,
/// `targetPort` (default: the port), `appProtocol` when set, the discovered ports when
/// `portDiscovery` is on, `clusterIP: None` when `headless`, `trafficDistribution` when
/// set; labels from `spec.service.{canary,primary,apex}.labels` plus `<label>: <service
/// name>`; annotations from the same metadata plus Flagger's two "Flux, keep out"
/// annotations; the canary as controller owner.
pub fn services(canary: &Canary, target: &Object, options: &Options) -> Result<Vec<Object>, Error> {
    if target.kind() != "Deployment" && target.kind() != "DaemonSet" {
        return Err(Error::UnsupportedKind {
            object: target.id().to_string(),
            kind: target.kind().to_string(),
        });
    }
    let (label, value) = selector_label(target, &options.selector_labels)?;
    let ports = if canary.spec.service.port_discovery == Some(true) {
        discover_ports(
            canary,
            target
                .as_value()
                .pointer("/spec/template/spec")
                .unwrap_or(&Value::Null),
        )
    } else {
        BTreeMap::new()
    };
    let (apex, primary, canary_name) = canary.service_names();
    let service = &canary.spec.service;
    let primary_value = format!("{value}-primary");
    Ok(vec![
        service_object(
            canary,
            &canary_name,
            &label,
            &value,
            service.canary.as_ref(),
            &ports,
        )?,
        service_object(
            canary,
            &primary,
            &label,
            &primary_value,
            service.primary.as_ref(),
            &ports,
        )?,
        service_object(
            canary,
            &apex,
            &label,
            &primary_value,
            service.apex.as_ref(),
            &ports,
        )?,
    ])
}

/// One ClusterIP service as Flagger's `reconcileService` creates it.
pub(crate) fn service_object(
    canary: &Canary,
    name: &str,
    label: &str,
    selector_value: &str,
    metadata: Option<&CustomMetadata>,
    extra_ports: &BTreeMap<String, i64>,
) -> Result<Object, Error> {
    let service = &canary.spec.service;
    let target_port = match &service.target_port {
        None | Some(IntOrString::Int(0)) => json!(service.port),
        Some(IntOrString::Int(p)) => json!(p),
        Some(IntOrString::String(s)) => json!(s),
    };
    let mut port = Map::new();
    port.insert("name".into(), json!(service.port_name()));
    port.insert("protocol".into(), json!("TCP"));
    if let Some(ap) = service.app_protocol.as_deref().filter(|s| !s.is_empty()) {
        port.insert("appProtocol".into(), json!(ap));
    }
    port.insert("port".into(), json!(service.port));
    port.insert("targetPort".into(), target_port);
    let mut ports = vec![Value::Object(port)];
    for (n, p) in extra_ports {
        ports.push(json!({"name": n, "protocol": "TCP", "port": p, "targetPort": p}));
    }
    let mut spec = Map::new();
    spec.insert("type".into(), json!("ClusterIP"));
    spec.insert("selector".into(), json!({label: selector_value}));
    spec.insert("ports".into(), Value::Array(ports));
    if service.headless == Some(true) {
        spec.insert("clusterIP".into(), json!("None"));
    }
    if let Some(td) = service.traffic_distribution {
        spec.insert("trafficDistribution".into(), json!(td));
    }

    let mut labels: BTreeMap<String, String> =
        metadata.and_then(|m| m.labels.clone()).unwrap_or_default();
    labels.insert(label.to_string(), name.to_string());
    let mut annotations: BTreeMap<String, String> = metadata
        .and_then(|m| m.annotations.clone())
        .unwrap_or_default();
    for (k, v) in FLUX_DISABLED_ANNOTATIONS {
        annotations.insert((*k).into(), (*v).into());
    }
    let value = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": canary.metadata.namespace.clone().unwrap_or_default(),
            "labels": labels,
            "annotations": annotations,
            "ownerReferences": [owner_reference(canary)],
        },
        "spec": spec,
    });
    Object::from_value(value).map_err(|_| Error::Field {
        object: format!("Service/{name}"),
        field: "metadata".into(),
    })
}

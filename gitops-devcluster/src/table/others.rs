//! Printers of networking, RBAC, storage, coordination, scheduling and admission kinds.

use serde_json::{Value, json};

use super::cells::format_selector;
use super::printers::{AGE, AGE_DESC, NAME, Printer, created_at, int, len, or_none, s};
use super::{Col, age, col, name, wide};

/// Columns and printer of the kinds this file knows.
pub(super) fn lookup(kind: &str) -> Option<(Vec<Col>, Printer)> {
    Some(match kind {
        "Ingress" => (
            vec![
                NAME,
                col("Class", "string", "The name of the IngressClass resource."),
                col(
                    "Hosts",
                    "string",
                    "Hosts that incoming requests are matched against before the ingress rule",
                ),
                col(
                    "Address",
                    "string",
                    "Address is a list containing ingress points for the load-balancer",
                ),
                col("Ports", "string", "Ports of TLS configurations that open"),
                AGE,
            ],
            |o, now| {
                let hosts: Vec<&str> = o
                    .pointer("/spec/rules")
                    .and_then(Value::as_array)
                    .map(|r| {
                        r.iter()
                            .filter_map(|x| x.get("host").and_then(Value::as_str))
                            .collect()
                    })
                    .unwrap_or_default();
                let addr: Vec<&str> = o
                    .pointer("/status/loadBalancer/ingress")
                    .and_then(Value::as_array)
                    .map(|r| {
                        r.iter()
                            .filter_map(|x| {
                                x.get("ip")
                                    .or_else(|| x.get("hostname"))
                                    .and_then(Value::as_str)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let ports = if len(o, "/spec/tls") > 0 {
                    "80, 443"
                } else {
                    "80"
                };
                vec![
                    json!(name(o)),
                    or_none(s(o, "/spec/ingressClassName")),
                    json!(if hosts.is_empty() {
                        "*".to_owned()
                    } else {
                        hosts.join(",")
                    }),
                    json!(addr.join(",")),
                    json!(ports),
                    age(o, now),
                ]
            },
        ),
        "IngressClass" => (
            vec![
                NAME,
                col(
                    "Controller",
                    "string",
                    "Controller that is in charge of this IngressClass.",
                ),
                col(
                    "Parameters",
                    "string",
                    "A reference to a resource with additional parameters.",
                ),
                AGE,
            ],
            |o, now| {
                let params = match (s(o, "/spec/parameters/kind"), s(o, "/spec/parameters/name")) {
                    ("", _) => "<none>".to_owned(),
                    (k, n) => match s(o, "/spec/parameters/apiGroup") {
                        "" => format!("{k}/{n}"),
                        g => format!("{k}.{g}/{n}"),
                    },
                };
                vec![
                    json!(name(o)),
                    json!(s(o, "/spec/controller")),
                    json!(params),
                    age(o, now),
                ]
            },
        ),
        "NetworkPolicy" => (
            vec![
                NAME,
                col(
                    "Pod-Selector",
                    "string",
                    "Selects the pods to which this NetworkPolicy object applies.",
                ),
                AGE,
            ],
            |o, now| {
                vec![
                    json!(name(o)),
                    json!(format_selector(o.pointer("/spec/podSelector"))),
                    age(o, now),
                ]
            },
        ),
        "Role" | "ClusterRole" => (vec![NAME, col("Created At", "date", AGE_DESC)], created_at),
        "RoleBinding" | "ClusterRoleBinding" => (
            vec![
                NAME,
                col(
                    "Role",
                    "string",
                    "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.",
                ),
                AGE,
                wide("Users", "string", "Users in the roleBinding"),
                wide("Groups", "string", "Groups in the roleBinding"),
                wide(
                    "ServiceAccounts",
                    "string",
                    "ServiceAccounts in the roleBinding",
                ),
            ],
            |o, now| {
                let subjects = o
                    .get("subjects")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let pick = |k: &str| -> String {
                    subjects
                        .iter()
                        .filter(|x| x.get("kind").and_then(Value::as_str) == Some(k))
                        .map(|x| {
                            let n = s(x, "/name");
                            if k == "ServiceAccount" {
                                format!("{}:{n}", s(x, "/namespace"))
                            } else {
                                n.to_owned()
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                vec![
                    json!(name(o)),
                    json!(format!(
                        "{}/{}",
                        s(o, "/roleRef/kind"),
                        s(o, "/roleRef/name")
                    )),
                    age(o, now),
                    json!(pick("User")),
                    json!(pick("Group")),
                    json!(pick("ServiceAccount")),
                ]
            },
        ),
        "PersistentVolumeClaim" => (
            vec![
                NAME,
                col(
                    "Status",
                    "string",
                    "phase represents the current phase of PersistentVolumeClaim.",
                ),
                col(
                    "Volume",
                    "string",
                    "volumeName is the binding reference to the PersistentVolume backing this claim.",
                ),
                col(
                    "Capacity",
                    "string",
                    "capacity represents the actual resources of the underlying volume.",
                ),
                col(
                    "Access Modes",
                    "string",
                    "accessModes contains the actual access modes the volume backing the PVC has.",
                ),
                col("StorageClass", "string", "StorageClass of the pvc"),
                col(
                    "VolumeAttributesClass",
                    "string",
                    "VolumeAttributesClass of the pvc",
                ),
                AGE,
                wide(
                    "VolumeMode",
                    "string",
                    "volumeMode defines what type of volume is required by the claim.",
                ),
            ],
            |o, now| {
                let bound = s(o, "/status/phase") == "Bound";
                let cap = if bound {
                    s(o, "/status/capacity/storage")
                } else {
                    ""
                };
                let modes = if bound {
                    super::cells::access_modes(o.pointer("/status/accessModes"))
                } else {
                    String::new()
                };
                vec![
                    json!(name(o)),
                    json!(phase(o)),
                    json!(s(o, "/spec/volumeName")),
                    json!(cap),
                    json!(modes),
                    json!(s(o, "/spec/storageClassName")),
                    json!(unset(s(o, "/spec/volumeAttributesClassName"))),
                    age(o, now),
                    json!(unset(s(o, "/spec/volumeMode"))),
                ]
            },
        ),
        "PersistentVolume" => (
            vec![
                NAME,
                col(
                    "Capacity",
                    "string",
                    "capacity is the description of the persistent volume's resources and capacity.",
                ),
                col(
                    "Access Modes",
                    "string",
                    "accessModes contains all ways the volume can be mounted.",
                ),
                col(
                    "Reclaim Policy",
                    "string",
                    "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.",
                ),
                col(
                    "Status",
                    "string",
                    "phase indicates if a volume is available, bound to a claim, or released by a claim.",
                ),
                col(
                    "Claim",
                    "string",
                    "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.",
                ),
                col("StorageClass", "string", "StorageClass of the pv"),
                col(
                    "VolumeAttributesClass",
                    "string",
                    "VolumeAttributesClass of the pv",
                ),
                col(
                    "Reason",
                    "string",
                    "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.",
                ),
                AGE,
                wide(
                    "VolumeMode",
                    "string",
                    "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.",
                ),
            ],
            |o, now| {
                let claim = match (
                    s(o, "/spec/claimRef/namespace"),
                    s(o, "/spec/claimRef/name"),
                ) {
                    ("", "") if o.pointer("/spec/claimRef").is_none() => String::new(),
                    (ns, n) => format!("{ns}/{n}"),
                };
                vec![
                    json!(name(o)),
                    json!(match s(o, "/spec/capacity/storage") {
                        "" => "0",
                        c => c,
                    }),
                    json!(super::cells::access_modes(o.pointer("/spec/accessModes"))),
                    json!(s(o, "/spec/persistentVolumeReclaimPolicy")),
                    json!(phase(o)),
                    json!(claim),
                    json!(s(o, "/spec/storageClassName")),
                    json!(unset(s(o, "/spec/volumeAttributesClassName"))),
                    json!(s(o, "/status/reason")),
                    age(o, now),
                    json!(unset(s(o, "/spec/volumeMode"))),
                ]
            },
        ),
        "EndpointSlice" => (
            vec![
                NAME,
                col(
                    "AddressType",
                    "string",
                    "addressType specifies the type of address carried by this EndpointSlice.",
                ),
                col(
                    "Ports",
                    "string",
                    "ports specifies the list of network ports exposed by each endpoint in this slice.",
                ),
                col(
                    "Endpoints",
                    "string",
                    "endpoints is a list of unique endpoints in this slice.",
                ),
                AGE,
            ],
            |o, now| {
                let ports = o.get("ports").and_then(Value::as_array).map_or_else(
                    || "<unset>".to_owned(),
                    |p| {
                        if p.is_empty() {
                            "<unset>".to_owned()
                        } else {
                            p.iter()
                                .map(|x| match int(x, "/port") {
                                    0 => "<unset>".to_owned(),
                                    n => n.to_string(),
                                })
                                .collect::<Vec<_>>()
                                .join(",")
                        }
                    },
                );
                let addrs: Vec<&str> = o
                    .get("endpoints")
                    .and_then(Value::as_array)
                    .map(|e| {
                        e.iter()
                            .flat_map(|x| {
                                x.get("addresses")
                                    .and_then(Value::as_array)
                                    .into_iter()
                                    .flatten()
                            })
                            .filter_map(Value::as_str)
                            .collect()
                    })
                    .unwrap_or_default();
                let eps = match addrs.len() {
                    0 => "<unset>".to_owned(),
                    n if n > 3 => format!("{} + {} more...", addrs[..3].join(","), n - 3),
                    _ => addrs.join(","),
                };
                vec![
                    json!(name(o)),
                    json!(s(o, "/addressType")),
                    json!(ports),
                    json!(eps),
                    age(o, now),
                ]
            },
        ),
        "StorageClass" => (
            vec![
                NAME,
                col(
                    "Provisioner",
                    "string",
                    "provisioner indicates the type of the provisioner.",
                ),
                col(
                    "ReclaimPolicy",
                    "string",
                    "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.",
                ),
                col(
                    "VolumeBindingMode",
                    "string",
                    "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.",
                ),
                col(
                    "AllowVolumeExpansion",
                    "string",
                    "allowVolumeExpansion shows whether the storage class allow volume expand.",
                ),
                AGE,
            ],
            |o, now| {
                let default = matches!(
                    s(
                        o,
                        "/metadata/annotations/storageclass.kubernetes.io~1is-default-class"
                    ),
                    "true"
                ) || matches!(
                    s(
                        o,
                        "/metadata/annotations/storageclass.beta.kubernetes.io~1is-default-class"
                    ),
                    "true"
                );
                let n = if default {
                    format!("{} (default)", name(o))
                } else {
                    name(o).to_owned()
                };
                vec![
                    json!(n),
                    json!(s(o, "/provisioner")),
                    json!(match s(o, "/reclaimPolicy") {
                        "" => "Delete",
                        p => p,
                    }),
                    json!(match s(o, "/volumeBindingMode") {
                        "" => "Immediate",
                        m => m,
                    }),
                    json!(
                        o.get("allowVolumeExpansion")
                            .and_then(Value::as_bool)
                            .unwrap_or(false)
                    ),
                    age(o, now),
                ]
            },
        ),
        "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration" => (
            vec![
                NAME,
                col(
                    "Webhooks",
                    "integer",
                    "Webhooks indicates the number of webhooks included in this configuration.",
                ),
                AGE,
            ],
            |o, now| vec![json!(name(o)), json!(len(o, "/webhooks")), age(o, now)],
        ),
        _ => return None,
    })
}

fn unset(v: &str) -> &str {
    if v.is_empty() { "<unset>" } else { v }
}

/// A volume or claim phase, `Terminating` while being deleted.
fn phase(o: &Value) -> &str {
    if o.pointer("/metadata/deletionTimestamp").is_some() {
        "Terminating"
    } else {
        s(o, "/status/phase")
    }
}

//! Column definitions and cells per kind, after kube-apiserver 1.32's
//! `pkg/printers/internalversion/printers.go`.

use serde_json::{Value, json};

use super::cells::{
    containers, event_row, format_labels, format_selector, pod_cells, service_external_ip,
    service_ports,
};
use super::{Col, age, col, human_duration, name, parse_rfc3339, wide};

pub(crate) const NAME_DESC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
pub(crate) const AGE_DESC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

pub(crate) const NAME: Col = Col {
    name: "Name",
    ty: "string",
    format: "name",
    priority: 0,
    description: NAME_DESC,
};
pub(crate) const AGE: Col = col("Age", "string", AGE_DESC);
pub(crate) const CONTAINERS: Col = wide(
    "Containers",
    "string",
    "Names of each container in the template.",
);
pub(crate) const IMAGES: Col = wide(
    "Images",
    "string",
    "Images referenced by each container in the template.",
);

/// Computes one row's cells at time `now`.
pub(crate) type Printer = fn(&Value, i64) -> Vec<Value>;

pub(crate) fn s<'a>(o: &'a Value, ptr: &str) -> &'a str {
    o.pointer(ptr).and_then(Value::as_str).unwrap_or_default()
}

pub(crate) fn or_none(v: &str) -> Value {
    json!(if v.is_empty() { "<none>" } else { v })
}

pub(crate) fn int(o: &Value, ptr: &str) -> i64 {
    o.pointer(ptr).and_then(Value::as_i64).unwrap_or(0)
}

pub(crate) fn len(o: &Value, ptr: &str) -> i64 {
    let n = match o.pointer(ptr) {
        Some(Value::Array(a)) => a.len(),
        Some(Value::Object(m)) => m.len(),
        _ => 0,
    };
    i64::try_from(n).unwrap_or(0)
}

pub(crate) fn since(o: &Value, ptr: &str, now: i64) -> Option<String> {
    o.pointer(ptr)
        .and_then(Value::as_str)
        .and_then(parse_rfc3339)
        .map(|t| human_duration(now - t))
}

pub(crate) fn workload_wide(o: &Value, spec: &str) -> [Value; 3] {
    let (names, images) = containers(o, &format!("{spec}/template/spec/containers"));
    [
        json!(names),
        json!(images),
        json!(format_selector(o.pointer(&format!("{spec}/selector")))),
    ]
}

/// Columns and printer for a built-in kind; unknown kinds get `Name`, `Created At`.
pub(crate) fn lookup(kind: &str) -> (Vec<Col>, Printer) {
    core(kind)
        .or_else(|| super::workloads::lookup(kind))
        .or_else(|| super::others::lookup(kind))
        .unwrap_or_else(|| (vec![NAME, col("Created At", "date", AGE_DESC)], created_at))
}

fn core(kind: &str) -> Option<(Vec<Col>, Printer)> {
    Some(match kind {
        "Pod" => (
            vec![
                NAME,
                col(
                    "Ready",
                    "string",
                    "The aggregate readiness state of this pod for accepting traffic.",
                ),
                col(
                    "Status",
                    "string",
                    "The aggregate status of the containers in this pod.",
                ),
                col(
                    "Restarts",
                    "string",
                    "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
                ),
                AGE,
                wide("IP", "string", "podIP address allocated to the pod."),
                wide(
                    "Node",
                    "string",
                    "NodeName indicates in which node this pod is scheduled.",
                ),
                wide(
                    "Nominated Node",
                    "string",
                    "nominatedNodeName is set only when this pod preempts other pods on the node.",
                ),
                wide(
                    "Readiness Gates",
                    "string",
                    "If specified, all readiness gates will be evaluated for pod readiness.",
                ),
            ],
            pod_cells,
        ),
        "ConfigMap" => (
            vec![
                NAME,
                col("Data", "string", "Data contains the configuration data."),
                AGE,
            ],
            |o, now| {
                vec![
                    json!(name(o)),
                    json!(len(o, "/data") + len(o, "/binaryData")),
                    age(o, now),
                ]
            },
        ),
        "Secret" => (
            vec![
                NAME,
                col(
                    "Type",
                    "string",
                    "Used to facilitate programmatic handling of secret data.",
                ),
                col("Data", "string", "Data contains the secret data."),
                AGE,
            ],
            |o, now| {
                vec![
                    json!(name(o)),
                    json!(s(o, "/type")),
                    json!(len(o, "/data")),
                    age(o, now),
                ]
            },
        ),
        "Namespace" => (
            vec![
                NAME,
                col("Status", "string", "The status of the namespace"),
                AGE,
            ],
            |o, now| vec![json!(name(o)), json!(s(o, "/status/phase")), age(o, now)],
        ),
        "ServiceAccount" => (
            vec![
                NAME,
                col(
                    "Secrets",
                    "string",
                    "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.",
                ),
                AGE,
            ],
            |o, now| vec![json!(name(o)), json!(len(o, "/secrets")), age(o, now)],
        ),
        "Service" => (
            vec![
                NAME,
                col(
                    "Type",
                    "string",
                    "type determines how the Service is exposed.",
                ),
                col(
                    "Cluster-IP",
                    "string",
                    "clusterIP is the IP address of the service.",
                ),
                col(
                    "External-IP",
                    "string",
                    "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.",
                ),
                col(
                    "Port(s)",
                    "string",
                    "The list of ports that are exposed by this service.",
                ),
                AGE,
                wide(
                    "Selector",
                    "string",
                    "Route service traffic to pods with label keys and values matching this selector.",
                ),
            ],
            |o, now| {
                let ty = match s(o, "/spec/type") {
                    "" => "ClusterIP",
                    t => t,
                };
                vec![
                    json!(name(o)),
                    json!(ty),
                    or_none(s(o, "/spec/clusterIP")),
                    json!(service_external_ip(o, ty)),
                    json!(service_ports(o)),
                    age(o, now),
                    json!(format_labels(o.pointer("/spec/selector"))),
                ]
            },
        ),
        "Event" => (
            vec![
                col(
                    "Last Seen",
                    "string",
                    "The time at which the most recent occurrence of this event was recorded.",
                ),
                col(
                    "Type",
                    "string",
                    "Type of this event (Normal, Warning), new types could be added in the future",
                ),
                col(
                    "Reason",
                    "string",
                    "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
                ),
                col("Object", "string", "The object that this event is about."),
                wide(
                    "Subobject",
                    "string",
                    "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.",
                ),
                wide(
                    "Source",
                    "string",
                    "The component reporting this event. Should be a short machine understandable string.",
                ),
                col(
                    "Message",
                    "string",
                    "A human-readable description of the status of this operation.",
                ),
                wide(
                    "First Seen",
                    "string",
                    "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
                ),
                wide(
                    "Count",
                    "string",
                    "The number of times this event has occurred.",
                ),
                Col {
                    priority: 1,
                    ..NAME
                },
            ],
            event_row,
        ),
        "Endpoints" => (
            vec![
                NAME,
                col(
                    "Endpoints",
                    "string",
                    "The set of all endpoints is the union of all subsets.",
                ),
                AGE,
            ],
            |o, now| {
                vec![
                    json!(name(o)),
                    json!(super::cells::endpoints(o)),
                    age(o, now),
                ]
            },
        ),
        "Lease" => (
            vec![
                NAME,
                col("Holder", "string", "The holder of the lease."),
                AGE,
            ],
            |o, now| {
                vec![
                    json!(name(o)),
                    json!(s(o, "/spec/holderIdentity")),
                    age(o, now),
                ]
            },
        ),
        "PriorityClass" => (
            vec![
                NAME,
                col(
                    "Value",
                    "integer",
                    "value represents the integer value of this priority class.",
                ),
                col(
                    "Global-Default",
                    "boolean",
                    "globalDefault specifies whether this PriorityClass should be considered as the default priority.",
                ),
                AGE,
                col(
                    "PreemptionPolicy",
                    "string",
                    "preemptionPolicy is the Policy for preempting pods with lower priority.",
                ),
            ],
            |o, now| {
                vec![
                    json!(name(o)),
                    json!(int(o, "/value")),
                    json!(
                        o.get("globalDefault")
                            .and_then(Value::as_bool)
                            .unwrap_or(false)
                    ),
                    age(o, now),
                    json!(match s(o, "/preemptionPolicy") {
                        "" => "PreemptLowerPriority",
                        p => p,
                    }),
                ]
            },
        ),
        _ => return None,
    })
}

/// The default convertor's row: name and the RFC 3339 creation time.
pub(crate) fn created_at(o: &Value, _now: i64) -> Vec<Value> {
    let ts = o
        .pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .unwrap_or_default();
    vec![json!(name(o)), json!(ts)]
}

//! Printers of apps, batch, policy and autoscaling kinds.

use serde_json::{Value, json};

use super::cells::{format_labels, job_status};
use super::printers::{
    AGE, CONTAINERS, IMAGES, NAME, Printer, int, len, or_none, s, since, workload_wide,
};
use super::{Col, age, col, human_duration, name, parse_rfc3339, wide};

/// Columns and printer of the kinds this file knows.
pub(super) fn lookup(kind: &str) -> Option<(Vec<Col>, Printer)> {
    Some(match kind {
        "Deployment" => (
            vec![
                NAME,
                col("Ready", "string", "Number of the pod with ready state"),
                col(
                    "Up-to-date",
                    "string",
                    "Total number of non-terminating pods targeted by this deployment that have the desired template spec.",
                ),
                col(
                    "Available",
                    "string",
                    "Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.",
                ),
                AGE,
                CONTAINERS,
                IMAGES,
                wide("Selector", "string", "Label selector for pods."),
            ],
            |o, now| {
                let desired = o
                    .pointer("/spec/replicas")
                    .and_then(Value::as_i64)
                    .unwrap_or(1);
                let [c, i, sel] = workload_wide(o, "/spec");
                vec![
                    json!(name(o)),
                    json!(format!("{}/{desired}", int(o, "/status/readyReplicas"))),
                    json!(int(o, "/status/updatedReplicas")),
                    json!(int(o, "/status/availableReplicas")),
                    age(o, now),
                    c,
                    i,
                    sel,
                ]
            },
        ),
        "ReplicaSet" | "ReplicationController" => (
            vec![
                NAME,
                col(
                    "Desired",
                    "integer",
                    "Replicas is the number of desired pods.",
                ),
                col(
                    "Current",
                    "integer",
                    "Replicas is the most recently observed number of replicas.",
                ),
                col(
                    "Ready",
                    "integer",
                    "The number of ready replicas for this replica set.",
                ),
                AGE,
                CONTAINERS,
                IMAGES,
                wide(
                    "Selector",
                    "string",
                    "Selector is a label query over pods that should match the replica count.",
                ),
            ],
            |o, now| {
                let desired = o
                    .pointer("/spec/replicas")
                    .and_then(Value::as_i64)
                    .unwrap_or(1);
                let [c, i, mut sel] = workload_wide(o, "/spec");
                if o.get("kind").and_then(Value::as_str) == Some("ReplicationController") {
                    sel = json!(format_labels(o.pointer("/spec/selector")));
                }
                vec![
                    json!(name(o)),
                    json!(desired),
                    json!(int(o, "/status/replicas")),
                    json!(int(o, "/status/readyReplicas")),
                    age(o, now),
                    c,
                    i,
                    sel,
                ]
            },
        ),
        "StatefulSet" => (
            vec![
                NAME,
                col("Ready", "string", "Number of the pod with ready state"),
                AGE,
                CONTAINERS,
                IMAGES,
            ],
            |o, now| {
                let desired = o
                    .pointer("/spec/replicas")
                    .and_then(Value::as_i64)
                    .unwrap_or(1);
                let [c, i, _] = workload_wide(o, "/spec");
                vec![
                    json!(name(o)),
                    json!(format!("{}/{desired}", int(o, "/status/readyReplicas"))),
                    age(o, now),
                    c,
                    i,
                ]
            },
        ),
        "DaemonSet" => (
            vec![
                NAME,
                col(
                    "Desired",
                    "integer",
                    "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).",
                ),
                col(
                    "Current",
                    "integer",
                    "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.",
                ),
                col(
                    "Ready",
                    "integer",
                    "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.",
                ),
                col(
                    "Up-to-date",
                    "integer",
                    "The total number of nodes that are running updated daemon pod",
                ),
                col(
                    "Available",
                    "integer",
                    "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)",
                ),
                col(
                    "Node Selector",
                    "string",
                    "NodeSelector is a selector which must be true for the pod to fit on a node.",
                ),
                AGE,
                CONTAINERS,
                IMAGES,
                wide(
                    "Selector",
                    "string",
                    "A label query over pods that are managed by the daemon set.",
                ),
            ],
            |o, now| {
                let [c, i, sel] = workload_wide(o, "/spec");
                vec![
                    json!(name(o)),
                    json!(int(o, "/status/desiredNumberScheduled")),
                    json!(int(o, "/status/currentNumberScheduled")),
                    json!(int(o, "/status/numberReady")),
                    json!(int(o, "/status/updatedNumberScheduled")),
                    json!(int(o, "/status/numberAvailable")),
                    json!(format_labels(o.pointer("/spec/template/spec/nodeSelector"))),
                    age(o, now),
                    c,
                    i,
                    sel,
                ]
            },
        ),
        "Job" => (
            vec![
                NAME,
                col("Status", "string", "Status of the job."),
                col(
                    "Completions",
                    "string",
                    "The completion status of the job as <succeeded>/<completions>",
                ),
                col("Duration", "string", "Time required to complete the job."),
                AGE,
                CONTAINERS,
                IMAGES,
                wide(
                    "Selector",
                    "string",
                    "A label query over pods that should match the pod count.",
                ),
            ],
            |o, now| {
                let succeeded = int(o, "/status/succeeded");
                let completions = match (
                    o.pointer("/spec/completions").and_then(Value::as_i64),
                    int(o, "/spec/parallelism"),
                ) {
                    (Some(c), _) => format!("{succeeded}/{c}"),
                    (None, p) if p > 1 => format!("{succeeded}/1 of {p}"),
                    _ => format!("{succeeded}/1"),
                };
                let start = o
                    .pointer("/status/startTime")
                    .and_then(Value::as_str)
                    .and_then(parse_rfc3339);
                let end = o
                    .pointer("/status/completionTime")
                    .and_then(Value::as_str)
                    .and_then(parse_rfc3339)
                    .unwrap_or(now);
                let duration = start.map(|st| human_duration(end - st)).unwrap_or_default();
                let [c, i, sel] = workload_wide(o, "/spec");
                vec![
                    json!(name(o)),
                    json!(job_status(o)),
                    json!(completions),
                    json!(duration),
                    age(o, now),
                    c,
                    i,
                    sel,
                ]
            },
        ),
        "CronJob" => (
            vec![
                NAME,
                col(
                    "Schedule",
                    "string",
                    "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.",
                ),
                col(
                    "Timezone",
                    "string",
                    "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.",
                ),
                col(
                    "Suspend",
                    "boolean",
                    "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.",
                ),
                col(
                    "Active",
                    "integer",
                    "A list of pointers to currently running jobs.",
                ),
                col(
                    "Last Schedule",
                    "string",
                    "Information when was the last time the job was successfully scheduled.",
                ),
                AGE,
                CONTAINERS,
                IMAGES,
                wide(
                    "Selector",
                    "string",
                    "A label query over pods that should match the pod count.",
                ),
            ],
            |o, now| {
                let [c, i, sel] = workload_wide(o, "/spec/jobTemplate/spec");
                vec![
                    json!(name(o)),
                    json!(s(o, "/spec/schedule")),
                    or_none(s(o, "/spec/timeZone")),
                    json!(
                        o.pointer("/spec/suspend")
                            .and_then(Value::as_bool)
                            .unwrap_or(false)
                    ),
                    json!(len(o, "/status/active")),
                    json!(
                        since(o, "/status/lastScheduleTime", now)
                            .unwrap_or_else(|| "<none>".into())
                    ),
                    age(o, now),
                    c,
                    i,
                    sel,
                ]
            },
        ),
        "PodDisruptionBudget" => (
            vec![
                NAME,
                col(
                    "Min Available",
                    "string",
                    "The minimum number of pods that must be available simultaneously.  This can be either an integer or a string specifying a percentage, e.g. \"28%\".",
                ),
                col(
                    "Max Unavailable",
                    "string",
                    "The maximum number of pods that may be unavailable. This can be either an integer or a string specifying a percentage, e.g. \"28%\".",
                ),
                col(
                    "Allowed Disruptions",
                    "integer",
                    "Calculated number of pods that may be disrupted at this time.",
                ),
                AGE,
            ],
            |o, now| {
                let is = |p: &str| {
                    o.pointer(p).map_or_else(
                        || "N/A".to_owned(),
                        |v| v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                    )
                };
                vec![
                    json!(name(o)),
                    json!(is("/spec/minAvailable")),
                    json!(is("/spec/maxUnavailable")),
                    json!(int(o, "/status/disruptionsAllowed")),
                    age(o, now),
                ]
            },
        ),
        "HorizontalPodAutoscaler" => (
            vec![
                NAME,
                col(
                    "Reference",
                    "string",
                    "reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.",
                ),
                col(
                    "Targets",
                    "string",
                    "the metrics used to calculate the desired replica count",
                ),
                col(
                    "MinPods",
                    "string",
                    "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.",
                ),
                col(
                    "MaxPods",
                    "string",
                    "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.",
                ),
                col(
                    "Replicas",
                    "string",
                    "currentReplicas is current number of replicas of pods managed by this autoscaler.",
                ),
                AGE,
            ],
            |o, now| {
                let min = o
                    .pointer("/spec/minReplicas")
                    .and_then(Value::as_i64)
                    .map_or_else(|| "<unset>".to_owned(), |m| m.to_string());
                vec![
                    json!(name(o)),
                    json!(format!(
                        "{}/{}",
                        s(o, "/spec/scaleTargetRef/kind"),
                        s(o, "/spec/scaleTargetRef/name")
                    )),
                    json!(super::cells::hpa_targets(o)),
                    json!(min),
                    json!(int(o, "/spec/maxReplicas")),
                    json!(int(o, "/status/currentReplicas")),
                    age(o, now),
                ]
            },
        ),
        "ControllerRevision" => (
            vec![
                NAME,
                col("Controller", "string", "Controller of the object"),
                col(
                    "Revision",
                    "integer",
                    "Revision indicates the revision of the state represented by Data.",
                ),
                AGE,
            ],
            |o, now| {
                let ctrl = o
                    .pointer("/metadata/ownerReferences")
                    .and_then(Value::as_array)
                    .and_then(|a| {
                        a.iter()
                            .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
                    })
                    .map_or_else(
                        || "<none>".to_owned(),
                        |r| {
                            let api = s(r, "/apiVersion");
                            let group = api.split_once('/').map_or("", |(g, _)| g);
                            let kind = if group.is_empty() {
                                s(r, "/kind").to_lowercase()
                            } else {
                                format!("{}.{group}", s(r, "/kind").to_lowercase())
                            };
                            format!("{kind}/{}", s(r, "/name"))
                        },
                    );
                vec![
                    json!(name(o)),
                    json!(ctrl),
                    json!(int(o, "/revision")),
                    age(o, now),
                ]
            },
        ),
        _ => return None,
    })
}

//! Cell formatting helpers shared by the printers (selectors, labels, containers, pods,
//! services, events), after kube-apiserver's printers.

use serde_json::{Value, json};

use super::printers::{int, or_none, s};
use super::{age, human_duration, name, parse_rfc3339};

fn arr<'a>(o: &'a Value, ptr: &str) -> &'a [Value] {
    o.pointer(ptr)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// `labels.FormatLabels`: sorted `k=v` joined by `,`, `<none>` when empty.
pub(crate) fn format_labels(m: Option<&Value>) -> String {
    let Some(Value::Object(m)) = m else {
        return "<none>".into();
    };
    if m.is_empty() {
        return "<none>".into();
    }
    let mut v: Vec<String> = m
        .iter()
        .map(|(k, x)| format!("{k}={}", x.as_str().unwrap_or_default()))
        .collect();
    v.sort();
    v.join(",")
}

/// `metav1.FormatLabelSelector`: requirements sorted by key, `<none>` when empty.
pub(crate) fn format_selector(sel: Option<&Value>) -> String {
    let Some(sel) = sel else {
        return "<none>".into();
    };
    let mut reqs: Vec<(String, String)> = Vec::new();
    if let Some(Value::Object(m)) = sel.get("matchLabels") {
        for (k, v) in m {
            reqs.push((k.clone(), format!("{k}={}", v.as_str().unwrap_or_default())));
        }
    }
    for e in arr(sel, "/matchExpressions") {
        let key = s(e, "/key").to_owned();
        let mut values: Vec<&str> = arr(e, "/values").iter().filter_map(Value::as_str).collect();
        values.sort_unstable();
        let text = match s(e, "/operator") {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.clone(),
            "DoesNotExist" => format!("!{key}"),
            _ => return "<error>".into(),
        };
        reqs.push((key, text));
    }
    reqs.sort();
    if reqs.is_empty() {
        return "<none>".into();
    }
    reqs.into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join(",")
}

/// Container names and images of a pod template, each joined by `,`.
pub(crate) fn containers(o: &Value, ptr: &str) -> (String, String) {
    let c = arr(o, ptr);
    let names: Vec<&str> = c.iter().map(|x| s(x, "/name")).collect();
    let images: Vec<&str> = c.iter().map(|x| s(x, "/image")).collect();
    (names.join(","), images.join(","))
}

/// The Job `Status` cell.
pub(crate) fn job_status(o: &Value) -> &'static str {
    let has = |t: &str| {
        arr(o, "/status/conditions")
            .iter()
            .any(|c| s(c, "/type") == t && s(c, "/status") == "True")
    };
    if has("Complete") {
        "Complete"
    } else if has("Failed") {
        "Failed"
    } else if o.pointer("/metadata/deletionTimestamp").is_some() {
        "Terminating"
    } else if has("SuccessCriteriaMet") {
        "SuccessCriteriaMet"
    } else if has("Suspended") {
        "Suspended"
    } else if has("FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    }
}

fn terminated_reason(t: &Value, prefix: &str) -> String {
    match (s(t, "/reason"), int(t, "/signal")) {
        ("", 0) => format!("{prefix}ExitCode:{}", int(t, "/exitCode")),
        ("", sig) => format!("{prefix}Signal:{sig}"),
        (r, _) => format!("{prefix}{r}"),
    }
}

/// The Pod row: Name, Ready, Status, Restarts, Age, IP, Node, Nominated Node, Readiness Gates.
pub(crate) fn pod_cells(o: &Value, now: i64) -> Vec<Value> {
    let init_specs = arr(o, "/spec/initContainers");
    let sidecars = init_specs
        .iter()
        .filter(|c| s(c, "/restartPolicy") == "Always")
        .count();
    let total = arr(o, "/spec/containers").len() + sidecars;
    let mut ready = 0;
    let mut restarts = 0;
    let mut last_restart: Option<i64> = None;
    let mut reason = match s(o, "/status/reason") {
        "" => s(o, "/status/phase").to_owned(),
        r => r.to_owned(),
    };
    let conditions = arr(o, "/status/conditions");
    if conditions
        .iter()
        .any(|c| s(c, "/type") == "PodScheduled" && s(c, "/reason") == "SchedulingGated")
    {
        reason = "SchedulingGated".into();
    }
    let mut note_restart = |c: &Value| {
        if let Some(t) = c
            .pointer("/lastState/terminated/finishedAt")
            .and_then(Value::as_str)
            .and_then(parse_rfc3339)
        {
            last_restart = Some(last_restart.map_or(t, |l: i64| l.max(t)));
        }
    };
    let mut initializing = false;
    for (i, c) in arr(o, "/status/initContainerStatuses").iter().enumerate() {
        restarts += int(c, "/restartCount");
        note_restart(c);
        let sidecar = init_specs
            .iter()
            .any(|sp| s(sp, "/name") == s(c, "/name") && s(sp, "/restartPolicy") == "Always");
        if let Some(t) = c.pointer("/state/terminated") {
            if int(t, "/exitCode") == 0 {
                continue;
            }
            reason = terminated_reason(t, "Init:");
        } else if sidecar && c.get("started").and_then(Value::as_bool) == Some(true) {
            if c.get("ready").and_then(Value::as_bool) == Some(true) {
                ready += 1;
            }
            continue;
        } else if !matches!(s(c, "/state/waiting/reason"), "" | "PodInitializing") {
            reason = format!("Init:{}", s(c, "/state/waiting/reason"));
        } else {
            reason = format!("Init:{i}/{}", init_specs.len());
        }
        initializing = true;
        break;
    }
    let initialized = conditions
        .iter()
        .any(|c| s(c, "/type") == "Initialized" && s(c, "/status") == "True");
    if !initializing || initialized {
        let mut has_running = false;
        for c in arr(o, "/status/containerStatuses").iter().rev() {
            restarts += int(c, "/restartCount");
            note_restart(c);
            if !s(c, "/state/waiting/reason").is_empty() {
                reason = s(c, "/state/waiting/reason").to_owned();
            } else if let Some(t) = c.pointer("/state/terminated") {
                reason = terminated_reason(t, "");
            } else if c.get("ready").and_then(Value::as_bool) == Some(true)
                && c.pointer("/state/running").is_some()
            {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            let pod_ready = conditions
                .iter()
                .any(|c| s(c, "/type") == "Ready" && s(c, "/status") == "True");
            reason = if pod_ready {
                "Running".into()
            } else {
                "NotReady".into()
            };
        }
    }
    if o.pointer("/metadata/deletionTimestamp").is_some() {
        if s(o, "/status/reason") == "NodeLost" {
            reason = "Unknown".into();
        } else if !matches!(s(o, "/status/phase"), "Succeeded" | "Failed") {
            reason = "Terminating".into();
        }
    }
    let restarts_text = match last_restart {
        Some(t) if restarts != 0 => format!("{restarts} ({} ago)", human_duration(now - t)),
        _ => restarts.to_string(),
    };
    let gates = arr(o, "/spec/readinessGates");
    let gates_text = if gates.is_empty() {
        "<none>".to_owned()
    } else {
        let ok = gates
            .iter()
            .filter(|g| {
                conditions
                    .iter()
                    .any(|c| s(c, "/type") == s(g, "/conditionType") && s(c, "/status") == "True")
            })
            .count();
        format!("{ok}/{}", gates.len())
    };
    vec![
        json!(name(o)),
        json!(format!("{ready}/{total}")),
        json!(reason),
        json!(restarts_text),
        age(o, now),
        or_none(s(o, "/status/podIP")),
        or_none(s(o, "/spec/nodeName")),
        or_none(s(o, "/status/nominatedNodeName")),
        json!(gates_text),
    ]
}

/// The Service `External-IP` cell.
pub(crate) fn service_external_ip(o: &Value, ty: &str) -> String {
    let external: Vec<&str> = arr(o, "/spec/externalIPs")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    match ty {
        "ClusterIP" | "NodePort" => {
            if external.is_empty() {
                "<none>".into()
            } else {
                external.join(",")
            }
        }
        "LoadBalancer" => {
            let mut all: Vec<&str> = arr(o, "/status/loadBalancer/ingress")
                .iter()
                .filter_map(|i| {
                    i.get("ip")
                        .or_else(|| i.get("hostname"))
                        .and_then(Value::as_str)
                })
                .collect();
            all.extend(external);
            if all.is_empty() {
                "<pending>".into()
            } else {
                all.join(",")
            }
        }
        "ExternalName" => s(o, "/spec/externalName").to_owned(),
        _ => "<unknown>".into(),
    }
}

/// The Service `Port(s)` cell: `80/TCP`, `80:30080/TCP`, joined by `,`.
pub(crate) fn service_ports(o: &Value) -> String {
    let ports: Vec<String> = arr(o, "/spec/ports")
        .iter()
        .map(|p| {
            let proto = match s(p, "/protocol") {
                "" => "TCP",
                x => x,
            };
            match int(p, "/nodePort") {
                0 => format!("{}/{proto}", int(p, "/port")),
                np => format!("{}:{np}/{proto}", int(p, "/port")),
            }
        })
        .collect();
    if ports.is_empty() {
        "<none>".into()
    } else {
        ports.join(",")
    }
}

/// PVC/PV access modes as `RWO,ROX,RWX,RWOP`.
pub(crate) fn access_modes(v: Option<&Value>) -> String {
    let modes: Vec<&str> = v
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(m, _)| modes.contains(m))
    .map(|(_, a)| *a)
    .collect::<Vec<_>>()
    .join(",")
}

/// HPA `Targets`: `cpu: <unknown>/80%` per resource metric.
pub(crate) fn hpa_targets(o: &Value) -> String {
    let metrics = arr(o, "/spec/metrics");
    if metrics.is_empty() {
        return "<none>".into();
    }
    let current = arr(o, "/status/currentMetrics");
    let parts: Vec<String> = metrics
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let kind = s(m, "/type");
            let key = match kind {
                "Resource" => "resource",
                "ContainerResource" => "containerResource",
                "Pods" => "pods",
                "Object" => "object",
                _ => "external",
            };
            let label = s(m, &format!("/{key}/name"));
            let label = if label.is_empty() {
                s(m, &format!("/{key}/metric/name"))
            } else {
                label
            };
            let cur = current.get(i);
            let (cur, target) = match s(m, &format!("/{key}/target/type")) {
                "Utilization" => (
                    cur.and_then(|c| c.pointer(&format!("/{key}/current/averageUtilization")))
                        .map(|v| format!("{v}%")),
                    format!("{}%", int(m, &format!("/{key}/target/averageUtilization"))),
                ),
                "AverageValue" => (
                    cur.and_then(|c| c.pointer(&format!("/{key}/current/averageValue")))
                        .map(|v| v.as_str().unwrap_or_default().to_owned()),
                    format!("{} (avg)", s(m, &format!("/{key}/target/averageValue"))),
                ),
                _ => (
                    cur.and_then(|c| c.pointer(&format!("/{key}/current/value")))
                        .map(|v| v.as_str().unwrap_or_default().to_owned()),
                    s(m, &format!("/{key}/target/value")).to_owned(),
                ),
            };
            format!(
                "{label}: {}/{target}",
                cur.unwrap_or_else(|| "<unknown>".into())
            )
        })
        .collect();
    parts.join(", ")
}

/// Endpoints `ip:port` list (first 3, then `+ N more...`), `<none>` when empty.
pub(crate) fn endpoints(o: &Value) -> String {
    let mut list = Vec::new();
    let mut count = 0;
    for ss in arr(o, "/subsets") {
        for p in arr(ss, "/ports") {
            for a in arr(ss, "/addresses") {
                if list.len() < 3 {
                    list.push(format!("{}:{}", s(a, "/ip"), int(p, "/port")));
                }
                count += 1;
            }
        }
    }
    if count == 0 {
        return "<none>".into();
    }
    if count > 3 {
        format!("{} + {} more...", list.join(","), count - 3)
    } else {
        list.join(",")
    }
}

/// The Event row (core/v1 and events.k8s.io/v1 field names).
pub(crate) fn event_row(o: &Value, now: i64) -> Vec<Value> {
    let new_api = o.get("regarding").is_some() || o.get("note").is_some();
    let f = |core: &str, events: &str| o.pointer(if new_api { events } else { core });
    let ts = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .and_then(parse_rfc3339)
            .map(|t| human_duration(now - t))
    };
    let first = ts(f("/firstTimestamp", "/deprecatedFirstTimestamp"))
        .or_else(|| ts(o.get("eventTime")))
        .unwrap_or_else(|| "<unknown>".into());
    let mut last =
        ts(f("/lastTimestamp", "/deprecatedLastTimestamp")).unwrap_or_else(|| first.clone());
    let mut count = f("/count", "/deprecatedCount")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if let Some(series) = o.get("series") {
        last = ts(series.get("lastObservedTime")).unwrap_or_else(|| "<unknown>".into());
        count = int(series, "/count");
    } else if count == 0 {
        count = 1;
    }
    let inv = if new_api {
        "/regarding"
    } else {
        "/involvedObject"
    };
    let kind = s(o, &format!("{inv}/kind")).to_lowercase();
    let target = match s(o, &format!("{inv}/name")) {
        "" => kind,
        n => format!("{kind}/{n}"),
    };
    let src = if new_api {
        "/deprecatedSource"
    } else {
        "/source"
    };
    let component = match s(o, &format!("{src}/component")) {
        "" => s(o, "/reportingController"),
        c => c,
    };
    let instance = match s(o, &format!("{src}/host")) {
        "" => s(o, "/reportingInstance"),
        h => h,
    };
    let source = if instance.is_empty() {
        component.to_owned()
    } else {
        format!("{component}, {instance}")
    };
    let message = s(o, if new_api { "/note" } else { "/message" }).trim();
    vec![
        json!(last),
        json!(s(o, "/type")),
        json!(s(o, "/reason")),
        json!(target),
        json!(s(o, &format!("{inv}/fieldPath"))),
        json!(source),
        json!(message),
        json!(first),
        json!(count),
        json!(name(o)),
    ]
}

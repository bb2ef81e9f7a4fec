//! Server-side defaulting of built-in kinds, mirroring Kubernetes'
//! `pkg/apis/{core,apps,batch}/v1/defaults.go` (plus the Service registry's clusterIP
//! allocation), so that dry-run based drift detection (`kubectl diff`, Argo CD, Flux)
//! sees the same objects as on a real cluster. Only fields that are absent are set.

use std::collections::HashSet;
use std::net::Ipv4Addr;

use serde_json::{Map, Value, json};

use crate::status::Status;
use crate::store::{ListParams, ResourceType, Store};

/// Defaulting failures.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DefaultsError {
    /// Every address of the service range is taken.
    #[error("failed to allocate a serviceIP: range is full")]
    RangeFull,
    /// Every node port is taken.
    #[error("failed to allocate a nodePort: range is full")]
    NodePortsFull,
}

impl DefaultsError {
    /// The Status body the API server returns (500).
    pub fn to_status(&self) -> Status {
        Status::internal(&self.to_string())
    }
}

/// First address of the service CIDR 10.96.0.0/12 (10.96.0.1 is `kubernetes`).
const RANGE_START: u32 = 0x0A60_0000;
/// Size of 10.96.0.0/12.
const RANGE_SIZE: u32 = 1 << 20;

fn obj_mut(v: &mut Value) -> Option<&mut Map<String, Value>> {
    v.as_object_mut()
}

/// Sets `key` to `val` when absent or null.
fn set(m: &mut Map<String, Value>, key: &str, val: Value) {
    if m.get(key).is_none_or(Value::is_null) {
        m.insert(key.to_string(), val);
    }
}

/// The object at `key`, created as `{}` when absent.
fn child<'a>(m: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Map<String, Value>> {
    set(m, key, json!({}));
    m.get_mut(key).and_then(Value::as_object_mut)
}

/// Applies the defaults of `group`/`kind` to `obj` in place (pure; no clusterIP).
pub fn default_object(group: &str, kind: &str, obj: &mut Value) {
    let Some(m) = obj_mut(obj) else { return };
    match (group, kind) {
        ("", "Pod") => {
            if let Some(spec) = child(m, "spec") {
                set(spec, "enableServiceLinks", json!(true));
                pod_spec(spec);
            }
        }
        ("", "PodTemplate") | ("", "ReplicationController") => {
            if kind == "ReplicationController"
                && let Some(spec) = child(m, "spec")
            {
                set(spec, "replicas", json!(1));
            }
            let tmpl = if kind == "PodTemplate" {
                m.get_mut("template")
            } else {
                m.get_mut("spec").and_then(|s| s.get_mut("template"))
            };
            template(tmpl);
        }
        ("", "Service") => {
            if let Some(spec) = child(m, "spec") {
                service_spec(spec);
            }
        }
        ("", "Secret") => set(m, "type", json!("Opaque")),
        ("", "Namespace") => {
            let name = m.get("metadata").and_then(|md| md.get("name")).cloned();
            if let (Some(name), Some(md)) = (name, child(m, "metadata"))
                && let Some(labels) = child(md, "labels")
            {
                set(labels, "kubernetes.io/metadata.name", name);
            }
            if let Some(spec) = child(m, "spec") {
                set(spec, "finalizers", json!(["kubernetes"]));
            }
            if let Some(status) = child(m, "status") {
                set(status, "phase", json!("Active"));
            }
        }
        ("", "PersistentVolumeClaim") => {
            if let Some(spec) = child(m, "spec") {
                set(spec, "volumeMode", json!("Filesystem"));
            }
            if let Some(status) = child(m, "status") {
                set(status, "phase", json!("Pending"));
            }
        }
        ("apps", "Deployment") => {
            if let Some(spec) = child(m, "spec") {
                set(spec, "replicas", json!(1));
                if let Some(st) = child(spec, "strategy") {
                    set(st, "type", json!("RollingUpdate"));
                    if st.get("type") == Some(&json!("RollingUpdate"))
                        && let Some(ru) = child(st, "rollingUpdate")
                    {
                        set(ru, "maxUnavailable", json!("25%"));
                        set(ru, "maxSurge", json!("25%"));
                    }
                }
                set(spec, "revisionHistoryLimit", json!(10));
                set(spec, "progressDeadlineSeconds", json!(600));
                template(spec.get_mut("template"));
            }
        }
        ("apps", "StatefulSet") => {
            if let Some(spec) = child(m, "spec") {
                set(spec, "replicas", json!(1));
                set(spec, "podManagementPolicy", json!("OrderedReady"));
                if let Some(st) = child(spec, "updateStrategy") {
                    set(st, "type", json!("RollingUpdate"));
                    if st.get("type") == Some(&json!("RollingUpdate"))
                        && let Some(ru) = child(st, "rollingUpdate")
                    {
                        set(ru, "partition", json!(0));
                    }
                }
                set(spec, "revisionHistoryLimit", json!(10));
                if let Some(p) = child(spec, "persistentVolumeClaimRetentionPolicy") {
                    set(p, "whenDeleted", json!("Retain"));
                    set(p, "whenScaled", json!("Retain"));
                }
                if let Some(vcts) = spec
                    .get_mut("volumeClaimTemplates")
                    .and_then(Value::as_array_mut)
                {
                    for v in vcts.iter_mut().filter_map(Value::as_object_mut) {
                        set(v, "apiVersion", json!("v1"));
                        set(v, "kind", json!("PersistentVolumeClaim"));
                        if let Some(s) = child(v, "spec") {
                            set(s, "volumeMode", json!("Filesystem"));
                        }
                        if let Some(s) = child(v, "status") {
                            set(s, "phase", json!("Pending"));
                        }
                    }
                }
                template(spec.get_mut("template"));
            }
        }
        ("apps", "DaemonSet") => {
            if let Some(spec) = child(m, "spec") {
                if let Some(st) = child(spec, "updateStrategy") {
                    set(st, "type", json!("RollingUpdate"));
                    if st.get("type") == Some(&json!("RollingUpdate"))
                        && let Some(ru) = child(st, "rollingUpdate")
                    {
                        set(ru, "maxUnavailable", json!(1));
                        set(ru, "maxSurge", json!(0));
                    }
                }
                set(spec, "revisionHistoryLimit", json!(10));
                template(spec.get_mut("template"));
            }
        }
        ("apps", "ReplicaSet") => {
            if let Some(spec) = child(m, "spec") {
                set(spec, "replicas", json!(1));
                template(spec.get_mut("template"));
            }
        }
        ("batch", "Job") => {
            job_selector(m);
            if let Some(spec) = child(m, "spec") {
                job_spec(spec);
            }
        }
        ("batch", "CronJob") => {
            if let Some(spec) = child(m, "spec") {
                set(spec, "concurrencyPolicy", json!("Allow"));
                set(spec, "suspend", json!(false));
                set(spec, "successfulJobsHistoryLimit", json!(3));
                set(spec, "failedJobsHistoryLimit", json!(1));
                // Only the pod template inside the job template is defaulted.
                template(
                    spec.get_mut("jobTemplate")
                        .and_then(|j| j.get_mut("spec"))
                        .and_then(|s| s.get_mut("template")),
                );
            }
        }
        _ => {}
    }
}

/// A Job's generated selector (unless `manualSelector`): its uid in
/// `batch.kubernetes.io/controller-uid`, and the four labels the Job controller matches on
/// in the pod template. Needs the uid the store will give the Job
/// ([`crate::store::Store::assign_uid`]).
fn job_selector(m: &mut Map<String, Value>) {
    let uid = m
        .get("metadata")
        .and_then(|x| x.get("uid"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let name = m
        .get("metadata")
        .and_then(|x| x.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let Some(spec) = child(m, "spec") else { return };
    let manual = spec.get("manualSelector").and_then(Value::as_bool) == Some(true);
    if manual || uid.is_empty() || spec.get("selector").is_some_and(|s| !s.is_null()) {
        return;
    }
    spec.insert(
        "selector".into(),
        json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}),
    );
    let Some(t) = child(spec, "template") else {
        return;
    };
    let Some(meta) = child(t, "metadata") else {
        return;
    };
    let Some(labels) = child(meta, "labels") else {
        return;
    };
    for (k, v) in [
        ("batch.kubernetes.io/controller-uid", &uid),
        ("batch.kubernetes.io/job-name", &name),
        ("controller-uid", &uid),
        ("job-name", &name),
    ] {
        set(labels, k, json!(v));
    }
}

fn job_spec(spec: &mut Map<String, Value>) {
    let no_completions = spec.get("completions").is_none_or(Value::is_null);
    let no_parallelism = spec.get("parallelism").is_none_or(Value::is_null);
    if no_completions && no_parallelism {
        spec.insert("completions".into(), json!(1));
    }
    if no_parallelism {
        spec.insert("parallelism".into(), json!(1));
    }
    set(spec, "backoffLimit", json!(6));
    set(spec, "completionMode", json!("NonIndexed"));
    set(spec, "suspend", json!(false));
    if spec.get("podFailurePolicy").is_none_or(Value::is_null) {
        set(spec, "podReplacementPolicy", json!("TerminatingOrFailed"));
    }
    template(spec.get_mut("template"));
}

/// Defaults a PodTemplateSpec's `spec`.
fn template(t: Option<&mut Value>) {
    if let Some(t) = t.and_then(Value::as_object_mut)
        && let Some(spec) = child(t, "spec")
    {
        pod_spec(spec);
    }
}

/// `SetDefaults_PodSpec` plus containers, probes, ports and volumes.
fn pod_spec(spec: &mut Map<String, Value>) {
    set(spec, "dnsPolicy", json!("ClusterFirst"));
    set(spec, "restartPolicy", json!("Always"));
    set(spec, "terminationGracePeriodSeconds", json!(30));
    set(spec, "securityContext", json!({}));
    set(spec, "schedulerName", json!("default-scheduler"));
    for key in ["initContainers", "containers", "ephemeralContainers"] {
        if let Some(cs) = spec.get_mut(key).and_then(Value::as_array_mut) {
            for c in cs.iter_mut().filter_map(Value::as_object_mut) {
                container(c);
            }
        }
    }
    if let Some(vs) = spec.get_mut("volumes").and_then(Value::as_array_mut) {
        for v in vs.iter_mut().filter_map(Value::as_object_mut) {
            for src in ["secret", "configMap", "downwardAPI", "projected"] {
                if let Some(s) = v.get_mut(src).and_then(Value::as_object_mut) {
                    set(s, "defaultMode", json!(420));
                }
            }
        }
    }
}

/// `imagePullPolicy` per `SetDefaults_Container`: Always for `:latest` or no tag (and
/// no digest), else IfNotPresent.
pub fn pull_policy(image: &str) -> &'static str {
    let (name, digest) = match image.split_once('@') {
        Some((n, _)) => (n, true),
        None => (image, false),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = last.split_once(':').map(|(_, t)| t);
    match tag {
        Some("latest") => "Always",
        Some(_) => "IfNotPresent",
        None if digest => "IfNotPresent",
        None => "Always",
    }
}

fn container(c: &mut Map<String, Value>) {
    let image = c
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    set(c, "imagePullPolicy", json!(pull_policy(&image)));
    set(c, "terminationMessagePath", json!("/dev/termination-log"));
    set(c, "terminationMessagePolicy", json!("File"));
    if let Some(ps) = c.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ps.iter_mut().filter_map(Value::as_object_mut) {
            set(p, "protocol", json!("TCP"));
        }
    }
    for key in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = c.get_mut(key).and_then(Value::as_object_mut) {
            set(p, "timeoutSeconds", json!(1));
            set(p, "periodSeconds", json!(10));
            set(p, "successThreshold", json!(1));
            set(p, "failureThreshold", json!(3));
            if let Some(h) = p.get_mut("httpGet").and_then(Value::as_object_mut) {
                set(h, "path", json!("/"));
                set(h, "scheme", json!("HTTP"));
            }
        }
    }
    if let Some(env) = c.get_mut("env").and_then(Value::as_array_mut) {
        for e in env.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(f) = e
                .get_mut("valueFrom")
                .and_then(|v| v.get_mut("fieldRef"))
                .and_then(Value::as_object_mut)
            {
                set(f, "apiVersion", json!("v1"));
            }
        }
    }
}

fn service_spec(spec: &mut Map<String, Value>) {
    set(spec, "type", json!("ClusterIP"));
    set(spec, "sessionAffinity", json!("None"));
    let ty = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
        .to_string();
    if let Some(ps) = spec.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ps.iter_mut().filter_map(Value::as_object_mut) {
            set(p, "protocol", json!("TCP"));
            if let Some(port) = p.get("port").cloned() {
                set(p, "targetPort", port);
            }
        }
    }
    if ty == "ExternalName" {
        return;
    }
    set(spec, "internalTrafficPolicy", json!("Cluster"));
    if ty == "NodePort" || ty == "LoadBalancer" {
        set(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if ty == "LoadBalancer" {
        set(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
    if spec.get("clusterIP").and_then(Value::as_str) == Some("None") {
        set(spec, "clusterIPs", json!(["None"]));
    }
    set(spec, "ipFamilies", json!(["IPv4"]));
    set(spec, "ipFamilyPolicy", json!("SingleStack"));
}

/// Gives a Service a `clusterIP`/`clusterIPs`: kept from `live` on update, else the
/// first free address of 10.96.0.0/12 (from .10 on) not in `used`. Headless (`None`)
/// and ExternalName services get none.
pub fn allocate_cluster_ip(
    obj: &mut Value,
    live: Option<&Value>,
    used: &HashSet<String>,
) -> Result<(), DefaultsError> {
    let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    if spec.get("type").and_then(Value::as_str) == Some("ExternalName") {
        return Ok(());
    }
    let given = spec
        .get("clusterIP")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let ip = match given {
        Some(ip) => ip,
        None => match live
            .and_then(|l| l.pointer("/spec/clusterIP"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        {
            Some(ip) => ip.to_string(),
            None => (10..RANGE_SIZE - 1)
                .map(|i| Ipv4Addr::from(RANGE_START + i).to_string())
                .find(|ip| !used.contains(ip))
                .ok_or(DefaultsError::RangeFull)?,
        },
    };
    spec.insert("clusterIP".into(), json!(ip));
    set(spec, "clusterIPs", json!([ip]));
    Ok(())
}

/// Server glue: defaults `obj` (of type `rt`, kind `kind`, in namespace `ns`) before it
/// is stored by create, update or patch (dry-run included); Services get a clusterIP
/// unique among stored Services and keep the live object's one on update.
pub fn apply_server_defaults(
    store: &Store,
    rt: &ResourceType,
    kind: &str,
    ns: &str,
    obj: &mut Value,
) -> Result<(), DefaultsError> {
    default_object(&rt.group, kind, obj);
    if (rt.group.as_str(), kind) != ("", "Service") {
        return Ok(());
    }
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let live = if name.is_empty() {
        None
    } else {
        store.get(rt, ns, &name, None).ok()
    };
    let mut used: HashSet<String> = HashSet::from(["10.96.0.1".to_string()]);
    let mut ports_used: HashSet<u64> = HashSet::new();
    if let Ok(list) = store.list(rt, &ListParams::default()) {
        for s in &list.items {
            let same = s.pointer("/metadata/namespace").and_then(Value::as_str) == Some(ns)
                && s.pointer("/metadata/name").and_then(Value::as_str) == Some(name.as_str());
            if same {
                continue;
            }
            if let Some(ip) = s.pointer("/spec/clusterIP").and_then(Value::as_str) {
                used.insert(ip.to_string());
            }
            ports_used.extend(node_ports(s));
        }
    }
    allocate_cluster_ip(obj, live.as_ref(), &used)?;
    allocate_node_ports(obj, live.as_ref(), &ports_used)
}

/// The node ports a Service uses.
fn node_ports(svc: &Value) -> Vec<u64> {
    svc.pointer("/spec/ports")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter_map(|p| p.get("nodePort").and_then(Value::as_u64))
                .collect()
        })
        .unwrap_or_default()
}

/// The node port range of a default API server.
const NODE_PORTS: std::ops::RangeInclusive<u64> = 30000..=32767;

/// Gives every port of a NodePort or LoadBalancer Service a `nodePort`: the one given, else
/// the live port's (same port and protocol), else the first free one of 30000–32767.
/// Other types lose node ports, as on a real server.
pub fn allocate_node_ports(
    obj: &mut Value,
    live: Option<&Value>,
    used: &HashSet<u64>,
) -> Result<(), DefaultsError> {
    let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    let ty = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
        .to_string();
    let wants = ty == "NodePort"
        || (ty == "LoadBalancer"
            && spec
                .get("allocateLoadBalancerNodePorts")
                .and_then(Value::as_bool)
                != Some(false));
    let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) else {
        return Ok(());
    };
    let live_ports: Vec<&Value> = live
        .and_then(|l| l.pointer("/spec/ports"))
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let mut taken: HashSet<u64> = used.clone();
    taken.extend(
        ports
            .iter()
            .filter_map(|p| p.get("nodePort").and_then(Value::as_u64)),
    );
    for p in ports.iter_mut().filter_map(Value::as_object_mut) {
        if !wants {
            if ty == "ClusterIP" {
                p.remove("nodePort");
            }
            continue;
        }
        if p.get("nodePort").and_then(Value::as_u64).is_some() {
            continue;
        }
        let kept = live_ports
            .iter()
            .find(|l| l.get("port") == p.get("port") && l.get("protocol") == p.get("protocol"))
            .and_then(|l| l.get("nodePort").and_then(Value::as_u64));
        let port = match kept {
            Some(k) => k,
            None => NODE_PORTS
                .clone()
                .find(|n| !taken.contains(n))
                .ok_or(DefaultsError::NodePortsFull)?,
        };
        taken.insert(port);
        p.insert("nodePort".into(), json!(port));
    }
    Ok(())
}

//! Pure status computations for ReplicaSets, StatefulSets, DaemonSets and Jobs, plus the
//! helpers the Deployment logic shares (template hash, conditions, field access).
//!
//! Each function takes the live object and whether its current generation has been
//! "running" for the workload delay, and returns the status a healthy cluster's
//! controller would write (or `None` when the controller would leave it alone).

use serde_json::{Map, Value, json};

use super::FAIL_ANNOTATION;

/// `metadata.<field>` as a string ("" when absent).
pub(super) fn meta_str<'a>(obj: &'a Value, field: &str) -> &'a str {
    obj.get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// An integer at a JSON pointer, `default` when absent or not an integer.
pub(super) fn int_at(obj: &Value, ptr: &str, default: i64) -> i64 {
    obj.pointer(ptr).and_then(Value::as_i64).unwrap_or(default)
}

/// `metadata.generation` (0 when absent).
pub(super) fn generation(obj: &Value) -> i64 {
    int_at(obj, "/metadata/generation", 0)
}

/// Whether the object carries `devcluster.gitops.dev/fail: "true"`.
pub(super) fn fails(obj: &Value) -> bool {
    obj.pointer("/metadata/annotations")
        .and_then(|a| a.get(FAIL_ANNOTATION))
        .and_then(Value::as_str)
        == Some("true")
}

/// Inserts `key: n` unless `n` is zero (Go's `omitempty` on integer status fields).
fn put_nonzero(m: &mut Map<String, Value>, key: &str, n: i64) {
    if n != 0 {
        m.insert(key.into(), json!(n));
    }
}

/// A stable short hash of a pod template: FNV-1a (32 bit) of its canonical JSON, printed
/// as a 10-digit decimal and mapped through `SafeEncodeString`'s alphabet, as Kubernetes'
/// `ComputeHash` does (ten characters of `bcdfghjklmnpqrstvwxz2456789`).
pub fn pod_template_hash(template: &Value) -> String {
    let h = gitops_core::hash::fnv32a(gitops_core::hash::canonical_json(template).as_bytes());
    gitops_core::hash::safe_encode_string(&format!("{h:010}"))
}

/// A condition with both timestamps (Deployment style: `lastUpdateTime`).
pub(super) fn deployment_condition(
    ty: &str,
    status: &str,
    reason: &str,
    message: &str,
    now: &str,
) -> Value {
    json!({"type": ty, "status": status, "lastUpdateTime": now, "lastTransitionTime": now,
        "reason": reason, "message": message})
}

/// `SetDeploymentCondition`: unchanged when status and reason match; otherwise the old
/// condition of that type is replaced (appended last), keeping its `lastTransitionTime`
/// when the status did not change.
pub(super) fn set_condition(conds: &mut Vec<Value>, mut cond: Value) {
    let ty = cond["type"].clone();
    if let Some(cur) = conds.iter().find(|c| c["type"] == ty) {
        if cur["status"] == cond["status"] && cur["reason"] == cond["reason"] {
            return;
        }
        if cur["status"] == cond["status"]
            && let Some(t) = cur.get("lastTransitionTime")
        {
            cond["lastTransitionTime"] = t.clone();
        }
    }
    conds.retain(|c| c["type"] != ty);
    conds.push(cond);
}

/// The status a ReplicaSet controller writes: all pods exist at once; they become ready
/// once the generation is `ready` (never with the fail annotation). Before that the ready
/// count keeps its previous value, capped at the new replica count (scale-down is instant).
pub fn replicaset_status(rs: &Value, ready: bool) -> Value {
    let spec = int_at(rs, "/spec/replicas", 1).max(0);
    let prev = int_at(rs, "/status/readyReplicas", 0);
    let n = if fails(rs) {
        0
    } else if ready {
        spec
    } else {
        prev.min(spec)
    };
    let mut m = Map::new();
    m.insert("replicas".into(), json!(spec));
    put_nonzero(&mut m, "fullyLabeledReplicas", spec);
    put_nonzero(&mut m, "readyReplicas", n);
    put_nonzero(&mut m, "availableReplicas", n);
    put_nonzero(&mut m, "observedGeneration", generation(rs));
    Value::Object(m)
}

/// The status a StatefulSet controller writes. `updateRevision` is `<name>-<template
/// hash>`; `currentRevision` follows it once every replica is ready at that revision.
pub fn statefulset_status(sts: &Value, ready: bool) -> Value {
    let spec = int_at(sts, "/spec/replicas", 1).max(0);
    let template = sts
        .pointer("/spec/template")
        .cloned()
        .unwrap_or(Value::Null);
    let update_rev = format!("{}-{}", meta_str(sts, "name"), pod_template_hash(&template));
    let prev_current = sts
        .pointer("/status/currentRevision")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map_or_else(|| update_rev.clone(), str::to_string);
    let prev_ready = int_at(sts, "/status/readyReplicas", 0);
    let (current_rev, ready_n, current, updated) = if fails(sts) {
        let same = prev_current == update_rev;
        (
            prev_current,
            0,
            if same { spec } else { 0 },
            if same { spec } else { 0 },
        )
    } else if ready {
        (update_rev.clone(), spec, spec, spec)
    } else {
        let same = prev_current == update_rev;
        let cur = int_at(sts, "/status/currentReplicas", 0).min(spec);
        (
            prev_current,
            prev_ready.min(spec),
            if same { spec } else { cur },
            if same { spec } else { 0 },
        )
    };
    let mut m = Map::new();
    put_nonzero(&mut m, "observedGeneration", generation(sts));
    m.insert("replicas".into(), json!(spec));
    put_nonzero(&mut m, "readyReplicas", ready_n);
    put_nonzero(&mut m, "currentReplicas", current);
    put_nonzero(&mut m, "updatedReplicas", updated);
    m.insert("currentRevision".into(), json!(current_rev));
    m.insert("updateRevision".into(), json!(update_rev));
    m.insert("collisionCount".into(), json!(0));
    m.insert("availableReplicas".into(), json!(ready_n));
    Value::Object(m)
}

/// The status a DaemonSet controller writes on a one-node cluster: one pod scheduled at
/// once, ready after the delay (never with the fail annotation).
pub fn daemonset_status(ds: &Value, ready: bool) -> Value {
    let n = i64::from(ready && !fails(ds));
    let mut m = Map::new();
    m.insert("currentNumberScheduled".into(), json!(1));
    m.insert("numberMisscheduled".into(), json!(0));
    m.insert("desiredNumberScheduled".into(), json!(1));
    m.insert("numberReady".into(), json!(n));
    put_nonzero(&mut m, "observedGeneration", generation(ds));
    m.insert("updatedNumberScheduled".into(), json!(1));
    put_nonzero(&mut m, "numberAvailable", n);
    put_nonzero(&mut m, "numberUnavailable", 1 - n);
    Value::Object(m)
}

/// A Job condition (`lastProbeTime` instead of `lastUpdateTime`).
fn job_condition(ty: &str, reason: &str, message: &str, now: &str) -> Value {
    json!({"type": ty, "status": "True", "lastProbeTime": now, "lastTransitionTime": now,
        "reason": reason, "message": message})
}

/// The status a Job controller writes: running (`startTime`, `active`) at once, then
/// after the delay `Complete` (with `SuccessCriteriaMet`, as 1.33 reports) or, with the
/// fail annotation, `Failed` (with `FailureTarget`), reason `BackoffLimitExceeded`.
/// `None` for a suspended or finished Job (the controller leaves it alone).
pub fn job_status(job: &Value, ready: bool, now: &str) -> Option<Value> {
    if job.pointer("/spec/suspend") == Some(&json!(true)) {
        return None;
    }
    let finished = job
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                (c["type"] == "Complete" || c["type"] == "Failed") && c["status"] == "True"
            })
        });
    if finished {
        return None;
    }
    let start = job
        .pointer("/status/startTime")
        .and_then(Value::as_str)
        .unwrap_or(now)
        .to_string();
    let parallelism = int_at(job, "/spec/parallelism", 1).max(0);
    let completions = job.pointer("/spec/completions").and_then(Value::as_i64);
    let mut m = Map::new();
    m.insert("startTime".into(), json!(start));
    if !ready {
        put_nonzero(
            &mut m,
            "active",
            completions.map_or(parallelism, |c| c.min(parallelism)),
        );
    } else if fails(job) {
        m.insert(
            "failed".into(),
            json!(int_at(job, "/spec/backoffLimit", 6) + 1),
        );
        let msg = "Job has reached the specified backoff limit";
        m.insert(
            "conditions".into(),
            json!([
                job_condition("FailureTarget", "BackoffLimitExceeded", msg, now),
                job_condition("Failed", "BackoffLimitExceeded", msg, now)
            ]),
        );
    } else {
        m.insert("completionTime".into(), json!(now));
        m.insert("succeeded".into(), json!(completions.unwrap_or(1)));
        let msg = "Reached expected number of completions";
        m.insert(
            "conditions".into(),
            json!([
                job_condition("SuccessCriteriaMet", "CompletionsReached", msg, now),
                job_condition("Complete", "CompletionsReached", msg, now)
            ]),
        );
    }
    m.insert("ready".into(), json!(0));
    m.insert("terminating".into(), json!(0));
    m.insert("uncountedTerminatedPods".into(), json!({}));
    Some(Value::Object(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_stable_ten_safe_chars_and_key_order_free() {
        let a = json!({"metadata": {"labels": {"app": "x", "tier": "y"}}, "spec": {"containers": [{"name": "c"}]}});
        let b = json!({"spec": {"containers": [{"name": "c"}]}, "metadata": {"labels": {"tier": "y", "app": "x"}}});
        let h = pod_template_hash(&a);
        assert_eq!(h.len(), 10);
        assert!(
            h.bytes()
                .all(|c| b"bcdfghjklmnpqrstvwxz2456789".contains(&c))
        );
        assert_eq!(h, pod_template_hash(&b));
        assert_ne!(h, pod_template_hash(&json!({"spec": {}})));
    }

    #[test]
    fn replicaset_ready_after_delay_and_scale_down_is_instant() {
        let rs = json!({"metadata": {"generation": 2}, "spec": {"replicas": 3}, "status": {"readyReplicas": 5}});
        assert_eq!(replicaset_status(&rs, false)["readyReplicas"], 3);
        let rs = json!({"metadata": {"generation": 1}, "spec": {"replicas": 2}});
        assert!(replicaset_status(&rs, false).get("readyReplicas").is_none());
        assert_eq!(replicaset_status(&rs, true)["availableReplicas"], 2);
    }

    #[test]
    fn job_completes_or_fails() {
        let job = json!({"metadata": {"generation": 1}, "spec": {"completions": 2, "parallelism": 1, "backoffLimit": 3}});
        let running = job_status(&job, false, "t").expect("running");
        assert_eq!(running["active"], 1);
        let done = job_status(&job, true, "t").expect("done");
        assert_eq!(done["succeeded"], 2);
        assert_eq!(done["conditions"][1]["type"], "Complete");
        let mut failing = job.clone();
        failing["metadata"]["annotations"] = json!({FAIL_ANNOTATION: "true"});
        let failed = job_status(&failing, true, "t").expect("failed");
        assert_eq!(failed["failed"], 4);
        assert_eq!(failed["conditions"][1]["reason"], "BackoffLimitExceeded");
        let mut finished = job;
        finished["status"] = done;
        assert!(job_status(&finished, true, "t").is_none());
    }
}

//! The Deployment controller, simulated: one ReplicaSet per pod template
//! (`<deployment>-<pod-template-hash>`), revisions, old ReplicaSets scaled to zero and
//! pruned beyond `revisionHistoryLimit`, and the Deployment's status and conditions
//! computed from its ReplicaSets as `pkg/controller/deployment` does.

use serde_json::{Map, Value, json};

use super::workloads::{deployment_condition, int_at, meta_str, pod_template_hash, set_condition};
use super::{FAIL_ANNOTATION as FAIL_KEY, SimulateError};
use crate::store::{DeleteOptions, ResourceType, Store, StoreError, WriteOptions};

/// The label naming a ReplicaSet's (and its pods') template hash.
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";
/// The revision annotation on Deployments and their ReplicaSets.
pub const REVISION: &str = "deployment.kubernetes.io/revision";
const DESIRED: &str = "deployment.kubernetes.io/desired-replicas";
const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";

/// Deployment annotations the controller does not copy onto ReplicaSets.
const NOT_COPIED: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    DESIRED,
    MAX_REPLICAS,
    "deprecated.deployment.rollback.to",
];

/// What one sync did to the ReplicaSets (for the simulator's owner index).
#[derive(Debug, Default)]
pub(super) struct Outcome {
    /// The ReplicaSet created for a new template.
    pub created: Option<String>,
    /// ReplicaSets deleted beyond `revisionHistoryLimit`.
    pub deleted: Vec<String>,
}

pub(super) fn revision(rs: &Value) -> i64 {
    rs.pointer("/metadata/annotations")
        .and_then(|a| a.get(REVISION))
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// A template without the `pod-template-hash` label (and without an emptied label map).
fn strip_hash(t: &Value) -> Value {
    let mut t = t.clone();
    if let Some(meta) = t.get_mut("metadata").and_then(Value::as_object_mut) {
        if let Some(labels) = meta.get_mut("labels").and_then(Value::as_object_mut) {
            labels.remove(POD_TEMPLATE_HASH);
        }
        if meta
            .get("labels")
            .is_some_and(|l| l.is_null() || l.as_object().is_some_and(Map::is_empty))
        {
            meta.remove("labels");
        }
    }
    t
}

/// `EqualIgnoreHash`: the ReplicaSet runs the Deployment's template.
fn same_template(rs: &Value, template: &Value) -> bool {
    strip_hash(rs.pointer("/spec/template").unwrap_or(&Value::Null)) == strip_hash(template)
}

/// An int-or-percent of `total` (`round_up` for maxSurge, down for maxUnavailable).
fn resolve(v: Option<&Value>, total: i64, round_up: bool) -> i64 {
    let pct = match v {
        Some(Value::Number(n)) => return n.as_i64().unwrap_or(0),
        Some(Value::String(s)) => s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()),
        _ => Some(25),
    };
    let p = pct.unwrap_or(0) * total;
    if round_up { (p + 99) / 100 } else { p / 100 }
}

fn rolling(d: &Value) -> bool {
    d.pointer("/spec/strategy/type")
        .and_then(Value::as_str)
        .unwrap_or("RollingUpdate")
        == "RollingUpdate"
}

/// `MaxUnavailable`: 0 for Recreate; at least 1 when surge and unavailability are both 0.
pub(super) fn max_unavailable(d: &Value) -> i64 {
    let replicas = int_at(d, "/spec/replicas", 1).max(0);
    if !rolling(d) || replicas == 0 {
        return 0;
    }
    let ru = d.pointer("/spec/strategy/rollingUpdate");
    let surge = resolve(ru.and_then(|r| r.get("maxSurge")), replicas, true);
    let mut unavailable = resolve(ru.and_then(|r| r.get("maxUnavailable")), replicas, false);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    unavailable.min(replicas)
}

fn max_surge(d: &Value) -> i64 {
    let replicas = int_at(d, "/spec/replicas", 1).max(0);
    if !rolling(d) {
        return 0;
    }
    resolve(
        d.pointer("/spec/strategy/rollingUpdate/maxSurge"),
        replicas,
        true,
    )
}

/// The ReplicaSet annotations: the Deployment's (minus [`NOT_COPIED`]) plus revision,
/// desired and max replicas.
fn rs_annotations(d: &Value, existing: Option<&Value>, rev: i64) -> Value {
    let mut m: Map<String, Value> = existing
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let from = d
        .pointer("/metadata/annotations")
        .and_then(Value::as_object);
    if from.is_none_or(|a| !a.contains_key(FAIL_KEY)) {
        m.remove(FAIL_KEY);
    }
    for (k, v) in from.into_iter().flatten() {
        if !NOT_COPIED.contains(&k.as_str()) {
            m.insert(k.clone(), v.clone());
        }
    }
    let replicas = int_at(d, "/spec/replicas", 1).max(0);
    m.insert(DESIRED.into(), json!(replicas.to_string()));
    m.insert(
        MAX_REPLICAS.into(),
        json!((replicas + max_surge(d)).to_string()),
    );
    m.insert(REVISION.into(), json!(rev.to_string()));
    Value::Object(m)
}

/// The new ReplicaSet of `d` for its current template.
fn build_rs(d: &Value, template: &Value, rev: i64) -> Value {
    let hash = pod_template_hash(template);
    let mut template = template.clone();
    if !template.is_object() {
        template = json!({});
    }
    if !template["metadata"].is_object() {
        template["metadata"] = json!({});
    }
    if !template["metadata"]["labels"].is_object() {
        template["metadata"]["labels"] = json!({});
    }
    template["metadata"]["labels"][POD_TEMPLATE_HASH] = json!(hash);
    let labels = template["metadata"]["labels"].clone();
    let mut selector = d.pointer("/spec/selector").cloned().unwrap_or(json!({}));
    if !selector["matchLabels"].is_object() {
        selector["matchLabels"] = json!({});
    }
    selector["matchLabels"][POD_TEMPLATE_HASH] = json!(hash);
    let mut spec = json!({"replicas": int_at(d, "/spec/replicas", 1).max(0), "selector": selector, "template": template});
    if let Some(m) = d.pointer("/spec/minReadySeconds") {
        spec["minReadySeconds"] = m.clone();
    }
    let name = meta_str(d, "name");
    json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {
            "name": format!("{name}-{hash}"),
            "namespace": meta_str(d, "namespace"),
            "labels": labels,
            "annotations": rs_annotations(d, None, rev),
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name,
                "uid": meta_str(d, "uid"), "controller": true, "blockOwnerDeletion": true}],
        },
        "spec": spec,
    })
}

fn rs_type() -> ResourceType {
    super::Kind::ReplicaSet.resource_type()
}

/// Makes the ReplicaSets of `d` (`owned`: those it controls) match its template and
/// replica count, then writes the Deployment's revision annotation and status (a status
/// write: no generation bump). `timed_out`: the fail annotation's deadline has passed.
pub(super) fn sync(
    store: &mut Store,
    d: &Value,
    owned: Vec<Value>,
    timed_out: bool,
    now: &str,
) -> Result<Outcome, SimulateError> {
    let ns = meta_str(d, "namespace").to_string();
    let template = d.pointer("/spec/template").cloned().unwrap_or(json!({}));
    let replicas = int_at(d, "/spec/replicas", 1).max(0);
    let max_rev = owned.iter().map(revision).max().unwrap_or(0);
    let new_idx = owned.iter().position(|rs| same_template(rs, &template));
    let paused = d.pointer("/spec/paused") == Some(&json!(true));
    let mut out = Outcome::default();
    let write = WriteOptions::default();
    let mut new_rs: Option<Value> = None;
    if let Some(i) = new_idx {
        let rs = &owned[i];
        let rev = if revision(rs) < max_rev {
            max_rev + 1
        } else {
            revision(rs).max(1)
        };
        let mut next = rs.clone();
        next["metadata"]["annotations"] =
            rs_annotations(d, rs.pointer("/metadata/annotations"), rev);
        next["spec"]["replicas"] = json!(replicas);
        new_rs = Some(if next == *rs {
            rs.clone()
        } else {
            store
                .update(&rs_type(), &ns, meta_str(rs, "name"), next, &write)?
                .0
        });
    } else if !paused {
        let rs = build_rs(d, &template, max_rev + 1);
        match store.create(&rs_type(), &ns, rs, &write) {
            Ok(o) => {
                out.created = Some(meta_str(&o, "name").to_string());
                new_rs = Some(o);
            }
            // A foreign ReplicaSet holds the name (Kubernetes would bump collisionCount).
            Err(StoreError::AlreadyExists { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let mut olds = Vec::new();
    for (i, rs) in owned.iter().enumerate() {
        if Some(i) == new_idx {
            continue;
        }
        // A paused rollout leaves the old ReplicaSets as they are.
        if paused || int_at(rs, "/spec/replicas", 1) == 0 {
            olds.push(rs.clone());
        } else {
            let mut next = rs.clone();
            next["spec"]["replicas"] = json!(0);
            olds.push(
                store
                    .update(&rs_type(), &ns, meta_str(rs, "name"), next, &write)?
                    .0,
            );
        }
    }
    // Keep at most revisionHistoryLimit fully scaled-down old ReplicaSets.
    let limit = usize::try_from(int_at(d, "/spec/revisionHistoryLimit", 10)).unwrap_or(0);
    let mut idle: Vec<&Value> = olds
        .iter()
        .filter(|rs| int_at(rs, "/status/replicas", 0) == 0 && int_at(rs, "/spec/replicas", 1) == 0)
        .collect();
    idle.sort_by_key(|rs| revision(rs));
    let extra = idle.len().saturating_sub(limit);
    for rs in idle.into_iter().take(extra) {
        let name = meta_str(rs, "name").to_string();
        match store.delete(&rs_type(), &ns, &name, &DeleteOptions::default()) {
            Ok(_) | Err(StoreError::NotFound { .. }) => out.deleted.push(name),
            Err(e) => return Err(e.into()),
        }
    }
    olds.retain(|rs| !out.deleted.iter().any(|n| n == meta_str(rs, "name")));
    let mut next = d.clone();
    if let Some(rs) = &new_rs {
        if !next["metadata"]["annotations"].is_object() {
            next["metadata"]["annotations"] = json!({});
        }
        next["metadata"]["annotations"][REVISION] = json!(revision(rs).to_string());
    }
    next["status"] = status(
        d,
        new_rs.as_ref(),
        &olds,
        out.created.is_some(),
        timed_out,
        now,
    );
    if next != *d {
        let opts = WriteOptions {
            keep_generation: true,
            ..WriteOptions::default()
        };
        store.update(
            &super::Kind::Deployment.resource_type(),
            &ns,
            meta_str(d, "name"),
            next,
            &opts,
        )?;
    }
    Ok(out)
}

fn sum(rss: &[&Value], ptr: &str) -> i64 {
    rss.iter().map(|rs| int_at(rs, ptr, 0)).sum()
}

/// `checkPausedConditions`: Progressing=Unknown `DeploymentPaused` while paused,
/// `DeploymentResumed` once resumed; a timed-out rollout keeps its condition.
fn paused_condition(conds: &mut Vec<Value>, paused: bool, now: &str) {
    let reason = conds
        .iter()
        .find(|c| c["type"] == "Progressing")
        .map(|c| c["reason"].clone())
        .unwrap_or(Value::Null);
    if reason == "ProgressDeadlineExceeded" {
        return;
    }
    let was_paused = reason == "DeploymentPaused";
    let (why, msg) = match (paused, was_paused) {
        (true, false) => ("DeploymentPaused", "Deployment is paused"),
        (false, true) => ("DeploymentResumed", "Deployment is resumed"),
        _ => return,
    };
    set_condition(
        conds,
        deployment_condition("Progressing", "Unknown", why, msg, now),
    );
}

/// `calculateStatus` + `syncRolloutStatus`: counts from the ReplicaSets, `Available` by
/// `MaxUnavailable`, `Progressing` through NewReplicaSetCreated → ReplicaSetUpdated →
/// NewReplicaSetAvailable, or False/ProgressDeadlineExceeded when `timed_out`.
fn status(
    d: &Value,
    new_rs: Option<&Value>,
    olds: &[Value],
    created: bool,
    timed_out: bool,
    now: &str,
) -> Value {
    let old_status = d.get("status").cloned().unwrap_or(json!({}));
    let spec = int_at(d, "/spec/replicas", 1).max(0);
    let mut all: Vec<&Value> = olds.iter().collect();
    all.extend(new_rs);
    let replicas = sum(&all, "/status/replicas");
    let updated = new_rs.map_or(0, |rs| int_at(rs, "/status/replicas", 0));
    let ready = sum(&all, "/status/readyReplicas");
    let available = sum(&all, "/status/availableReplicas");
    let unavailable = (sum(&all, "/spec/replicas") - available).max(0);
    let mut conds: Vec<Value> = old_status
        .get("conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let paused = d.pointer("/spec/paused") == Some(&json!(true));
    paused_condition(&mut conds, paused, now);
    let rs_name = new_rs.map(|rs| meta_str(rs, "name").to_string());
    let about = |what: &str| match &rs_name {
        Some(n) => format!("ReplicaSet \"{n}\" {what}"),
        None => format!("Deployment \"{}\" {what}", meta_str(d, "name")),
    };
    if available >= spec - max_unavailable(d) {
        set_condition(
            &mut conds,
            deployment_condition(
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                now,
            ),
        );
    } else {
        set_condition(
            &mut conds,
            deployment_condition(
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
                now,
            ),
        );
    }
    if created && let Some(n) = &rs_name {
        let msg = format!("Created new replica set \"{n}\"");
        set_condition(
            &mut conds,
            deployment_condition("Progressing", "True", "NewReplicaSetCreated", &msg, now),
        );
    }
    let cur = conds.iter().find(|c| c["type"] == "Progressing").cloned();
    let complete_before = replicas == updated
        && cur
            .as_ref()
            .is_some_and(|c| c["reason"] == "NewReplicaSetAvailable");
    // A failing workload times out even after an earlier rollout completed; a paused one
    // reports no progress.
    if !paused && (!complete_before || timed_out) {
        let old = |k: &str| int_at(&old_status, &format!("/{k}"), 0);
        let progressed = updated > old("updatedReplicas")
            || ready > old("readyReplicas")
            || available > old("availableReplicas")
            || replicas - updated < old("replicas") - old("updatedReplicas");
        if updated == spec && replicas == spec && available == spec {
            let msg = about("has successfully progressed.");
            set_condition(
                &mut conds,
                deployment_condition("Progressing", "True", "NewReplicaSetAvailable", &msg, now),
            );
        } else if timed_out {
            let msg = about("has timed out progressing.");
            set_condition(
                &mut conds,
                deployment_condition(
                    "Progressing",
                    "False",
                    "ProgressDeadlineExceeded",
                    &msg,
                    now,
                ),
            );
        } else if progressed {
            let mut c = deployment_condition(
                "Progressing",
                "True",
                "ReplicaSetUpdated",
                &about("is progressing."),
                now,
            );
            if let Some(cur) = cur.filter(|c| c["status"] == "True") {
                c["lastTransitionTime"] = cur["lastTransitionTime"].clone();
            }
            conds.retain(|c| c["type"] != "Progressing");
            conds.push(c);
        }
    }
    let mut m = Map::new();
    m.insert(
        "observedGeneration".into(),
        json!(super::workloads::generation(d)),
    );
    for (k, n) in [
        ("replicas", replicas),
        ("updatedReplicas", updated),
        ("readyReplicas", ready),
        ("availableReplicas", available),
        ("unavailableReplicas", unavailable),
    ] {
        if n != 0 {
            m.insert(k.into(), json!(n));
        }
    }
    m.insert("conditions".into(), Value::Array(conds));
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deploy(replicas: i64) -> Value {
        json!({"metadata": {"name": "web", "namespace": "default", "uid": "u1", "generation": 1},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
    }

    #[test]
    fn max_unavailable_rounds_down_and_never_deadlocks() {
        assert_eq!(max_unavailable(&deploy(1)), 0);
        assert_eq!(max_unavailable(&deploy(4)), 1);
        let mut d = deploy(3);
        d["spec"]["strategy"] =
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}});
        assert_eq!(max_unavailable(&d), 1);
    }

    #[test]
    fn new_replicaset_carries_hash_owner_and_revision() {
        let d = deploy(2);
        let rs = build_rs(&d, &d["spec"]["template"], 1);
        let hash = pod_template_hash(&d["spec"]["template"]);
        assert_eq!(rs["metadata"]["name"], format!("web-{hash}"));
        assert_eq!(rs["metadata"]["labels"][POD_TEMPLATE_HASH], hash);
        assert_eq!(
            rs["spec"]["selector"]["matchLabels"][POD_TEMPLATE_HASH],
            hash
        );
        assert_eq!(rs["metadata"]["ownerReferences"][0]["controller"], true);
        assert_eq!(rs["metadata"]["annotations"][REVISION], "1");
        assert!(same_template(&rs, &d["spec"]["template"]));
    }

    #[test]
    fn status_progresses_to_available() {
        let d = deploy(1);
        let mut rs = build_rs(&d, &d["spec"]["template"], 1);
        rs["metadata"]["name"] = json!("web-x");
        let s = status(&d, Some(&rs), &[], true, false, "t");
        assert_eq!(s["conditions"][1]["reason"], "NewReplicaSetCreated");
        rs["status"] = json!({"replicas": 1, "readyReplicas": 1, "availableReplicas": 1});
        let mut d2 = d.clone();
        d2["status"] = s;
        let s = status(&d2, Some(&rs), &[], false, false, "t");
        let reasons: Vec<&Value> = s["conditions"]
            .as_array()
            .map(|c| c.iter().map(|c| &c["reason"]).collect())
            .unwrap_or_default();
        assert!(reasons.contains(&&json!("NewReplicaSetAvailable")), "{s}");
        assert!(reasons.contains(&&json!("MinimumReplicasAvailable")), "{s}");
        rs["status"] = json!({"replicas": 1});
        let s = status(&d, Some(&rs), &[], false, true, "t");
        assert!(
            s["conditions"]
                .as_array()
                .is_some_and(|c| c.iter().any(|c| c["reason"] == "ProgressDeadlineExceeded"))
        );
    }
}

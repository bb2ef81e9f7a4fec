//! kstatus' generic rules (`status.go`, `generic.go`) and the unstructured field readers
//! they share with the per-kind rules (`util.go`).

use serde_json::Value;

use super::{HealthError, StatusCondition, StatusResult, builtin, group_of, object_id};

/// Computes the kstatus status of a live object, as `status.Compute` does.
///
/// In order: a `metadata.deletionTimestamp` makes it Terminating; a
/// `status.observedGeneration` behind `metadata.generation` makes it InProgress; a
/// `Reconciling=True` condition makes it InProgress and `Stalled=True` Failed; then the
/// built-in kinds use their own rules (Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod,
/// Job, PersistentVolumeClaim, Service, PodDisruptionBudget, CustomResourceDefinition;
/// ConfigMap, Secret and CronJob are always ready); any other object is judged by its
/// `Ready` condition, and is Current without one.
///
/// Errors when a field kstatus reads has the wrong type (e.g. `status.conditions` not a
/// list) or a Pod has an unknown phase.
pub fn compute(obj: &Value) -> Result<StatusResult, HealthError> {
    if !obj.is_object() {
        return Err(malformed(obj, "", "an object must be a mapping"));
    }
    if let Some(res) = check_generic(obj)? {
        return Ok(res);
    }
    let api_version = obj["apiVersion"].as_str().unwrap_or_default();
    let kind = obj["kind"].as_str().unwrap_or_default();
    if let Some(res) = builtin::compute_builtin(group_of(api_version), kind, obj)? {
        return Ok(res);
    }
    if let Some(res) = check_ready_condition(obj)? {
        return Ok(res);
    }
    Ok(StatusResult::current("Resource is current"))
}

/// `checkGenericProperties`: deletion, generation, and the `Reconciling`/`Stalled`
/// conditions.
fn check_generic(obj: &Value) -> Result<Option<StatusResult>, HealthError> {
    match lookup(obj, "metadata.deletionTimestamp")
        .map_err(|m| malformed(obj, "metadata.deletionTimestamp", &m))?
    {
        Some(Value::String(ts)) if !ts.is_empty() => {
            return Ok(Some(StatusResult::new(
                super::Status::Terminating,
                "Resource scheduled for deletion",
            )));
        }
        Some(Value::String(_)) | None => {}
        Some(other) => {
            return Err(malformed(
                obj,
                "metadata.deletionTimestamp",
                &format!("{other} is not a string"),
            ));
        }
    }
    if let Some(res) = check_generation(obj)? {
        return Ok(Some(res));
    }
    for cond in conditions(obj)? {
        if cond.type_ == "Reconciling" && cond.status == "True" {
            return Ok(Some(StatusResult::in_progress(&cond.reason, cond.message)));
        }
        if cond.type_ == "Stalled" && cond.status == "True" {
            return Ok(Some(StatusResult::failed(&cond.reason, cond.message)));
        }
    }
    Ok(None)
}

/// `checkGeneration`: InProgress while `status.observedGeneration` (when present) differs
/// from `metadata.generation`.
fn check_generation(obj: &Value) -> Result<Option<StatusResult>, HealthError> {
    let Some(generation) = nested_i64(obj, "metadata.generation")? else {
        return Ok(None);
    };
    match nested_i64(obj, "status.observedGeneration")? {
        Some(observed) if observed != generation => {
            let kind = obj["kind"].as_str().unwrap_or_default();
            let message = format!(
                "{kind} generation is {generation}, but latest observed generation is {observed}"
            );
            Ok(Some(StatusResult::in_progress(
                "LatestGenerationNotObserved",
                message,
            )))
        }
        _ => Ok(None),
    }
}

/// `checkReadyCondition`: the first `Ready` condition with status True (Current), False or
/// Unknown (InProgress with its reason and message).
fn check_ready_condition(obj: &Value) -> Result<Option<StatusResult>, HealthError> {
    for cond in conditions(obj)? {
        if cond.type_ != "Ready" {
            continue;
        }
        match cond.status.as_str() {
            "True" => return Ok(Some(StatusResult::current("Resource is Ready"))),
            "False" | "Unknown" => {
                return Ok(Some(StatusResult::in_progress(&cond.reason, cond.message)));
            }
            _ => {}
        }
    }
    Ok(None)
}

/// The object's `status.conditions`, read as kstatus' `BasicCondition` (`type`, `status`,
/// `reason`, `message`; missing or null fields are empty). Errors when `status` is not a
/// mapping, `conditions` not a list, or a field not a string.
pub(crate) fn conditions(obj: &Value) -> Result<Vec<StatusCondition>, HealthError> {
    let status = match obj.get("status") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(status)) => status,
        Some(_) => return Err(malformed(obj, "status", "expected a mapping")),
    };
    let list = match status.get("conditions") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(malformed(obj, "status.conditions", "expected a list")),
    };
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let field = |name: &str| -> Result<String, HealthError> {
            match item.get(name) {
                None | Some(Value::Null) => Ok(String::new()),
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(malformed(
                    obj,
                    &format!("status.conditions[{i}].{name}"),
                    "expected a string",
                )),
            }
        };
        match item {
            Value::Null => out.push(StatusCondition::default()),
            Value::Object(_) => out.push(StatusCondition {
                type_: field("type")?,
                status: field("status")?,
                reason: field("reason")?,
                message: field("message")?,
            }),
            _ => {
                return Err(malformed(
                    obj,
                    &format!("status.conditions[{i}]"),
                    "expected a mapping",
                ));
            }
        }
    }
    Ok(out)
}

/// The value at a dotted path; an error when an intermediate value is not a mapping
/// (apimachinery's `NestedFieldNoCopy`).
pub(crate) fn lookup<'a>(obj: &'a Value, path: &str) -> Result<Option<&'a Value>, String> {
    let mut cur = obj;
    let mut walked = String::new();
    for part in path.split('.') {
        let Value::Object(map) = cur else {
            return Err(format!(
                "{walked} is accessed as a mapping but is {}",
                type_name(cur)
            ));
        };
        match map.get(part) {
            Some(v) => cur = v,
            None => return Ok(None),
        }
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(part);
    }
    Ok(Some(cur))
}

/// `GetIntField`: the integer at `path`, or `default` when missing or not an integer.
pub(crate) fn int_field(obj: &Value, path: &str, default: i64) -> i64 {
    lookup(obj, path)
        .ok()
        .flatten()
        .and_then(Value::as_i64)
        .unwrap_or(default)
}

/// `GetStringField`: the string at `path`, or `default`.
pub(crate) fn str_field<'a>(obj: &'a Value, path: &str, default: &'a str) -> &'a str {
    lookup(obj, path)
        .ok()
        .flatten()
        .and_then(Value::as_str)
        .unwrap_or(default)
}

/// `GetBoolField`: the boolean at `path`, or `default`.
pub(crate) fn bool_field(obj: &Value, path: &str, default: bool) -> bool {
    lookup(obj, path)
        .ok()
        .flatten()
        .and_then(Value::as_bool)
        .unwrap_or(default)
}

/// `NestedInt64`: `None` when missing; an error when present but not an integer.
pub(crate) fn nested_i64(obj: &Value, path: &str) -> Result<Option<i64>, HealthError> {
    match lookup(obj, path).map_err(|m| malformed(obj, path, &m))? {
        None => Ok(None),
        Some(v) => v.as_i64().map(Some).ok_or_else(|| {
            malformed(
                obj,
                path,
                &format!("{v} is of the type {}, expected int64", type_name(v)),
            )
        }),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "float",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    }
}

pub(crate) fn malformed(obj: &Value, field: &str, message: &str) -> HealthError {
    HealthError::Malformed {
        object: object_id(obj),
        field: field.to_string(),
        message: message.to_string(),
    }
}

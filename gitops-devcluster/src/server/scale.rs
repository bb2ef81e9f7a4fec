//! The `/scale` subresource: an `autoscaling/v1` `Scale` view of Deployments,
//! ReplicaSets, StatefulSets and custom resources whose CRD version declares
//! `subresources.scale` (`specReplicasPath`, `statusReplicasPath`, `labelSelectorPath`).
//!
//! GET reads the view; PUT takes a `Scale` (its `metadata.resourceVersion` is a
//! precondition); PATCH applies a JSON patch or merge patch (strategic merge is a merge
//! patch here: `Scale` has no lists) to the current view. Writes change only the replica
//! count of the object, through an ordinary update (so `generation` moves as for any spec
//! change), and answer with the new `Scale`.

// `Status` is the reply itself, built once per failed request; boxing it buys nothing.
#![allow(clippy::result_large_err)]

use hyper::{Method, Response};
use serde_json::{Value, json};
use thiserror::Error;

use super::handlers::{err, lock_store, write_opts};
use super::{Body, Meta, State, json_response, status_response};
use crate::field_error::{FieldError, FieldErrorType};
use crate::patch::{PatchType, apply};
use crate::path::Query;
use crate::registry::ResourceInfo;
use crate::status::Status;
use crate::store::{ResourceType, Store};

/// Why a `Scale` could not be read or written.
#[derive(Debug, Error)]
enum ScaleError {
    /// The request body is not a usable `Scale`.
    #[error("Scale in version \"v1\" cannot be handled as a Scale: {0}")]
    Decode(String),
    /// The CRD declares no usable `specReplicasPath`.
    #[error("the custom resource definition does not declare a scale subresource for {0}")]
    NoScale(String),
    /// The object's replica field is not an integer.
    #[error("{path} is not an integer in {name}")]
    NotInteger {
        /// The JSON path.
        path: String,
        /// The object.
        name: String,
    },
}

impl ScaleError {
    fn to_status(&self) -> Status {
        match self {
            Self::Decode(_) => Status::bad_request(self.to_string()),
            Self::NoScale(_) => Status::not_found_path(),
            Self::NotInteger { .. } => Status::internal(&self.to_string()),
        }
    }
}

/// Where a resource keeps its replica counts and selector (JSON pointers).
struct Paths {
    spec: String,
    status: Option<String>,
    /// Built-ins: `spec.selector` (a LabelSelector); CRDs: a string field.
    selector: Option<String>,
    builtin_selector: bool,
}

/// `.spec.replicas` → `/spec/replicas`.
fn pointer(json_path: &str) -> Option<String> {
    let p = json_path.trim();
    let rest = p.strip_prefix('.')?;
    if rest.is_empty() || rest.contains('[') {
        return None;
    }
    Some(
        rest.split('.')
            .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
            .collect(),
    )
}

fn paths(store: &Store, info: &ResourceInfo) -> Result<Paths, ScaleError> {
    let Some(crd_name) = &info.crd else {
        return Ok(Paths {
            spec: "/spec/replicas".into(),
            status: Some("/status/replicas".into()),
            selector: Some("/spec/selector".into()),
            builtin_selector: true,
        });
    };
    let crd_type = ResourceType::cluster(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
    );
    let crd = store
        .get(&crd_type, "", crd_name, None)
        .map_err(|_| ScaleError::NoScale(info.resource.clone()))?;
    let scale = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .and_then(|vs| vs.iter().find(|v| v["name"] == info.version.as_str()))
        .and_then(|v| v.pointer("/subresources/scale"))
        .cloned()
        .unwrap_or(Value::Null);
    let path = |k: &str| scale.get(k).and_then(Value::as_str).and_then(pointer);
    Ok(Paths {
        spec: path("specReplicasPath").ok_or_else(|| ScaleError::NoScale(info.resource.clone()))?,
        status: path("statusReplicasPath"),
        selector: path("labelSelectorPath"),
        builtin_selector: false,
    })
}

/// The Scale's `status.selector`: the LabelSelector as a selector string (the same text
/// as the `SELECTOR` table column), `""` for an empty selector.
fn selector_string(sel: &Value) -> String {
    match crate::table::format_selector(Some(sel)) {
        s if s == "<none>" => String::new(),
        s => s,
    }
}

fn replicas_at(obj: &Value, ptr: &str) -> Result<i64, ScaleError> {
    match obj.pointer(ptr) {
        None | Some(Value::Null) => Ok(0),
        Some(v) => v.as_i64().ok_or_else(|| ScaleError::NotInteger {
            path: ptr.replace('/', "."),
            name: obj
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .into(),
        }),
    }
}

/// The `Scale` view of `obj`.
fn to_scale(obj: &Value, p: &Paths) -> Result<Value, ScaleError> {
    let meta = obj.get("metadata").cloned().unwrap_or(json!({}));
    let mut m = serde_json::Map::new();
    for k in [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    ] {
        if let Some(v) = meta.get(k) {
            m.insert(k.into(), v.clone());
        }
    }
    let spec = replicas_at(obj, &p.spec)?;
    let status = match &p.status {
        Some(s) => replicas_at(obj, s)?,
        None => 0,
    };
    let selector = match (&p.selector, p.builtin_selector) {
        (Some(s), true) => obj.pointer(s).map(selector_string).unwrap_or_default(),
        (Some(s), false) => obj
            .pointer(s)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        (None, _) => String::new(),
    };
    let mut st = json!({"replicas": status});
    if !selector.is_empty() {
        st["selector"] = json!(selector);
    }
    Ok(
        json!({"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": m, "spec": {"replicas": spec}, "status": st}),
    )
}

/// Sets the value at a JSON pointer, creating objects on the way.
fn set_at(obj: &mut Value, ptr: &str, v: Value) {
    let mut cur = obj;
    for raw in ptr.split('/').skip(1) {
        let key = raw.replace("~1", "/").replace("~0", "~");
        if !cur.is_object() {
            *cur = json!({});
        }
        cur = &mut cur[key.as_str()];
    }
    *cur = v;
}

/// `spec.replicas` of a requested `Scale` as Go decodes it into an `int32` (absent or null:
/// 0); the error names the JSON kind (`string`) or the number that does not fit.
fn wanted_replicas(wanted: &Value) -> Result<i64, ScaleError> {
    let v = match wanted.pointer("/spec/replicas") {
        None | Some(Value::Null) => return Ok(0),
        Some(v) => v,
    };
    if let Some(n) = v.as_i64().and_then(|n| i32::try_from(n).ok()) {
        return Ok(i64::from(n));
    }
    let what = match v {
        Value::Number(n) => format!("number {n}"),
        Value::String(_) => "string".into(),
        Value::Bool(_) => "bool".into(),
        Value::Array(_) => "array".into(),
        _ => "object".into(),
    };
    Err(ScaleError::Decode(format!(
        "json: cannot unmarshal {what} into Go struct field ScaleSpec.spec.replicas of type int32"
    )))
}

/// Handles GET/PUT/PATCH on `<object>/scale`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn scale(
    state: &State,
    info: &ResourceInfo,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    q: &Query,
    meta: &Meta,
) -> Response<Body> {
    let mut store = lock_store(state);
    let paths = match paths(&store, info) {
        Ok(p) => p,
        Err(e) => return status_response(&e.to_status()),
    };
    let live = match store.get(rt, ns, name, None) {
        Ok(o) => o,
        Err(e) => return err(&e),
    };
    let current = match to_scale(&live, &paths) {
        Ok(s) => s,
        Err(e) => return status_response(&e.to_status()),
    };
    let wanted = match meta.method {
        Method::GET => return json_response(200, &current),
        Method::PUT => serde_json::from_slice::<Value>(&meta.body)
            .map_err(|e| ScaleError::Decode(e.to_string()).to_status()),
        Method::PATCH => match PatchType::from_content_type(&meta.content_type) {
            Some(PatchType::Json) => {
                apply(PatchType::Json, &current, &meta.body).map_err(|e| e.to_status())
            }
            Some(PatchType::Merge | PatchType::StrategicMerge) => {
                apply(PatchType::Merge, &current, &meta.body).map_err(|e| e.to_status())
            }
            _ => Err(Status::unsupported_media_type(&[
                "application/json-patch+json",
                "application/merge-patch+json",
                "application/strategic-merge-patch+json",
            ])),
        },
        ref m => {
            return status_response(&Status::method_not_supported(
                &crate::status::GroupResource::new(&info.group, &info.resource),
                &m.as_str().to_ascii_lowercase(),
            ));
        }
    };
    let wanted = match wanted {
        Ok(w) if w.is_object() => w,
        Ok(w) => {
            let e = ScaleError::Decode(format!(
                "json: cannot unmarshal {w} into Go value of type v1.Scale"
            ));
            return status_response(&e.to_status());
        }
        Err(s) => return status_response(&s),
    };
    if let Some(k) = wanted
        .get("kind")
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty() && *k != "Scale")
    {
        let e = ScaleError::Decode(format!(
            "the kind in the data ({k}) does not match the expected kind (Scale)"
        ));
        return status_response(&e.to_status());
    }
    let opts = match write_opts(q) {
        Ok(o) => o,
        Err(s) => return status_response(&s),
    };
    let replicas = match wanted_replicas(&wanted) {
        Ok(n) => n,
        Err(e) => return status_response(&e.to_status()),
    };
    if replicas < 0 {
        let fe = FieldError {
            kind: FieldErrorType::Invalid,
            field: "spec.replicas".into(),
            bad_value: Some(replicas.to_string()),
            detail: "must be greater than or equal to 0".into(),
        };
        return status_response(&Status::invalid("autoscaling", "Scale", name, &[fe]));
    }
    let mut next = live.clone();
    set_at(&mut next, &paths.spec, json!(replicas));
    // managedFields: an Update by the request's manager with subresource `scale`.
    if let Err(s) = super::apply::track(state, info, "scale", Some(&live), &mut next, q, meta) {
        return status_response(&s);
    }
    if let Some(rv) = wanted
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        next["metadata"]["resourceVersion"] = json!(rv);
    }
    match store.update(rt, ns, name, next, &opts) {
        Ok((o, _)) => match to_scale(&o, &paths) {
            Ok(s) => json_response(200, &s),
            Err(e) => status_response(&e.to_status()),
        },
        Err(e) => err(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selector_strings() {
        let sel = json!({"matchLabels": {"b": "2", "a": "1"},
            "matchExpressions": [{"key": "c", "operator": "NotIn", "values": ["y", "x"]},
                {"key": "d", "operator": "Exists"}]});
        assert_eq!(selector_string(&sel), "a=1,b=2,c notin (x,y),d");
        assert_eq!(selector_string(&json!({})), "");
    }

    #[test]
    fn wanted_replicas_decode_as_go_int32() {
        assert_eq!(
            wanted_replicas(&json!({"spec": {"replicas": 3}})).ok(),
            Some(3)
        );
        assert_eq!(wanted_replicas(&json!({"spec": {}})).ok(), Some(0));
        let msg = |v: Value| {
            wanted_replicas(&json!({"spec": {"replicas": v}})).map_err(|e| e.to_string())
        };
        assert_eq!(
            msg(json!("3")),
            Err("Scale in version \"v1\" cannot be handled as a Scale: json: cannot unmarshal string into Go struct field ScaleSpec.spec.replicas of type int32".into())
        );
        assert_eq!(
            msg(json!(3_000_000_000u64)),
            Err("Scale in version \"v1\" cannot be handled as a Scale: json: cannot unmarshal number 3000000000 into Go struct field ScaleSpec.spec.replicas of type int32".into())
        );
    }
}

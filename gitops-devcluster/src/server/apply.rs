//! Server-side apply (`PATCH` with `application/apply-patch+yaml`) and the
//! `managedFields` bookkeeping of every other write, over [`crate::managed`].
//!
//! The manager of a write is the `fieldManager` parameter, else the part of the
//! `User-Agent` before the first `/` (the API server's rule); apply requires the parameter.

// `Status` is the reply itself, built once per failed request; boxing it buys nothing.
#![allow(clippy::result_large_err)]

use hyper::Response;
use serde_json::Value;

use super::handlers::{
    check_type_meta, crd_status, err, is_crd, lock_store, prepare_create, write_opts,
};
use super::{Body, Meta, State, json_response, status_response};
use crate::field_error::FieldError;
use crate::managed::{self, Context, Endpoint, Typed};
use crate::path::Query;
use crate::registry::ResourceInfo;
use crate::status::Status;
use crate::store::{ResourceType, StoreError};
use crate::typeschema::TypeRef;

/// The longest manager name the API server accepts.
const MAX_MANAGER_LEN: usize = 128;

/// The manager of a write: `fieldManager`, else the user agent's product name.
pub(crate) fn manager_name(q: &Query, meta: &Meta) -> String {
    if let Some(m) = q.field_manager.as_deref().filter(|m| !m.is_empty()) {
        return m.to_string();
    }
    let product = meta.user_agent.split('/').next().unwrap_or("");
    let mut out = String::new();
    for c in product.chars().filter(|c| !c.is_control()) {
        if out.len() + c.len_utf8() > MAX_MANAGER_LEN {
            break;
        }
        out.push(c);
    }
    out
}

fn invalid_options(detail: &str, value: Option<&str>) -> Status {
    let err = match value {
        Some(v) => FieldError::invalid_str("fieldManager", v, detail),
        None => FieldError::required("fieldManager", detail),
    };
    Status::invalid("meta.k8s.io", "PatchOptions", "", &[err])
}

fn typed_for(state: &State, info: &ResourceInfo) -> TypeRef {
    state
        .kind_type(&info.group, &info.version, &info.kind)
        .unwrap_or_else(crate::typeschema::deduced)
}

fn endpoint(info: &ResourceInfo, sub: &str) -> Endpoint {
    if sub == "status" {
        Endpoint::Status
    } else if sub == "scale" {
        Endpoint::Scale
    } else {
        Endpoint::Main {
            status_subresource: info.subresources.iter().any(|s| s == "status"),
        }
    }
}

fn now() -> String {
    crate::store::rfc3339(crate::store::system_clock())
}

fn what(info: &ResourceInfo, ns: &str, name: &str) -> String {
    let gv = info.group_version();
    let obj = if ns.is_empty() {
        format!("/{name}")
    } else {
        format!("{ns}/{name}")
    };
    format!("{obj}; {gv}, Kind={}", info.kind)
}

/// Records a create, update or patch by the request's manager in `new.metadata.managedFields`.
pub(crate) fn track(
    state: &State,
    info: &ResourceInfo,
    sub: &str,
    live: Option<&Value>,
    new: &mut Value,
    q: &Query,
    meta: &Meta,
) -> Result<(), Status> {
    let t = typed_for(state, info);
    let gv = info.group_version();
    let ctx = Context {
        typed: Typed::new(&t.types, t.root),
        endpoint: endpoint(info, sub),
        api_version: &gv,
        now: now(),
    };
    let manager = manager_name(q, meta);
    if manager.len() > MAX_MANAGER_LEN {
        return Err(invalid_options(
            "must be no more than 128 characters",
            Some(&manager),
        ));
    }
    match managed::track_update(&ctx, live, new, &manager) {
        Ok(()) => Ok(()),
        // An object the typed comparison cannot handle keeps the live ownership.
        Err(_) => {
            if let Some(m) = new.get_mut("metadata").and_then(Value::as_object_mut) {
                match live.and_then(|l| l.pointer("/metadata/managedFields")) {
                    Some(mf) => m.insert("managedFields".into(), mf.clone()),
                    None => m.remove("managedFields"),
                };
            }
            Ok(())
        }
    }
}

/// Parses an apply body (YAML or JSON) into one object.
fn parse_config(meta: &Meta) -> Result<Value, Status> {
    let text = std::str::from_utf8(&meta.body)
        .map_err(|e| Status::bad_request(format!("error decoding YAML: {e}")))?;
    let docs = gitops_core::yaml::load_documents(text, &Default::default())
        .map_err(|e| Status::bad_request(format!("error decoding YAML: {e}")))?;
    let mut objects = docs.into_iter().map(|d| d.value).filter(|v| !v.is_null());
    match (objects.next(), objects.next()) {
        (Some(v @ Value::Object(_)), None) => Ok(v),
        (Some(_), None) | (None, _) => Err(Status::bad_request(
            "error decoding YAML: the apply configuration must be one object".to_string(),
        )),
        (Some(_), Some(_)) => Err(Status::bad_request(
            "error decoding YAML: the apply configuration must be a single document".to_string(),
        )),
    }
}

/// `PATCH` with `application/apply-patch+yaml` on an object or its status.
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply(
    state: &State,
    info: &ResourceInfo,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    sub: &str,
    q: &Query,
    meta: &Meta,
) -> Response<Body> {
    match apply_inner(state, info, rt, ns, name, sub, q, meta) {
        Ok(r) => r,
        Err(s) => status_response(&s),
    }
}

#[allow(clippy::too_many_arguments)]
fn apply_inner(
    state: &State,
    info: &ResourceInfo,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    sub: &str,
    q: &Query,
    meta: &Meta,
) -> Result<Response<Body>, Status> {
    let manager = q.field_manager.clone().unwrap_or_default();
    if manager.is_empty() {
        return Err(invalid_options("is required for apply patch", None));
    }
    if manager.len() > MAX_MANAGER_LEN {
        return Err(invalid_options(
            "must be no more than 128 characters",
            Some(&manager),
        ));
    }
    let mut opts = write_opts(q)?;
    opts.keep_generation = sub == "status";
    let config = parse_config(meta)?;
    let gv = info.group_version();
    let given = config
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    if given != gv {
        return Err(Status::bad_request(format!(
            "Incorrect version specified in apply patch. Specified patch version: {given}, expected: {gv}"
        )));
    }
    let mut config = check_type_meta(config, info)?;
    let warnings = super::decode::decode_apply_config(state, info, q, &mut config)?;
    let t = typed_for(state, info);
    let ctx = Context {
        typed: Typed::new(&t.types, t.root),
        endpoint: endpoint(info, sub),
        api_version: &gv,
        now: now(),
    };
    let force = q.force.unwrap_or(false);

    let mut store = lock_store(state);
    let live = match store.get(rt, ns, name, None) {
        Ok(o) => Some(o),
        Err(StoreError::NotFound { .. }) if sub.is_empty() => None,
        Err(e) => return Ok(err(&e)),
    };
    let mut obj = managed::apply(&ctx, live.as_ref(), &config, &manager, force)
        .map_err(|e| e.to_status(&what(info, ns, name)))?;
    // The patcher's checkName: the applied name must be the URL's (else an apply that
    // creates would store the object under the configuration's name instead).
    match obj.pointer("/metadata/name").and_then(Value::as_str) {
        Some(n) if !n.is_empty() && n != name => {
            return Err(Status::bad_request(format!(
                "the name of the object ({n}) does not match the name on the URL ({name})"
            )));
        }
        _ => obj["metadata"]["name"] = Value::String(name.to_string()),
    }
    super::decode::finish_custom(state, info, &mut obj)?;
    let has_status = info.subresources.iter().any(|s| s == "status");
    match &live {
        Some(live) if sub == "status" => {
            // The status endpoint changes only status (and ownership).
            let mut next = live.clone();
            next["status"] = obj.get("status").cloned().unwrap_or(Value::Null);
            next["metadata"]["managedFields"] = obj["metadata"]["managedFields"].clone();
            obj = next;
        }
        _ if has_status => super::handlers::keep_live_status(&mut obj, live.as_ref()),
        _ => {}
    }
    if live.is_none() {
        prepare_create(info, &mut obj);
        store.assign_uid(&mut obj);
    } else if is_crd(info) && obj.get("status").is_none_or(Value::is_null) {
        crd_status(&mut obj);
    }
    crate::defaults::apply_server_defaults(&store, rt, &info.kind, ns, &mut obj)
        .map_err(|e| e.to_status())?;
    if let (Some(l), "") = (&live, sub) {
        crate::immutable::check_update(&info.group, &info.kind, name, l, &obj)?;
    }
    let (stored, code) = match live {
        None => (
            store
                .create(rt, ns, obj, &opts)
                .map_err(|e| e.to_status())?,
            201,
        ),
        Some(_) => (
            store
                .update(rt, ns, name, obj, &opts)
                .map_err(|e| e.to_status())?
                .0,
            200,
        ),
    };
    if !opts.dry_run && stored.pointer("/metadata/deletionTimestamp").is_some() {
        super::delete::run_gc(state, &mut store);
    }
    drop(store);
    if is_crd(info) && !opts.dry_run {
        state.register_crd(&stored);
    }
    Ok(super::decode::add_warnings(
        json_response(code, &stored),
        &warnings,
    ))
}

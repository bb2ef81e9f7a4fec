//! Resource verbs: get, list, create, update, delete, deletecollection, status
//! subresource, over the [`Store`](crate::store::Store).

// `Status` is the reply itself, built once per failed request; boxing it buys nothing.
#![allow(clippy::result_large_err)]

use std::sync::{Arc, MutexGuard, PoisonError};

use hyper::{Method, Response};
use serde_json::{Value, json};

use super::{Body, Meta, State, json_response, status_response};
use crate::field_selector::supported_fields;
use crate::path::{Query, ResourcePath};
use crate::registry::ResourceInfo;
use crate::status::Status;
use crate::store::{ListParams, ResourceType, Store, StoreError, WriteOptions};

/// Media types accepted for request bodies.
const ACCEPTED: &[&str] = &[
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
];

pub(crate) fn lock_store(state: &State) -> MutexGuard<'_, Store> {
    state.store.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn err(e: &StoreError) -> Response<Body> {
    status_response(&e.to_status())
}

/// The media type of a Content-Type header without parameters, lower-cased.
fn media_type(ct: &str) -> String {
    ct.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Decodes a request body (JSON or Kubernetes protobuf) into a JSON object.
fn decode_body(meta: &Meta, info: &ResourceInfo) -> Result<Value, Status> {
    let mt = media_type(&meta.content_type);
    let value: Value = match mt.as_str() {
        "" | "application/json" | "*/*" => serde_json::from_slice(&meta.body).map_err(|e| {
            Status::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
        })?,
        _ if crate::protobuf::is_protobuf(&mt) => {
            crate::protobuf::decode_body(&meta.body).map_err(|e| e.to_status())?
        }
        _ => return Err(Status::unsupported_media_type(ACCEPTED)),
    };
    if !value.is_object() {
        return Err(Status::bad_request(format!(
            "the body of the request must be a {} object",
            info.kind
        )));
    }
    check_type_meta(value, info)
}

/// Fills `apiVersion`/`kind` when missing and rejects mismatches as the API server does.
pub(crate) fn check_type_meta(mut value: Value, info: &ResourceInfo) -> Result<Value, Status> {
    let meta = value.get("metadata").unwrap_or(&Value::Null);
    if !(meta.is_null() || meta.is_object()) {
        return Err(Status::bad_request(format!(
            "{} in body: metadata must be an object",
            info.kind
        )));
    }
    for field in ["labels", "annotations"] {
        let v = meta.get(field).unwrap_or(&Value::Null);
        if !(v.is_null()
            || v.as_object()
                .is_some_and(|m| m.values().all(Value::is_string)))
        {
            return Err(Status::bad_request(format!(
                "{} in body: metadata.{field} must be a map of strings",
                info.kind
            )));
        }
    }
    if is_crd(info) && !crate::registry::Registry::default().register_crd(&value) {
        return Err(Status::bad_request(
            "CustomResourceDefinition needs spec.group, spec.names.plural and spec.names.kind",
        ));
    }
    let gv = info.group_version();
    match value.get("apiVersion").and_then(Value::as_str) {
        Some(v) if !v.is_empty() && v != gv => {
            return Err(Status::bad_request(format!(
                "the API version in the data ({v}) does not match the expected API version ({gv})"
            )));
        }
        _ => value["apiVersion"] = json!(gv),
    }
    match value.get("kind").and_then(Value::as_str) {
        Some(k) if !k.is_empty() && k != info.kind => {
            return Err(Status::bad_request(format!(
                "the kind in the data ({k}) does not match the expected kind ({})",
                info.kind
            )));
        }
        _ => value["kind"] = json!(info.kind),
    }
    Ok(value)
}

pub(crate) fn write_opts(q: &Query) -> Result<WriteOptions, Status> {
    if let Some(bad) = q.unsupported_dry_run() {
        return Err(Status::bad_request(format!(
            "dryRun: Unsupported value: \"{bad}\": supported values: \"All\""
        )));
    }
    Ok(WriteOptions {
        dry_run: q.is_dry_run(),
        keep_generation: false,
    })
}

fn method_not_allowed(info: &ResourceInfo, verb: &str) -> Response<Body> {
    status_response(&Status::method_not_supported(
        &crate::status::GroupResource::new(&info.group, &info.resource),
        verb,
    ))
}

/// Handles a request addressed to a resource collection, object or subresource.
pub(crate) async fn resource(
    state: &Arc<State>,
    rp: ResourcePath,
    q: Query,
    meta: Meta,
) -> Response<Body> {
    let info = super::read_registry(state)
        .lookup(&rp.group, &rp.version, &rp.resource)
        .cloned();
    let Some(info) = info else {
        return status_response(&Status::not_found_path());
    };
    if !info.namespaced && rp.namespace.is_some() {
        return status_response(&Status::not_found_path());
    }
    let rt = info.resource_type();
    let ns = rp.namespace.clone().unwrap_or_default();
    if let Some(sub) = rp.subresource.as_deref() {
        let Some(name) = rp.name.as_deref() else {
            return status_response(&Status::not_found_path());
        };
        if !info.subresources.iter().any(|s| s == sub) {
            return status_response(&Status::not_found_path());
        }
        return subresource(state, &info, &rt, &ns, name, sub, &q, &meta);
    }
    let watch = q.watch || rp.watch_prefix;
    match (&meta.method, rp.name.as_deref()) {
        (&Method::GET, None) if watch => {
            super::watch::watch(state, &info, rt, rp.namespace.as_deref(), &q, &meta)
        }
        (&Method::GET, Some(name)) if watch => {
            let mut q = q;
            let sel = format!("metadata.name={name}");
            q.field_selector = Some(match q.field_selector.take().filter(|f| !f.is_empty()) {
                Some(f) => format!("{f},{sel}"),
                None => sel,
            });
            super::watch::watch(state, &info, rt, rp.namespace.as_deref(), &q, &meta)
        }
        (&Method::GET, None) => list(state, &info, &rt, rp.namespace.as_deref(), &q, &meta),
        (&Method::GET, Some(name)) => {
            let got = lock_store(state).get(&rt, &ns, name, q.resource_version.as_deref());
            match got {
                Ok(o) if super::wants_table(&meta.accept) => match super::include_object(&q) {
                    Ok(inc) => {
                        let mut t = super::to_table(&info, std::slice::from_ref(&o), inc);
                        t["metadata"] =
                            json!({"resourceVersion": o.pointer("/metadata/resourceVersion")});
                        json_response(200, &t)
                    }
                    Err(s) => status_response(&s),
                },
                Ok(o) => json_response(200, &o),
                Err(e) => err(&e),
            }
        }
        (&Method::POST, None) => create(state, &info, &rt, &ns, &q, &meta),
        (&Method::PUT, Some(name)) => update(state, &info, &rt, &ns, name, &q, &meta),
        (&Method::DELETE, Some(name)) => {
            super::delete::delete(state, &info, &rt, &ns, Some(name), &q, &meta)
        }
        (&Method::DELETE, None) => super::delete::delete(state, &info, &rt, &ns, None, &q, &meta),
        (&Method::PATCH, Some(name)) => {
            super::patch::patch(state, &info, &rt, &ns, name, "", &q, &meta)
        }
        (m, _) => method_not_allowed(&info, &m.as_str().to_ascii_lowercase()),
    }
}

fn list(
    state: &State,
    info: &ResourceInfo,
    rt: &ResourceType,
    ns: Option<&str>,
    q: &Query,
    meta: &Meta,
) -> Response<Body> {
    let params = match ListParams::from_query(q, ns, supported_fields(&info.group, &info.resource))
    {
        Ok(p) => p,
        Err(e) => return err(&e),
    };
    let table = if super::wants_table(&meta.accept) {
        match super::include_object(q) {
            Ok(inc) => Some(inc),
            Err(s) => return status_response(&s),
        }
    } else {
        None
    };
    let listed = lock_store(state).list(rt, &params);
    match listed {
        Ok(l) => match table {
            Some(inc) => {
                let objects: Vec<Value> = l.items.iter().map(|o| (**o).clone()).collect();
                let mut t = super::to_table(info, &objects, inc);
                let mut m = json!({"resourceVersion": l.resource_version});
                if let Some(c) = &l.continue_token {
                    m["continue"] = json!(c);
                }
                if let Some(n) = l.remaining_item_count {
                    m["remainingItemCount"] = json!(n);
                }
                t["metadata"] = m;
                json_response(200, &t)
            }
            None => super::json_text_response(200, l.to_body(rt), "application/json"),
        },
        Err(e) => err(&e),
    }
}

pub(crate) fn is_crd(info: &ResourceInfo) -> bool {
    info.group == "apiextensions.k8s.io" && info.resource == "customresourcedefinitions"
}

/// Server-side touches before a create: namespace label/phase, CRD status.
pub(crate) fn prepare_create(info: &ResourceInfo, obj: &mut Value) {
    if info.subresources.iter().any(|s| s == "status") {
        keep_live_status(obj, None);
    }
    if info.group.is_empty() && info.resource == "namespaces" {
        let name = obj
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if !name.is_empty() {
            if !obj["metadata"]["labels"].is_object() {
                obj["metadata"]["labels"] = json!({});
            }
            obj["metadata"]["labels"]["kubernetes.io/metadata.name"] = json!(name);
        }
        obj["status"] = json!({"phase": "Active"});
    }
    if info.group.is_empty() && info.resource == "secrets" && obj.get("type").is_none() {
        obj["type"] = json!("Opaque");
    }
    if is_crd(info) {
        crd_status(obj);
    }
}

/// The main endpoint of a kind with a status subresource ignores `status`: an update keeps
/// the live object's, a create starts without one (the strategies' `PrepareForUpdate` and
/// `PrepareForCreate`; namespaces and CRDs then get theirs from [`prepare_create`]).
pub(crate) fn keep_live_status(obj: &mut Value, live: Option<&Value>) {
    let Some(m) = obj.as_object_mut() else { return };
    match live.and_then(|l| l.get("status")) {
        Some(s) => {
            m.insert("status".into(), s.clone());
        }
        None => {
            m.remove("status");
        }
    }
}

/// Accepts the CRD's names and marks it Established (no naming conflicts are checked yet).
pub(crate) fn crd_status(obj: &mut Value) {
    let names = obj
        .pointer("/spec/names")
        .filter(|n| n.is_object())
        .cloned()
        .unwrap_or(json!({}));
    let mut accepted = names.clone();
    if accepted.get("singular").is_none()
        && let Some(k) = names.get("kind").and_then(Value::as_str)
    {
        accepted["singular"] = json!(k.to_ascii_lowercase());
    }
    if accepted.get("listKind").is_none()
        && let Some(k) = names.get("kind").and_then(Value::as_str)
    {
        accepted["listKind"] = json!(format!("{k}List"));
    }
    let stored: Vec<Value> = obj
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .filter(|v| v["storage"] == json!(true))
                .map(|v| v["name"].clone())
                .collect()
        })
        .unwrap_or_default();
    let now = crate::store::rfc3339(crate::store::system_clock());
    obj["status"] = json!({
        "acceptedNames": accepted,
        "storedVersions": stored,
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": now},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": now},
        ],
    });
}

fn create(
    state: &State,
    info: &ResourceInfo,
    rt: &ResourceType,
    ns: &str,
    q: &Query,
    meta: &Meta,
) -> Response<Body> {
    let (mut obj, opts) = match decode_body(meta, info).and_then(|o| Ok((o, write_opts(q)?))) {
        Ok(x) => x,
        Err(s) => return status_response(&s),
    };
    let warnings = match super::decode::decode_typed(state, info, q, &mut obj) {
        Ok(w) => w,
        Err(s) => return status_response(&s),
    };
    prepare_create(info, &mut obj);
    let mut store = lock_store(state);
    store.assign_uid(&mut obj);
    if let Err(e) = crate::defaults::apply_server_defaults(&store, rt, &info.kind, ns, &mut obj) {
        return status_response(&e.to_status());
    }
    if let Err(s) = super::apply::track(state, info, "", None, &mut obj, q, meta) {
        return status_response(&s);
    }
    match store.create(rt, ns, obj, &opts) {
        Ok(o) => {
            if is_crd(info) && !opts.dry_run {
                state.register_crd(&o);
            }
            super::decode::add_warnings(json_response(201, &o), &warnings)
        }
        Err(e) => err(&e),
    }
}

#[allow(clippy::too_many_arguments)]
fn update(
    state: &State,
    info: &ResourceInfo,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    q: &Query,
    meta: &Meta,
) -> Response<Body> {
    let (mut obj, opts) = match decode_body(meta, info).and_then(|o| Ok((o, write_opts(q)?))) {
        Ok(x) => x,
        Err(s) => return status_response(&s),
    };
    let warnings = match super::decode::decode_typed(state, info, q, &mut obj) {
        Ok(w) => w,
        Err(s) => return status_response(&s),
    };
    let mut store = lock_store(state);
    let live = store.get(rt, ns, name, None).ok();
    if info.subresources.iter().any(|s| s == "status") {
        keep_live_status(&mut obj, live.as_ref());
    }
    if is_crd(info) && obj.get("status").is_none_or(Value::is_null) {
        crd_status(&mut obj);
    }
    if let Err(e) = crate::defaults::apply_server_defaults(&store, rt, &info.kind, ns, &mut obj) {
        return status_response(&e.to_status());
    }
    if let Some(l) = &live
        && let Err(s) = crate::immutable::check_update(&info.group, &info.kind, name, l, &obj)
    {
        return status_response(&s);
    }
    if let Err(s) = super::apply::track(state, info, "", live.as_ref(), &mut obj, q, meta) {
        return status_response(&s);
    }
    match store.update(rt, ns, name, obj, &opts) {
        Ok((o, created)) => {
            if is_crd(info) && !opts.dry_run {
                state.register_crd(&o);
            }
            if !opts.dry_run && o.pointer("/metadata/deletionTimestamp").is_some() {
                super::delete::run_gc(state, &mut store);
            }
            super::decode::add_warnings(
                json_response(if created { 201 } else { 200 }, &o),
                &warnings,
            )
        }
        Err(e) => err(&e),
    }
}

#[allow(clippy::too_many_arguments)]
fn subresource(
    state: &State,
    info: &ResourceInfo,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    sub: &str,
    q: &Query,
    meta: &Meta,
) -> Response<Body> {
    match (&meta.method, sub) {
        (&Method::GET, "status") => {
            match lock_store(state).get(rt, ns, name, q.resource_version.as_deref()) {
                Ok(o) => json_response(200, &o),
                Err(e) => err(&e),
            }
        }
        (&Method::PUT, "status") => {
            let (body, mut opts) =
                match decode_body(meta, info).and_then(|o| Ok((o, write_opts(q)?))) {
                    Ok(x) => x,
                    Err(s) => return status_response(&s),
                };
            opts.keep_generation = true;
            let mut store = lock_store(state);
            let live = match store.get(rt, ns, name, None) {
                Ok(o) => o,
                Err(e) => return err(&e),
            };
            let mut next = live.clone();
            next["status"] = body.get("status").cloned().unwrap_or(Value::Null);
            if let Some(rv) = body.pointer("/metadata/resourceVersion") {
                next["metadata"]["resourceVersion"] = rv.clone();
            }
            if let Err(s) = super::apply::track(state, info, sub, Some(&live), &mut next, q, meta) {
                return status_response(&s);
            }
            match store.update(rt, ns, name, next, &opts) {
                Ok((o, _)) => json_response(200, &o),
                Err(e) => err(&e),
            }
        }
        (&Method::PATCH, "status") => super::patch::patch(state, info, rt, ns, name, sub, q, meta),
        (_, "scale") => super::scale::scale(state, info, rt, ns, name, q, meta),
        (m, _) => method_not_allowed(info, &m.as_str().to_ascii_lowercase()),
    }
}

//! PATCH on an object or its `status` subresource: JSON Patch, JSON Merge Patch and (for
//! built-in kinds) strategic merge patch over the live object (see [`crate::patch`]);
//! apply patches go to [`super::apply`].

// `Status` is the reply itself, built once per failed request; boxing it buys nothing.
#![allow(clippy::result_large_err)]

use hyper::Response;
use serde_json::Value;

use super::handlers::{check_type_meta, err, is_crd, lock_store, write_opts};
use super::{Body, Meta, State, json_response, status_response};
use crate::patch::{PatchType, apply};
use crate::path::Query;
use crate::registry::ResourceInfo;
use crate::status::Status;
use crate::store::ResourceType;

/// Media types a PATCH accepts.
const ACCEPTED: &[&str] = &[
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
];

/// What a custom resource accepts (no strategic merge).
const ACCEPTED_CUSTOM: &[&str] = &[
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/apply-patch+yaml",
];

/// Handles `PATCH` of `name`; `sub` is `""` for the object itself or `"status"`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn patch(
    state: &State,
    info: &ResourceInfo,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    sub: &str,
    q: &Query,
    meta: &Meta,
) -> Response<Body> {
    let ty = match PatchType::from_content_type(&meta.content_type) {
        Some(t @ (PatchType::Json | PatchType::Merge)) => t,
        // Custom resources have no strategic merge schema: the real server refuses it too.
        Some(PatchType::StrategicMerge) if info.crd.is_some() => {
            return status_response(&Status::unsupported_media_type(ACCEPTED_CUSTOM));
        }
        Some(t @ PatchType::StrategicMerge) => t,
        Some(PatchType::Apply) => {
            return super::apply::apply(state, info, rt, ns, name, sub, q, meta);
        }
        None => return status_response(&Status::unsupported_media_type(ACCEPTED)),
    };
    let opts = match write_opts(q) {
        Ok(mut o) => {
            o.keep_generation = sub == "status";
            o
        }
        Err(s) => return status_response(&s),
    };
    if q.force.is_some() {
        return status_response(&Status::invalid(
            "meta.k8s.io",
            "PatchOptions",
            "",
            &[crate::field_error::FieldError::forbidden(
                "force",
                "may not be specified for non-apply patch",
            )],
        ));
    }
    let mut store = lock_store(state);
    let live = match store.get(rt, ns, name, None) {
        Ok(o) => o,
        Err(e) => return err(&e),
    };
    let patched = match apply(ty, &live, &meta.body) {
        Ok(p) => p,
        Err(e) => return status_response(&e.to_status()),
    };
    if !patched.is_object() {
        return status_response(&Status::bad_request(format!(
            "the body of the request must be a {} object",
            info.kind
        )));
    }
    let mut obj = match check_type_meta(patched, info) {
        Ok(o) => o,
        Err(s) => return status_response(&s),
    };
    let warnings = match super::decode::decode_typed(state, info, q, &mut obj) {
        Ok(w) => w,
        Err(s) => return status_response(&s),
    };
    let has_status = info.subresources.iter().any(|s| s == "status");
    if sub == "status" {
        // The status endpoint takes only status (and the resourceVersion precondition).
        let mut next = live.clone();
        next["status"] = obj.get("status").cloned().unwrap_or(Value::Null);
        if let Some(rv) = obj.pointer("/metadata/resourceVersion") {
            next["metadata"]["resourceVersion"] = rv.clone();
        }
        obj = next;
    } else if has_status {
        super::handlers::keep_live_status(&mut obj, Some(&live));
    }
    if let Err(e) = crate::defaults::apply_server_defaults(&store, rt, &info.kind, ns, &mut obj) {
        return status_response(&e.to_status());
    }
    if sub.is_empty()
        && let Err(s) = crate::immutable::check_update(&info.group, &info.kind, name, &live, &obj)
    {
        return status_response(&s);
    }
    if let Err(s) = super::apply::track(state, info, sub, Some(&live), &mut obj, q, meta) {
        return status_response(&s);
    }
    match store.update(rt, ns, name, obj, &opts) {
        Ok((o, _)) => {
            if !opts.dry_run && o.pointer("/metadata/deletionTimestamp").is_some() {
                super::delete::run_gc(state, &mut store);
            }
            drop(store);
            if is_crd(info) && !opts.dry_run {
                state.register_crd(&o);
            }
            super::decode::add_warnings(json_response(200, &o), &warnings)
        }
        Err(e) => err(&e),
    }
}

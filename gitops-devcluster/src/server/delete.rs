//! DELETE and deletecollection: `DeleteOptions` (JSON or protobuf bodies, query
//! parameters), namespace and CRD cleanup.

// `Status` is the reply itself, built once per failed request; boxing it buys nothing.
#![allow(clippy::result_large_err)]

use hyper::Response;
use serde_json::{Value, json};

use super::handlers::{err, is_crd, lock_store};
use super::{Body, Meta, State, json_response, status_response};
use crate::field_selector::supported_fields;
use crate::path::Query;
use crate::registry::ResourceInfo;
use crate::status::{Reason, Status};
use crate::store::{DeleteOptions, DeleteOutcome, ListParams, ResourceType, Store};

fn delete_options(q: &Query, meta: &Meta) -> Result<DeleteOptions, Status> {
    let body: Value = if meta.body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else if crate::protobuf::is_protobuf(&meta.content_type) {
        protobuf_delete_options(&meta.body)?
    } else {
        serde_json::from_slice(&meta.body)
            .map_err(|e| Status::bad_request(format!("invalid DeleteOptions: {e}")))?
    };
    let dry_body = body
        .get("dryRun")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|d| d == "All"));
    if let Some(bad) = q.unsupported_dry_run() {
        return Err(Status::bad_request(format!(
            "dryRun: Unsupported value: \"{bad}\": supported values: \"All\""
        )));
    }
    let policy = q
        .propagation_policy
        .clone()
        .or_else(|| body["propagationPolicy"].as_str().map(str::to_string));
    if let Some(p) = &policy
        && !["Orphan", "Background", "Foreground"].contains(&p.as_str())
    {
        return Err(Status {
            code: 422,
            reason: Reason::Invalid,
            message: format!(
                "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{p}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""
            ),
            details: None,
        });
    }
    Ok(DeleteOptions {
        dry_run: q.is_dry_run() || dry_body,
        propagation_policy: policy,
        precondition_uid: body
            .pointer("/preconditions/uid")
            .and_then(Value::as_str)
            .map(str::to_string),
        precondition_resource_version: body
            .pointer("/preconditions/resourceVersion")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn delete(
    state: &State,
    info: &ResourceInfo,
    rt: &ResourceType,
    ns: &str,
    name: Option<&str>,
    q: &Query,
    meta: &Meta,
) -> Response<Body> {
    let opts = match delete_options(q, meta) {
        Ok(o) => o,
        Err(s) => return status_response(&s),
    };
    let mut store = lock_store(state);
    let Some(name) = name else {
        let path_ns = if info.namespaced && !ns.is_empty() {
            Some(ns)
        } else {
            None
        };
        let params =
            match ListParams::from_query(q, path_ns, supported_fields(&info.group, &info.resource))
            {
                Ok(p) => p,
                Err(e) => return err(&e),
            };
        return match store.delete_collection(rt, &params, &opts) {
            Ok(outcomes) => {
                if is_crd(info) && !opts.dry_run {
                    for o in outcomes
                        .iter()
                        .filter(|o| matches!(o, DeleteOutcome::Deleted(_)))
                    {
                        purge_crd(
                            state,
                            &mut store,
                            o.object()
                                .pointer("/metadata/name")
                                .and_then(Value::as_str)
                                .unwrap_or(""),
                        );
                    }
                }
                if !opts.dry_run {
                    run_gc(state, &mut store);
                }
                let items: Vec<Value> = outcomes.iter().map(|o| o.object().clone()).collect();
                json_response(
                    200,
                    &json!({"kind": format!("{}List", info.kind), "apiVersion": info.group_version(),
                        "metadata": {"resourceVersion": store.revision().to_string()}, "items": items}),
                )
            }
            Err(e) => err(&e),
        };
    };
    match store.delete(rt, ns, name, &opts) {
        Ok(DeleteOutcome::Deleted(o)) => {
            if is_crd(info) && !opts.dry_run {
                purge_crd(state, &mut store, name);
            }
            if info.group.is_empty() && info.resource == "namespaces" && !opts.dry_run {
                purge_namespace(state, &mut store, name);
            }
            if !opts.dry_run {
                run_gc(state, &mut store);
            }
            json_response(200, &o)
        }
        Ok(DeleteOutcome::Pending(o)) => {
            if !opts.dry_run {
                run_gc(state, &mut store);
            }
            json_response(202, &o)
        }
        Err(e) => err(&e),
    }
}

/// Runs the owner-reference garbage collector ([`crate::gc`]) over every registered type.
/// A failure leaves garbage for the next run but never fails the request.
pub(crate) fn run_gc(state: &State, store: &mut Store) {
    let types: Vec<ResourceType> = super::read_registry(state)
        .entries()
        .iter()
        .map(ResourceInfo::resource_type)
        .collect();
    let _ = crate::gc::collect(store, &types);
}

/// Namespace lifecycle (simplified): deleting a namespace deletes every object in it at
/// once (objects with finalizers stay pending, as the store decides).
fn purge_namespace(state: &State, store: &mut Store, namespace: &str) {
    let types: Vec<ResourceType> = super::read_registry(state)
        .entries()
        .iter()
        .filter(|e| e.namespaced)
        .map(ResourceInfo::resource_type)
        .collect();
    let params = ListParams {
        namespace: Some(namespace.to_string()),
        ..ListParams::default()
    };
    for rt in types {
        // A failure on one type must not keep the others; the namespace itself is gone.
        let _ = store.delete_collection(&rt, &params, &DeleteOptions::default());
    }
}

/// Deleting a CRD deletes all its custom resources (at once; the real server uses the
/// `customresourcecleanup` finalizer) and removes it from discovery and OpenAPI.
fn purge_crd(state: &State, store: &mut Store, crd_name: &str) {
    let types: Vec<ResourceType> = super::read_registry(state)
        .entries()
        .iter()
        .filter(|e| e.crd.as_deref() == Some(crd_name))
        .map(ResourceInfo::resource_type)
        .collect();
    // Every version shares one storage key; a failure leaves orphans but never a 500.
    if let Some(rt) = types.first() {
        let _ = store.delete_collection(rt, &ListParams::default(), &DeleteOptions::default());
    }
    state.unregister_crd(crd_name);
}

/// Decodes a protobuf `DeleteOptions` body (Helm's uninstall sends one) into its JSON form.
fn protobuf_delete_options(body: &[u8]) -> Result<Value, Status> {
    use prost::Message as _;
    let bad = |e: String| Status::bad_request(format!("invalid protobuf DeleteOptions: {e}"));
    let rest = body
        .strip_prefix(b"k8s\0".as_slice())
        .ok_or_else(|| bad("missing the k8s\\0 magic".into()))?;
    let unknown = k8s_pb::apimachinery::pkg::runtime::Unknown::decode(rest)
        .map_err(|e| bad(e.to_string()))?;
    let raw = unknown.raw.unwrap_or_default();
    let o = k8s_pb::apimachinery::pkg::apis::meta::v1::DeleteOptions::decode(raw.as_slice())
        .map_err(|e| bad(e.to_string()))?;
    let mut v = json!({"dryRun": o.dry_run});
    if let Some(p) = o.propagation_policy {
        v["propagationPolicy"] = json!(p);
    }
    if let Some(p) = o.preconditions {
        v["preconditions"] = json!({"uid": p.uid, "resourceVersion": p.resource_version});
    }
    Ok(v)
}

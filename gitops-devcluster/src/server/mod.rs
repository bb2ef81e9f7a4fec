//! The HTTP/1.1 server (hyper 1): accept loop, router, discovery endpoints.
//!
//! Every failure is answered with a Kubernetes `Status` body; request data never panics
//! the server. Resource requests go to [`handlers`], watches to [`watch`].

mod apply;
mod decode;
mod delete;
mod handlers;
mod patch;
mod scale;
mod watch;

use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{ACCEPT, CONTENT_TYPE};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;

use crate::discovery;
use crate::openapi::OpenApi;
use crate::path::{ApiPath, Query};
use crate::registry::Registry;
use crate::status::Status;
use crate::store::Store;

/// Response body type: a full JSON document or a watch stream.
pub(crate) type Body = UnsyncBoxBody<Bytes, Infallible>;

/// The request body limit of the real API server (3 MiB).
pub const MAX_BODY: usize = 3 * 1024 * 1024;

/// Shared server state: the object store and the resource registry. Lock order: store
/// before registry.
#[derive(Debug)]
pub struct State {
    /// The objects.
    pub store: Mutex<Store>,
    /// Served resources (built-ins plus CRDs).
    pub registry: RwLock<Registry>,
    /// `/openapi/v3` documents (built-ins plus CRDs).
    pub openapi: RwLock<OpenApi>,
    /// Injected failures ([`crate::faults`]).
    pub faults: crate::faults::Faults,
}

impl State {
    /// Registers a CRD object's served versions in discovery and OpenAPI.
    pub fn register_crd(&self, crd: &Value) {
        self.registry
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .register_crd(crd);
        // A CRD the OpenAPI builder cannot describe is still served, just without a document.
        let _ = self
            .openapi
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .register_crd(crd);
    }

    /// The object type of a kind (built-in or from a registered CRD), for apply and decoding.
    pub fn kind_type(
        &self,
        group: &str,
        version: &str,
        kind: &str,
    ) -> Option<crate::typeschema::TypeRef> {
        self.openapi
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .kind_type(group, version, kind)
    }

    /// Removes a CRD's resources from discovery and OpenAPI.
    pub fn unregister_crd(&self, name: &str) {
        self.registry
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .unregister_crd(name);
        self.openapi
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .unregister_crd(name);
    }
}

pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed_unsync()
}

pub(crate) fn json_response(code: u16, v: &Value) -> Response<Body> {
    json_response_ct(code, v, "application/json")
}

pub(crate) fn json_response_ct(code: u16, v: &Value, content_type: &str) -> Response<Body> {
    json_text_response(code, v.to_string(), content_type)
}

/// A response with already serialized JSON.
pub(crate) fn json_text_response(code: u16, body: String, content_type: &str) -> Response<Body> {
    let mut r = Response::new(full(body));
    *r.status_mut() =
        hyper::StatusCode::from_u16(code).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(ct) = hyper::header::HeaderValue::from_str(content_type) {
        r.headers_mut().insert(CONTENT_TYPE, ct);
    }
    r
}

pub(crate) fn status_response(s: &Status) -> Response<Body> {
    json_response(s.code, &s.to_json())
}

/// Serves connections from `listener` until `shutdown` changes (or its sender drops).
pub async fn serve(
    listener: TcpListener,
    state: Arc<State>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => return,
        };
        let Ok((stream, _)) = accepted else { continue };
        let state = state.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(handle(state, req).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = conn => {}
                _ = stop.changed() => {}
            }
        });
    }
}

fn header(req: &Request<Incoming>, name: hyper::header::HeaderName) -> String {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// What a handler needs from the request besides path and query.
#[derive(Debug)]
pub(crate) struct Meta {
    pub method: hyper::Method,
    pub accept: String,
    pub content_type: String,
    pub user_agent: String,
    pub body: Bytes,
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().to_string();
    let raw_query = req.uri().query().unwrap_or("").to_string();
    let accept = header(&req, ACCEPT);
    let content_type = header(&req, CONTENT_TYPE);
    let user_agent = header(&req, hyper::header::USER_AGENT);
    let method = req.method().clone();
    let impersonation = impersonation_headers(&req);
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return status_response(&Status {
                code: 413,
                reason: crate::status::Reason::RequestEntityTooLarge,
                message: format!("Request entity too large: limit is {MAX_BODY}"),
                details: None,
            });
        }
        Err(e) => {
            return status_response(&Status::bad_request(format!(
                "reading the request body: {e}"
            )));
        }
    };
    let query = match Query::parse(&raw_query) {
        Ok(q) => q,
        Err(e) => return status_response(&e.to_status()),
    };
    let meta = Meta {
        method,
        accept,
        content_type,
        user_agent,
        body,
    };
    if let Some(rest) = path.strip_prefix("/devcluster/v1/faults") {
        return faults_endpoint(&state, rest, &meta);
    }
    let api_path = ApiPath::parse(&path);
    if let Some(denied) = authorize(&state, impersonation, &api_path, &query, &meta.method) {
        return denied;
    }
    if let ApiPath::Resource(rp) = &api_path
        && let Some(effect) = state.faults.take(
            verb_of(&meta.method, rp, &query),
            &rp.resource,
            rp.namespace.as_deref().unwrap_or(""),
            rp.name.as_deref().unwrap_or(""),
        )
    {
        match crate::faults::delay_of(&effect) {
            Some(d) => tokio::time::sleep(d).await,
            None => {
                let code = match effect {
                    crate::faults::Effect::Status { code } => code,
                    crate::faults::Effect::Delay { .. } => 500,
                };
                let gr = crate::status::GroupResource::new(&rp.group, &rp.resource);
                let s = crate::faults::status_for(code, &gr, rp.name.as_deref().unwrap_or(""));
                return status_response(&s);
            }
        }
    }
    route(&state, api_path, query, meta).await
}

/// `Impersonate-User` and the `Impersonate-Group` values; `None` without any
/// `Impersonate-*` header (the devcluster's admin user).
fn impersonation_headers(req: &Request<Incoming>) -> Option<(Option<String>, Vec<String>)> {
    let h = req.headers();
    if !h.keys().any(|k| k.as_str().starts_with("impersonate-")) {
        return None;
    }
    let text = |v: &hyper::header::HeaderValue| v.to_str().unwrap_or("").to_string();
    let user = h.get("impersonate-user").map(text);
    Some((user, h.get_all("impersonate-group").iter().map(text).collect()))
}

/// RBAC for impersonated resource requests ([`crate::rbac`]); `Some` is the reply.
fn authorize(
    state: &State,
    impersonation: Option<(Option<String>, Vec<String>)>,
    path: &ApiPath,
    query: &Query,
    method: &hyper::Method,
) -> Option<Response<Body>> {
    let (user, groups) = impersonation?;
    let Some(user) = user else {
        return Some(status_response(&Status::internal(
            "requested impersonation without impersonating a user",
        )));
    };
    let ApiPath::Resource(rp) = path else {
        return None; // discovery, OpenAPI, version, health: allowed
    };
    let user = crate::rbac::UserInfo::impersonated(&user, &groups);
    let verb = verb_of(method, rp, query);
    let (namespace, name) = crate::rbac::request_scope(
        &rp.resource,
        rp.namespace.as_deref(),
        rp.name.as_deref(),
        verb,
        query.field_selector.as_deref(),
    );
    let attrs = crate::rbac::Attributes {
        verb: verb.to_string(),
        group: rp.group.clone(),
        resource: rp.resource.clone(),
        subresource: rp.subresource.clone().unwrap_or_default(),
        namespace,
        name,
    };
    let policy = {
        let store = handlers::lock_store(state);
        let reg = read_registry(state);
        let list = |resource: &str| {
            reg.lookup(crate::rbac::RBAC_GROUP, "v1", resource)
                .and_then(|info| {
                    store
                        .list(&info.resource_type(), &crate::store::ListParams::default())
                        .ok()
                })
                .map(|l| l.items)
                .unwrap_or_default()
        };
        crate::rbac::Policy {
            roles: list("roles"),
            cluster_roles: list("clusterroles"),
            role_bindings: list("rolebindings"),
            cluster_role_bindings: list("clusterrolebindings"),
        }
    };
    crate::rbac::authorize(&user, &attrs, &policy)
        .forbidden(&user, &attrs)
        .map(|s| status_response(&s))
}

/// The verb of a resource request, as RBAC and audit name it.
fn verb_of(method: &hyper::Method, rp: &crate::path::ResourcePath, q: &Query) -> &'static str {
    match (method.as_str(), rp.name.is_some()) {
        ("GET", _) if q.watch || rp.watch_prefix => "watch",
        ("GET", true) => "get",
        ("GET", false) => "list",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", true) => "delete",
        ("DELETE", false) => "deletecollection",
        _ => "unknown",
    }
}

/// `/devcluster/v1/faults`: `POST` a rule, `DELETE` all rules, `GET` the list.
fn faults_endpoint(state: &State, rest: &str, meta: &Meta) -> Response<Body> {
    if !rest.trim_matches('/').is_empty() {
        return status_response(&Status::not_found_path());
    }
    match meta.method.as_str() {
        "GET" => json_response(
            200,
            &serde_json::to_value(state.faults.list()).unwrap_or_default(),
        ),
        "DELETE" => {
            state.faults.clear();
            json_response(
                200,
                &serde_json::json!({"kind": "Status", "apiVersion": "v1", "status": "Success"}),
            )
        }
        "POST" => match serde_json::from_slice::<crate::faults::Fault>(&meta.body) {
            Ok(f) => {
                state.faults.add(f);
                json_response(
                    201,
                    &serde_json::to_value(state.faults.list()).unwrap_or_default(),
                )
            }
            Err(e) => status_response(&Status::bad_request(format!("fault: {e}"))),
        },
        m => status_response(&Status {
            code: 405,
            reason: crate::status::Reason::MethodNotAllowed,
            message: format!("{m} is not supported"),
            details: None,
        }),
    }
}

fn read_registry(state: &State) -> std::sync::RwLockReadGuard<'_, Registry> {
    state
        .registry
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn route(state: &Arc<State>, path: ApiPath, query: Query, meta: Meta) -> Response<Body> {
    let get_only = |meta: &Meta| meta.method == hyper::Method::GET;
    let not_found = || status_response(&Status::not_found_path());
    match path {
        ApiPath::Resource(rp) => handlers::resource(state, rp, query, meta).await,
        _ if !get_only(&meta) => status_response(&Status {
            code: 405,
            reason: crate::status::Reason::MethodNotAllowed,
            message: format!("{} is not supported", meta.method),
            details: None,
        }),
        ApiPath::Version => json_response(200, &discovery::version()),
        ApiPath::Health(_) => {
            let mut r = Response::new(full("ok"));
            r.headers_mut().insert(
                CONTENT_TYPE,
                hyper::header::HeaderValue::from_static("text/plain"),
            );
            r
        }
        ApiPath::CoreVersions | ApiPath::Groups => {
            let core = matches!(path, ApiPath::CoreVersions);
            let reg = read_registry(state);
            if discovery::wants_aggregated(&meta.accept) {
                json_response_ct(
                    200,
                    &discovery::aggregated(&reg, core),
                    discovery::AGGREGATED_CONTENT_TYPE,
                )
            } else if core {
                json_response(200, &discovery::core_versions())
            } else {
                json_response(200, &discovery::group_list(&reg))
            }
        }
        ApiPath::CoreResources { version } => {
            discovery::resource_list(&read_registry(state), "", &version)
                .map_or_else(not_found, |v| json_response(200, &v))
        }
        ApiPath::Group { group } => discovery::group(&read_registry(state), &group)
            .map_or_else(not_found, |v| json_response(200, &v)),
        ApiPath::GroupResources { group, version } => {
            discovery::resource_list(&read_registry(state), &group, &version)
                .map_or_else(not_found, |v| json_response(200, &v))
        }
        ApiPath::OpenApiV3 { rest } => {
            let api = state.openapi.read().unwrap_or_else(PoisonError::into_inner);
            if rest.trim_matches('/').is_empty() {
                json_response(200, &api.index())
            } else {
                match (api.document(&rest), api.hash(&rest)) {
                    (Some(doc), Some(hash)) => {
                        let mut r = json_response(200, &doc);
                        if let Ok(v) = hyper::header::HeaderValue::from_str(&format!("\"{hash}\""))
                        {
                            r.headers_mut().insert(hyper::header::ETAG, v);
                        }
                        r
                    }
                    _ => not_found(),
                }
            }
        }
        // `/openapi/v2` may 404 (facts §2): kubectl uses v3.
        _ => not_found(),
    }
}

/// Whether an `Accept` header asks for a `meta.k8s.io/v1` Table (what `kubectl get` sends).
pub(crate) fn wants_table(accept: &str) -> bool {
    accept.split(',').any(|part| {
        let p: Vec<&str> = part.split(';').map(str::trim).collect();
        p.contains(&"as=Table") && p.contains(&"g=meta.k8s.io") && p.contains(&"v=v1")
    })
}

/// The `includeObject` query parameter (default `Metadata`); `Err` is the 400 reply.
#[allow(clippy::result_large_err)] // the Status is the reply itself
pub(crate) fn include_object(q: &Query) -> Result<crate::table::IncludeObject, Status> {
    let raw = q
        .other
        .iter()
        .find(|(k, _)| k == "includeObject")
        .map_or("", |(_, v)| v.as_str());
    crate::table::IncludeObject::parse(raw).ok_or_else(|| {
        Status::bad_request(format!(
            "includeObject: Unsupported value: \"{raw}\": supported values: \"Metadata\", \"None\", \"Object\""
        ))
    })
}

/// Objects of `info` as a Table (built-in printers or the CRD's printer columns).
pub(crate) fn to_table(
    info: &crate::registry::ResourceInfo,
    objects: &[Value],
    include: crate::table::IncludeObject,
) -> Value {
    let now = crate::table::now_unix();
    if info.crd.is_some() {
        crate::table::to_table_for_crd_at(&info.printer_columns, objects, include, now)
    } else {
        crate::table::to_table_at(&info.kind, objects, include, now)
    }
}

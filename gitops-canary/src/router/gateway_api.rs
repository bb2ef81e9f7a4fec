//! Gateway API: the HTTPRoute `<svc>` with weighted backendRefs (Flagger's
//! `pkg/router/gateway_api.go` and `gateway_api_v1beta1.go`).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use gitops_core::api::flagger::Canary;
use gitops_core::api::flagger::service::StringMatch;
use gitops_core::object::Object;

use super::{Error, Router, SessionCookies, cookie_regex, find_live, interval_seconds};
use crate::routes::Routes;
use crate::workload::{FLUX_DISABLED_ANNOTATIONS, canary_ref, owner_reference};

/// Flagger's Gateway API router for `gatewayapi:v1` or `gatewayapi:v1beta1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GatewayApiRouter {
    api_version: &'static str,
}

impl GatewayApiRouter {
    /// `gateway.networking.k8s.io/v1`.
    pub fn v1() -> Self {
        GatewayApiRouter {
            api_version: "gateway.networking.k8s.io/v1",
        }
    }

    /// `gateway.networking.k8s.io/v1beta1` (same objects, older API version).
    pub fn v1beta1() -> Self {
        GatewayApiRouter {
            api_version: "gateway.networking.k8s.io/v1beta1",
        }
    }
}

fn invalid(canary: &Canary, field: &str, message: String) -> Error {
    Error::InvalidSpec {
        canary: canary_ref(canary),
        field: field.into(),
        message,
    }
}

fn backend(name: &str, weight: u32, port: i32) -> Value {
    json!({"group": "", "kind": "Service", "name": name, "port": port, "weight": weight})
}

/// `mapRouteMatches`: Istio-style matches to HTTPRouteMatches (regex, exact, prefix
/// paths; exact methods; exact or regex headers and query parameters, sorted by name).
fn map_matches(canary: &Canary, field: &str, matches: &[Value]) -> Result<Vec<Value>, Error> {
    let mut out = Vec::new();
    for m in matches {
        let mut r = Map::new();
        if let Some(uri) = m.get("uri") {
            let sm: StringMatch = serde_json::from_value(uri.clone()).unwrap_or_default();
            let (t, v) = if let Some(v) = sm.regex.filter(|s| !s.is_empty()) {
                ("RegularExpression", v)
            } else if let Some(v) = sm.exact.filter(|s| !s.is_empty()) {
                ("Exact", v)
            } else if let Some(v) = sm.prefix.filter(|s| !s.is_empty()) {
                ("PathPrefix", v)
            } else {
                return Err(invalid(
                    canary,
                    field,
                    "Gateway API doesn't support the specified path matching selector".into(),
                ));
            };
            r.insert("path".into(), json!({"type": t, "value": v}));
        }
        if let Some(method) = m.get("method") {
            match method
                .get("exact")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
            {
                Some(e) => {
                    r.insert("method".into(), json!(e));
                }
                None => {
                    return Err(invalid(
                        canary,
                        field,
                        "Gateway API supports exact method matches only".into(),
                    ));
                }
            }
        }
        for (key, out_key) in [("headers", "headers"), ("queryParams", "queryParams")] {
            let mut list = Vec::new();
            for (name, v) in m.get(key).and_then(Value::as_object).into_iter().flatten() {
                let exact = v
                    .get("exact")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty());
                let regex = v
                    .get("regex")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty());
                let (t, val) = match (exact, regex) {
                    (Some(e), _) => ("Exact", e),
                    (None, Some(r)) => ("RegularExpression", r),
                    _ => {
                        return Err(invalid(
                            canary,
                            field,
                            format!(
                                "Gateway API doesn't support the {key} matching selector for '{name}'"
                            ),
                        ));
                    }
                };
                list.push(json!({"name": name, "type": t, "value": val}));
            }
            if !list.is_empty() {
                r.insert(out_key.into(), Value::Array(list));
            }
        }
        if !r.is_empty() {
            out.push(Value::Object(r));
        }
    }
    Ok(out)
}

/// `mergeMatchConditions` of the Gateway API router.
fn merge_matches(analysis: Vec<Value>, service: &[Value]) -> Vec<Value> {
    if analysis.is_empty() {
        return service.to_vec();
    }
    if service.is_empty() {
        return analysis;
    }
    let mut merged = Vec::new();
    for a in &analysis {
        for s in service {
            let mut m = s.clone();
            if let Some(obj) = m.as_object_mut() {
                for key in ["headers", "queryParams"] {
                    if let Some(v) = a.get(key) {
                        obj.insert(key.into(), v.clone());
                    }
                }
            }
            merged.push(m);
        }
    }
    merged
}

fn header_list(map: &Option<BTreeMap<String, String>>) -> Option<Value> {
    let map = map.as_ref().filter(|m| !m.is_empty())?;
    Some(Value::Array(
        map.iter()
            .map(|(k, v)| json!({"name": k, "value": v}))
            .collect(),
    ))
}

/// `makeFilters`: request/response header modifiers, URL rewrite, request mirrors, CORS.
fn filters(canary: &Canary) -> Result<Vec<Value>, Error> {
    let s = &canary.spec.service;
    let mut out = Vec::new();
    if let Some(h) = &s.headers {
        for (ops, t, key) in [
            (&h.request, "RequestHeaderModifier", "requestHeaderModifier"),
            (
                &h.response,
                "ResponseHeaderModifier",
                "responseHeaderModifier",
            ),
        ] {
            let Some(ops) = ops else { continue };
            let mut m = Map::new();
            if let Some(v) = header_list(&ops.add) {
                m.insert("add".into(), v);
            }
            if let Some(v) = header_list(&ops.set) {
                m.insert("set".into(), v);
            }
            if let Some(r) = ops.remove.as_ref().filter(|r| !r.is_empty()) {
                m.insert("remove".into(), json!(r));
            }
            out.push(json!({"type": t, key: m}));
        }
    }
    if let Some(rw) = &s.rewrite {
        let mut m = Map::new();
        if let Some(a) = rw.authority.as_deref().filter(|a| !a.is_empty()) {
            m.insert("hostname".into(), json!(a));
        }
        if let Some(u) = rw.uri.as_deref().filter(|u| !u.is_empty()) {
            let t = rw.rewrite_type();
            let k = if t == "ReplaceFullPath" {
                "replaceFullPath"
            } else {
                "replacePrefixMatch"
            };
            m.insert("path".into(), json!({"type": t, k: u}));
        }
        out.push(json!({"type": "URLRewrite", "urlRewrite": m}));
    }
    for mirror in s.mirror.iter().flatten() {
        let b = serde_json::to_value(&mirror.backend_ref)
            .map_err(|e| invalid(canary, "spec.service.mirror", e.to_string()))?;
        out.push(json!({"type": "RequestMirror", "requestMirror": {"backendRef": b}}));
    }
    if let Some(cors) = &s.cors_policy {
        let mut m = Map::new();
        for (from, to) in [
            (&cors.allow_origin, "allowOrigins"),
            (&cors.allow_methods, "allowMethods"),
            (&cors.allow_headers, "allowHeaders"),
            (&cors.expose_headers, "exposeHeaders"),
        ] {
            if let Some(v) = from.as_ref().filter(|v| !v.is_empty()) {
                m.insert(to.into(), json!(v));
            }
        }
        if cors.allow_credentials == Some(true) {
            m.insert("allowCredentials".into(), json!(true));
        }
        if let Some(age) = cors.max_age.as_deref().filter(|a| !a.is_empty())
            && let Some(d) = age
                .parse::<gitops_core::duration::Duration>()
                .ok()
                .and_then(|d| d.to_std())
        {
            m.insert("maxAge".into(), json!(d.as_secs()));
        }
        out.push(json!({"type": "CORS", "cors": m}));
    }
    Ok(out)
}

fn timeouts(canary: &Canary) -> Option<Value> {
    let s = &canary.spec.service;
    let t = s.timeout.as_deref().filter(|t| !t.is_empty());
    let b = s.backend_timeout.as_deref().filter(|t| !t.is_empty());
    if t.is_none() && b.is_none() {
        return None;
    }
    let mut m = Map::new();
    if let Some(t) = t {
        m.insert("request".into(), json!(t));
    }
    if let Some(b) = b {
        m.insert("backendRequest".into(), json!(b));
    }
    Some(Value::Object(m))
}

fn rule(
    canary: &Canary,
    matches: &[Value],
    backends: Vec<Value>,
) -> Result<Map<String, Value>, Error> {
    let mut r = Map::new();
    r.insert("matches".into(), Value::Array(matches.to_vec()));
    let f = filters(canary)?;
    if !f.is_empty() {
        r.insert("filters".into(), Value::Array(f));
    }
    r.insert("backendRefs".into(), Value::Array(backends));
    if let Some(t) = timeouts(canary) {
        r.insert("timeouts".into(), t);
    }
    Ok(r)
}

fn push_filter(r: &mut Map<String, Value>, filter: Value) {
    let list = r.entry("filters").or_insert_with(|| json!([]));
    if let Some(a) = list.as_array_mut() {
        a.push(filter);
    }
}

fn set_cookie_filter(value: String) -> Value {
    json!({"type": "ResponseHeaderModifier", "responseHeaderModifier": {"add": [{"name": "Set-Cookie", "value": value}]}})
}

impl GatewayApiRouter {
    fn http_route(&self, canary: &Canary, routes: Routes, initial: bool) -> Result<Object, Error> {
        let s = &canary.spec.service;
        let refs = s.gateway_refs.clone().unwrap_or_default();
        if refs.is_empty() {
            return Err(invalid(
                canary,
                "spec.service.gatewayRefs",
                "GatewayRefs must be specified when using Gateway API as a provider.".into(),
            ));
        }
        let (apex, primary, canary_name) = canary.service_names();
        let port = s.port;
        let analysis = canary.spec.analysis.clone().unwrap_or_default();
        let svc_raw: Vec<Value> = s
            .r#match
            .iter()
            .flatten()
            .map(|m| serde_json::to_value(m).unwrap_or(Value::Null))
            .collect();
        let mut matches = map_matches(canary, "spec.service.match", &svc_raw)?;
        if matches.is_empty() {
            matches.push(json!({"path": {"type": "PathPrefix", "value": "/"}}));
        }
        let mut weighted = rule(
            canary,
            &matches,
            vec![
                backend(&primary, routes.primary, port),
                backend(&canary_name, routes.canary, port),
            ],
        )?;
        if !initial && routes.mirror && analysis.iterations.unwrap_or(0) > 0 {
            push_filter(
                &mut weighted,
                json!({"type": "RequestMirror", "requestMirror": {"backendRef": {"group": "", "kind": "Service", "name": canary_name, "port": port}}}),
            );
        }
        let mut rules = vec![weighted.clone()];
        if !initial && let Some(affinity) = &analysis.session_affinity {
            let cookies = SessionCookies::from_status(canary);
            let cookie_rule = |cookie: &str, p: u32, c: u32| -> Result<Map<String, Value>, Error> {
                let m = json!({"headers": [{"name": "Cookie", "type": "RegularExpression", "value": cookie_regex(cookie)}]});
                let mut r = weighted.clone();
                r.insert(
                    "matches".into(),
                    Value::Array(merge_matches(vec![m], &matches)),
                );
                r.insert(
                    "backendRefs".into(),
                    json!([backend(&primary, p, port), backend(&canary_name, c, port)]),
                );
                Ok(r)
            };
            if routes.canary != 0 {
                let (cc, pc) = cookies.current(canary, routes.canary)?;
                let pname = affinity.primary_cookie_name.clone().unwrap_or_default();
                let sticky_canary = cookie_rule(&cc, 0, 100)?;
                let sticky_primary = if pname.is_empty() {
                    None
                } else {
                    Some(cookie_rule(&pc, 100, 0)?)
                };
                let interval = if pname.is_empty() {
                    0
                } else {
                    interval_seconds(canary)?
                };
                if let Some(Value::Array(bs)) = weighted.get_mut("backendRefs") {
                    for b in bs.iter_mut() {
                        let name = b
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string();
                        if name == canary_name {
                            b["filters"] = json!([set_cookie_filter(
                                affinity.build_cookie(&cc, affinity.max_age())
                            )]);
                        } else if name == primary && !pname.is_empty() {
                            b["filters"] =
                                json!([set_cookie_filter(affinity.build_cookie(&pc, interval))]);
                        }
                    }
                }
                rules = match sticky_primary {
                    Some(sp) => vec![sticky_canary, sp, weighted.clone()],
                    None => vec![sticky_canary, weighted.clone()],
                };
            } else {
                let mut sticky = weighted.clone();
                if let Some(prev) = cookies.canary.clone().or(cookies.previous.clone()) {
                    let m = json!({"headers": [{"name": "Cookie", "type": "RegularExpression", "value": cookie_regex(&prev)}]});
                    sticky.insert(
                        "matches".into(),
                        Value::Array(merge_matches(vec![m], &matches)),
                    );
                    push_filter(
                        &mut sticky,
                        set_cookie_filter(format!("{prev}; Max-Age=-1")),
                    );
                }
                rules = vec![sticky, weighted.clone()];
            }
        }
        let ab_raw: Vec<Value> = analysis
            .r#match
            .iter()
            .flatten()
            .map(|m| serde_json::to_value(m).unwrap_or(Value::Null))
            .collect();
        if !ab_raw.is_empty() {
            let ab = map_matches(canary, "spec.analysis.match", &ab_raw)?;
            if let Some(first) = rules.first_mut() {
                first.insert("matches".into(), Value::Array(merge_matches(ab, &matches)));
            }
            rules.push(rule(canary, &matches, vec![backend(&primary, 100, port)])?);
        }
        let parent_refs: Vec<Value> = refs
            .iter()
            .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
            .collect();
        let mut spec = Map::new();
        spec.insert("parentRefs".into(), Value::Array(parent_refs));
        if let Some(h) = s.hosts.as_ref().filter(|h| !h.is_empty()) {
            spec.insert("hostnames".into(), json!(h));
        }
        spec.insert(
            "rules".into(),
            Value::Array(rules.into_iter().map(Value::Object).collect()),
        );
        let apex_meta = s.apex.clone().unwrap_or_default();
        let labels: BTreeMap<String, String> = apex_meta.labels.unwrap_or_default();
        let mut annotations: BTreeMap<String, String> = apex_meta.annotations.unwrap_or_default();
        for (k, v) in FLUX_DISABLED_ANNOTATIONS {
            annotations.insert((*k).into(), (*v).into());
        }
        let mut metadata = Map::new();
        metadata.insert("name".into(), json!(apex));
        metadata.insert(
            "namespace".into(),
            json!(canary.metadata.namespace.clone().unwrap_or_default()),
        );
        if !labels.is_empty() {
            metadata.insert("labels".into(), json!(labels));
        }
        metadata.insert("annotations".into(), json!(annotations));
        metadata.insert("ownerReferences".into(), json!([owner_reference(canary)]));
        Object::from_value(json!({
            "apiVersion": self.api_version,
            "kind": "HTTPRoute",
            "metadata": metadata,
            "spec": spec,
        }))
        .map_err(|e| invalid(canary, "spec", e.to_string()))
    }
}

impl Router for GatewayApiRouter {
    fn reconcile(&self, canary: &Canary) -> Result<Vec<Object>, Error> {
        Ok(vec![self.http_route(canary, Routes::PRIMARY, true)?])
    }

    fn set_routes(&self, canary: &Canary, routes: Routes) -> Result<Vec<Object>, Error> {
        Ok(vec![self.http_route(canary, routes, false)?])
    }

    /// Weights from the rule with two backends (with session affinity: the rule whose
    /// backends carry filters), mirroring from a RequestMirror filter to `<svc>-canary`.
    /// Flagger also refuses to read weights while a parent has not accepted the current
    /// generation; that check belongs to the caller, which has the status.
    fn get_routes(&self, canary: &Canary, live: &[Object]) -> Result<Routes, Error> {
        let (apex, primary, canary_name) = canary.service_names();
        let ns = canary.metadata.namespace.clone().unwrap_or_default();
        let route = find_live(live, "HTTPRoute", &ns, &apex)?;
        let rules = route
            .as_value()
            .pointer("/spec/rules")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let affinity = canary
            .spec
            .analysis
            .as_ref()
            .is_some_and(|a| a.session_affinity.is_some());
        let mut out = Routes {
            primary: 0,
            canary: 0,
            mirror: false,
        };
        let mut weighted: Option<&Value> = None;
        let weight = |b: &Value| -> Result<u32, Error> {
            let w = b
                .get("weight")
                .and_then(Value::as_i64)
                .ok_or_else(|| Error::LiveObject {
                    object: route.id().to_string(),
                    field: "spec.rules[].backendRefs[].weight".into(),
                    message: "missing".into(),
                })?;
            u32::try_from(w).map_err(|_| Error::LiveObject {
                object: route.id().to_string(),
                field: "spec.rules[].backendRefs[].weight".into(),
                message: format!("weight {w} is negative"),
            })
        };
        for r in &rules {
            let backends = r
                .get("backendRefs")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if affinity
                && backends.iter().any(|b| {
                    b.get("filters")
                        .and_then(Value::as_array)
                        .is_some_and(|f| !f.is_empty())
                })
            {
                weighted = Some(r);
            }
            if backends.len() == 2 {
                for b in &backends {
                    let name = b.get("name").and_then(Value::as_str).unwrap_or("");
                    if name == primary {
                        out.primary = weight(b)?;
                    }
                    if name == canary_name {
                        out.canary = weight(b)?;
                    }
                }
            }
            for f in r
                .get("filters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if f.get("type").and_then(Value::as_str) == Some("RequestMirror")
                    && f.pointer("/requestMirror/backendRef/name")
                        .and_then(Value::as_str)
                        == Some(canary_name.as_str())
                {
                    out.mirror = true;
                }
            }
        }
        if let Some(r) = weighted {
            for b in r
                .get("backendRefs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let name = b.get("name").and_then(Value::as_str).unwrap_or("");
                if name == primary {
                    out.primary = weight(b)?;
                }
                if name == canary_name {
                    out.canary = weight(b)?;
                }
            }
        }
        if out.primary == 0 && out.canary == 0 {
            return Err(Error::LiveObject {
                object: route.id().to_string(),
                field: "spec.rules[].backendRefs".into(),
                message: format!("does not contain weighted backends {primary} and {canary_name}"),
            });
        }
        Ok(out)
    }

    /// Flagger's Gateway API router restores nothing.
    fn finalize(&self, _canary: &Canary, _live: &[Object]) -> Result<Vec<Object>, Error> {
        Ok(Vec::new())
    }
}

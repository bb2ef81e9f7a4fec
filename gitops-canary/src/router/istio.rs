//! Istio: the VirtualService `<svc>` and the DestinationRules `<svc>-canary` and
//! `<svc>-primary` (Flagger's `pkg/router/istio.go`, `networking.istio.io/v1beta1`).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use gitops_core::api::flagger::Canary;
use gitops_core::object::Object;

use super::{
    Error, KUBECTL_ANNOTATION, ORIGINAL_CONFIGURATION_ANNOTATION, Router, SessionCookies,
    cookie_regex, find_live, interval_seconds, prune_empty,
};
use crate::routes::Routes;
use crate::workload::{canary_ref, owner_reference};

/// The API version of the generated Istio objects.
pub const ISTIO_API_VERSION: &str = "networking.istio.io/v1beta1";

/// Flagger's Istio router (owner references on, as Flagger sets them when Istio runs in
/// the same cluster).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IstioRouter;

fn is_tcp(canary: &Canary) -> bool {
    canary
        .spec
        .service
        .app_protocol
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case("tcp"))
}

fn to_value<T: serde::Serialize>(canary: &Canary, field: &str, v: &T) -> Result<Value, Error> {
    serde_json::to_value(v).map_err(|e| Error::InvalidSpec {
        canary: canary_ref(canary),
        field: field.into(),
        message: e.to_string(),
    })
}

/// `makeDestination`: the port is set only with port discovery behind a non-mesh gateway
/// or with delegation.
fn destination(canary: &Canary, host: &str, weight: u32) -> Value {
    let s = &canary.spec.service;
    let gateways = s.gateways.as_deref().unwrap_or_default();
    let with_port = s.port_discovery == Some(true)
        && ((!gateways.is_empty() && gateways[0] != "mesh") || s.delegation == Some(true));
    let mut dest = Map::new();
    dest.insert("host".into(), json!(host));
    if with_port {
        dest.insert("port".into(), json!({"number": s.port}));
    }
    json!({"destination": dest, "weight": weight})
}

/// The service-level matches (`spec.service.match`) as Istio HTTPMatchRequests.
fn service_matches(canary: &Canary) -> Result<Vec<Value>, Error> {
    let mut out = Vec::new();
    for m in canary.spec.service.r#match.iter().flatten() {
        let mut v = to_value(canary, "spec.service.match", m)?;
        prune_empty(&mut v);
        out.push(v);
    }
    Ok(out)
}

/// `mergeMatchConditions`: each canary match combined with each service match (the
/// service match with the canary match's `headers` and `sourceLabels`).
fn merge_matches(canary_matches: Vec<Value>, defaults: &[Value]) -> Vec<Value> {
    if defaults.is_empty() {
        return canary_matches;
    }
    let mut merged = Vec::new();
    for c in &canary_matches {
        for d in defaults {
            let mut m = d.clone();
            if let Some(obj) = m.as_object_mut() {
                for key in ["headers", "sourceLabels"] {
                    if let Some(v) = c.get(key) {
                        obj.insert(key.into(), v.clone());
                    }
                }
            }
            merged.push(m);
        }
    }
    merged
}

/// An HTTP route with the service's options (match, rewrite, timeout, retries, CORS,
/// headers) and these destinations.
fn http_route(
    canary: &Canary,
    matches: &[Value],
    route: Vec<Value>,
) -> Result<Map<String, Value>, Error> {
    let s = &canary.spec.service;
    let mut r = Map::new();
    if !matches.is_empty() {
        r.insert("match".into(), Value::Array(matches.to_vec()));
    }
    r.insert("route".into(), Value::Array(route));
    if let Some(rw) = &s.rewrite {
        let mut v = Map::new();
        if let Some(u) = rw.uri.as_deref().filter(|u| !u.is_empty()) {
            v.insert("uri".into(), json!(u));
        }
        if let Some(a) = rw.authority.as_deref().filter(|a| !a.is_empty()) {
            v.insert("authority".into(), json!(a));
        }
        r.insert("rewrite".into(), Value::Object(v));
    }
    if let Some(t) = s.timeout.as_deref().filter(|t| !t.is_empty()) {
        r.insert("timeout".into(), json!(t));
    }
    if let Some(retries) = &s.retries {
        let mut v = Map::new();
        v.insert("attempts".into(), json!(retries.attempts.unwrap_or(0)));
        if let Some(t) = retries.per_try_timeout.as_deref().filter(|t| !t.is_empty()) {
            v.insert("perTryTimeout".into(), json!(t));
        }
        if let Some(t) = retries.retry_on.as_deref().filter(|t| !t.is_empty()) {
            v.insert("retryOn".into(), json!(t));
        }
        r.insert("retries".into(), Value::Object(v));
    }
    if let Some(cors) = &s.cors_policy {
        let mut v = to_value(canary, "spec.service.corsPolicy", cors)?;
        prune_empty(&mut v);
        r.insert("corsPolicy".into(), v);
    }
    if let Some(h) = &s.headers {
        let mut v = to_value(canary, "spec.service.headers", h)?;
        prune_empty(&mut v);
        r.insert("headers".into(), v);
    }
    Ok(r)
}

fn set_cookie_headers(value: String) -> Value {
    json!({"response": {"add": {"Set-Cookie": value}}})
}

fn cookie_match(canary: &Canary, cookie: &str, service: &[Value]) -> Vec<Value> {
    let _ = canary;
    merge_matches(
        vec![json!({"headers": {"Cookie": {"regex": cookie_regex(cookie)}}})],
        service,
    )
}

impl IstioRouter {
    fn names(canary: &Canary) -> (String, String, String, String) {
        let (apex, primary, canary_name) = canary.service_names();
        let ns = canary.metadata.namespace.clone().unwrap_or_default();
        (apex, primary, canary_name, ns)
    }

    fn destination_rule(canary: &Canary, name: &str) -> Result<Object, Error> {
        let mut spec = Map::new();
        spec.insert("host".into(), json!(name));
        if let Some(tp) = &canary.spec.service.traffic_policy {
            spec.insert(
                "trafficPolicy".into(),
                to_value(canary, "spec.service.trafficPolicy", tp)?,
            );
        }
        let value = json!({
            "apiVersion": ISTIO_API_VERSION,
            "kind": "DestinationRule",
            "metadata": {
                "name": name,
                "namespace": canary.metadata.namespace.clone().unwrap_or_default(),
                "ownerReferences": [owner_reference(canary)],
            },
            "spec": spec,
        });
        object(canary, value)
    }

    /// Hosts and gateways: the apex host is added unless present (or `*`), the `mesh`
    /// gateway is the default; both are emptied for a delegate VirtualService.
    fn hosts_and_gateways(canary: &Canary) -> Result<(Vec<String>, Vec<String>), Error> {
        let s = &canary.spec.service;
        let apex = canary.apex_service_name().to_string();
        let hosts_in = s.hosts.clone().unwrap_or_default();
        let gateways_in = s.gateways.clone().unwrap_or_default();
        if s.delegation == Some(true) {
            if !hosts_in.is_empty() || !gateways_in.is_empty() {
                return Err(Error::InvalidSpec {
                    canary: canary_ref(canary),
                    field: "spec.service.delegation".into(),
                    message: format!(
                        "VirtualService {apex} cannot have hosts and gateways when delegation enabled"
                    ),
                });
            }
            return Ok((Vec::new(), Vec::new()));
        }
        let mut hosts = hosts_in;
        if !hosts.iter().any(|h| *h == apex || h == "*") {
            hosts.push(apex);
        }
        let mut gateways = gateways_in;
        if gateways.is_empty() {
            gateways.push("mesh".into());
        }
        Ok((hosts, gateways))
    }

    fn virtual_service(canary: &Canary, routes: Routes, initial: bool) -> Result<Object, Error> {
        let (apex, primary, canary_name, ns) = Self::names(canary);
        let (hosts, gateways) = Self::hosts_and_gateways(canary)?;
        let analysis = canary.spec.analysis.clone().unwrap_or_default();
        let mut spec = Map::new();
        spec.insert("hosts".into(), json!(hosts));
        if !gateways.is_empty() {
            spec.insert("gateways".into(), json!(gateways));
        }
        let dests = || {
            vec![
                destination(canary, &primary, routes.primary),
                destination(canary, &canary_name, routes.canary),
            ]
        };
        if is_tcp(canary) {
            let l4: Vec<Value> = canary
                .spec
                .service
                .r#match
                .iter()
                .flatten()
                .map(|m| {
                    let port = m.port.unwrap_or(0);
                    if port == 0 {
                        json!({})
                    } else {
                        json!({"port": port})
                    }
                })
                .collect();
            let mut r = Map::new();
            if !l4.is_empty() {
                r.insert("match".into(), Value::Array(l4));
            }
            r.insert("route".into(), Value::Array(dests()));
            spec.insert("tcp".into(), json!([r]));
        } else {
            let svc_matches = service_matches(canary)?;
            let ab: Vec<Value> = {
                let mut v = Vec::new();
                for m in analysis.r#match.iter().flatten() {
                    let mut x = to_value(canary, "spec.analysis.match", m)?;
                    prune_empty(&mut x);
                    v.push(x);
                }
                v
            };
            let http = if !ab.is_empty() {
                let canary_match = merge_matches(ab, &svc_matches);
                vec![
                    http_route(canary, &canary_match, dests())?,
                    http_route(
                        canary,
                        &svc_matches,
                        vec![destination(canary, &primary, routes.primary)],
                    )?,
                ]
            } else if initial {
                vec![http_route(canary, &svc_matches, dests())?]
            } else {
                let weighted = http_route(canary, &svc_matches, dests())?;
                let mut rules = match &analysis.session_affinity {
                    Some(_) => {
                        Self::session_affinity_rules(canary, routes.canary, weighted, &svc_matches)?
                    }
                    None => vec![weighted],
                };
                if routes.mirror
                    && let Some(first) = rules.first_mut()
                {
                    first.insert("mirror".into(), json!({"host": canary_name}));
                    if let Some(mw) = analysis.mirror_weight.filter(|w| *w > 0) {
                        first.insert("mirrorPercentage".into(), json!({"value": mw}));
                    }
                }
                rules
            };
            spec.insert(
                "http".into(),
                Value::Array(http.into_iter().map(Value::Object).collect()),
            );
        }
        let apex_meta = canary.spec.service.apex.clone().unwrap_or_default();
        let labels: BTreeMap<String, String> = apex_meta.labels.unwrap_or_default();
        let mut annotations: BTreeMap<String, String> = apex_meta.annotations.unwrap_or_default();
        for (k, v) in crate::workload::FLUX_DISABLED_ANNOTATIONS {
            annotations.insert((*k).into(), (*v).into());
        }
        let mut metadata = Map::new();
        metadata.insert("name".into(), json!(apex));
        metadata.insert("namespace".into(), json!(ns));
        if !labels.is_empty() {
            metadata.insert("labels".into(), json!(labels));
        }
        metadata.insert("annotations".into(), json!(annotations));
        metadata.insert("ownerReferences".into(), json!([owner_reference(canary)]));
        object(
            canary,
            json!({
                "apiVersion": ISTIO_API_VERSION,
                "kind": "VirtualService",
                "metadata": metadata,
                "spec": spec,
            }),
        )
    }

    /// Flagger's `getSessionAffinityRouteRules`.
    fn session_affinity_rules(
        canary: &Canary,
        canary_weight: u32,
        mut weighted: Map<String, Value>,
        svc_matches: &[Value],
    ) -> Result<Vec<Map<String, Value>>, Error> {
        let (_, primary, canary_name, _) = Self::names(canary);
        let Some(affinity) = canary
            .spec
            .analysis
            .as_ref()
            .and_then(|a| a.session_affinity.clone())
        else {
            return Ok(vec![weighted]);
        };
        let cookies = SessionCookies::from_status(canary);
        let primary_cookie_name = affinity.primary_cookie_name.clone().unwrap_or_default();
        let mut sticky_canary = weighted.clone();
        if canary_weight != 0 {
            let (canary_cookie, primary_cookie) = cookies.current(canary, canary_weight)?;
            let primary_interval = if primary_cookie_name.is_empty() {
                0
            } else {
                interval_seconds(canary)?
            };
            if let Some(Value::Array(dests)) = weighted.get_mut("route") {
                for d in dests.iter_mut() {
                    let host = d
                        .pointer("/destination/host")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    if host == canary_name {
                        d["headers"] = set_cookie_headers(
                            affinity.build_cookie(&canary_cookie, affinity.max_age()),
                        );
                    } else if host == primary && !primary_cookie_name.is_empty() {
                        d["headers"] = set_cookie_headers(
                            affinity.build_cookie(&primary_cookie, primary_interval),
                        );
                    }
                }
            }
            sticky_canary.insert(
                "match".into(),
                Value::Array(cookie_match(canary, &canary_cookie, svc_matches)),
            );
            sticky_canary.insert(
                "route".into(),
                json!([
                    destination(canary, &primary, 0),
                    destination(canary, &canary_name, 100)
                ]),
            );
            if !primary_cookie_name.is_empty() {
                let mut sticky_primary = weighted.clone();
                sticky_primary.insert(
                    "match".into(),
                    Value::Array(cookie_match(canary, &primary_cookie, svc_matches)),
                );
                sticky_primary.insert(
                    "route".into(),
                    json!([
                        destination(canary, &primary, 100),
                        destination(canary, &canary_name, 0)
                    ]),
                );
                // the sticky rules are copies of the weighted rule taken before the
                // Set-Cookie headers were added to its destinations
                for r in [&mut sticky_canary, &mut sticky_primary] {
                    strip_destination_headers(r);
                }
                return Ok(vec![sticky_canary, sticky_primary, weighted]);
            }
            strip_destination_headers(&mut sticky_canary);
            Ok(vec![sticky_canary, weighted])
        } else {
            let previous = cookies.canary.clone().or(cookies.previous.clone());
            if let Some(prev) = previous {
                sticky_canary.insert(
                    "match".into(),
                    Value::Array(cookie_match(canary, &prev, svc_matches)),
                );
                let headers = sticky_canary.entry("headers").or_insert_with(|| json!({}));
                let expire = format!("{prev}; Max-Age=-1");
                if let Some(h) = headers.as_object_mut() {
                    let resp = h.entry("response").or_insert_with(|| json!({}));
                    if let Some(r) = resp.as_object_mut() {
                        let add = r.entry("add").or_insert_with(|| json!({}));
                        if let Some(a) = add.as_object_mut() {
                            a.insert("Set-Cookie".into(), json!(expire));
                        }
                    }
                }
            }
            Ok(vec![sticky_canary, weighted])
        }
    }
}

fn strip_destination_headers(route: &mut Map<String, Value>) {
    if let Some(Value::Array(dests)) = route.get_mut("route") {
        for d in dests {
            if let Some(o) = d.as_object_mut() {
                o.remove("headers");
            }
        }
    }
}

fn object(canary: &Canary, value: Value) -> Result<Object, Error> {
    Object::from_value(value).map_err(|e| Error::InvalidSpec {
        canary: canary_ref(canary),
        field: "spec".into(),
        message: e.to_string(),
    })
}

fn weight_of(obj: &Object, field: &str, d: &Value) -> Result<u32, Error> {
    let w = d.get("weight").and_then(Value::as_i64).unwrap_or(0);
    u32::try_from(w).map_err(|_| Error::LiveObject {
        object: obj.id().to_string(),
        field: field.into(),
        message: format!("weight {w} is negative"),
    })
}

impl Router for IstioRouter {
    /// DestinationRules `<svc>-canary`, `<svc>-primary`, then the VirtualService `<svc>`
    /// with 100% on the primary (Flagger's creation order).
    fn reconcile(&self, canary: &Canary) -> Result<Vec<Object>, Error> {
        let (_, primary, canary_name, _) = Self::names(canary);
        Ok(vec![
            Self::destination_rule(canary, &canary_name)?,
            Self::destination_rule(canary, &primary)?,
            Self::virtual_service(canary, Routes::PRIMARY, true)?,
        ])
    }

    /// The VirtualService with these weights: the weighted route; with session affinity
    /// the sticky cookie routes before it; with `mirror` a mirror to `<svc>-canary` (and
    /// `mirrorPercentage` from `mirrorWeight`) on the first route; with A/B matches the
    /// match route (both destinations) then the primary-only route.
    fn set_routes(&self, canary: &Canary, routes: Routes) -> Result<Vec<Object>, Error> {
        Ok(vec![Self::virtual_service(canary, routes, false)?])
    }

    fn get_routes(&self, canary: &Canary, live: &[Object]) -> Result<Routes, Error> {
        let (apex, primary, canary_name, ns) = Self::names(canary);
        let vs = find_live(live, "VirtualService", &ns, &apex)?;
        let key = if is_tcp(canary) { "tcp" } else { "http" };
        let rules: Vec<Value> = vs
            .as_value()
            .pointer(&format!("/spec/{key}"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let host = |d: &Value| {
            d.pointer("/destination/host")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        // the last rule that routes to the canary, as Flagger's loop finds it
        let selected = rules.iter().rfind(|r| {
            r.get("route")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|d| host(d) == canary_name)
        });
        let mut out = Routes {
            primary: 0,
            canary: 0,
            mirror: false,
        };
        let field = format!("spec.{key}[].route");
        if let Some(rule) = selected {
            for d in rule
                .get("route")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if host(d) == primary {
                    out.primary = weight_of(vs, &field, d)?;
                }
                if host(d) == canary_name {
                    out.canary = weight_of(vs, &field, d)?;
                }
            }
            out.mirror = key == "http"
                && rule
                    .pointer("/mirror/host")
                    .and_then(Value::as_str)
                    .is_some_and(|h| !h.is_empty());
        }
        let affinity = canary
            .spec
            .analysis
            .as_ref()
            .is_some_and(|a| a.session_affinity.is_some());
        if affinity && key == "http" {
            for rule in &rules {
                for d in rule
                    .get("route")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if d.get("headers").is_some_and(|h| !h.is_null()) {
                        if host(d) == primary {
                            out.primary = weight_of(vs, &field, d)?;
                        }
                        if host(d) == canary_name {
                            out.canary = weight_of(vs, &field, d)?;
                        }
                    }
                }
            }
        }
        if out.primary == 0 && out.canary == 0 {
            return Err(Error::LiveObject {
                object: vs.id().to_string(),
                field,
                message: format!("does not contain routes for {primary} and {canary_name}"),
            });
        }
        Ok(out)
    }

    /// The VirtualService with the spec from kubectl's last-applied annotation, else from
    /// `flagger.kubernetes.io/original-configuration`; nothing when neither is present.
    fn finalize(&self, canary: &Canary, live: &[Object]) -> Result<Vec<Object>, Error> {
        let (apex, _, _, ns) = Self::names(canary);
        let vs = find_live(live, "VirtualService", &ns, &apex)?;
        let parse = |key: &str, text: &str| {
            serde_json::from_str::<Value>(text).map_err(|_| Error::LiveObject {
                object: vs.id().to_string(),
                field: format!("metadata.annotations[{key}]"),
                message: "failed to unmarshal the stored configuration".into(),
            })
        };
        let stored = if let Some(a) = vs.annotation(KUBECTL_ANNOTATION) {
            parse(KUBECTL_ANNOTATION, a)?
                .get("spec")
                .cloned()
                .unwrap_or(json!({}))
        } else if let Some(a) = vs.annotation(ORIGINAL_CONFIGURATION_ANNOTATION) {
            parse(ORIGINAL_CONFIGURATION_ANNOTATION, a)?
        } else {
            return Ok(Vec::new());
        };
        let mut restored = vs.clone();
        restored.as_map_mut().insert("spec".into(), stored);
        Ok(vec![restored])
    }
}

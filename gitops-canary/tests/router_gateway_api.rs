//! Gateway API HTTPRoute (Flagger's `pkg/router/gateway_api.go`, `gateway_api_test.go`,
//! `docs/gitbook/tutorials/gatewayapi-progressive-delivery.md`).

use gitops_canary::Routes;
use gitops_canary::router;
use gitops_core::api::flagger::Canary;
use serde_json::{Value, json};

fn canary() -> Canary {
    serde_json::from_value(json!({
        "apiVersion": "flagger.app/v1beta1", "kind": "Canary",
        "metadata": {"name": "podinfo", "namespace": "test", "uid": "u1"},
        "spec": {"provider": "gatewayapi:v1",
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
            "service": {"port": 9898, "hosts": ["www.example.com"],
                "gatewayRefs": [{"name": "gateway", "namespace": "istio-ingress"}]},
            "analysis": {"interval": "1m", "threshold": 5, "stepWeight": 10}}
    }))
    .expect("canary")
}

fn backend(name: &str, w: u32) -> Value {
    json!({"group": "", "kind": "Service", "name": name, "port": 9898, "weight": w})
}

#[test]
fn weighted_http_route() {
    let r = router::for_canary(&canary(), "istio").expect("router");
    let route = r
        .set_routes(&canary(), Routes::canary(10))
        .expect("set")
        .remove(0);
    assert_eq!(
        route.as_value()["apiVersion"],
        "gateway.networking.k8s.io/v1"
    );
    assert_eq!(
        route.as_value()["spec"],
        json!({
            "parentRefs": [{"name": "gateway", "namespace": "istio-ingress"}],
            "hostnames": ["www.example.com"],
            "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                       "backendRefs": [backend("podinfo-primary", 90), backend("podinfo-canary", 10)]}]
        })
    );
    assert_eq!(
        r.get_routes(&canary(), &[route]).expect("get"),
        Routes::canary(10)
    );
}

#[test]
fn ab_matches_and_mirroring() {
    let mut c = canary();
    let a = c.spec.analysis.as_mut().expect("analysis");
    a.step_weight = None;
    a.iterations = Some(10);
    a.mirror = Some(true);
    let r = router::for_canary(&c, "istio").expect("router");
    let route = r
        .set_routes(
            &c,
            Routes {
                primary: 100,
                canary: 0,
                mirror: true,
            },
        )
        .expect("set")
        .remove(0);
    let rule = &route.as_value()["spec"]["rules"][0];
    assert_eq!(
        rule["filters"],
        json!([{"type": "RequestMirror", "requestMirror": {"backendRef": {"group": "", "kind": "Service", "name": "podinfo-canary", "port": 9898}}}])
    );
    assert_eq!(
        r.get_routes(&c, &[route]).expect("get"),
        Routes {
            primary: 100,
            canary: 0,
            mirror: true
        }
    );

    c.spec.analysis.as_mut().expect("analysis").r#match = Some(
        serde_json::from_value(json!([{"headers": {"x-canary": {"exact": "insider"}}}]))
            .expect("match"),
    );
    let route = r
        .set_routes(&c, Routes::canary(100))
        .expect("set")
        .remove(0);
    let rules = &route.as_value()["spec"]["rules"];
    assert_eq!(
        rules[0]["matches"],
        json!([{"path": {"type": "PathPrefix", "value": "/"}, "headers": [{"name": "x-canary", "type": "Exact", "value": "insider"}]}])
    );
    assert_eq!(
        rules[1]["backendRefs"],
        json!([backend("podinfo-primary", 100)])
    );
}

#[test]
fn session_affinity_cookie_filter() {
    let mut c = canary();
    c.spec.analysis.as_mut().expect("analysis").session_affinity =
        Some(serde_json::from_value(json!({"cookieName": "flagger-cookie"})).expect("affinity"));
    c.status = Some(serde_json::from_value(json!({"sessionAffinityCookie": "flagger-cookie=abc", "primarySessionAffinityCookie": "=def"})).expect("status"));
    let r = router::for_canary(&c, "istio").expect("router");
    let route = r.set_routes(&c, Routes::canary(10)).expect("set").remove(0);
    let rules = &route.as_value()["spec"]["rules"];
    assert_eq!(
        rules[0]["matches"],
        json!([{"path": {"type": "PathPrefix", "value": "/"}, "headers": [{"name": "Cookie", "type": "RegularExpression", "value": ".*flagger-cookie.*abc.*"}]}])
    );
    assert_eq!(
        rules[1]["backendRefs"][1]["filters"],
        json!([{"type": "ResponseHeaderModifier", "responseHeaderModifier": {"add": [{"name": "Set-Cookie", "value": "flagger-cookie=abc; Max-Age=86400"}]}}])
    );
    assert_eq!(r.get_routes(&c, &[route]).expect("get"), Routes::canary(10));
}

#[test]
fn gateway_refs_are_required() {
    let mut c = canary();
    c.spec.service.gateway_refs = None;
    let err = router::for_canary(&c, "istio")
        .expect("router")
        .reconcile(&c)
        .expect_err("no refs");
    assert!(
        err.to_string().contains("spec.service.gatewayRefs"),
        "{err}"
    );
}

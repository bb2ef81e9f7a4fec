//! Istio routing objects compared field for field with what Flagger generates.
//! Expectations are our own, written from Flagger's `pkg/router/istio.go`,
//! `pkg/router/istio_test.go` and `docs/gitbook/tutorials/istio-progressive-delivery.md`.

use gitops_canary::router::{self, Router, SessionCookies};
use gitops_canary::{Routes, render};
use gitops_core::api::flagger::Canary;
use proptest::prelude::*;
use serde_json::{Value, json};

fn canary(v: Value) -> Canary {
    serde_json::from_value(v).expect("canary")
}

/// The podinfo Canary of Flagger's Istio tutorial (gateway + mesh, retries, timeout).
fn podinfo() -> Canary {
    canary(json!({
        "apiVersion": "flagger.app/v1beta1", "kind": "Canary",
        "metadata": {"name": "podinfo", "namespace": "test", "uid": "u1"},
        "spec": {
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
            "service": {
                "port": 9898, "targetPort": 9898,
                "gateways": ["public-gateway.istio-system.svc.cluster.local", "mesh"],
                "hosts": ["app.example.com"],
                "timeout": "30s",
                "trafficPolicy": {"tls": {"mode": "DISABLE"}},
                "retries": {"attempts": 3, "perTryTimeout": "1s", "retryOn": "gateway-error,connect-failure,refused-stream"}
            },
            "analysis": {"interval": "1m", "threshold": 5, "maxWeight": 50, "stepWeight": 10}
        }
    }))
}

fn owner() -> Value {
    json!([{"apiVersion": "flagger.app/v1beta1", "kind": "Canary", "name": "podinfo", "uid": "u1", "controller": true, "blockOwnerDeletion": true}])
}

fn dest(host: &str, weight: u32) -> Value {
    json!({"destination": {"host": host}, "weight": weight})
}

#[test]
fn podinfo_tutorial_virtual_service_at_weight_10() {
    let objects = render::routing_at(&podinfo(), 10).expect("routing");
    assert_eq!(objects.len(), 1);
    let expected = json!({
        "apiVersion": "networking.istio.io/v1beta1",
        "kind": "VirtualService",
        "metadata": {
            "name": "podinfo", "namespace": "test",
            "annotations": {
                "helm.toolkit.fluxcd.io/driftDetection": "disabled",
                "kustomize.toolkit.fluxcd.io/reconcile": "disabled"
            },
            "ownerReferences": owner()
        },
        "spec": {
            "hosts": ["app.example.com", "podinfo"],
            "gateways": ["public-gateway.istio-system.svc.cluster.local", "mesh"],
            "http": [{
                "route": [dest("podinfo-primary", 90), dest("podinfo-canary", 10)],
                "timeout": "30s",
                "retries": {"attempts": 3, "perTryTimeout": "1s", "retryOn": "gateway-error,connect-failure,refused-stream"}
            }]
        }
    });
    assert_eq!(objects[0].as_value(), &expected);
}

#[test]
fn reconcile_creates_destination_rules_then_virtual_service_at_100_primary() {
    let objects = router::IstioRouter
        .reconcile(&podinfo())
        .expect("reconcile");
    let ids: Vec<String> = objects.iter().map(|o| o.id().to_string()).collect();
    assert_eq!(
        ids,
        [
            "DestinationRule/test/podinfo-canary",
            "DestinationRule/test/podinfo-primary",
            "VirtualService/test/podinfo"
        ]
    );
    assert_eq!(
        objects[1].as_value(),
        &json!({
            "apiVersion": "networking.istio.io/v1beta1", "kind": "DestinationRule",
            "metadata": {"name": "podinfo-primary", "namespace": "test", "ownerReferences": owner()},
            "spec": {"host": "podinfo-primary", "trafficPolicy": {"tls": {"mode": "DISABLE"}}}
        })
    );
    assert_eq!(
        objects[2].as_value()["spec"]["http"][0]["route"],
        json!([dest("podinfo-primary", 100), dest("podinfo-canary", 0)])
    );
    // read back
    let routes = router::IstioRouter
        .get_routes(&podinfo(), &objects)
        .expect("routes");
    assert_eq!(routes, Routes::PRIMARY);
}

#[test]
fn ab_testing_header_and_cookie_match_routes_canary_first() {
    // Flagger's A/B tutorial (docs/gitbook/tutorials/istio-ab-testing.md): header + cookie.
    let mut c = podinfo();
    let a = c.spec.analysis.as_mut().expect("analysis");
    a.step_weight = None;
    a.iterations = Some(10);
    a.r#match = Some(
        serde_json::from_value(json!([
            {"headers": {"x-canary": {"exact": "insider"}}},
            {"headers": {"cookie": {"regex": "^(.*?;)?(canary=always)(;.*)?$"}}}
        ]))
        .expect("match"),
    );
    c.spec.service.r#match =
        Some(serde_json::from_value(json!([{"uri": {"prefix": "/api"}}])).expect("svc match"));
    let vs = router::IstioRouter
        .set_routes(&c, Routes::canary(100))
        .expect("routes")
        .remove(0);
    let http = &vs.as_value()["spec"]["http"];
    let base = |m: Value, route: Value| {
        json!({"match": m, "route": route, "timeout": "30s",
        "retries": {"attempts": 3, "perTryTimeout": "1s", "retryOn": "gateway-error,connect-failure,refused-stream"}})
    };
    assert_eq!(
        http,
        &json!([
            base(
                json!([
                    {"uri": {"prefix": "/api"}, "headers": {"x-canary": {"exact": "insider"}}},
                    {"uri": {"prefix": "/api"}, "headers": {"cookie": {"regex": "^(.*?;)?(canary=always)(;.*)?$"}}}
                ]),
                json!([dest("podinfo-primary", 0), dest("podinfo-canary", 100)])
            ),
            base(
                json!([{"uri": {"prefix": "/api"}}]),
                json!([dest("podinfo-primary", 0)])
            )
        ])
    );
    let routes = router::IstioRouter.get_routes(&c, &[vs]).expect("routes");
    assert_eq!(routes, Routes::canary(100));
}

#[test]
fn mirroring_at_weight_0_sets_mirror_and_percentage() {
    let mut c = podinfo();
    let a = c.spec.analysis.as_mut().expect("analysis");
    a.mirror = Some(true);
    a.mirror_weight = Some(50);
    let vs = render::routing_at(&c, 0).expect("routing").remove(0);
    let route = &vs.as_value()["spec"]["http"][0];
    assert_eq!(route["mirror"], json!({"host": "podinfo-canary"}));
    assert_eq!(route["mirrorPercentage"], json!({"value": 50}));
    assert_eq!(
        route["route"],
        json!([dest("podinfo-primary", 100), dest("podinfo-canary", 0)])
    );
    let routes = router::IstioRouter.get_routes(&c, &[vs]).expect("routes");
    assert_eq!(
        routes,
        Routes {
            primary: 100,
            canary: 0,
            mirror: true
        }
    );
    // no mirror once traffic shifts
    let vs = render::routing_at(&c, 20).expect("routing").remove(0);
    assert!(vs.as_value()["spec"]["http"][0].get("mirror").is_none());
}

#[test]
fn session_affinity_sets_cookie_on_canary_and_adds_sticky_route() {
    let mut c = podinfo();
    c.spec.analysis.as_mut().expect("analysis").session_affinity = Some(
        serde_json::from_value(json!({"cookieName": "flagger-cookie", "maxAge": 3600}))
            .expect("affinity"),
    );
    // without cookies in the status, routing above 0 is refused
    let err = router::IstioRouter
        .set_routes(&c, Routes::canary(10))
        .expect_err("no cookie");
    assert!(
        err.to_string().contains("status.sessionAffinityCookie"),
        "{err}"
    );
    let cookies = SessionCookies::default().next(
        c.spec
            .analysis
            .as_ref()
            .and_then(|a| a.session_affinity.as_ref())
            .expect("affinity"),
        10,
        "abcdefghij",
        "klmnopqrst",
    );
    assert_eq!(cookies.canary.as_deref(), Some("flagger-cookie=abcdefghij"));
    cookies.store(&mut c);
    let vs = router::IstioRouter
        .set_routes(&c, Routes::canary(10))
        .expect("routes")
        .remove(0);
    let http = vs.as_value()["spec"]["http"]
        .as_array()
        .expect("http")
        .clone();
    assert_eq!(http.len(), 2);
    assert_eq!(
        http[0]["match"],
        json!([{"headers": {"Cookie": {"regex": ".*flagger-cookie.*abcdefghij.*"}}}])
    );
    assert_eq!(
        http[0]["route"],
        json!([dest("podinfo-primary", 0), dest("podinfo-canary", 100)])
    );
    assert_eq!(
        http[1]["route"],
        json!([dest("podinfo-primary", 90), {"destination": {"host": "podinfo-canary"}, "weight": 10,
            "headers": {"response": {"add": {"Set-Cookie": "flagger-cookie=abcdefghij; Max-Age=3600"}}}}])
    );
    assert_eq!(
        router::IstioRouter.get_routes(&c, &[vs]).expect("routes"),
        Routes::canary(10)
    );
    // back at 0 the previous cookie is expired by the sticky route
    let vs = router::IstioRouter
        .set_routes(&c, Routes::PRIMARY)
        .expect("routes")
        .remove(0);
    let sticky = &vs.as_value()["spec"]["http"][0];
    assert_eq!(
        sticky["headers"],
        json!({"response": {"add": {"Set-Cookie": "flagger-cookie=abcdefghij; Max-Age=-1"}}})
    );
}

#[test]
fn delegation_rejects_hosts_and_unknown_provider_is_an_error() {
    let mut c = podinfo();
    c.spec.service.delegation = Some(true);
    let err = router::IstioRouter
        .reconcile(&c)
        .expect_err("delegation with hosts");
    assert!(err.to_string().contains("spec.service.delegation"), "{err}");
    let mut c = podinfo();
    c.spec.provider = Some(gitops_core::api::flagger::MeshProvider::Linkerd);
    let err = router::for_canary(&c, "istio")
        .err()
        .expect("linkerd unsupported");
    assert!(err.to_string().contains("'linkerd'"), "{err}");
    assert!(
        router::for_canary(&podinfo(), "nope").is_err(),
        "an unknown default provider is an error too"
    );
}

#[test]
fn get_routes_names_the_virtual_service_when_routes_are_missing() {
    let vs = gitops_core::object::Object::from_value(json!({
        "apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
        "metadata": {"name": "podinfo", "namespace": "test"}, "spec": {"hosts": ["podinfo"]}
    }))
    .expect("vs");
    let err = router::IstioRouter
        .get_routes(&podinfo(), &[vs])
        .expect_err("no routes");
    assert!(
        err.to_string().contains("VirtualService/test/podinfo"),
        "{err}"
    );
    let err = router::IstioRouter
        .get_routes(&podinfo(), &[])
        .expect_err("missing");
    assert!(
        err.to_string()
            .contains("VirtualService test/podinfo not found"),
        "{err}"
    );
}

#[test]
fn finalize_restores_the_original_configuration() {
    let vs = gitops_core::object::Object::from_value(json!({
        "apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
        "metadata": {"name": "podinfo", "namespace": "test",
            "annotations": {"flagger.kubernetes.io/original-configuration": "{\"hosts\":[\"podinfo\"],\"http\":[{\"route\":[{\"destination\":{\"host\":\"podinfo\"},\"weight\":100}]}]}"}},
        "spec": {"hosts": ["podinfo"]}
    })).expect("vs");
    let out = router::IstioRouter
        .finalize(&podinfo(), &[vs])
        .expect("finalize");
    assert_eq!(
        out[0].as_value()["spec"]["http"][0]["route"][0]["destination"]["host"],
        "podinfo"
    );
}

proptest! {
    #[test]
    fn virtual_service_weights_sum_to_100(w in 0u32..=100) {
        let vs = render::routing_at(&podinfo(), w).expect("routing").remove(0);
        let route = vs.as_value()["spec"]["http"][0]["route"].as_array().expect("route").clone();
        let sum: u64 = route.iter().map(|d| d["weight"].as_u64().expect("weight")).sum();
        prop_assert_eq!(sum, 100);
        prop_assert_eq!(&route[1]["weight"], &json!(w));
    }
}

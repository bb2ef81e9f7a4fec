//! `provider: kubernetes` (Flagger's `pkg/router/nop.go` and `kubernetes_default.go`).

use gitops_canary::Routes;
use gitops_canary::router::{self, KubernetesRouter, Router};
use gitops_core::api::flagger::Canary;
use serde_json::json;

fn canary() -> Canary {
    serde_json::from_value(json!({
        "apiVersion": "flagger.app/v1beta1", "kind": "Canary",
        "metadata": {"name": "podinfo", "namespace": "test"},
        "spec": {"provider": "kubernetes",
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
            "service": {"port": 9898},
            "analysis": {"interval": "30s", "threshold": 2, "iterations": 10}}
    }))
    .expect("canary")
}

#[test]
fn flagger_default_never_moves_the_apex_and_reports_by_iterations() {
    let r = router::for_canary(&canary(), "istio").expect("router");
    assert!(r.reconcile(&canary()).expect("reconcile").is_empty());
    assert!(
        r.set_routes(&canary(), Routes::canary(100))
            .expect("set")
            .is_empty()
    );
    assert_eq!(r.get_routes(&canary(), &[]).expect("get"), Routes::PRIMARY);
    let mut c = canary();
    c.status = Some(serde_json::from_value(json!({"iterations": 1})).expect("status"));
    assert_eq!(r.get_routes(&c, &[]).expect("get"), Routes::canary(100));
}

#[test]
fn selector_switch_moves_the_apex_between_primary_and_canary() {
    let r = KubernetesRouter::with_selector_switch("app", "podinfo", Default::default());
    let green = r
        .set_routes(&canary(), Routes::canary(100))
        .expect("set")
        .remove(0);
    assert_eq!(
        green.as_value()["spec"]["selector"],
        json!({"app": "podinfo"})
    );
    assert_eq!(
        r.get_routes(&canary(), std::slice::from_ref(&green))
            .expect("get"),
        Routes::canary(100)
    );
    let blue = r
        .set_routes(&canary(), Routes::PRIMARY)
        .expect("set")
        .remove(0);
    assert_eq!(
        blue.as_value()["spec"]["selector"],
        json!({"app": "podinfo-primary"})
    );
    assert_eq!(
        r.get_routes(&canary(), &[blue]).expect("get"),
        Routes::PRIMARY
    );
    let err = r.get_routes(&canary(), &[]).expect_err("no apex");
    assert!(err.to_string().contains("Service test/podinfo"), "{err}");
}

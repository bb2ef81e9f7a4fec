//! Injected failures reach real clients: kube-rs sees the statuses and delays, and the
//! HTTP endpoint manages rules for out-of-process tests (driven here with `kubectl`'s raw
//! mode and kube-rs).

mod support;

use std::time::{Duration, Instant};

use gitops_devcluster::faults::{Effect, Fault};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, Patch, PatchParams};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_statuses_and_delays_reach_kube_rs() {
    let env = support::start();
    let api: Api<ConfigMap> = Api::namespaced(env.handle.client().expect("client"), "default");
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}});
    env.handle.faults().add(Fault {
        verbs: vec!["patch".into()],
        resource: Some("configmaps".into()),
        effect: Effect::Status { code: 500 },
        times: Some(2),
        ..Fault::default()
    });
    for _ in 0..2 {
        match api
            .patch("c", &PatchParams::apply("t"), &Patch::Apply(cm.clone()))
            .await
        {
            Err(kube::Error::Api(s)) => {
                assert_eq!(s.code, 500);
                assert_eq!(
                    s.message,
                    "Internal error occurred: injected by the devcluster"
                );
            }
            other => panic!("expected the injected 500, got {other:?}"),
        }
    }
    api.patch("c", &PatchParams::apply("t"), &Patch::Apply(cm.clone()))
        .await
        .expect("third try succeeds");
    env.handle.faults().add(Fault {
        verbs: vec!["get".into()],
        name: Some("c".into()),
        effect: Effect::Status { code: 409 },
        times: Some(1),
        ..Fault::default()
    });
    match api.get("c").await {
        Err(kube::Error::Api(s)) => assert_eq!((s.code, s.reason.as_str()), (409, "Conflict")),
        other => panic!("{other:?}"),
    }
    env.handle.faults().add(Fault {
        verbs: vec!["get".into()],
        effect: Effect::Delay { millis: 300 },
        times: Some(1),
        ..Fault::default()
    });
    let start = Instant::now();
    api.get("c").await.expect("delayed get succeeds");
    assert!(start.elapsed() >= Duration::from_millis(300));
}

#[test]
fn http_endpoint_manages_rules() {
    let env = support::start();
    let rule = env.file(
        "rule.json",
        r#"{"verbs":["create"],"resource":"configmaps","effect":{"type":"status","code":503}}"#,
    );
    let added = env.ok(&["create", "--raw", "/devcluster/v1/faults", "-f", &rule]);
    assert!(added.contains("\"code\":503"), "{added}");
    let err = env.fail(&["create", "configmap", "x", "--from-literal=a=1"]);
    assert!(
        err.contains("the server is currently unable to handle the request"),
        "{err}"
    );
    env.ok(&["delete", "--raw", "/devcluster/v1/faults"]);
    env.ok(&["create", "configmap", "x", "--from-literal=a=1"]);
    assert_eq!(
        env.ok(&["get", "--raw", "/devcluster/v1/faults"]).trim(),
        "[]"
    );
}

//! No request body crashes the server: random bodies (mutated objects, wrong types,
//! random bytes) with every write verb and content type get a JSON answer (an object or a
//! `Status`), and the server keeps serving.

use gitops_devcluster::{DevCluster, Options};
use proptest::prelude::*;
use serde_json::{Value, json};

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "[a-z$./:-]{0,12}".prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                "[a-zA-Z$/.]{1,10}|name|spec|metadata|labels|containers|ports|managedFields",
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Objects close to valid ones, with random parts.
fn object() -> impl Strategy<Value = Value> {
    (
        prop_oneof![Just("v1"), Just("apps/v1"), Just("batch/v1"), Just("v2"), Just("")],
        prop_oneof![Just("ConfigMap"), Just("Deployment"), Just("Job"), Just("Service"), Just("Nope")],
        "[a-z0-9.-]{0,12}",
        value(),
        value(),
    )
        .prop_map(|(api, kind, name, spec, meta)| {
            let mut metadata = json!({"name": name});
            if let Value::Object(m) = meta {
                for (k, v) in m {
                    metadata[k] = v;
                }
            }
            json!({"apiVersion": api, "kind": kind, "metadata": metadata, "spec": spec, "data": spec})
        })
}

#[derive(Debug, Clone)]
enum Body {
    Json(Value),
    Bytes(Vec<u8>),
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        4 => object().prop_map(Body::Json),
        1 => value().prop_map(Body::Json),
        1 => prop::collection::vec(any::<u8>(), 0..256).prop_map(Body::Bytes),
    ]
}

const PATHS: &[&str] = &[
    "/api/v1/namespaces/default/configmaps",
    "/api/v1/namespaces/default/configmaps/x",
    "/apis/apps/v1/namespaces/default/deployments",
    "/apis/apps/v1/namespaces/default/deployments/x",
    "/apis/apps/v1/namespaces/default/deployments/x/status",
    "/apis/apps/v1/namespaces/default/deployments/x/scale",
    "/apis/batch/v1/namespaces/default/jobs/x",
    "/api/v1/namespaces/default/services/x",
    "/api/v1/namespaces",
];

const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
    "text/plain",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_bodies_get_json_answers(
        requests in prop::collection::vec((0..4usize, 0..PATHS.len(), 0..CONTENT_TYPES.len(), body(), any::<bool>()), 1..6)
    ) {
        let handle = DevCluster::start(Options::default()).expect("starts");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let client = handle.client().expect("client");
            for (verb, path, ct, body, force) in &requests {
                let method = ["POST", "PUT", "PATCH", "DELETE"][*verb];
                let query = if *force { "?fieldManager=prop&force=true&dryRun=All" } else { "?fieldManager=prop" };
                let bytes = match body {
                    Body::Json(v) => serde_json::to_vec(v).expect("json"),
                    Body::Bytes(b) => b.clone(),
                };
                let req = hyper::Request::builder()
                    .method(method)
                    .uri(format!("{}{query}", PATHS[*path]))
                    .header("content-type", CONTENT_TYPES[*ct])
                    .body(bytes)
                    .expect("request");
                match client.request_text(req).await {
                    Ok(text) => {
                        let v: Value = serde_json::from_str(&text).map_err(|e| TestCaseError::fail(format!("{method} {}: not JSON: {e}: {text}", PATHS[*path])))?;
                        prop_assert!(v.is_object());
                    }
                    Err(kube::Error::Api(status)) => {
                        prop_assert!((400..600).contains(&status.code) && !status.message.is_empty(), "{status:?}");
                    }
                    Err(e) => prop_assert!(false, "{method} {}: transport error {e}", PATHS[*path]),
                }
            }
            let version = client.apiserver_version().await;
            prop_assert!(version.is_ok(), "server still answers");
            Ok(())
        })?;
    }
}

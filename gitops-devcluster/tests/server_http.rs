//! Raw HTTP requests (through `kube::Client::send`) for what the clients' libraries hide:
//! discovery content types, watch-list streams, error Status bodies.

use std::time::Duration;

use futures_util::StreamExt;
use gitops_devcluster::{DevCluster, Handle, Options};
use http_body_util::BodyExt;
use hyper::http::{Request, Response};
use serde_json::{Value, json};

struct Reply {
    code: u16,
    content_type: String,
    body: Value,
}

async fn send(
    client: &kube::Client,
    method: &str,
    uri: &str,
    accept: &str,
    ctype: &str,
    body: &[u8],
) -> Response<kube::client::Body> {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("accept", accept)
        .header("content-type", ctype)
        .body(body.to_vec())
        .expect("request");
    client
        .send(req.map(kube::client::Body::from))
        .await
        .expect("sent")
}

async fn call(
    client: &kube::Client,
    method: &str,
    uri: &str,
    accept: &str,
    ctype: &str,
    body: &[u8],
) -> Reply {
    let resp = send(client, method, uri, accept, ctype, body).await;
    let code = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        code,
        content_type,
        body,
    }
}

async fn get(client: &kube::Client, uri: &str) -> Reply {
    call(client, "GET", uri, "application/json", "", b"").await
}

async fn post(client: &kube::Client, uri: &str, body: &Value) -> Reply {
    call(
        client,
        "POST",
        uri,
        "application/json",
        "application/json",
        body.to_string().as_bytes(),
    )
    .await
}

fn start() -> (Handle, kube::Client) {
    let h = DevCluster::start(Options::default()).expect("starts");
    let c = h.client().expect("client");
    (h, c)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_http_discovery() {
    let (h, c) = start();
    assert_eq!(get(&c, "/version").await.body["minor"], "32");
    let agg =
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
    let apis = call(&c, "GET", "/apis", agg, "", b"").await;
    assert_eq!(
        apis.content_type,
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    );
    assert_eq!(apis.body["kind"], "APIGroupDiscoveryList");
    let apps = apis.body["items"]
        .as_array()
        .and_then(|i| i.iter().find(|g| g["metadata"]["name"] == "apps"))
        .cloned();
    let deploy = apps.and_then(|a| {
        a["versions"][0]["resources"]
            .as_array()
            .and_then(|r| r.iter().find(|x| x["resource"] == "deployments").cloned())
    });
    let deploy = deploy.expect("deployments in aggregated discovery");
    assert_eq!(deploy["shortNames"], json!(["deploy"]));
    assert_eq!(deploy["subresources"][1]["responseKind"]["kind"], "Scale");
    let core = call(&c, "GET", "/api", agg, "", b"").await;
    assert_eq!(core.body["items"][0]["metadata"]["name"], "");
    let legacy = get(&c, "/apis").await;
    assert_eq!(legacy.content_type, "application/json");
    assert_eq!(legacy.body["kind"], "APIGroupList");
    let v1 = get(&c, "/api/v1").await;
    assert!(
        v1.body["resources"]
            .as_array()
            .is_some_and(|r| r.iter().any(|x| x["name"] == "pods/status"))
    );
    let hpa = get(&c, "/apis/autoscaling/v2").await;
    assert_eq!(hpa.body["resources"][0]["kind"], "HorizontalPodAutoscaler");
    assert_eq!(get(&c, "/apis/nope/v1").await.code, 404);
    let openapi = get(&c, "/openapi/v3").await;
    assert!(
        openapi.body["paths"]["apis/apps/v1"]["serverRelativeURL"].is_string(),
        "{}",
        openapi.body
    );
    h.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_http_errors_are_status() {
    let (h, c) = start();
    let r = get(&c, "/nope").await;
    assert_eq!((r.code, r.body["kind"].as_str()), (404, Some("Status")));
    let r = get(&c, "/api/v1/namespaces/default/widgets").await;
    assert_eq!(r.code, 404);
    let r = call(
        &c,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        "application/json",
        "text/plain",
        b"x",
    )
    .await;
    assert_eq!(
        (r.code, r.body["reason"].as_str()),
        (415, Some("UnsupportedMediaType"))
    );
    let r = call(
        &c,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        "application/json",
        "application/json",
        b"{not json",
    )
    .await;
    assert_eq!(
        (r.code, r.body["reason"].as_str()),
        (400, Some("BadRequest"))
    );
    let r = call(
        &c,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        "application/json",
        "application/json",
        b"[1]",
    )
    .await;
    assert_eq!(r.code, 400);
    let r = post(
        &c,
        "/api/v1/namespaces/default/configmaps",
        &json!({"apiVersion": "apps/v1", "metadata": {"name": "a"}}),
    )
    .await;
    assert_eq!(r.code, 400);
    let r = post(
        &c,
        "/api/v1/namespaces/other/configmaps",
        &json!({"metadata": {"name": "a", "namespace": "default"}}),
    )
    .await;
    assert_eq!(r.code, 400, "{}", r.body);
    let r = post(
        &c,
        "/api/v1/namespaces/ghost/configmaps",
        &json!({"metadata": {"name": "a"}}),
    )
    .await;
    assert_eq!(r.body["message"], "namespaces \"ghost\" not found");
    let big = vec![b' '; 4 * 1024 * 1024];
    let r = call(
        &c,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        "application/json",
        "application/json",
        &big,
    )
    .await;
    assert_eq!(r.code, 413);
    h.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_http_dry_run_generation_and_deletecollection() {
    let (h, c) = start();
    let cms = "/api/v1/namespaces/default/configmaps";
    let r = post(
        &c,
        &format!("{cms}?dryRun=All"),
        &json!({"metadata": {"name": "d"}}),
    )
    .await;
    assert_eq!(r.code, 201);
    assert!(
        r.body["metadata"]["resourceVersion"].is_null(),
        "dry-run create has no RV (facts #7)"
    );
    assert_eq!(get(&c, &format!("{cms}/d")).await.code, 404);
    let dep = json!({"metadata": {"name": "web"}, "spec": {"replicas": 1}});
    let r = post(&c, "/apis/apps/v1/namespaces/default/deployments", &dep).await;
    assert_eq!(
        (r.code, r.body["metadata"]["generation"].as_i64()),
        (201, Some(1))
    );
    for n in ["a", "b", "c"] {
        post(&c, cms, &json!({"metadata": {"name": n, "labels": {"x": if n == "c" { "keep" } else { "go" }}}})).await;
    }
    let r = call(
        &c,
        "DELETE",
        &format!("{cms}?labelSelector=x%3Dgo"),
        "application/json",
        "",
        b"",
    )
    .await;
    assert_eq!(r.code, 200);
    let left = get(&c, cms).await;
    assert_eq!(left.body["items"].as_array().map(Vec::len), Some(1));
    let r = call(
        &c,
        "DELETE",
        &format!("{cms}/c"),
        "application/json",
        "application/json",
        br#"{"preconditions":{"uid":"nope"}}"#,
    )
    .await;
    assert_eq!(r.code, 409);
    h.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_http_watch_list_initial_events() {
    let (h, c) = start();
    let cms = "/api/v1/namespaces/default/configmaps";
    post(&c, cms, &json!({"metadata": {"name": "pre"}})).await;
    let r = get(&c, &format!("{cms}?watch=true&sendInitialEvents=true")).await;
    assert_eq!(
        r.code, 422,
        "sendInitialEvents needs resourceVersionMatch=NotOlderThan"
    );
    let uri = format!(
        "{cms}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=5"
    );
    let resp = send(&c, "GET", &uri, "application/json", "", b"").await;
    assert_eq!(resp.status().as_u16(), 200);
    let mut body = resp.into_body().into_data_stream();
    let mut text = String::new();
    let mut events: Vec<Value> = Vec::new();
    let mut created = false;
    while events.len() < 3 {
        let chunk = tokio::time::timeout(Duration::from_secs(5), body.next())
            .await
            .expect("in time");
        let chunk = chunk.expect("stream open").expect("chunk");
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(i) = text.find('\n') {
            let line: String = text.drain(..=i).collect();
            events.push(serde_json::from_str(&line).expect("one JSON event per line"));
        }
        if events.len() >= 2 && !created {
            post(&c, cms, &json!({"metadata": {"name": "post"}})).await;
            created = true;
        }
    }
    assert_eq!(events[0]["type"], "ADDED");
    assert_eq!(events[0]["object"]["metadata"]["name"], "pre");
    assert_eq!(events[1]["type"], "BOOKMARK");
    assert_eq!(
        events[1]["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
    assert_eq!(
        (
            events[2]["type"].as_str(),
            events[2]["object"]["metadata"]["name"].as_str()
        ),
        (Some("ADDED"), Some("post"))
    );

    let r = call(
        &c,
        "GET",
        &format!("{cms}?watch=true&resourceVersion=999999"),
        "application/json",
        "",
        b"",
    )
    .await;
    assert_eq!(r.code, 200);
    assert_eq!(r.body["type"], "ERROR");
    h.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_http_bad_bodies_get_status_replies() {
    let (h, c) = start();
    let targets = [
        "/api/v1/namespaces",
        "/api/v1/namespaces/default/configmaps",
        "/apis/apps/v1/namespaces/default/deployments",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    ];
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("application/json", br#"{"metadata": 5}"#.to_vec()),
        (
            "application/json",
            br#"{"metadata": {"name": "a", "labels": "x"}}"#.to_vec(),
        ),
        (
            "application/json",
            br#"{"metadata": {"name": "a", "labels": {"k": 1}}}"#.to_vec(),
        ),
        (
            "application/json",
            br#"{"metadata": {"name": "a"}, "spec": {"names": "x"}}"#.to_vec(),
        ),
        ("application/json", br#""just a string""#.to_vec()),
        ("application/json", vec![0xff, 0xfe, 0x00]),
        (
            "application/vnd.kubernetes.protobuf",
            b"k8s\0\x0a\xff\xff".to_vec(),
        ),
        (
            "application/vnd.kubernetes.protobuf",
            b"not protobuf".to_vec(),
        ),
        ("application/yaml; charset=utf-8", b"a: b".to_vec()),
    ];
    for t in targets {
        for (ct, body) in &bodies {
            for method in ["POST", "PUT"] {
                let uri = if method == "PUT" {
                    format!("{t}/a")
                } else {
                    t.to_string()
                };
                let r = call(&c, method, &uri, "application/json", ct, body).await;
                // Without schema validation yet, a well-formed object of another kind's
                // shape may be stored; everything else is a Status error.
                if r.code < 400 {
                    assert!(
                        r.body["metadata"]["uid"].is_string(),
                        "{method} {uri} {ct}: {}",
                        r.body
                    );
                } else {
                    assert_eq!(r.body["kind"], "Status", "{method} {uri} {ct}");
                }
            }
        }
    }
    // A CRD whose versions are not a list is rejected by typed decoding (400, as the Go
    // decoder words it), and the server keeps serving.
    let crd = json!({"metadata": {"name": "ps.g"}, "spec": {"group": "g", "scope": "Cluster",
        "names": {"plural": "ps", "kind": "P"}, "versions": "x"}});
    let r = post(
        &c,
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        &crd,
    )
    .await;
    assert_eq!(r.code, 400, "{}", r.body);
    assert_eq!(get(&c, "/version").await.code, 200, "still serving");
    h.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_http_apply_name_must_match_the_url() {
    let (h, c) = start();
    let cfg =
        br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"other"},"data":{"a":"1"}}"#;
    let uri = "/api/v1/namespaces/default/configmaps/wanted?fieldManager=t";
    let r = call(
        &c,
        "PATCH",
        uri,
        "application/json",
        "application/apply-patch+yaml",
        cfg,
    )
    .await;
    assert_eq!(r.code, 400, "{}", r.body);
    assert_eq!(
        r.body["message"],
        "the name of the object (other) does not match the name on the URL (wanted)"
    );
    assert_eq!(
        get(&c, "/api/v1/namespaces/default/configmaps/other")
            .await
            .code,
        404
    );
    assert_eq!(
        get(&c, "/api/v1/namespaces/default/configmaps/wanted")
            .await
            .code,
        404
    );
    h.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_http_create_ignores_status_of_kinds_with_a_status_subresource() {
    let (h, c) = start();
    let deploy = |name: &str| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"app": name}},
                "template": {"metadata": {"labels": {"app": name}},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
            "status": {"replicas": 5, "availableReplicas": 5}})
    };
    let created = post(
        &c,
        "/apis/apps/v1/namespaces/default/deployments",
        &deploy("posted"),
    )
    .await;
    assert_eq!(created.code, 201, "{}", created.body);
    assert!(created.body.get("status").is_none(), "{}", created.body);
    let applied = call(
        &c,
        "PATCH",
        "/apis/apps/v1/namespaces/default/deployments/applied?fieldManager=t",
        "application/json",
        "application/apply-patch+yaml",
        deploy("applied").to_string().as_bytes(),
    )
    .await;
    assert_eq!(applied.code, 201, "{}", applied.body);
    assert!(applied.body.get("status").is_none(), "{}", applied.body);
    // Kinds without a status subresource keep what they are given.
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}});
    assert_eq!(
        post(&c, "/api/v1/namespaces/default/configmaps", &cm)
            .await
            .body["data"]["a"],
        "1"
    );
    h.shutdown();
}

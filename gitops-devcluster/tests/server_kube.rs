//! kube-rs (`kube::Client`, typed and dynamic `Api`, `watcher`) against a devcluster.

use std::time::Duration;

use futures_util::StreamExt;
use gitops_devcluster::{DevCluster, Options};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, PostParams,
};
use kube::runtime::watcher;
use serde_json::json;

fn cm(name: &str, value: &str) -> ConfigMap {
    serde_json::from_value(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "labels": {"app": "web"}}, "data": {"k": value}}))
    .expect("valid ConfigMap")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_kube_typed_configmap_crud_and_conflict() {
    let handle = DevCluster::start(Options::default()).expect("starts");
    let client = handle.client().expect("client");
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "default");

    let created = api
        .create(&PostParams::default(), &cm("a", "1"))
        .await
        .expect("create");
    let rv1 = created.metadata.resource_version.clone().expect("rv");
    assert!(created.metadata.uid.is_some());
    assert!(
        created.metadata.generation.is_none(),
        "ConfigMaps have no generation (facts #8)"
    );

    let got = api.get("a").await.expect("get");
    assert_eq!(
        got.data
            .as_ref()
            .and_then(|d| d.get("k"))
            .map(String::as_str),
        Some("1")
    );
    api.create(&PostParams::default(), &cm("b", "2"))
        .await
        .expect("create b");
    let listed = api
        .list(&ListParams::default().labels("app=web"))
        .await
        .expect("list");
    assert_eq!(listed.items.len(), 2);
    let page = api
        .list(&ListParams::default().limit(1))
        .await
        .expect("page");
    assert_eq!(page.items.len(), 1);
    assert!(page.metadata.continue_.is_some());

    let mut updated = got.clone();
    updated.data = Some([("k".to_string(), "changed".to_string())].into());
    let replaced = api
        .replace("a", &PostParams::default(), &updated)
        .await
        .expect("replace");
    assert_ne!(
        replaced.metadata.resource_version.as_deref(),
        Some(rv1.as_str())
    );

    // `updated` still carries rv1: stale → 409 Conflict.
    let err = api
        .replace("a", &PostParams::default(), &updated)
        .await
        .expect_err("stale");
    match err {
        kube::Error::Api(s) => {
            assert_eq!(s.code, 409);
            assert_eq!(s.reason, "Conflict");
            assert!(
                s.message.contains("the object has been modified"),
                "{}",
                s.message
            );
        }
        other => panic!("unexpected error {other:?}"),
    }

    let dry = PostParams {
        dry_run: true,
        ..PostParams::default()
    };
    api.create(&dry, &cm("dry", "x"))
        .await
        .expect("dry-run create");
    assert!(api.get_opt("dry").await.expect("get_opt").is_none());

    api.delete("a", &DeleteParams::background())
        .await
        .expect("delete");
    assert!(api.get_opt("a").await.expect("get_opt").is_none());
    let missing: Api<ConfigMap> = Api::namespaced(client, "nope");
    let err = missing
        .create(&PostParams::default(), &cm("c", "1"))
        .await
        .expect_err("no namespace");
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 404),
        "{err:?}"
    );
    handle.shutdown();
}

type Events =
    futures_util::stream::BoxStream<'static, Result<watcher::Event<ConfigMap>, watcher::Error>>;

async fn next(s: &mut Events) -> Option<Result<watcher::Event<ConfigMap>, watcher::Error>> {
    tokio::time::timeout(Duration::from_secs(10), s.next())
        .await
        .expect("event in time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_kube_watcher_sees_added_modified_deleted() {
    let handle = DevCluster::start(Options::default()).expect("starts");
    let client = handle.client().expect("client");
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    let mut stream = watcher(api.clone(), watcher::Config::default()).boxed();

    // Initial listing: Init, InitDone.
    loop {
        let ev = next(&mut stream)
            .await
            .expect("stream open")
            .expect("no error");
        if matches!(ev, watcher::Event::InitDone) {
            break;
        }
    }
    api.create(&PostParams::default(), &cm("w", "1"))
        .await
        .expect("create");
    let ev = next(&mut stream).await.expect("open").expect("ok");
    assert!(
        matches!(ev, watcher::Event::Apply(ref o) if o.metadata.name.as_deref() == Some("w")),
        "{ev:?}"
    );
    let mut live = api.get("w").await.expect("get");
    live.data = Some([("k".to_string(), "2".to_string())].into());
    api.replace("w", &PostParams::default(), &live)
        .await
        .expect("replace");
    let ev = next(&mut stream).await.expect("open").expect("ok");
    assert!(
        matches!(ev, watcher::Event::Apply(ref o) if o.data.as_ref().and_then(|d| d.get("k")).map(String::as_str) == Some("2")),
        "{ev:?}"
    );
    api.delete("w", &DeleteParams::default())
        .await
        .expect("delete");
    let ev = next(&mut stream).await.expect("open").expect("ok");
    assert!(
        matches!(ev, watcher::Event::Delete(ref o) if o.metadata.name.as_deref() == Some("w")),
        "{ev:?}"
    );
    handle.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_kube_crd_then_dynamic_api() {
    let handle = DevCluster::start(Options::default()).expect("starts");
    let client = handle.client().expect("client");
    let crds: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
            "customresourcedefinitions",
        ),
    );
    let crd: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
            "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}}))
    .expect("crd json");
    let created = crds
        .create(&PostParams::default(), &crd)
        .await
        .expect("crd created");
    assert_eq!(
        created.data["status"]["conditions"][1]["type"],
        "Established"
    );

    let discovery = kube::Discovery::new(client.clone())
        .run()
        .await
        .expect("discovery");
    let (ar, caps) = discovery
        .groups()
        .flat_map(|g| g.recommended_resources())
        .find(|(ar, _)| ar.kind == "Widget")
        .expect("Widget discovered");
    assert_eq!(caps.scope, kube::discovery::Scope::Namespaced);
    let aggregated = kube::Discovery::new(client.clone())
        .run_aggregated()
        .await
        .expect("aggregated discovery");
    assert!(
        aggregated
            .groups()
            .flat_map(|g| g.recommended_resources())
            .any(|(ar, _)| ar.kind == "Widget")
    );

    let widgets: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &ar);
    let w: DynamicObject =
        serde_json::from_value(json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w1"}, "spec": {"size": 3}}))
        .expect("widget json");
    let made = widgets
        .create(&PostParams::default(), &w)
        .await
        .expect("widget created");
    assert_eq!(
        made.metadata.generation,
        Some(1),
        "custom resources have a generation"
    );
    let got = widgets.get("w1").await.expect("get widget");
    assert_eq!(got.data["spec"]["size"], 3);
    assert_eq!(
        widgets
            .list(&ListParams::default())
            .await
            .expect("list")
            .items
            .len(),
        1
    );

    crds.delete("widgets.example.com", &DeleteParams::default())
        .await
        .expect("crd deleted");
    let err = widgets.get("w1").await.expect_err("no longer served");
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 404),
        "{err:?}"
    );
    crds.create(&PostParams::default(), &crd)
        .await
        .expect("crd re-created");
    let relisted = widgets.list(&ListParams::default()).await.expect("list");
    assert!(
        relisted.items.is_empty(),
        "deleting the CRD deleted its custom resources"
    );
    handle.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_kube_streaming_list_watcher() {
    let handle = DevCluster::start(Options::default()).expect("starts");
    let api: Api<ConfigMap> = Api::namespaced(handle.client().expect("client"), "default");
    api.create(&PostParams::default(), &cm("early", "1"))
        .await
        .expect("create");
    let mut stream = watcher(api.clone(), watcher::Config::default().streaming_lists()).boxed();
    let mut initial = Vec::new();
    loop {
        match next(&mut stream).await.expect("open").expect("ok") {
            watcher::Event::InitApply(o) => initial.push(o.metadata.name.unwrap_or_default()),
            watcher::Event::InitDone => break,
            _ => {}
        }
    }
    assert_eq!(initial, vec!["early".to_string()]);
    api.create(&PostParams::default(), &cm("late", "1"))
        .await
        .expect("create");
    let ev = next(&mut stream).await.expect("open").expect("ok");
    assert!(
        matches!(ev, watcher::Event::Apply(ref o) if o.metadata.name.as_deref() == Some("late")),
        "{ev:?}"
    );
    handle.shutdown();
}

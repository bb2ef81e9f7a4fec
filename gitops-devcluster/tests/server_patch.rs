//! PATCH (JSON Patch, JSON Merge Patch) through kube-rs and the machine's real `kubectl`.
//!
//! kubectl: Google Cloud SDK's dispatcher with `kubectl.1.32` (or any kubectl ≥ 1.27) on
//! PATH; install with `apt-get install kubectl` from the Google Cloud SDK repository.

use std::process::{Command, Output};

use gitops_devcluster::{DevCluster, Handle, Options};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{
    Api, ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams,
};
use serde_json::{Value, json};

fn cm(name: &str) -> ConfigMap {
    serde_json::from_value(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "labels": {"app": "web"}}, "data": {"k": "1", "drop": "x"}}))
    .expect("valid ConfigMap")
}

fn json_patch(ops: Value) -> Patch<()> {
    Patch::Json(serde_json::from_value(ops).expect("valid JSON patch"))
}

fn api_err(e: kube::Error) -> (u16, String, String) {
    match e {
        kube::Error::Api(s) => (s.code, s.reason.clone(), s.message.clone()),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_patch_kube_json_and_merge_on_configmap() {
    let handle = DevCluster::start(Options::default()).expect("starts");
    let api: Api<ConfigMap> = Api::namespaced(handle.client().expect("client"), "default");
    let created = api
        .create(&PostParams::default(), &cm("a"))
        .await
        .expect("create");
    let rv0 = created.metadata.resource_version.clone().expect("rv");
    let pp = PatchParams::default();

    let merged = api
        .patch(
            "a",
            &pp,
            &Patch::Merge(json!({"data": {"k": "2", "drop": null, "new": "n"}})),
        )
        .await
        .expect("merge patch");
    let data = merged.data.clone().expect("data");
    assert_eq!(data.get("k").map(String::as_str), Some("2"));
    assert!(!data.contains_key("drop"));
    assert_eq!(data.get("new").map(String::as_str), Some("n"));
    assert_ne!(
        merged.metadata.resource_version.as_deref(),
        Some(rv0.as_str())
    );

    let jp = json_patch(json!([
        {"op": "test", "path": "/data/k", "value": "2"},
        {"op": "add", "path": "/metadata/labels/tier", "value": "front"},
        {"op": "remove", "path": "/data/new"}
    ]));
    let patched = api.patch("a", &pp, &jp).await.expect("json patch");
    assert_eq!(
        patched
            .metadata
            .labels
            .expect("labels")
            .get("tier")
            .map(String::as_str),
        Some("front")
    );
    assert!(!patched.data.expect("data").contains_key("new"));

    // A stale resourceVersion inside the patch is a precondition → 409.
    let stale = Patch::Merge(json!({"metadata": {"resourceVersion": rv0}, "data": {"k": "3"}}));
    let (code, reason, msg) = api_err(api.patch("a", &pp, &stale).await.expect_err("stale rv"));
    assert_eq!((code, reason.as_str()), (409, "Conflict"), "{msg}");
    assert!(msg.contains("the object has been modified"), "{msg}");
    let current = patched.metadata.resource_version.clone().expect("rv");
    let fresh = Patch::Merge(json!({"metadata": {"resourceVersion": current}, "data": {"k": "3"}}));
    api.patch("a", &pp, &fresh).await.expect("fresh rv applies");

    // dryRun: the answer shows the change, the store keeps the old object.
    let dry = api
        .patch(
            "a",
            &PatchParams {
                dry_run: true,
                ..Default::default()
            },
            &Patch::Merge(json!({"data": {"k": "dry"}})),
        )
        .await
        .expect("dry run");
    assert_eq!(
        dry.data.expect("data").get("k").map(String::as_str),
        Some("dry")
    );
    let got = api.get("a").await.expect("get");
    assert_eq!(
        got.data.expect("data").get("k").map(String::as_str),
        Some("3")
    );

    // Missing object → 404; failing JSON patch → 422; non-object merge patch → 400.
    let (code, _, msg) = api_err(
        api.patch("nope", &pp, &Patch::Merge(json!({})))
            .await
            .expect_err("404"),
    );
    assert_eq!(code, 404, "{msg}");
    let bad = json_patch(json!([{"op": "test", "path": "/data/k", "value": "wrong"}]));
    let (code, reason, msg) = api_err(api.patch("a", &pp, &bad).await.expect_err("422"));
    assert_eq!((code, reason.as_str()), (422, "Invalid"));
    assert_eq!(
        msg,
        "the server rejected our request due to an error in our request"
    );
    let (code, _, msg) = api_err(
        api.patch("a", &pp, &Patch::Merge(json!([1])))
            .await
            .expect_err("400"),
    );
    assert_eq!((code, msg.as_str()), (400, "Invalid JSON Patch"));

    // Strategic merge works on built-in kinds.
    let merged = api
        .patch("a", &pp, &Patch::Strategic(json!({"data": {"k": "s"}})))
        .await
        .expect("strategic merge patch");
    assert_eq!(
        merged
            .data
            .as_ref()
            .and_then(|d| d.get("k"))
            .map(String::as_str),
        Some("s")
    );
    let ap = PatchParams::apply("test");
    let (code, _, msg) = api_err(
        api.patch(
            "a",
            &ap,
            &Patch::Apply(json!({"apiVersion": "v2", "kind": "ConfigMap"})),
        )
        .await
        .expect_err("400"),
    );
    assert_eq!(code, 400);
    assert_eq!(
        msg,
        "Incorrect version specified in apply patch. Specified patch version: v2, expected: v1"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_patch_kube_status_subresource_and_custom_resource() {
    let handle = DevCluster::start(Options::default()).expect("starts");
    let client = handle.client().expect("client");
    let deploys: Api<Deployment> = Api::namespaced(client.clone(), "default");
    let d: Deployment =
        serde_json::from_value(json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"}, "spec": {"replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}))
        .expect("deployment");
    deploys
        .create(&PostParams::default(), &d)
        .await
        .expect("create");
    let pp = PatchParams::default();

    // The main endpoint ignores status; the status endpoint takes only status.
    let main = deploys
        .patch(
            "web",
            &pp,
            &Patch::Merge(json!({"spec": {"replicas": 3}, "status": {"replicas": 9}})),
        )
        .await
        .expect("main patch");
    assert_eq!(main.spec.as_ref().and_then(|s| s.replicas), Some(3));
    assert_eq!(main.status.as_ref().and_then(|s| s.replicas), None);
    assert_eq!(main.metadata.generation, Some(2));
    let st = deploys
        .patch_status(
            "web",
            &pp,
            &Patch::Merge(json!({"spec": {"replicas": 5}, "status": {"replicas": 3}})),
        )
        .await
        .expect("status patch");
    assert_eq!(st.status.as_ref().and_then(|s| s.replicas), Some(3));
    assert_eq!(st.spec.as_ref().and_then(|s| s.replicas), Some(3));
    assert_eq!(st.metadata.generation, Some(2));

    // A strategic merge patch merges containers by name (the built-in merge keys); as on a
    // real API server, a new item goes before the object's others (no `$setElementOrder`).
    let sidecar = json!({"spec": {"template": {"spec": {"containers": [{"name": "log", "image": "busybox"}]}}}});
    deploys
        .patch("web", &pp, &Patch::Strategic(sidecar))
        .await
        .expect("add a container");
    let bumped = json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "nginx:2"}]}}}});
    let smp = deploys
        .patch("web", &pp, &Patch::Strategic(bumped))
        .await
        .expect("update a container");
    let images: Vec<(String, Option<String>)> = smp
        .spec
        .and_then(|s| s.template.spec)
        .map(|p| {
            p.containers
                .into_iter()
                .map(|c| (c.name, c.image))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        images,
        vec![
            ("log".to_string(), Some("busybox".to_string())),
            ("c".to_string(), Some("nginx:2".to_string()))
        ]
    );

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
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}}))
    .expect("crd json");
    crds.create(&PostParams::default(), &crd)
        .await
        .expect("crd created");
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("example.com", "v1", "Widget"),
        "widgets",
    );
    let widgets: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &ar);
    let w: DynamicObject =
        serde_json::from_value(json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w1"}, "spec": {"size": 3, "color": "red"}}))
        .expect("widget");
    widgets
        .create(&PostParams::default(), &w)
        .await
        .expect("widget created");
    let m = widgets
        .patch(
            "w1",
            &pp,
            &Patch::Merge(json!({"spec": {"size": 4, "color": null}})),
        )
        .await
        .expect("CR merge patch");
    assert_eq!(m.data["spec"], json!({"size": 4}));
    let j = widgets
        .patch_status(
            "w1",
            &pp,
            &Patch::<()>::Json(
                serde_json::from_value(json!([
            {"op": "add", "path": "/status", "value": {"ready": true}}]))
                .expect("ops"),
            ),
        )
        .await
        .expect("CR status json patch");
    assert_eq!(j.data["status"], json!({"ready": true}));
    assert_eq!(j.data["spec"], json!({"size": 4}));
}

struct Kubectl {
    _handle: Handle,
    dir: tempfile::TempDir,
}

impl Kubectl {
    fn start() -> Self {
        let handle = DevCluster::start(Options::default()).expect("devcluster starts");
        let dir = tempfile::tempdir().expect("tempdir");
        handle
            .write_kubeconfig(&dir.path().join("kubeconfig"))
            .expect("kubeconfig");
        Self {
            _handle: handle,
            dir,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(self.dir.path().join("kubeconfig"))
            .arg("--cache-dir")
            .arg(self.dir.path().join("cache"))
            .args(args)
            .env("HOME", self.dir.path())
            .output()
            .expect("kubectl runs: install kubectl (see the file header)")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let (so, se) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(
            out.status.success(),
            "kubectl {args:?} failed\nstdout: {so}\nstderr: {se}"
        );
        so.into_owned()
    }
}

#[test]
fn server_patch_kubectl_merge_json_label_annotate() {
    let k = Kubectl::start();
    k.ok(&[
        "create",
        "configmap",
        "cfg",
        "--from-literal=a=1",
        "--from-literal=b=2",
    ]);
    assert!(
        k.ok(&[
            "patch",
            "configmap",
            "cfg",
            "--type=merge",
            "-p",
            r#"{"data":{"a":"9","b":null}}"#
        ])
        .contains("configmap/cfg patched")
    );
    assert!(
        k.ok(&[
            "patch",
            "configmap",
            "cfg",
            "--type=json",
            "-p",
            r#"[{"op":"add","path":"/data/c","value":"3"}]"#
        ])
        .contains("configmap/cfg patched")
    );
    let data = k.ok(&["get", "configmap", "cfg", "-o", "jsonpath={.data}"]);
    let data: Value = serde_json::from_str(&data).expect("jsonpath prints JSON");
    assert_eq!(data, json!({"a": "9", "c": "3"}));

    // kubectl label/annotate send application/merge-patch+json.
    assert!(
        k.ok(&["label", "configmap", "cfg", "tier=front"])
            .contains("configmap/cfg labeled")
    );
    assert!(
        k.ok(&["annotate", "configmap", "cfg", "note=hi"])
            .contains("configmap/cfg annotated")
    );
    k.ok(&["label", "configmap", "cfg", "tier-"]);
    let meta = k.ok(&["get", "configmap", "cfg", "-o", "json"]);
    let obj: Value = serde_json::from_str(&meta).expect("json");
    assert_eq!(obj["metadata"]["annotations"]["note"], "hi");
    assert!(obj["metadata"]["labels"].get("tier").is_none(), "{obj}");

    // kubectl patch defaults to strategic merge.
    k.ok(&["patch", "configmap", "cfg", "-p", r#"{"data":{"a":"1"}}"#]);
    let obj: Value =
        serde_json::from_str(&k.ok(&["get", "configmap", "cfg", "-o", "json"])).expect("json");
    assert_eq!(obj["data"]["a"], "1");
    // A failing JSON patch surfaces the server's 422 wording.
    let out = k.run(&[
        "patch",
        "configmap",
        "cfg",
        "--type=json",
        "-p",
        r#"[{"op":"remove","path":"/data/zzz"}]"#,
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains("the server rejected our request due to an error in our request"),
        "{err}"
    );
}

//! Owner-reference garbage collection (`src/gc.rs`) through real clients: kube-rs
//! `DeleteParams::background()/foreground()/orphan()`, a raw watch, and `kubectl delete
//! --cascade=…`.
//!
//! The kubectl test needs `kubectl` on PATH (Google Cloud SDK's dispatcher with
//! `kubectl.1.32`, or download https://dl.k8s.io/release/v1.32.4/bin/linux/amd64/kubectl).

use std::process::Command;
use std::time::Duration;

use futures_util::StreamExt;
use gitops_devcluster::{DevCluster, Options};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use serde_json::{Value, json};

fn cm(name: &str, owners: &[(&str, &str, bool)]) -> ConfigMap {
    let refs: Vec<Value> = owners
        .iter()
        .map(|(n, uid, block)| {
            json!({"apiVersion": "v1", "kind": "ConfigMap", "name": n, "uid": uid,
                "blockOwnerDeletion": block})
        })
        .collect();
    let mut v = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
        "data": {"k": "v"}});
    if !refs.is_empty() {
        v["metadata"]["ownerReferences"] = json!(refs);
    }
    serde_json::from_value(v).expect("valid ConfigMap")
}

async fn create(api: &Api<ConfigMap>, obj: ConfigMap) -> String {
    let c = api
        .create(&PostParams::default(), &obj)
        .await
        .expect("create");
    c.metadata.uid.expect("uid")
}

async fn exists(api: &Api<ConfigMap>, name: &str) -> bool {
    api.get_opt(name).await.expect("get").is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_gc_background_deletes_dependents_and_watch_sees_them() {
    let handle = DevCluster::start(Options::default()).expect("starts");
    let api: Api<ConfigMap> = Api::namespaced(handle.client().expect("client"), "default");
    let owner = create(&api, cm("owner", &[])).await;
    let child = create(&api, cm("child", &[("owner", &owner, false)])).await;
    create(&api, cm("grandchild", &[("child", &child, false)])).await;
    create(&api, cm("bystander", &[])).await;
    let rv = api
        .get("bystander")
        .await
        .expect("get")
        .metadata
        .resource_version
        .expect("rv");
    let mut events = api
        .watch(&WatchParams::default().timeout(10), &rv)
        .await
        .expect("watch")
        .boxed();

    api.delete("owner", &DeleteParams::background())
        .await
        .expect("delete");
    for n in ["owner", "child", "grandchild"] {
        assert!(!exists(&api, n).await, "{n} collected");
    }
    assert!(exists(&api, "bystander").await);

    let mut deleted = Vec::new();
    let wait = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(ev) = events.next().await {
            if let WatchEvent::Deleted(o) = ev.expect("event") {
                deleted.push(o.metadata.name.unwrap_or_default());
                if deleted.len() == 3 {
                    break;
                }
            }
        }
    });
    wait.await.expect("three DELETED events");
    assert_eq!(deleted, ["owner", "child", "grandchild"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_gc_foreground_deletes_blocking_dependents_first() {
    let handle = DevCluster::start(Options::default()).expect("starts");
    let api: Api<ConfigMap> = Api::namespaced(handle.client().expect("client"), "default");
    let owner = create(&api, cm("owner", &[])).await;
    let keeper = create(&api, cm("keeper", &[])).await;
    let child = create(&api, cm("child", &[("owner", &owner, true)])).await;
    create(&api, cm("grandchild", &[("child", &child, true)])).await;
    create(
        &api,
        cm(
            "shared",
            &[("owner", &owner, true), ("keeper", &keeper, false)],
        ),
    )
    .await;
    let rv = api
        .get("shared")
        .await
        .expect("get")
        .metadata
        .resource_version
        .expect("rv");
    let mut events = api
        .watch(&WatchParams::default().timeout(10), &rv)
        .await
        .expect("watch")
        .boxed();

    let out = api
        .delete("owner", &DeleteParams::foreground())
        .await
        .expect("delete");
    let pending = out.left().expect("the owner while it waits");
    assert!(pending.metadata.deletion_timestamp.is_some());
    assert!(
        pending
            .metadata
            .finalizers
            .unwrap_or_default()
            .contains(&"foregroundDeletion".to_string())
    );
    for n in ["owner", "child", "grandchild"] {
        assert!(!exists(&api, n).await, "{n} collected");
    }
    let shared = api
        .get("shared")
        .await
        .expect("shared survives: it has a live owner");
    let refs = shared.metadata.owner_references.unwrap_or_default();
    assert_eq!(refs.len(), 1);
    assert_eq!(refs[0].uid, keeper);

    // The owner is marked first and deleted last.
    let mut seen = Vec::new();
    let wait = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(ev) = events.next().await {
            match ev.expect("event") {
                WatchEvent::Deleted(o) => {
                    seen.push(format!("D:{}", o.metadata.name.unwrap_or_default()))
                }
                WatchEvent::Modified(o) => {
                    seen.push(format!("M:{}", o.metadata.name.unwrap_or_default()))
                }
                _ => {}
            }
            if seen.last().map(String::as_str) == Some("D:owner") {
                break;
            }
        }
    });
    wait.await.expect("owner DELETED");
    assert_eq!(
        seen.first().map(String::as_str),
        Some("M:owner"),
        "{seen:?}"
    );
    let pos = |s: &str| seen.iter().position(|x| x == s).unwrap_or(usize::MAX);
    assert!(
        pos("D:grandchild") < pos("D:child") && pos("D:child") < pos("D:owner"),
        "{seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_gc_orphan_keeps_dependents_without_references() {
    let handle = DevCluster::start(Options::default()).expect("starts");
    let api: Api<ConfigMap> = Api::namespaced(handle.client().expect("client"), "default");
    let owner = create(&api, cm("owner", &[])).await;
    let other = create(&api, cm("other", &[])).await;
    create(&api, cm("a", &[("owner", &owner, true)])).await;
    create(
        &api,
        cm("b", &[("owner", &owner, false), ("other", &other, false)]),
    )
    .await;

    api.delete("owner", &DeleteParams::orphan())
        .await
        .expect("delete");
    assert!(!exists(&api, "owner").await);
    let a = api.get("a").await.expect("a orphaned");
    assert!(a.metadata.owner_references.unwrap_or_default().is_empty());
    let b = api.get("b").await.expect("b orphaned");
    let refs = b.metadata.owner_references.unwrap_or_default();
    assert_eq!(
        refs.iter().map(|r| r.uid.as_str()).collect::<Vec<_>>(),
        [other.as_str()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_gc_waits_for_other_finalizers_then_collects() {
    let handle = DevCluster::start(Options::default()).expect("starts");
    let api: Api<ConfigMap> = Api::namespaced(handle.client().expect("client"), "default");
    let mut o = cm("owner", &[]);
    o.metadata.finalizers = Some(vec!["example.com/hold".into()]);
    let owner = create(&api, o).await;
    create(&api, cm("child", &[("owner", &owner, false)])).await;

    api.delete("owner", &DeleteParams::background())
        .await
        .expect("delete");
    assert!(
        exists(&api, "owner").await && exists(&api, "child").await,
        "held by the finalizer"
    );
    let dry = DeleteParams {
        dry_run: true,
        ..DeleteParams::orphan()
    };
    api.delete("child", &dry).await.expect("dry-run delete");
    assert!(exists(&api, "child").await);

    let patch = json!({"metadata": {"finalizers": null}});
    api.patch("owner", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("patch");
    assert!(!exists(&api, "owner").await);
    assert!(
        !exists(&api, "child").await,
        "collected once the owner is gone"
    );
}

fn kubectl(dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(dir.join("kubeconfig"))
        .arg("--cache-dir")
        .arg(dir.join("cache"))
        .args(args)
        .env("HOME", dir)
        .output()
        .expect("kubectl runs: install kubectl (see the file header)");
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

#[test]
fn server_gc_kubectl_cascade_modes() {
    let handle = DevCluster::start(Options::default()).expect("starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    handle
        .write_kubeconfig(&d.join("kubeconfig"))
        .expect("kubeconfig");
    for (mode, survives) in [
        ("orphan", true),
        ("foreground", false),
        ("background", false),
    ] {
        let owner = format!("owner-{mode}");
        kubectl(d, &["create", "configmap", &owner]);
        let uid = kubectl(
            d,
            &["get", "configmap", &owner, "-o", "jsonpath={.metadata.uid}"],
        );
        let dep = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dep-{mode}\n  ownerReferences:\n  - apiVersion: v1\n    kind: ConfigMap\n    name: {owner}\n    uid: {uid}\n    blockOwnerDeletion: true\n"
        );
        let path = d.join(format!("dep-{mode}.yaml"));
        std::fs::write(&path, dep).expect("write");
        kubectl(d, &["apply", "-f", &path.display().to_string()]);
        let out = kubectl(
            d,
            &["delete", "configmap", &owner, &format!("--cascade={mode}")],
        );
        assert!(
            out.contains(&format!("configmap \"{owner}\" deleted")),
            "{out}"
        );
        let names = kubectl(d, &["get", "configmaps", "-o", "name"]);
        assert!(!names.contains(&format!("configmap/{owner}\n")), "{names}");
        assert_eq!(
            names.contains(&format!("configmap/dep-{mode}")),
            survives,
            "{mode}: {names}"
        );
        if survives {
            let refs = kubectl(
                d,
                &[
                    "get",
                    "configmap",
                    &format!("dep-{mode}"),
                    "-o",
                    "jsonpath={.metadata.ownerReferences}",
                ],
            );
            assert!(refs.trim().is_empty(), "{refs}");
        }
    }
}

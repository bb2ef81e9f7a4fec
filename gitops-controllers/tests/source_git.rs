//! The GitRepository reconciler against a devcluster and a real `git http-backend`:
//! Ready with Flux's revision and artifact, served over HTTP with a matching digest; new
//! commits within the interval; `requestedAt`; a failing URL keeps the old artifact;
//! suspend; include; delete removes the artifacts.
#![allow(clippy::unwrap_used)]

mod source_support;

use std::sync::Arc;
use std::time::Duration;

use gitops_controllers::source::{SourceContext, git::reconcile_git};
use gitops_controllers::storage::Storage;
use gitops_core::api::source::GitRepository;
use gitops_core::k8s::k8s_openapi::api::core::v1::Event;
use kube::api::{Api, DeleteParams};
use serde_json::json;
use source_support::repo::{self, commit_on_master, fixture};
use source_support::{
    condition, create, download, events, eventually, has_condition, merge, read, ready_at, servers,
    start, wait_for,
};

fn git_repository(name: &str, url: &str, interval: &str) -> serde_json::Value {
    json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "GitRepository",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"url": url, "interval": interval, "ref": {"branch": "master"}, "timeout": "20s"}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn git_repository_is_ready_follows_commits_and_keeps_its_artifact_on_failure() {
    let env = start().await;
    let root = tempfile::tempdir().unwrap();
    let fx = fixture(root.path(), "podinfo");
    let server = servers::serve_git(root.path());
    create::<GitRepository>(
        &env.client,
        git_repository("podinfo", &server.url("podinfo"), "1s"),
    )
    .await;

    let revision = format!("master@sha1:{}", fx.master);
    let obj =
        wait_for::<GitRepository>(&env.client, "podinfo", "Ready", |o| ready_at(o, &revision))
            .await;
    let artifact = &obj["status"]["artifact"];
    assert_eq!(
        artifact["path"],
        format!("gitrepository/default/podinfo/{}.tar.gz", fx.master)
    );
    let ready = condition(&obj, "Ready").unwrap();
    assert_eq!(ready["reason"], "Succeeded");
    assert_eq!(
        ready["message"],
        format!("stored artifact for revision '{revision}'")
    );
    assert!(has_condition(&obj, "ArtifactInStorage", "True"));
    assert!(condition(&obj, "Reconciling").is_none());
    assert_eq!(
        obj["status"]["observedGeneration"],
        obj["metadata"]["generation"]
    );
    assert_eq!(
        obj["metadata"]["finalizers"],
        json!(["finalizers.fluxcd.io"])
    );
    let url = artifact["url"].as_str().unwrap();
    let tree = download(url, artifact["digest"].as_str().unwrap()).await;
    assert_eq!(
        read(tree.path(), "deploy/app.yaml"),
        "kind: ConfigMap\nversion: 3\n"
    );
    assert!(!tree.path().join("tree/.git").exists());
    let evs = events(&env.client, "podinfo").await;
    assert!(
        evs.iter().any(|(t, r, m)| t == "Normal"
            && r == "NewArtifact"
            && m == "stored artifact for commit 'third commit'"),
        "{evs:?}"
    );

    // A new commit becomes the new revision within the interval.
    let second = commit_on_master(&fx, "new.txt");
    let revision2 = format!("master@sha1:{second}");
    let obj = wait_for::<GitRepository>(&env.client, "podinfo", "new commit", |o| {
        ready_at(o, &revision2)
    })
    .await;
    let artifact2 = obj["status"]["artifact"].clone();
    download(
        artifact2["url"].as_str().unwrap(),
        artifact2["digest"].as_str().unwrap(),
    )
    .await;

    // A failing URL: Ready=False with FetchFailed, the artifact stays.
    merge::<GitRepository>(
        &env.client,
        "podinfo",
        json!({"spec": {"url": "http://127.0.0.1:9/missing"}}),
    )
    .await;
    let obj = wait_for::<GitRepository>(&env.client, "podinfo", "fetch failure", |o| {
        has_condition(o, "FetchFailed", "True") && has_condition(o, "Ready", "False")
    })
    .await;
    let ready = condition(&obj, "Ready").unwrap();
    assert_eq!(ready["reason"], "GitOperationFailed");
    assert!(
        ready["message"]
            .as_str()
            .unwrap()
            .starts_with("failed to checkout and determine revision"),
        "{ready}"
    );
    assert_eq!(obj["status"]["artifact"], artifact2);
    assert!(env.stored(artifact2["path"].as_str().unwrap()).exists());
    assert_eq!(
        condition(&obj, "Reconciling").unwrap()["reason"],
        "ProgressingWithRetry"
    );
    assert!(has_condition(&obj, "ArtifactInStorage", "True"));
    let evs = events(&env.client, "podinfo").await;
    assert!(
        evs.iter()
            .any(|(t, r, _)| t == "Warning" && r == "GitOperationFailed"),
        "{evs:?}"
    );

    // Back to the right URL: recovers.
    merge::<GitRepository>(
        &env.client,
        "podinfo",
        json!({"spec": {"url": server.url("podinfo")}}),
    )
    .await;
    wait_for::<GitRepository>(&env.client, "podinfo", "recovery", |o| {
        ready_at(o, &revision2) && condition(o, "FetchFailed").is_none()
    })
    .await;

    // Garbage collection keeps the two newest artifact files.
    let third = commit_on_master(&fx, "third.txt");
    let revision3 = format!("master@sha1:{third}");
    wait_for::<GitRepository>(&env.client, "podinfo", "third commit", |o| {
        ready_at(o, &revision3)
    })
    .await;
    let files: Vec<String> = std::fs::read_dir(env.stored("gitrepository/default/podinfo"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tar.gz"))
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(
        files.contains(&format!("{third}.tar.gz")) && files.contains(&format!("{second}.tar.gz")),
        "{files:?}"
    );

    // Suspended: new commits are not picked up.
    merge::<GitRepository>(&env.client, "podinfo", json!({"spec": {"suspend": true}})).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    commit_on_master(&fx, "suspended.txt");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let api: Api<GitRepository> = Api::namespaced(env.client.clone(), "default");
    let obj = api.get("podinfo").await.unwrap();
    assert_eq!(obj.status.unwrap().artifact.unwrap().revision, revision3);

    // Deleting removes the artifacts and the object.
    api.delete("podinfo", &DeleteParams::default())
        .await
        .unwrap();
    let dir = env.stored("gitrepository/default/podinfo");
    eventually("object and artifacts gone", || {
        let api = api.clone();
        let dir = dir.clone();
        async move { api.get_opt("podinfo").await.unwrap().is_none() && !dir.exists() }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requested_at_triggers_a_reconcile_and_is_echoed() {
    let env = start().await;
    let root = tempfile::tempdir().unwrap();
    let fx = fixture(root.path(), "app");
    let server = servers::serve_git(root.path());
    create::<GitRepository>(&env.client, git_repository("app", &server.url("app"), "1h")).await;
    let revision = format!("master@sha1:{}", fx.master);
    wait_for::<GitRepository>(&env.client, "app", "Ready", |o| ready_at(o, &revision)).await;
    // Let the reconciliations the creation queued (finalizer, status) finish first: the
    // object is quiet once its resourceVersion holds for a second.
    let api: Api<GitRepository> = Api::namespaced(env.client.clone(), "default");
    let mut last = String::new();
    for _ in 0..30 {
        let rv = api
            .get("app")
            .await
            .unwrap()
            .metadata
            .resource_version
            .unwrap_or_default();
        if rv == last {
            break;
        }
        last = rv;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }

    let next = commit_on_master(&fx, "more.txt");
    let revision2 = format!("master@sha1:{next}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        api.get("app")
            .await
            .unwrap()
            .status
            .unwrap()
            .artifact
            .unwrap()
            .revision,
        revision
    );

    let at = "2026-01-01T00:00:00Z";
    merge::<GitRepository>(
        &env.client,
        "app",
        json!({"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": at}}}),
    )
    .await;
    let obj = wait_for::<GitRepository>(&env.client, "app", "requested reconcile", |o| {
        ready_at(o, &revision2) && o["status"]["lastHandledReconcileAt"] == at
    })
    .await;
    assert_eq!(obj["status"]["observedGeneration"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn include_copies_another_repositorys_artifact() {
    let env = start().await;
    let root = tempfile::tempdir().unwrap();
    let fx = fixture(root.path(), "base");
    let other = root.path().join("overlay");
    std::fs::create_dir_all(&other).unwrap();
    repo::git(&other, &["init", "-q"]);
    repo::write(&other, "kustomization.yaml", "resources: []\n");
    repo::git(&other, &["add", "-A"]);
    repo::git(&other, &["commit", "-q", "-m", "overlay"]);
    let server = servers::serve_git(root.path());
    create::<GitRepository>(
        &env.client,
        git_repository("base", &server.url("base"), "1s"),
    )
    .await;
    let mut overlay = git_repository("overlay", &server.url("overlay"), "1h");
    overlay["spec"]["include"] =
        json!([{"repository": {"name": "base"}, "fromPath": "deploy", "toPath": "base"}]);
    create::<GitRepository>(&env.client, overlay).await;

    let obj = wait_for::<GitRepository>(&env.client, "overlay", "Ready with include", |o| {
        has_condition(o, "Ready", "True")
            && o["status"]["includedArtifacts"]
                .as_array()
                .is_some_and(|a| a.len() == 1)
    })
    .await;
    let artifact = &obj["status"]["artifact"];
    let tree = download(
        artifact["url"].as_str().unwrap(),
        artifact["digest"].as_str().unwrap(),
    )
    .await;
    assert_eq!(
        read(tree.path(), "base/app.yaml"),
        "kind: ConfigMap\nversion: 3\n"
    );
    assert_eq!(read(tree.path(), "kustomization.yaml"), "resources: []\n");
    assert_eq!(
        obj["status"]["observedInclude"][0]["repository"]["name"],
        "base"
    );

    // A change of the included repository rebuilds the including one.
    repo::write(&fx.path, "deploy/app.yaml", "kind: ConfigMap\nversion: 4\n");
    repo::git(&fx.path, &["commit", "-q", "-am", "fourth"]);
    let obj = wait_for::<GitRepository>(&env.client, "overlay", "rebuilt on include change", |o| {
        o["status"]["artifact"]["digest"] != obj["status"]["artifact"]["digest"]
            && has_condition(o, "Ready", "True")
    })
    .await;
    let artifact = &obj["status"]["artifact"];
    let tree = download(
        artifact["url"].as_str().unwrap(),
        artifact["digest"].as_str().unwrap(),
    )
    .await;
    assert_eq!(
        read(tree.path(), "base/app.yaml"),
        "kind: ConfigMap\nversion: 4\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_git_runs_without_a_controller() {
    let (_cluster, client) = source_support::cluster().await;
    let storage_dir = tempfile::tempdir().unwrap();
    let (storage, _server) =
        Storage::start(storage_dir.path(), "127.0.0.1:0".parse().unwrap(), None)
            .await
            .unwrap();
    let ctx = Arc::new(SourceContext::new(client.clone(), storage));
    let root = tempfile::tempdir().unwrap();
    let fx = fixture(root.path(), "direct");
    let server = servers::serve_git(root.path());
    let created = create::<GitRepository>(
        &client,
        git_repository("direct", &server.url("direct"), "5m"),
    )
    .await;
    let action = reconcile_git(Arc::new(created), ctx.clone()).await.unwrap();
    assert_eq!(
        action,
        kube::runtime::controller::Action::requeue(Duration::from_secs(300))
    );
    let api: Api<GitRepository> = Api::namespaced(client.clone(), "default");
    let obj = api.get("direct").await.unwrap();
    let status = obj.status.clone().unwrap();
    assert_eq!(
        status.artifact.unwrap().revision,
        format!("master@sha1:{}", fx.master)
    );
    assert_eq!(status.observed_generation, Some(1));

    let metrics = ctx.metrics.render();
    assert!(
        metrics.contains(
            "gotk_reconcile_condition{kind=\"GitRepository\",name=\"direct\",namespace=\"default\",type=\"Ready\",status=\"True\"} 1"
        ),
        "{metrics}"
    );

    // The same revision again: no new artifact, no new event.
    reconcile_git(Arc::new(obj), ctx).await.unwrap();
    let evs = events(&client, "direct").await;
    assert_eq!(
        evs.iter().filter(|(_, r, _)| r == "NewArtifact").count(),
        1,
        "{evs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_url_stalls() {
    let (_cluster, client) = source_support::cluster().await;
    let storage_dir = tempfile::tempdir().unwrap();
    let (storage, _server) =
        Storage::start(storage_dir.path(), "127.0.0.1:0".parse().unwrap(), None)
            .await
            .unwrap();
    let ctx = Arc::new(SourceContext::new(client.clone(), storage));
    let created = create::<GitRepository>(&client, git_repository("bad", "http://", "5m")).await;
    let action = reconcile_git(Arc::new(created), ctx.clone()).await.unwrap();
    assert_eq!(action, kube::runtime::controller::Action::await_change());
    let api: Api<GitRepository> = Api::namespaced(client.clone(), "default");
    reconcile_git(Arc::new(api.get("bad").await.unwrap()), ctx)
        .await
        .unwrap();
    let events: Api<Event> = Api::namespaced(client.clone(), "default");
    let warnings: Vec<Event> = events
        .list(&Default::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|e| e.involved_object.name.as_deref() == Some("bad"))
        .collect();
    assert_eq!(
        warnings.len(),
        1,
        "a repeated event is aggregated: {warnings:?}"
    );
    assert_eq!(
        (warnings[0].reason.as_deref(), warnings[0].count),
        (Some("URLInvalid"), Some(2))
    );
    let obj = wait_for::<GitRepository>(&client, "bad", "stalled", |o| {
        has_condition(o, "Stalled", "True")
    })
    .await;
    let stalled = condition(&obj, "Stalled").unwrap();
    assert_eq!(stalled["reason"], "URLInvalid");
    assert_eq!(condition(&obj, "Ready").unwrap()["reason"], "URLInvalid");
    assert!(condition(&obj, "Reconciling").is_none());
    assert_eq!(obj["status"]["observedGeneration"], 1);
}

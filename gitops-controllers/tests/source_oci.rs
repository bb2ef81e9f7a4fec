//! The OCIRepository reconciler against a devcluster and Debian's `docker-registry`.
#![allow(clippy::unwrap_used)]

mod source_support;

use gitops_core::api::source::OCIRepository;
use gitops_sources::oci::{self, Credentials, PushMetadata, RegistryOptions};
use serde_json::json;
use source_support::{
    condition, create, download, events, has_condition, merge, read, ready_at, servers, start,
    wait_for,
};

fn push(registry: &servers::Registry, tag: &str, content: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.yaml"), content).unwrap();
    let meta = PushMetadata {
        source: "https://github.com/org/app".into(),
        revision: format!("main@sha1:{}", "a".repeat(40)),
        ..Default::default()
    };
    let opts = RegistryOptions {
        insecure: true,
        ..Default::default()
    };
    oci::push(
        &registry.url(&format!("app:{tag}")),
        dir.path(),
        &meta,
        None,
        &Credentials::Anonymous,
        &opts,
    )
    .expect("push")
    .digest
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oci_repository_is_ready_and_follows_its_tag() {
    let env = start().await;
    let registry = servers::Registry::start();
    let digest = push(&registry, "v1", "kind: ConfigMap\n");
    create::<OCIRepository>(
        &env.client,
        json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "OCIRepository",
            "metadata": {"name": "app", "namespace": "default"},
            "spec": {"url": registry.url("app"), "interval": "1s", "ref": {"tag": "v1"}, "insecure": true}
        }),
    )
    .await;
    let revision = format!("v1@{digest}");
    let obj =
        wait_for::<OCIRepository>(&env.client, "app", "Ready", |o| ready_at(o, &revision)).await;
    let artifact = &obj["status"]["artifact"];
    let hex = digest.trim_start_matches("sha256:");
    assert_eq!(
        artifact["path"],
        format!("ocirepository/default/app/{hex}.tar.gz")
    );
    assert_eq!(
        artifact["metadata"]["org.opencontainers.image.source"],
        "https://github.com/org/app"
    );
    assert_eq!(obj["status"]["url"], artifact["url"]);
    assert_eq!(
        condition(&obj, "Ready").unwrap()["message"],
        format!("stored artifact for digest '{revision}'")
    );
    let tree = download(
        artifact["url"].as_str().unwrap(),
        artifact["digest"].as_str().unwrap(),
    )
    .await;
    assert_eq!(read(tree.path(), "app.yaml"), "kind: ConfigMap\n");
    let evs = events(&env.client, "app").await;
    let expected = format!(
        "stored artifact with revision '{revision}' from '{}', origin source 'https://github.com/org/app', origin revision 'main@sha1:{}'",
        registry.url("app"),
        "a".repeat(40)
    );
    assert!(
        evs.iter()
            .any(|(_, r, m)| r == "NewArtifact" && *m == expected),
        "{evs:?}"
    );

    let digest2 = push(&registry, "v1", "kind: Secret\n");
    let revision2 = format!("v1@{digest2}");
    let obj = wait_for::<OCIRepository>(&env.client, "app", "new digest", |o| {
        ready_at(o, &revision2)
    })
    .await;
    let artifact = &obj["status"]["artifact"];
    let tree = download(
        artifact["url"].as_str().unwrap(),
        artifact["digest"].as_str().unwrap(),
    )
    .await;
    assert_eq!(read(tree.path(), "app.yaml"), "kind: Secret\n");

    // A missing tag fails the pull and keeps the artifact.
    let before = artifact.clone();
    merge::<OCIRepository>(
        &env.client,
        "app",
        json!({"spec": {"ref": {"tag": "missing"}}}),
    )
    .await;
    let obj = wait_for::<OCIRepository>(&env.client, "app", "pull failure", |o| {
        has_condition(o, "FetchFailed", "True") && has_condition(o, "Ready", "False")
    })
    .await;
    assert_eq!(
        condition(&obj, "Ready").unwrap()["reason"],
        "OCIArtifactPullFailed"
    );
    assert_eq!(obj["status"]["artifact"], before);
}

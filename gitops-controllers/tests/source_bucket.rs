//! The Bucket reconciler against a devcluster and `moto` (S3 with authentication).
#![allow(clippy::unwrap_used)]

mod source_support;

use gitops_core::api::source::Bucket;
use gitops_core::k8s::k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, PostParams};
use serde_json::json;
use source_support::{condition, create, download, events, has_condition, read, start, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_is_ready_with_credentials_and_follows_changes() {
    let env = start().await;
    let moto = source_support::moto::start_moto(true);
    moto.create_bucket(
        "manifests",
        &[
            ("deploy/app.yaml", "kind: ConfigMap\n"),
            ("README.md", "readme\n"),
        ],
    );
    let secrets: Api<Secret> = Api::namespaced(env.client.clone(), "default");
    let secret: Secret = serde_json::from_value(json!({
        "metadata": {"name": "s3-creds"},
        "stringData": {"accesskey": moto.access_key, "secretkey": moto.secret_key}
    }))
    .unwrap();
    secrets
        .create(&PostParams::default(), &secret)
        .await
        .unwrap();
    create::<Bucket>(
        &env.client,
        json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "Bucket",
            "metadata": {"name": "manifests", "namespace": "default"},
            "spec": {"bucketName": "manifests", "endpoint": moto.endpoint, "insecure": true, "interval": "1s",
                     "provider": "generic", "secretRef": {"name": "s3-creds"}}
        }),
    )
    .await;
    let obj = wait_for::<Bucket>(&env.client, "manifests", "Ready", |o| {
        has_condition(o, "Ready", "True")
    })
    .await;
    let artifact = obj["status"]["artifact"].clone();
    let revision = artifact["revision"].as_str().unwrap().to_string();
    assert!(revision.starts_with("sha256:"), "{revision}");
    assert_eq!(
        artifact["path"],
        format!(
            "bucket/default/manifests/{}.tar.gz",
            revision.trim_start_matches("sha256:")
        )
    );
    assert_eq!(
        condition(&obj, "Ready").unwrap()["message"],
        format!("stored artifact: revision '{revision}'")
    );
    let tree = download(
        artifact["url"].as_str().unwrap(),
        artifact["digest"].as_str().unwrap(),
    )
    .await;
    assert_eq!(read(tree.path(), "deploy/app.yaml"), "kind: ConfigMap\n");
    let evs = events(&env.client, "manifests").await;
    assert!(
        evs.iter().any(|(_, r, m)| r == "NewArtifact"
            && m == "stored artifact with 2 fetched files from 'manifests' bucket"),
        "{evs:?}"
    );

    moto.s3("s3.put_object(Bucket='manifests', Key='deploy/extra.yaml', Body=b'kind: Secret\\n')");
    let obj = wait_for::<Bucket>(&env.client, "manifests", "new revision", |o| {
        has_condition(o, "Ready", "True")
            && o["status"]["artifact"]["revision"] != revision.as_str()
    })
    .await;
    let artifact = &obj["status"]["artifact"];
    let tree = download(
        artifact["url"].as_str().unwrap(),
        artifact["digest"].as_str().unwrap(),
    )
    .await;
    assert_eq!(read(tree.path(), "deploy/extra.yaml"), "kind: Secret\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_with_a_missing_secret_is_not_ready() {
    let env = start().await;
    create::<Bucket>(
        &env.client,
        json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "Bucket",
            "metadata": {"name": "nosecret", "namespace": "default"},
            "spec": {"bucketName": "b", "endpoint": "127.0.0.1:9", "insecure": true, "interval": "1m",
                     "secretRef": {"name": "missing"}}
        }),
    )
    .await;
    let obj = wait_for::<Bucket>(&env.client, "nosecret", "auth failure", |o| {
        has_condition(o, "Ready", "False")
    })
    .await;
    let ready = condition(&obj, "Ready").unwrap();
    assert_eq!(ready["reason"], "AuthenticationFailed");
    assert!(
        ready["message"]
            .as_str()
            .unwrap()
            .contains("failed to get secret 'default/missing'"),
        "{ready}"
    );
    assert!(obj["status"]["artifact"].is_null());
}

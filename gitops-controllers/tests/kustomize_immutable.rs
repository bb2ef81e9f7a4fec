//! Immutable fields through the Kustomization reconciler: a commit that changes a
//! Deployment's selector is refused by the API server (the devcluster answers 422 like
//! Kubernetes), the Kustomization goes Ready=False with the API's message and the live
//! Deployment is left alone; with `spec.force: true` (or the object's
//! `kustomize.toolkit.fluxcd.io/force: Enabled` annotation) the Deployment is deleted and
//! recreated with the new selector.
#![allow(clippy::unwrap_used)]

mod kustomize_support;

use gitops_core::api::kustomize::Kustomization;
use kustomize_support::*;
use serde_json::{Value, json};

fn deployment(name: &str, app: &str, annotations: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: default\n{annotations}spec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: {app}\n  template:\n    metadata:\n      labels:\n        app: {app}\n    spec:\n      containers:\n      - name: podinfod\n        image: ghcr.io/stefanprodan/podinfo:6.0.0\n"
    )
}

fn immutable_message(name: &str, app: &str) -> String {
    format!(
        "Deployment/default/{name} dry-run failed (Invalid): Deployment.apps \"{name}\" is invalid: spec.selector: Invalid value: v1.LabelSelector{{MatchLabels:map[string]string{{\"app\":\"{app}\"}}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}: field is immutable"
    )
}

fn ready_message(obj: &Value) -> String {
    condition(obj, "Ready")
        .and_then(|c| c["message"].as_str())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selector_change_fails_without_force_and_recreates_with_force() {
    let d1 = deployment("podinfo", "podinfo", "");
    let (env, rev1) = start(&[("app/deployment.yaml", Some(&d1))]).await;
    let client = env.client.clone();
    env.git_repository().await;
    create::<Kustomization>(
        &client,
        kustomization("app", "./app", json!({"wait": true})),
    )
    .await;
    wait_ks(&client, "app", "Ready at the first revision", |o| {
        applied(o, &rev1)
    })
    .await;
    let deployments = dynamic(&client, "apps/v1", "Deployment", "deployments", "default");
    let before = get_json(&deployments, "podinfo").await.unwrap();
    let uid1 = before["metadata"]["uid"].as_str().unwrap().to_string();

    // A new selector: refused, reported, nothing changed in the cluster.
    let d2 = deployment("podinfo", "podinfo-v2", "");
    let rev2 = commit(&env.repo, &[("app/deployment.yaml", Some(&d2))]);
    let failed = wait_ks(
        &client,
        "app",
        "Ready=False on the immutable selector",
        |o| {
            has(o, "Ready", "False", Some("ReconciliationFailed"))
                && o["status"]["lastAttemptedRevision"] == rev2
        },
    )
    .await;
    let message = ready_message(&failed);
    assert!(
        message.contains(&immutable_message("podinfo", "podinfo-v2")),
        "{message}"
    );
    assert_eq!(failed["status"]["lastAppliedRevision"], rev1);
    let live = get_json(&deployments, "podinfo").await.unwrap();
    assert_eq!(live["metadata"]["uid"], uid1);
    assert_eq!(
        live["spec"]["selector"],
        json!({"matchLabels": {"app": "podinfo"}})
    );
    let evs = events(&client, "app").await;
    assert!(
        evs.iter()
            .any(|(t, _, m)| t == "Warning" && m.contains("field is immutable")),
        "{evs:?}"
    );

    // force: true → deleted and recreated with the new selector.
    merge_ks(&client, "app", json!({"spec": {"force": true}})).await;
    let ok = wait_ks(&client, "app", "Ready at the second revision", |o| {
        applied(o, &rev2)
    })
    .await;
    assert!(has(&ok, "Healthy", "True", None), "{ok}");
    let recreated = get_json(&deployments, "podinfo").await.unwrap();
    assert_ne!(recreated["metadata"]["uid"], uid1);
    assert_eq!(
        recreated["spec"]["selector"],
        json!({"matchLabels": {"app": "podinfo-v2"}})
    );
    assert_eq!(
        recreated["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"],
        "app"
    );
    let evs = events(&client, "app").await;
    assert!(
        evs.iter()
            .any(|(t, _, m)| t == "Normal" && m.contains("Deployment/default/podinfo created")),
        "{evs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_annotation_recreates_only_the_annotated_object() {
    let annotated = "  annotations:\n    kustomize.toolkit.fluxcd.io/force: Enabled\n";
    let a1 = deployment("forced", "forced", annotated);
    let b1 = deployment("plain", "plain", "");
    let (env, rev1) = start(&[
        ("app/forced.yaml", Some(&a1)),
        ("app/plain.yaml", Some(&b1)),
    ])
    .await;
    let client = env.client.clone();
    env.git_repository().await;
    create::<Kustomization>(&client, kustomization("app", "./app", json!({}))).await;
    wait_ks(&client, "app", "Ready at the first revision", |o| {
        applied(o, &rev1)
    })
    .await;
    let deployments = dynamic(&client, "apps/v1", "Deployment", "deployments", "default");
    let forced_uid = get_json(&deployments, "forced").await.unwrap()["metadata"]["uid"].clone();
    let plain_uid = get_json(&deployments, "plain").await.unwrap()["metadata"]["uid"].clone();

    // Only the annotated Deployment's selector changes: without `spec.force` the
    // annotation alone makes it recreated; the other Deployment is untouched.
    let a2 = deployment("forced", "forced-v2", annotated);
    let rev2 = commit(&env.repo, &[("app/forced.yaml", Some(&a2))]);
    wait_ks(&client, "app", "Ready at the second revision", |o| {
        applied(o, &rev2)
    })
    .await;
    let forced = get_json(&deployments, "forced").await.unwrap();
    assert_ne!(forced["metadata"]["uid"], forced_uid);
    assert_eq!(
        forced["spec"]["selector"],
        json!({"matchLabels": {"app": "forced-v2"}})
    );
    let plain = get_json(&deployments, "plain").await.unwrap();
    assert_eq!(plain["metadata"]["uid"], plain_uid);

    // The same change on the plain Deployment is refused.
    let b2 = deployment("plain", "plain-v2", "");
    let rev3 = commit(&env.repo, &[("app/plain.yaml", Some(&b2))]);
    let failed = wait_ks(&client, "app", "Ready=False on the plain Deployment", |o| {
        has(o, "Ready", "False", Some("ReconciliationFailed"))
            && o["status"]["lastAttemptedRevision"] == rev3
    })
    .await;
    let message = ready_message(&failed);
    assert!(
        message.contains(&immutable_message("plain", "plain-v2")),
        "{message}"
    );
    let plain = get_json(&deployments, "plain").await.unwrap();
    assert_eq!(plain["metadata"]["uid"], plain_uid);
    assert_eq!(
        plain["spec"]["selector"],
        json!({"matchLabels": {"app": "plain"}})
    );
}

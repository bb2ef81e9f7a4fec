//! The Kustomization reconciler against a devcluster simulating workloads, with a real Git
//! repository served over smart HTTP and the source controller running alongside:
//! podinfo becomes Ready, commits roll out and prune, drift is reverted, suspend stops
//! that, a broken build applies nothing, unowned objects are not pruned, deletion
//! prunes; dependsOn ordering with post-build substitution and targetNamespace; injected
//! API failures are retried.
#![allow(clippy::unwrap_used)]

mod kustomize_support;

use std::time::Duration;

use gitops_core::api::kustomize::Kustomization;
use gitops_devcluster::faults::{Effect, Fault};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, Patch, PatchParams};
use kustomize_support::*;
use serde_json::{Value, json};

fn deployment(image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo\n  namespace: default\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: podinfo\n  template:\n    metadata:\n      labels:\n        app: podinfo\n    spec:\n      containers:\n      - name: podinfod\n        image: {image}\n"
    )
}

const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: podinfo\n  namespace: default\nspec:\n  selector:\n    app: podinfo\n  ports:\n  - port: 9898\n";
const CONFIG: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo-config\n  namespace: default\ndata:\n  a: b\n";

fn sops_fixture(name: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../gitops-render/tests/fixtures/sops/kustomize-controller");
    std::fs::read_to_string(dir.join(name)).unwrap()
}

fn image_of(d: &Value) -> String {
    d["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn podinfo_rolls_out_prunes_corrects_drift_and_is_deleted() {
    let d1 = deployment("ghcr.io/stefanprodan/podinfo:6.0.0");
    let (env, rev1) = start(&[
        ("podinfo/deployment.yaml", Some(&d1)),
        ("podinfo/service.yaml", Some(SERVICE)),
        ("podinfo/config.yaml", Some(CONFIG)),
    ])
    .await;
    let client = env.client.clone();
    env.git_repository().await;
    create::<Kustomization>(
        &client,
        kustomization("podinfo", "./podinfo", json!({"wait": true})),
    )
    .await;

    let obj = wait_ks(&client, "podinfo", "Ready at the first revision", |o| {
        applied(o, &rev1)
    })
    .await;
    assert_eq!(
        condition(&obj, "Ready").unwrap()["message"],
        format!("Applied revision: {rev1}")
    );
    assert!(has(&obj, "Healthy", "True", Some("Succeeded")), "{obj}");
    assert!(condition(&obj, "Reconciling").is_none());
    assert_eq!(obj["status"]["lastAttemptedRevision"], rev1);
    assert_eq!(
        obj["status"]["observedGeneration"],
        obj["metadata"]["generation"]
    );
    assert_eq!(
        obj["metadata"]["finalizers"],
        json!(["finalizers.fluxcd.io"])
    );
    let mut ids: Vec<&str> = obj["status"]["inventory"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "default_podinfo-config__ConfigMap",
            "default_podinfo__Service",
            "default_podinfo_apps_Deployment"
        ]
    );
    let history = obj["status"]["history"].as_array().unwrap();
    assert_eq!(
        history[0]["lastReconciledStatus"],
        "ReconciliationSucceeded"
    );
    assert!(
        history[0]["digest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    assert_eq!(history[0]["metadata"]["revision"], rev1);
    let deployments = dynamic(&client, "apps/v1", "Deployment", "deployments", "default");
    let d = get_json(&deployments, "podinfo").await.unwrap();
    assert_eq!(
        d["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"],
        "podinfo"
    );
    assert_eq!(
        d["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/namespace"],
        "default"
    );
    assert_eq!(image_of(&d), "ghcr.io/stefanprodan/podinfo:6.0.0");
    let evs = events(&client, "podinfo").await;
    assert!(
        evs.iter().any(|(t, _, m)| t == "Normal"
            && m.contains("Deployment/default/podinfo created")
            && m.contains("Service/default/podinfo created")),
        "{evs:?}"
    );
    assert!(
        evs.iter()
            .any(|(t, _, m)| t == "Normal" && m.starts_with("Health check passed in ")),
        "{evs:?}"
    );

    // A new image: the source's new revision triggers the Kustomization (interval 1h).
    let d2 = deployment("ghcr.io/stefanprodan/podinfo:6.1.0");
    let rev2 = commit(&env.repo, &[("podinfo/deployment.yaml", Some(&d2))]);
    wait_ks(&client, "podinfo", "new image applied", |o| {
        applied(o, &rev2)
    })
    .await;
    assert_eq!(
        image_of(&get_json(&deployments, "podinfo").await.unwrap()),
        "ghcr.io/stefanprodan/podinfo:6.1.0"
    );

    // kubectl edit drift is reverted at the next reconcile.
    let edit = PatchParams {
        field_manager: Some("kubectl-edit".into()),
        ..Default::default()
    };
    deployments
        .patch(
            "podinfo",
            &edit,
            &Patch::Merge(json!({"spec": {"replicas": 5}})),
        )
        .await
        .unwrap();
    request(&client, "podinfo", "drift-1").await;
    wait_ks(&client, "podinfo", "requestedAt handled", |o| {
        o["status"]["lastHandledReconcileAt"] == "drift-1"
    })
    .await;
    assert_eq!(
        get_json(&deployments, "podinfo").await.unwrap()["spec"]["replicas"],
        2
    );

    // Suspended: drift stays.
    merge_ks(&client, "podinfo", json!({"spec": {"suspend": true}})).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    deployments
        .patch(
            "podinfo",
            &edit,
            &Patch::Merge(json!({"spec": {"replicas": 7}})),
        )
        .await
        .unwrap();
    request(&client, "podinfo", "drift-2").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        get_json(&deployments, "podinfo").await.unwrap()["spec"]["replicas"],
        7
    );
    merge_ks(&client, "podinfo", json!({"spec": {"suspend": false}})).await;
    wait_ks(&client, "podinfo", "resumed", |o| {
        o["status"]["lastHandledReconcileAt"] == "drift-2"
    })
    .await;
    assert_eq!(
        get_json(&deployments, "podinfo").await.unwrap()["spec"]["replicas"],
        2
    );

    // A broken kustomization.yaml: BuildFailed, nothing applied or pruned.
    let d3 = deployment("ghcr.io/stefanprodan/podinfo:9.9.9");
    let broken = commit(
        &env.repo,
        &[
            (
                "podinfo/kustomization.yaml",
                Some("resources: [deployment.yaml\n  - : ]]\n"),
            ),
            ("podinfo/deployment.yaml", Some(&d3)),
            ("podinfo/config.yaml", None),
        ],
    );
    let obj = wait_ks(&client, "podinfo", "build failure", |o| {
        has(o, "Ready", "False", Some("BuildFailed"))
            && o["status"]["lastAttemptedRevision"] == broken
    })
    .await;
    assert_eq!(obj["status"]["lastAppliedRevision"], rev2);
    assert_eq!(
        condition(&obj, "Reconciling").unwrap()["reason"],
        "ProgressingWithRetry"
    );
    assert_eq!(
        image_of(&get_json(&deployments, "podinfo").await.unwrap()),
        "ghcr.io/stefanprodan/podinfo:6.1.0"
    );
    let configmaps = dynamic(&client, "v1", "ConfigMap", "configmaps", "default");
    assert!(
        get_json(&configmaps, "podinfo-config").await.is_some(),
        "a failed build prunes nothing"
    );
    let evs = events(&client, "podinfo").await;
    assert!(
        evs.iter()
            .any(|(t, r, _)| t == "Warning" && r == "BuildFailed"),
        "{evs:?}"
    );

    // Fixed, deleting the ConfigMap and the Service, whose owner labels were removed:
    // the ConfigMap is pruned, the Service is kept.
    let services = dynamic(&client, "v1", "Service", "services", "default");
    services
        .patch(
            "podinfo",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"kustomize.toolkit.fluxcd.io/name": null, "kustomize.toolkit.fluxcd.io/namespace": null}}})),
        )
        .await
        .unwrap();
    let rev4 = commit(
        &env.repo,
        &[
            ("podinfo/kustomization.yaml", None),
            ("podinfo/service.yaml", None),
        ],
    );
    let obj = wait_ks(&client, "podinfo", "fixed and pruned", |o| {
        applied(o, &rev4)
    })
    .await;
    let ids: Vec<&str> = obj["status"]["inventory"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["default_podinfo_apps_Deployment"]);
    assert!(
        get_json(&configmaps, "podinfo-config").await.is_none(),
        "deleted file pruned"
    );
    assert!(
        get_json(&services, "podinfo").await.is_some(),
        "objects without our owner labels are not pruned"
    );
    assert_eq!(
        image_of(&get_json(&deployments, "podinfo").await.unwrap()),
        "ghcr.io/stefanprodan/podinfo:9.9.9"
    );
    let evs = events(&client, "podinfo").await;
    assert!(
        evs.iter()
            .any(|(_, _, m)| m == "ConfigMap/default/podinfo-config deleted"),
        "{evs:?}"
    );

    // Deletion with the default policy (MirrorPrune, prune: true) removes the objects.
    let api: Api<Kustomization> = Api::namespaced(client.clone(), "default");
    api.delete("podinfo", &DeleteParams::default())
        .await
        .unwrap();
    eventually("Kustomization and Deployment deleted", || {
        let api = api.clone();
        let deployments = deployments.clone();
        async move {
            api.get_opt("podinfo").await.unwrap().is_none()
                && get_json(&deployments, "podinfo").await.is_none()
        }
    })
    .await;
    assert!(get_json(&services, "podinfo").await.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn depends_on_orders_with_substitution_target_namespace_and_sops() {
    let age_secret = sops_fixture("age.yaml");
    let env_file = sops_fixture("env.env");
    let (env, rev) = start(&[
        ("secrets/age.yaml", Some(&age_secret)),
        ("secrets/env.env", Some(&env_file)),
        (
            "secrets/kustomization.yaml",
            Some("resources:\n- age.yaml\ngeneratorOptions:\n  disableNameSuffixHash: true\nsecretGenerator:\n- name: envs\n  envs:\n  - env.env\n"),
        ),
        ("infra/namespace.yaml", Some("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n")),
        (
            "apps/config.yaml",
            Some("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n  message: \"${greeting} from ${cluster:=dev}\"\n"),
        ),
    ])
    .await;
    let client = env.client.clone();
    let vars: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    vars.create(
        &Default::default(),
        &serde_json::from_value(
            json!({"metadata": {"name": "vars"}, "data": {"greeting": "hello"}}),
        )
        .unwrap(),
    )
    .await
    .unwrap();
    env.git_repository().await;
    create::<Kustomization>(
        &client,
        kustomization(
            "apps",
            "./apps",
            json!({"dependsOn": [{"name": "infra"}], "targetNamespace": "apps",
                "postBuild": {"substituteFrom": [{"kind": "ConfigMap", "name": "vars"}, {"kind": "Secret", "name": "absent", "optional": true}]}}),
        ),
    )
    .await;
    let obj = wait_ks(&client, "apps", "waiting for its dependency", |o| {
        has(o, "Ready", "False", Some("DependencyNotReady"))
    })
    .await;
    let message = condition(&obj, "Ready").unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.starts_with("dependency 'default/infra' not found"),
        "{message}"
    );
    assert!(
        obj["status"]["inventory"].is_null(),
        "nothing applied before the dependency is ready"
    );
    let evs = events(&client, "apps").await;
    assert!(
        evs.iter().any(|(t, _, m)| t == "Normal"
            && m == "Dependencies do not meet ready condition, retrying in 1s"),
        "{evs:?}"
    );

    create::<Kustomization>(
        &client,
        kustomization("infra", "./infra", json!({"wait": true})),
    )
    .await;
    let infra = wait_ks(&client, "infra", "infra Ready", |o| applied(o, &rev)).await;
    let apps = wait_ks(&client, "apps", "apps Ready after infra", |o| {
        applied(o, &rev)
    })
    .await;
    let ready_at = |o: &Value| {
        condition(o, "Ready").unwrap()["lastTransitionTime"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(ready_at(&infra) <= ready_at(&apps));
    let cm: Api<ConfigMap> = Api::namespaced(client.clone(), "apps");
    let greeting = cm.get("greeting").await.unwrap();
    assert_eq!(greeting.data.unwrap()["message"], "hello from dev");
    assert_eq!(
        apps["status"]["inventory"]["entries"][0]["id"],
        "apps_greeting__ConfigMap"
    );

    // SOPS: generator sources decrypted before the build, encrypted objects after it.
    let secrets: Api<k8s_openapi::api::core::v1::Secret> =
        Api::namespaced(client.clone(), "default");
    secrets
        .create(
            &Default::default(),
            &serde_json::from_value(json!({"metadata": {"name": "sops-keys"}, "stringData": {"age.agekey": sops_fixture("age.agekey")}}))
                .unwrap(),
        )
        .await
        .unwrap();
    create::<Kustomization>(
        &client,
        kustomization(
            "secrets",
            "./secrets",
            json!({"targetNamespace": "default", "decryption": {"provider": "sops", "secretRef": {"name": "sops-keys"}}}),
        ),
    )
    .await;
    wait_ks(&client, "secrets", "decrypted and applied", |o| {
        applied(o, &rev)
    })
    .await;
    let envs = serde_json::to_value(secrets.get("envs").await.unwrap()).unwrap();
    assert_eq!(envs["data"]["key"], "dmFsdWU=");
    let age = serde_json::to_value(secrets.get("age").await.unwrap()).unwrap();
    assert!(
        age["stringData"]["key"] == "value" || age["data"]["key"] == "dmFsdWU=",
        "{age}"
    );
    assert!(age.get("sops").is_none());

    // An invalid health check expression stalls without applying anything.
    create::<Kustomization>(
        &client,
        kustomization("bad", "./infra", json!({"healthCheckExprs": [{"apiVersion": "v1", "kind": "Namespace", "current": "self.(("}]})),
    )
    .await;
    let bad = wait_ks(&client, "bad", "stalled", |o| {
        has(o, "Stalled", "True", Some("InvalidCELExpression"))
    })
    .await;
    assert!(
        has(&bad, "Ready", "False", Some("InvalidCELExpression")),
        "{bad}"
    );
    assert!(bad["status"]["inventory"].is_null());
    assert!(condition(&bad, "Reconciling").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_failures_are_retried_and_remote_clusters_are_reached() {
    let (env, rev) = start(&[
        ("app/deployment.yaml", Some(&deployment("nginx:1"))),
        ("remote/config.yaml", Some(CONFIG)),
    ])
    .await;
    let client = env.client.clone();
    // An internal error, a conflict and a server timeout, one after the other.
    for code in [500, 409, 504] {
        env.cluster.faults().add(Fault {
            verbs: vec!["patch".into()],
            resource: Some("deployments".into()),
            effect: Effect::Status { code },
            times: Some(1),
            ..Fault::default()
        });
    }
    env.git_repository().await;
    create::<Kustomization>(
        &client,
        kustomization("app", "./app", json!({"wait": true})),
    )
    .await;
    wait_ks(&client, "app", "converged after failures", |o| {
        applied(o, &rev)
    })
    .await;
    assert!(
        env.cluster.faults().list().is_empty(),
        "every injected failure was hit"
    );
    let evs = events(&client, "app").await;
    assert!(
        evs.iter()
            .any(|(t, r, _)| t == "Warning" && r == "ReconciliationFailed"),
        "{evs:?}"
    );
    let deployments = dynamic(&client, "apps/v1", "Deployment", "deployments", "default");
    assert_eq!(
        image_of(&get_json(&deployments, "podinfo").await.unwrap()),
        "nginx:1"
    );

    // spec.kubeConfig: the objects go to the remote cluster, and are pruned from it.
    let remote = gitops_devcluster::cluster::DevCluster::start(Default::default()).unwrap();
    let secrets: Api<k8s_openapi::api::core::v1::Secret> =
        Api::namespaced(client.clone(), "default");
    secrets
        .create(
            &Default::default(),
            &k8s_openapi::api::core::v1::Secret {
                metadata: kube::api::ObjectMeta {
                    name: Some("remote".into()),
                    ..Default::default()
                },
                data: Some(
                    [(
                        "value".to_string(),
                        k8s_openapi::ByteString(remote.kubeconfig().into_bytes()),
                    )]
                    .into(),
                ),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    create::<Kustomization>(
        &client,
        kustomization(
            "remote",
            "./remote",
            json!({"kubeConfig": {"secretRef": {"name": "remote"}}}),
        ),
    )
    .await;
    wait_ks(&client, "remote", "applied remotely", |o| applied(o, &rev)).await;
    let remote_cms = dynamic(
        &remote.client().unwrap(),
        "v1",
        "ConfigMap",
        "configmaps",
        "default",
    );
    assert_eq!(
        get_json(&remote_cms, "podinfo-config").await.unwrap()["data"]["a"],
        "b"
    );
    let local_cms = dynamic(&client, "v1", "ConfigMap", "configmaps", "default");
    assert!(get_json(&local_cms, "podinfo-config").await.is_none());
    let api: Api<Kustomization> = Api::namespaced(client.clone(), "default");
    api.delete("remote", &DeleteParams::default())
        .await
        .unwrap();
    eventually("pruned from the remote cluster", || {
        let remote_cms = remote_cms.clone();
        async move { get_json(&remote_cms, "podinfo-config").await.is_none() }
    })
    .await;
}

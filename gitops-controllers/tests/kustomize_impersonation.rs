//! `spec.serviceAccountName` and `--default-service-account`: the Kustomization's
//! objects are applied, pruned, health-checked and deleted as
//! `system:serviceaccount:<ns>:<name>`, authorized by the devcluster's RBAC.
#![allow(clippy::unwrap_used)]

mod kustomize_support;

use std::time::{Duration, Instant};

use gitops_core::api::kustomize::Kustomization;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use kustomize_support::{applied, commit, dynamic, get_json, has, kustomization, start_with};
use serde_json::{Value, json};

const TWO: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: apps\ndata:\n  k: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: apps\ndata:\n  k: b\n";
const ONE: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: apps\ndata:\n  k: a\n";

/// Creates `value` (a namespaced or cluster object) with the admin client.
async fn admin_create(
    client: &kube::Client,
    api_version: &str,
    kind: &str,
    plural: &str,
    value: Value,
) {
    let ns = value["metadata"]["namespace"].as_str().unwrap_or("");
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let ar = kube::core::ApiResource::from_gvk_with_plural(
        &kube::core::GroupVersionKind::gvk(group, version, kind),
        plural,
    );
    let api: Api<kube::api::DynamicObject> = if ns.is_empty() {
        Api::all_with(client.clone(), &ar)
    } else {
        Api::namespaced_with(client.clone(), ns, &ar)
    };
    api.create(
        &PostParams::default(),
        &serde_json::from_value(value).unwrap(),
    )
    .await
    .expect("admin creates");
}

/// Namespace `apps` with ServiceAccount `deployer`.
async fn namespace_and_account(client: &kube::Client) {
    admin_create(
        client,
        "v1",
        "Namespace",
        "namespaces",
        json!({"metadata": {"name": "apps"}}),
    )
    .await;
    admin_create(
        client,
        "v1",
        "ServiceAccount",
        "serviceaccounts",
        json!({"metadata": {"name": "deployer", "namespace": "apps"}}),
    )
    .await;
}

/// Kustomization `apps/<name>` of `./apps` from GitRepository `default/fleet`.
async fn create_ks(client: &kube::Client, name: &str, extra: Value) {
    let mut ks = kustomization(name, "./apps", extra);
    ks["metadata"]["namespace"] = json!("apps");
    ks["spec"]["sourceRef"]["namespace"] = json!("default");
    let api: Api<Kustomization> = Api::namespaced(client.clone(), "apps");
    api.create(&PostParams::default(), &serde_json::from_value(ks).unwrap())
        .await
        .expect("create Kustomization");
}

/// Polls Kustomization `apps/name` until `check` holds.
async fn wait_apps_ks(
    client: &kube::Client,
    name: &str,
    what: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let api: Api<Kustomization> = Api::namespaced(client.clone(), "apps");
    let start = Instant::now();
    let mut last = Value::Null;
    while start.elapsed() < Duration::from_secs(60) {
        if let Ok(obj) = api.get(name).await {
            last = serde_json::to_value(&obj).unwrap();
            if check(&last) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "timed out waiting for apps/{name}: {what}; last state:\n{}",
        serde_json::to_string_pretty(&last).unwrap()
    );
}

fn ready_message(obj: &Value) -> String {
    kustomize_support::condition(obj, "Ready").map_or(String::new(), |c| {
        c["message"].as_str().unwrap_or_default().to_string()
    })
}

fn forbidden(user: &str, verb: &str, name: &str) -> String {
    format!(
        "configmaps \"{name}\" is forbidden: User \"{user}\" cannot {verb} resource \"configmaps\" in API group \"\" in the namespace \"apps\""
    )
}

const DEPLOYER: &str = "system:serviceaccount:apps:deployer";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn impersonation_service_account_rbac_gates_apply_and_prune() {
    let (env, rev1) = start_with(&[("apps/cms.yaml", Some(TWO))], |_| {}).await;
    namespace_and_account(&env.client).await;
    env.git_repository().await;
    create_ks(
        &env.client,
        "ks",
        json!({"serviceAccountName": "deployer", "wait": true}),
    )
    .await;

    // No RBAC for the account: the apply is forbidden and nothing is written.
    let failed = wait_apps_ks(&env.client, "ks", "Ready=False forbidden", |o| {
        has(o, "Ready", "False", Some("ReconciliationFailed"))
            && ready_message(o).contains("is forbidden")
    })
    .await;
    let message = ready_message(&failed);
    // As Flux: the failed read is ignored and the dry-run apply's error is reported.
    assert_eq!(
        message,
        format!(
            "ConfigMap/apps/a dry-run failed (Forbidden): {}",
            forbidden(DEPLOYER, "patch", "a")
        )
    );
    let cms = dynamic(&env.client, "v1", "ConfigMap", "configmaps", "apps");
    assert!(get_json(&cms, "a").await.is_none());
    assert!(get_json(&cms, "b").await.is_none());

    // A Role without `delete` bound to the account: the apply succeeds.
    let role = |verbs: Value| {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "deployer", "namespace": "apps"},
            "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": verbs}]})
    };
    admin_create(
        &env.client,
        "rbac.authorization.k8s.io/v1",
        "Role",
        "roles",
        role(json!(["get", "list", "watch", "create", "update", "patch"])),
    )
    .await;
    admin_create(
        &env.client,
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
        "rolebindings",
        json!({"metadata": {"name": "deployer", "namespace": "apps"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "deployer"},
            "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": "apps"}]}),
    )
    .await;
    let ks_api: Api<Kustomization> = Api::namespaced(env.client.clone(), "apps");
    ks_api
        .patch(
            "ks",
            &PatchParams::default(),
            &Patch::Merge(
                json!({"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": "one"}}}),
            ),
        )
        .await
        .unwrap();
    wait_apps_ks(&env.client, "ks", "applied", |o| applied(o, &rev1)).await;
    let a = get_json(&cms, "a").await.expect("a applied");
    assert_eq!(a["data"]["k"], "a");
    assert_eq!(
        a["metadata"]["managedFields"][0]["manager"],
        "kustomize-controller"
    );
    assert!(get_json(&cms, "b").await.is_some());

    // Pruning b needs `delete`, which the account lacks.
    let rev2 = commit(&env.repo, &[("apps/cms.yaml", Some(ONE))]);
    let prune_failed = wait_apps_ks(&env.client, "ks", "PruneFailed", |o| {
        has(o, "Ready", "False", Some("PruneFailed"))
    })
    .await;
    let message = ready_message(&prune_failed);
    assert_eq!(
        message,
        format!(
            "delete failed, errors: ConfigMap/apps/b delete failed: {};",
            forbidden(DEPLOYER, "delete", "b")
        )
    );
    assert!(get_json(&cms, "b").await.is_some(), "b is kept");

    // Granting `delete` lets the prune through.
    let roles = dynamic(
        &env.client,
        "rbac.authorization.k8s.io/v1",
        "Role",
        "roles",
        "apps",
    );
    roles
        .patch(
            "deployer",
            &PatchParams::default(),
            &Patch::Merge(role(json!([
                "get", "list", "watch", "create", "update", "patch", "delete"
            ]))),
        )
        .await
        .unwrap();
    wait_apps_ks(&env.client, "ks", "applied rev2", |o| applied(o, &rev2)).await;
    assert!(get_json(&cms, "b").await.is_none(), "b pruned");
    assert!(get_json(&cms, "a").await.is_some());

    // Deleting the Kustomization deletes its objects as the account too.
    ks_api.delete("ks", &DeleteParams::default()).await.unwrap();
    kustomize_support::eventually("a deleted and ks gone", || async {
        get_json(&cms, "a").await.is_none() && ks_api.get_opt("ks").await.unwrap().is_none()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn impersonation_default_service_account_and_spec_override() {
    let (env, _) = start_with(&[("apps/cms.yaml", Some(ONE))], |o| {
        o.default_service_account = Some("flux-applier".into());
    })
    .await;
    namespace_and_account(&env.client).await;
    env.git_repository().await;
    create_ks(&env.client, "by-default", json!({})).await;
    create_ks(
        &env.client,
        "by-spec",
        json!({"serviceAccountName": "deployer"}),
    )
    .await;
    for (name, user) in [
        ("by-default", "system:serviceaccount:apps:flux-applier"),
        ("by-spec", DEPLOYER),
    ] {
        let failed = wait_apps_ks(&env.client, name, "Ready=False forbidden", |o| {
            has(o, "Ready", "False", Some("ReconciliationFailed"))
                && ready_message(o).contains("is forbidden")
        })
        .await;
        let message = ready_message(&failed);
        assert!(
            message.contains(&format!("User \"{user}\" cannot")),
            "{name}: {message}"
        );
    }
    // A ClusterRole bound to the default account in `apps` makes it apply.
    admin_create(
        &env.client,
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
        "clusterroles",
        json!({"metadata": {"name": "cm-writer"},
            "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["*"]}]}),
    )
    .await;
    admin_create(
        &env.client,
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
        "rolebindings",
        json!({"metadata": {"name": "flux-applier", "namespace": "apps"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cm-writer"},
            "subjects": [{"kind": "ServiceAccount", "name": "flux-applier"}]}),
    )
    .await;
    wait_apps_ks(&env.client, "by-default", "Ready", |o| {
        has(o, "Ready", "True", Some("ReconciliationSucceeded"))
    })
    .await;
    // The spec's account still has no rights.
    let spec = wait_apps_ks(&env.client, "by-spec", "still forbidden", |o| {
        has(o, "Ready", "False", Some("ReconciliationFailed"))
    })
    .await;
    assert!(
        ready_message(&spec).contains(DEPLOYER),
        "{}",
        ready_message(&spec)
    );

    // ServiceAccount `flux-applier` does not exist: deleting the Kustomization cannot
    // prune as it, so the objects stay and the Kustomization is released (as Flux).
    let ks_api: Api<Kustomization> = Api::namespaced(env.client.clone(), "apps");
    ks_api
        .delete("by-default", &DeleteParams::default())
        .await
        .unwrap();
    kustomize_support::eventually("by-default released", || async {
        ks_api.get_opt("by-default").await.unwrap().is_none()
    })
    .await;
    let cms = dynamic(&env.client, "v1", "ConfigMap", "configmaps", "apps");
    assert!(get_json(&cms, "a").await.is_some(), "a is left in place");
    let events: Api<gitops_core::k8s::k8s_openapi::api::core::v1::Event> =
        Api::namespaced(env.client.clone(), "apps");
    let warned = events
        .list(&Default::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .any(|e| {
            e.involved_object.name.as_deref() == Some("by-default")
                && e.type_.as_deref() == Some("Warning")
                && e.message.as_deref() == Some("unable to prune objects: \nConfigMap/apps/a\n")
        });
    assert!(warned, "a Warning event lists the objects left behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn impersonation_needs_a_client_config_or_a_kube_config() {
    let (env, _) = start_with(&[("apps/cms.yaml", Some(ONE))], |o| {
        o.client_config = None;
    })
    .await;
    namespace_and_account(&env.client).await;
    env.git_repository().await;
    create_ks(&env.client, "ks", json!({"serviceAccountName": "deployer"})).await;
    let failed = wait_apps_ks(&env.client, "ks", "Ready=False", |o| {
        has(o, "Ready", "False", Some("ReconciliationFailed"))
    })
    .await;
    assert_eq!(
        ready_message(&failed),
        "failed to build kube client: cannot impersonate 'system:serviceaccount:apps:deployer': the controller has no kube::Config to build an impersonating client from (KustomizeOptions::client_config is not set)"
    );

    // With `spec.kubeConfig` the remote cluster's client impersonates the account (no
    // controller config needed): here the remote cluster is the devcluster itself.
    let secret: gitops_core::k8s::k8s_openapi::api::core::v1::Secret =
        serde_json::from_value(json!({"metadata": {"name": "kc", "namespace": "apps"}})).unwrap();
    let secret = gitops_core::k8s::k8s_openapi::api::core::v1::Secret {
        data: Some(
            [(
                "value".to_string(),
                gitops_core::k8s::k8s_openapi::ByteString(env.cluster.kubeconfig().into_bytes()),
            )]
            .into(),
        ),
        ..secret
    };
    Api::namespaced(env.client.clone(), "apps")
        .create(&PostParams::default(), &secret)
        .await
        .expect("admin creates the kubeconfig Secret");
    create_ks(
        &env.client,
        "remote",
        json!({"serviceAccountName": "deployer", "kubeConfig": {"secretRef": {"name": "kc"}}}),
    )
    .await;
    let failed = wait_apps_ks(&env.client, "remote", "Ready=False forbidden", |o| {
        has(o, "Ready", "False", Some("ReconciliationFailed"))
            && ready_message(o).contains("is forbidden")
    })
    .await;
    assert_eq!(
        ready_message(&failed),
        format!(
            "ConfigMap/apps/a dry-run failed (Forbidden): {}",
            forbidden(DEPLOYER, "patch", "a")
        )
    );
}

//! Impersonation and RBAC: a `kube::Client` (and `kubectl --as`) impersonating a service
//! account is authorized against the stored Roles and bindings; the admin is not.

mod support;

use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

const SA: &str = "system:serviceaccount:apps:deployer";

/// A client for `env` impersonating `user` (with `groups`, if any).
fn impersonating(env: &support::Env, user: &str, groups: Option<Vec<String>>) -> kube::Client {
    let mut config = kube::Config::new(env.handle.url().parse().expect("url"));
    config.default_namespace = "default".into();
    config.auth_info.impersonate = Some(user.to_string());
    config.auth_info.impersonate_groups = groups;
    kube::Client::try_from(config).expect("client")
}

fn forbidden(e: kube::Error) -> Box<kube::core::Status> {
    match e {
        kube::Error::Api(s) => {
            assert_eq!((s.code, s.reason.as_str()), (403, "Forbidden"), "{s:?}");
            s
        }
        other => panic!("expected a Forbidden status, got {other:?}"),
    }
}

fn cm(name: &str) -> ConfigMap {
    serde_json::from_value(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "apps"}, "data": {"k": "v"}}))
    .expect("ConfigMap")
}

async fn create_json<K>(api: &Api<K>, value: Value)
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + serde::Serialize + std::fmt::Debug,
{
    api.create(
        &PostParams::default(),
        &serde_json::from_value(value).expect("object"),
    )
    .await
    .expect("admin creates");
}

async fn setup(env: &support::Env) -> kube::Client {
    let admin = env.handle.client().expect("client");
    let ns: Api<Namespace> = Api::all(admin.clone());
    create_json(&ns, json!({"metadata": {"name": "apps"}})).await;
    let cms: Api<ConfigMap> = Api::namespaced(admin.clone(), "apps");
    cms.create(&PostParams::default(), &cm("existing"))
        .await
        .expect("admin creates a ConfigMap");
    admin
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rbac_impersonated_service_account_is_forbidden_without_bindings() {
    let env = support::start();
    setup(&env).await;
    let sa = impersonating(&env, SA, None);
    let cms: Api<ConfigMap> = Api::namespaced(sa.clone(), "apps");

    let patch = PatchParams::apply("test").force();
    let e = forbidden(
        cms.patch("x", &patch, &Patch::Apply(&cm("x")))
            .await
            .expect_err("patch is denied"),
    );
    assert_eq!(
        e.message,
        "configmaps \"x\" is forbidden: User \"system:serviceaccount:apps:deployer\" cannot patch resource \"configmaps\" in API group \"\" in the namespace \"apps\""
    );
    let details = e.details.as_ref().expect("details");
    assert_eq!(
        (details.name.as_str(), details.kind.as_str()),
        ("x", "configmaps")
    );

    let e = forbidden(
        cms.create(&PostParams::default(), &cm("y"))
            .await
            .expect_err("create is denied"),
    );
    assert_eq!(
        e.message,
        "configmaps is forbidden: User \"system:serviceaccount:apps:deployer\" cannot create resource \"configmaps\" in API group \"\" in the namespace \"apps\""
    );

    let all: Api<ConfigMap> = Api::all(sa.clone());
    let e = forbidden(
        all.list(&ListParams::default())
            .await
            .expect_err("list is denied"),
    );
    assert_eq!(
        e.message,
        "configmaps is forbidden: User \"system:serviceaccount:apps:deployer\" cannot list resource \"configmaps\" in API group \"\" at the cluster scope"
    );

    let ns: Api<Namespace> = Api::all(sa.clone());
    let e = forbidden(ns.get("apps").await.expect_err("namespace get is denied"));
    assert_eq!(
        e.message,
        "namespaces \"apps\" is forbidden: User \"system:serviceaccount:apps:deployer\" cannot get resource \"namespaces\" in API group \"\" in the namespace \"apps\""
    );

    // Discovery is allowed to everyone.
    let discovery = kube::Discovery::new(sa.clone())
        .run()
        .await
        .expect("discovery works while impersonating");
    assert!(discovery.has_group("apps"));
    assert_eq!(sa.apiserver_version().await.expect("version").major, "1");

    // Nothing was written by the denied requests.
    let admin: Api<ConfigMap> = Api::namespaced(env.handle.client().expect("client"), "apps");
    assert!(admin.get_opt("x").await.expect("get").is_none());
    assert!(admin.get_opt("y").await.expect("get").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rbac_role_binding_grants_its_verbs_in_its_namespace() {
    let env = support::start();
    let admin = setup(&env).await;
    let roles: Api<k8s_openapi::api::rbac::v1::Role> = Api::namespaced(admin.clone(), "apps");
    create_json(
        &roles,
        json!({"metadata": {"name": "deployer", "namespace": "apps"},
            "rules": [{"apiGroups": [""], "resources": ["configmaps"],
                       "verbs": ["get", "list", "watch", "create", "patch"]}]}),
    )
    .await;
    let bindings: Api<k8s_openapi::api::rbac::v1::RoleBinding> =
        Api::namespaced(admin.clone(), "apps");
    create_json(
        &bindings,
        json!({"metadata": {"name": "deployer", "namespace": "apps"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "deployer"},
            "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": "apps"}]}),
    )
    .await;

    let sa = impersonating(&env, SA, None);
    let cms: Api<ConfigMap> = Api::namespaced(sa.clone(), "apps");
    let applied = cms
        .patch(
            "x",
            &PatchParams::apply("test").force(),
            &Patch::Apply(&cm("x")),
        )
        .await
        .expect("server-side apply is allowed");
    assert_eq!(applied.metadata.name.as_deref(), Some("x"));
    cms.create(&PostParams::default(), &cm("y"))
        .await
        .expect("create is allowed");
    let names: Vec<String> = cms
        .list(&ListParams::default())
        .await
        .expect("list is allowed")
        .items
        .into_iter()
        .filter_map(|c| c.metadata.name)
        .collect();
    assert_eq!(names, ["existing", "x", "y"]);

    // Not granted: delete, other namespaces, other resources.
    let e = forbidden(
        cms.delete("x", &DeleteParams::default())
            .await
            .expect_err("delete is denied"),
    );
    assert_eq!(
        e.message,
        "configmaps \"x\" is forbidden: User \"system:serviceaccount:apps:deployer\" cannot delete resource \"configmaps\" in API group \"\" in the namespace \"apps\""
    );
    let default_cms: Api<ConfigMap> = Api::namespaced(sa.clone(), "default");
    forbidden(
        default_cms
            .list(&ListParams::default())
            .await
            .expect_err("other namespace is denied"),
    );
    let secrets: Api<k8s_openapi::api::core::v1::Secret> = Api::namespaced(sa.clone(), "apps");
    forbidden(
        secrets
            .list(&ListParams::default())
            .await
            .expect_err("secrets are denied"),
    );

    // Another service account of the namespace has no binding; groups given explicitly
    // replace the service-account groups.
    let other = impersonating(&env, "system:serviceaccount:apps:other", None);
    forbidden(
        Api::<ConfigMap>::namespaced(other, "apps")
            .get("x")
            .await
            .expect_err("other is denied"),
    );

    // The admin (no impersonation) is unaffected.
    Api::<ConfigMap>::namespaced(admin, "apps")
        .delete("x", &DeleteParams::default())
        .await
        .expect("admin deletes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rbac_cluster_role_binding_to_a_group_and_missing_roles() {
    let env = support::start();
    let admin = setup(&env).await;
    let cluster_roles: Api<k8s_openapi::api::rbac::v1::ClusterRole> = Api::all(admin.clone());
    create_json(
        &cluster_roles,
        json!({"metadata": {"name": "cm-reader"},
            "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]}),
    )
    .await;
    let crbs: Api<k8s_openapi::api::rbac::v1::ClusterRoleBinding> = Api::all(admin.clone());
    create_json(
        &crbs,
        json!({"metadata": {"name": "readers"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cm-reader"},
            "subjects": [{"kind": "Group", "name": "readers"}]}),
    )
    .await;
    let bindings: Api<k8s_openapi::api::rbac::v1::RoleBinding> =
        Api::namespaced(admin.clone(), "apps");
    create_json(
        &bindings,
        json!({"metadata": {"name": "dangling", "namespace": "apps"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "missing"},
            "subjects": [{"kind": "User", "name": "jane"}]}),
    )
    .await;

    let reader = impersonating(&env, "jane", Some(vec!["readers".to_string()]));
    let all: Api<ConfigMap> = Api::all(reader.clone());
    assert_eq!(
        all.list(&ListParams::default())
            .await
            .expect("cluster-wide list is allowed")
            .items
            .len(),
        1
    );
    let cms: Api<ConfigMap> = Api::namespaced(reader.clone(), "apps");
    cms.get("existing").await.expect("get is allowed");
    let e = forbidden(
        cms.create(&PostParams::default(), &cm("z"))
            .await
            .expect_err("create is denied"),
    );
    assert_eq!(
        e.message,
        "configmaps is forbidden: User \"jane\" cannot create resource \"configmaps\" in API group \"\" in the namespace \"apps\": RBAC: role.rbac.authorization.k8s.io \"missing\" not found"
    );

    // Without the group, jane reads nothing.
    let jane = impersonating(&env, "jane", None);
    forbidden(
        Api::<ConfigMap>::namespaced(jane, "apps")
            .get("existing")
            .await
            .expect_err("denied without the group"),
    );
}

#[test]
fn rbac_kubectl_as_service_account_prints_the_forbidden_error() {
    let env = support::start();
    env.ok(&["create", "namespace", "apps"]);
    let out = env.fail(&[
        "--as",
        SA,
        "-n",
        "apps",
        "create",
        "configmap",
        "x",
        "--from-literal=k=v",
    ]);
    assert!(
        out.contains(
            "error: failed to create configmap: configmaps is forbidden: User \"system:serviceaccount:apps:deployer\" cannot create resource \"configmaps\" in API group \"\" in the namespace \"apps\""
        ),
        "{out}"
    );
    env.ok(&[
        "-n",
        "apps",
        "create",
        "rolebinding",
        "deployer",
        "--clusterrole=edit",
        "--serviceaccount=apps:deployer",
    ]);
    env.ok(&[
        "create",
        "clusterrole",
        "edit",
        "--verb=create,get,list",
        "--resource=configmaps",
    ]);
    env.ok(&[
        "--as",
        SA,
        "-n",
        "apps",
        "create",
        "configmap",
        "x",
        "--from-literal=k=v",
    ]);
    let out = env.fail(&["--as", SA, "-n", "apps", "get", "secrets"]);
    assert!(
        out.contains(
            "Error from server (Forbidden): secrets is forbidden: User \"system:serviceaccount:apps:deployer\" cannot list resource \"secrets\" in API group \"\" in the namespace \"apps\""
        ),
        "{out}"
    );
    assert!(
        env.ok(&["--as", SA, "-n", "apps", "get", "configmaps", "-o", "name"])
            .contains("configmap/x")
    );
}

//! Service account impersonation, as kustomize-controller's impersonator does it
//! (fluxcd/pkg `runtime/client`): when a Kustomization sets `spec.serviceAccountName`, or
//! the controller runs with `--default-service-account`
//! ([`KustomizeOptions::default_service_account`](super::KustomizeOptions::default_service_account)),
//! every request for its objects (apply, prune, health checks, deletion) is sent with
//! `Impersonate-User: system:serviceaccount:<kustomization namespace>:<name>`, so the API
//! server authorizes it with that account's RBAC. Reading the Kustomization, its source
//! and its status stays with the controller's own client.
//!
//! Only the user is impersonated (no `Impersonate-Group`): the API server adds the
//! service account groups itself. With `spec.kubeConfig` the impersonation applies to
//! the remote cluster's client.

use gitops_core::api::kustomize::Kustomization;

/// The service account a Kustomization runs as: `spec.serviceAccountName`, else the
/// controller's default; `None`: no impersonation.
pub fn service_account(obj: &Kustomization, default: Option<&str>) -> Option<String> {
    obj.spec
        .service_account_name
        .as_deref()
        .filter(|s| !s.is_empty())
        .or(default.filter(|s| !s.is_empty()))
        .map(str::to_string)
}

/// `system:serviceaccount:<namespace>:<name>`.
pub fn username(namespace: &str, name: &str) -> String {
    format!("system:serviceaccount:{namespace}:{name}")
}

/// The user a Kustomization impersonates, `None` without a service account.
pub fn user(obj: &Kustomization, default: Option<&str>) -> Option<String> {
    let ns = obj.metadata.namespace.as_deref().unwrap_or_default();
    service_account(obj, default).map(|sa| username(ns, &sa))
}

/// `config` impersonating `user` (and no explicit groups, nor any impersonation the
/// kubeconfig had).
pub fn impersonating(mut config: kube::Config, user: &str) -> kube::Config {
    config.auth_info.impersonate = Some(user.to_string());
    config.auth_info.impersonate_groups = None;
    config.auth_info.impersonate_uid = None;
    config.auth_info.impersonate_user_extra = None;
    config
}

/// The controller's own `kube::Config` impersonating `user`; `Err` when the controller
/// was started without one ([`KustomizeOptions::client_config`](super::KustomizeOptions::client_config)).
pub fn controller_config(base: Option<&kube::Config>, user: &str) -> Result<kube::Config, String> {
    base.cloned()
        .map(|c| impersonating(c, user))
        .ok_or_else(|| {
            format!(
                "cannot impersonate '{user}': the controller has no kube::Config to build an impersonating client from (KustomizeOptions::client_config is not set)"
            )
        })
}

/// Whether the service account to impersonate exists (kustomize-controller's
/// `CanImpersonate`, asked with the controller's client before finalizing); `true`
/// without impersonation.
pub async fn can_impersonate(
    client: &kube::Client,
    obj: &Kustomization,
    default: Option<&str>,
) -> bool {
    let Some(sa) = service_account(obj, default) else {
        return true;
    };
    let ns = obj.metadata.namespace.as_deref().unwrap_or_default();
    let api: kube::Api<gitops_core::k8s::k8s_openapi::api::core::v1::ServiceAccount> =
        kube::Api::namespaced(client.clone(), ns);
    api.get(&sa).await.is_ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ks(sa: Option<&str>) -> Kustomization {
        let mut spec = serde_json::json!({"interval": "1m", "prune": true,
            "sourceRef": {"kind": "GitRepository", "name": "r"}});
        if let Some(sa) = sa {
            spec["serviceAccountName"] = serde_json::json!(sa);
        }
        serde_json::from_value(serde_json::json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization", "metadata": {"name": "ks", "namespace": "apps"}, "spec": spec}))
        .unwrap()
    }

    #[test]
    fn the_spec_account_wins_over_the_default() {
        assert_eq!(user(&ks(None), None), None);
        assert_eq!(
            user(&ks(None), Some("flux-applier")).as_deref(),
            Some("system:serviceaccount:apps:flux-applier")
        );
        assert_eq!(
            user(&ks(Some("deployer")), Some("flux-applier")).as_deref(),
            Some("system:serviceaccount:apps:deployer")
        );
        assert_eq!(user(&ks(Some("")), Some("")), None);
    }

    #[test]
    fn configs_impersonate_only_the_user() {
        let mut base = kube::Config::new("http://127.0.0.1:1".parse().unwrap());
        base.auth_info.impersonate = Some("someone".into());
        base.auth_info.impersonate_groups = Some(vec!["g".into()]);
        let c = controller_config(Some(&base), "system:serviceaccount:apps:deployer").unwrap();
        assert_eq!(
            c.auth_info.impersonate.as_deref(),
            Some("system:serviceaccount:apps:deployer")
        );
        assert_eq!(c.auth_info.impersonate_groups, None);
        assert_eq!(c.cluster_url, base.cluster_url);
        let err = controller_config(None, "system:serviceaccount:apps:deployer").unwrap_err();
        assert!(err.contains("KustomizeOptions::client_config"), "{err}");
    }
}

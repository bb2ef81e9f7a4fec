//! `create kustomization` (flux's `create_kustomization.go`).

use clap::{ArgAction, Args};
use gitops_core::duration::Duration;
use serde_json::Value;

use super::{CmdResult, Ctx, Generated, OrFail, fail};
use crate::cli::NameArg;
use crate::export::{Obj, local_ref, object, print_export};
use crate::flags::{self, SourceRef};

/// Flags of `create kustomization`.
#[derive(Args, Debug)]
pub struct KustomizationArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// source that contains the Kubernetes manifests in the format '[<kind>/]<name>.<namespace>', where kind must be one of: (OCIRepository, GitRepository, Bucket), if kind is not specified it defaults to GitRepository
    #[arg(long, value_parser = flags::kustomization_source, allow_hyphen_values = true)]
    pub source: Option<SourceRef>,
    /// path to the directory containing a kustomization.yaml file
    #[arg(long, value_parser = flags::safe_relative_path, default_value = "./", allow_hyphen_values = true)]
    pub path: String,
    /// enable garbage collection
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true",
          default_value = "false", value_parser = flags::boolean)]
    pub prune: bool,
    /// enable health checking of all the applied resources
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true",
          default_value = "false", value_parser = flags::boolean)]
    pub wait: bool,
    /// workload to be included in the health assessment, in the format '<kind>/<name>.<namespace>'
    #[arg(long, action = ArgAction::Append, value_parser = flags::csv_raw, allow_hyphen_values = true)]
    pub health_check: Vec<String>,
    /// timeout of health checking operations
    #[arg(long, value_parser = flags::duration, default_value = "2m", allow_hyphen_values = true)]
    pub health_check_timeout: Duration,
    /// validate the manifests before applying them on the cluster, can be 'client' or 'server' (deprecated)
    #[arg(long, action = ArgAction::Append, hide = true, allow_hyphen_values = true)]
    pub validation: Vec<String>,
    /// Kustomization that must be ready before this Kustomization can be applied, supported formats '<name>' and '<namespace>/<name>', also accepts comma-separated values
    #[arg(long, action = ArgAction::Append, value_parser = flags::csv_raw, allow_hyphen_values = true)]
    pub depends_on: Vec<String>,
    /// the name of the service account to impersonate when reconciling this Kustomization
    #[arg(
        long = "service-account",
        default_value = "",
        allow_hyphen_values = true
    )]
    pub sa_name: String,
    /// decryption provider, available options are: (sops)
    #[arg(long, value_parser = flags::decryption_provider, allow_hyphen_values = true)]
    pub decryption_provider: Option<String>,
    /// set the Kubernetes secret name that contains the OpenPGP private keys used for sops decryption
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub decryption_secret: String,
    /// overrides the namespace of all Kustomization objects reconciled by this Kustomization
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub target_namespace: String,
    /// the name of the Kubernetes Secret that contains a key with the kubeconfig file for connecting to a remote cluster
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub kubeconfig_secret_ref: String,
    /// the interval at which to retry a previously failed reconciliation
    #[arg(long, value_parser = flags::duration, default_value = "0s", allow_hyphen_values = true)]
    pub retry_interval: Duration,
}

/// `meta.MakeDependsOn`, keeping name and namespace (flux drops the ready expression).
pub fn depends_on(occurrences: &[String]) -> Vec<Value> {
    flags::slice(occurrences)
        .into_iter()
        .map(|dep| {
            let dep = dep
                .split_once('@')
                .map_or(dep.as_str(), |(d, _)| d)
                .to_string();
            let (namespace, name) = match dep.split_once('/') {
                Some((ns, n)) => (ns.to_string(), n.to_string()),
                None => (String::new(), dep),
            };
            Obj::new()
                .set("name", name)
                .str("namespace", &namespace)
                .into()
        })
        .collect()
}

/// A `meta.KubeConfigReference` with a secret.
pub fn kubeconfig_ref(secret: &str) -> Option<Obj> {
    (!secret.is_empty()).then(|| Obj::new().set("secretRef", local_ref(secret)))
}

const HEALTH_CHECK_KINDS: [&str; 4] = ["Deployment", "DaemonSet", "StatefulSet", "HelmRelease"];

fn health_checks(checks: &[String]) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for w in checks {
        let kind_obj: Vec<&str> = w.split('/').collect();
        if kind_obj.len() != 2 {
            return Err(format!(
                "invalid health check '{w}' must be in the format 'kind/name.namespace' [{}]",
                kind_obj.join(" ")
            ));
        }
        let kind = kind_obj[0];
        if !HEALTH_CHECK_KINDS.contains(&kind) {
            return Err(format!(
                "invalid health check kind '{kind}' can be HelmRelease, Deployment, DaemonSet or StatefulSet"
            ));
        }
        let name_ns: Vec<&str> = kind_obj[1].split('.').collect();
        if name_ns.len() != 2 {
            return Err(format!(
                "invalid health check '{w}' must be in the format 'kind/name.namespace'"
            ));
        }
        let mut check = Obj::new()
            .set("kind", kind)
            .set("name", name_ns[0])
            .str("namespace", name_ns[1]);
        if kind == "HelmRelease" {
            check = check.set("apiVersion", "helm.toolkit.fluxcd.io/v2");
        }
        out.push(check.into());
    }
    Ok(out)
}

/// `create kustomization`.
pub fn run(ctx: &Ctx, a: &KustomizationArgs) -> CmdResult {
    if a.path.is_empty() {
        return fail("path is required");
    }
    if !a.path.starts_with("./") {
        return fail("path must begin with ./");
    }
    let source = a.source.clone().unwrap_or_default();
    if source.name.is_empty() {
        return fail("source is required");
    }
    let labels = ctx.labels().or_fail()?;

    let mut spec = Obj::new()
        .set("interval", ctx.interval().to_string())
        .str("path", &a.path)
        .set("prune", a.prune)
        .set(
            "sourceRef",
            Obj::new()
                .set("kind", source.kind.as_str())
                .set("name", source.name.as_str())
                .str("namespace", &source.namespace),
        )
        .str("targetNamespace", &a.target_namespace)
        .list("dependsOn", depends_on(&a.depends_on))
        .opt("kubeConfig", kubeconfig_ref(&a.kubeconfig_secret_ref));

    let checks = flags::slice(&a.health_check);
    if !checks.is_empty() && !a.wait {
        spec = spec
            .list("healthChecks", health_checks(&checks).or_fail()?)
            .set("timeout", a.health_check_timeout.to_string());
    }
    if a.wait {
        spec = spec
            .set("wait", true)
            .set("timeout", a.health_check_timeout.to_string());
    }
    spec = spec.str("serviceAccountName", &a.sa_name);
    if let Some(provider) = a.decryption_provider.as_deref().filter(|p| !p.is_empty()) {
        let mut decryption = Obj::new().set("provider", provider);
        if !a.decryption_secret.is_empty() {
            decryption = decryption.set("secretRef", local_ref(&a.decryption_secret));
        }
        spec = spec.set("decryption", decryption);
    }
    if a.retry_interval.as_nanos() > 0 {
        spec = spec.set("retryInterval", a.retry_interval.to_string());
    }
    let obj = object(
        "kustomize.toolkit.fluxcd.io/v1",
        "Kustomization",
        &ctx.name,
        &ctx.namespace,
        &labels,
        spec,
    );
    Ok(Generated::stdout(print_export(&obj)))
}

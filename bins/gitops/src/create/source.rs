//! `create source git|helm|oci|bucket|chart` (flux's `create_source_*.go`).

use clap::{ArgAction, Args, Subcommand};
use serde_json::Value;

use super::{CmdResult, Ctx, Generated, OrFail, fail};
use crate::cli::NameArg;
use crate::export::{Obj, local_ref_opt, object, print_export};
use crate::flags::{self, SourceRef};
use crate::gourl;

const API_VERSION: &str = "source.toolkit.fluxcd.io/v1";

/// The source kinds.
#[derive(Subcommand, Debug)]
pub enum SourceCommand {
    /// Create or update a GitRepository source
    Git(SourceGitArgs),
    /// Create or update a HelmRepository source
    Helm(SourceHelmArgs),
    /// Create or update an OCIRepository
    Oci(SourceOciArgs),
    /// Create or update a Bucket source
    Bucket(SourceBucketArgs),
    /// Create or update a HelmChart source
    Chart(SourceChartArgs),
}

impl SourceCommand {
    /// The name argument of the chosen command.
    pub fn name(&self) -> &NameArg {
        match self {
            SourceCommand::Git(a) => &a.name,
            SourceCommand::Helm(a) => &a.name,
            SourceCommand::Oci(a) => &a.name,
            SourceCommand::Bucket(a) => &a.name,
            SourceCommand::Chart(a) => &a.name,
        }
    }
}

/// Runs the chosen source command.
pub fn run(ctx: &Ctx, cmd: &SourceCommand) -> CmdResult {
    match cmd {
        SourceCommand::Git(a) => git(ctx, a),
        SourceCommand::Helm(a) => helm(ctx, a),
        SourceCommand::Oci(a) => oci(ctx, a),
        SourceCommand::Bucket(a) => bucket(ctx, a),
        SourceCommand::Chart(a) => chart(ctx, a),
    }
}

/// Flags of `create source git`.
#[derive(Args, Debug)]
pub struct SourceGitArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// git address, e.g. ssh://git@host/org/repository
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub url: String,
    /// git branch
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub branch: String,
    /// git tag
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub tag: String,
    /// git tag semver range
    #[arg(long = "tag-semver", default_value = "", allow_hyphen_values = true)]
    pub semver: String,
    /// git reference name
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub ref_name: String,
    /// git commit
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub commit: String,
    /// basic authentication username
    #[arg(short = 'u', long, default_value = "", allow_hyphen_values = true)]
    pub username: String,
    /// basic authentication password
    #[arg(short = 'p', long, default_value = "", allow_hyphen_values = true)]
    pub password: String,
    /// SSH public key algorithm
    #[arg(long, value_parser = flags::key_algorithm, default_value = "ecdsa", allow_hyphen_values = true)]
    pub ssh_key_algorithm: String,
    /// SSH RSA public key bit size (multiplies of 8, min 1024)
    #[arg(long, value_parser = flags::rsa_bits, default_value = "2048", allow_hyphen_values = true)]
    pub ssh_rsa_bits: u32,
    /// SSH ECDSA public key curve
    #[arg(long, value_parser = flags::ecdsa_curve, default_value = "p384", allow_hyphen_values = true)]
    pub ssh_ecdsa_curve: String,
    /// the name of an existing secret containing SSH or basic credentials or github app authentication
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub secret_ref: String,
    /// the name of an existing secret containing the proxy address and credentials
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub proxy_secret_ref: String,
    /// the Git provider name
    #[arg(long, value_parser = flags::git_provider, allow_hyphen_values = true)]
    pub provider: Option<String>,
    /// path to TLS CA file used for validating self-signed certificates
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub ca_file: String,
    /// path to a passwordless private key file used for authenticating to the Git SSH server
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub private_key_file: String,
    /// when enabled, configures the GitRepository source to initialize and include Git submodules in the artifact it produces
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true",
          default_value = "false", value_parser = flags::boolean)]
    pub recurse_submodules: bool,
    /// assumes the deploy key is already setup, skips confirmation
    #[arg(short = 's', long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = flags::boolean)]
    pub silent: bool,
    /// set paths to ignore in git resource (can specify multiple paths with commas: path1,path2)
    #[arg(long, action = ArgAction::Append, value_parser = flags::csv_raw, allow_hyphen_values = true)]
    pub ignore_paths: Vec<String>,
    /// set paths to sparse checkout in git resource (can specify multiple paths with commas: path1,path2)
    #[arg(long, action = ArgAction::Append, value_parser = flags::csv_raw, allow_hyphen_values = true)]
    pub sparse_checkout_paths: Vec<String>,
}

/// `spec.timeout` from `--fetch-timeout` (only when positive).
fn fetch_timeout(ctx: &Ctx) -> Option<String> {
    ctx.fetch_timeout
        .filter(|d| d.as_nanos() > 0)
        .map(|d| d.to_string())
}

/// `--ignore-paths` joined by new lines, or nothing.
fn ignore_paths(occurrences: &[String]) -> Option<String> {
    let paths = flags::slice(occurrences);
    (!paths.is_empty()).then(|| paths.join("\n"))
}

fn strings(values: Vec<String>) -> Vec<Value> {
    values.into_iter().map(Value::from).collect()
}

/// `create source git`.
pub fn git(ctx: &Ctx, a: &SourceGitArgs) -> CmdResult {
    if a.url.is_empty() {
        return fail("url is required");
    }
    let url = gourl::parse(&a.url)
        .map_err(|e| format!("git URL parse failed: {e}"))
        .or_fail()?;
    if !matches!(url.scheme.as_str(), "ssh" | "http" | "https") {
        return fail(format!(
            "git URL scheme '{}' not supported, can be: ssh, http and https",
            url.scheme
        ));
    }
    if a.branch.is_empty()
        && a.tag.is_empty()
        && a.semver.is_empty()
        && a.commit.is_empty()
        && a.ref_name.is_empty()
    {
        return fail(
            "a Git ref is required, use one of the following: --branch, --tag, --commit, --ref-name or --tag-semver",
        );
    }
    if !a.ca_file.is_empty() && url.scheme == "ssh" {
        return fail("specifying a CA file is not supported for Git over SSH");
    }
    let labels = ctx.labels().or_fail()?;

    let reference = if !a.commit.is_empty() {
        Obj::new().str("commit", &a.commit).str("branch", &a.branch)
    } else if !a.ref_name.is_empty() {
        Obj::new().str("name", &a.ref_name)
    } else if !a.semver.is_empty() {
        Obj::new().str("semver", &a.semver)
    } else if !a.tag.is_empty() {
        Obj::new().str("tag", &a.tag)
    } else {
        Obj::new().str("branch", &a.branch)
    };
    let spec = Obj::new()
        .set("url", a.url.as_str())
        .set("interval", ctx.interval().to_string())
        .flag("recurseSubmodules", a.recurse_submodules)
        .set("ref", reference)
        .opt("ignore", ignore_paths(&a.ignore_paths))
        .list(
            "sparseCheckout",
            strings(flags::slice(&a.sparse_checkout_paths)),
        )
        .opt("timeout", fetch_timeout(ctx))
        .opt("secretRef", local_ref_opt(&a.secret_ref))
        .opt("proxySecretRef", local_ref_opt(&a.proxy_secret_ref))
        .str("provider", a.provider.as_deref().unwrap_or(""));
    let obj = object(
        API_VERSION,
        "GitRepository",
        &ctx.name,
        &ctx.namespace,
        &labels,
        spec,
    );
    Ok(Generated::stdout(print_export(&obj)))
}

/// Flags of `create source helm`.
#[derive(Args, Debug)]
pub struct SourceHelmArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// Helm repository address
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub url: String,
    /// basic authentication username
    #[arg(short = 'u', long, default_value = "", allow_hyphen_values = true)]
    pub username: String,
    /// basic authentication password
    #[arg(short = 'p', long, default_value = "", allow_hyphen_values = true)]
    pub password: String,
    /// TLS authentication cert file path
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub cert_file: String,
    /// TLS authentication key file path
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub key_file: String,
    /// TLS authentication CA file path
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub ca_file: String,
    /// the name of an existing secret containing TLS, basic auth or docker-config credentials
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub secret_ref: String,
    /// OCI provider for authentication
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub oci_provider: String,
    /// pass credentials to all domains
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true",
          default_value = "false", value_parser = flags::boolean)]
    pub pass_credentials: bool,
}

/// `create source helm`.
pub fn helm(ctx: &Ctx, a: &SourceHelmArgs) -> CmdResult {
    if a.url.is_empty() {
        return fail("url is required");
    }
    let labels = ctx.labels().or_fail()?;
    let url = gourl::parse(&a.url)
        .map_err(|e| format!("url parse failed: {e}"))
        .or_fail()?;
    if !matches!(url.scheme.as_str(), "http" | "https" | "oci") {
        return fail(format!(
            "url scheme '{}' not supported, can be: http, https and oci",
            url.scheme
        ));
    }
    if url.host.is_empty() {
        return fail("url host is required");
    }
    let mut spec = Obj::new()
        .set("url", a.url.as_str())
        .set("interval", ctx.interval().to_string());
    if url.scheme == "oci" {
        spec = spec.set("type", "oci").str("provider", &a.oci_provider);
    }
    spec = spec.opt("timeout", fetch_timeout(ctx));
    if !a.secret_ref.is_empty() {
        spec = spec
            .opt("secretRef", local_ref_opt(&a.secret_ref))
            .flag("passCredentials", a.pass_credentials);
    }
    let obj = object(
        API_VERSION,
        "HelmRepository",
        &ctx.name,
        &ctx.namespace,
        &labels,
        spec,
    );
    Ok(Generated::stdout(print_export(&obj)))
}

/// Flags of `create source oci`.
#[derive(Args, Debug)]
pub struct SourceOciArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// the OCI provider name
    #[arg(long, value_parser = flags::oci_provider, default_value = "generic", allow_hyphen_values = true)]
    pub provider: String,
    /// the OCI repository URL
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub url: String,
    /// the OCI artifact tag
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub tag: String,
    /// the OCI artifact tag semver range
    #[arg(long = "tag-semver", default_value = "", allow_hyphen_values = true)]
    pub semver: String,
    /// the OCI artifact digest
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub digest: String,
    /// the name of the Kubernetes image pull secret (type 'kubernetes.io/dockerconfigjson')
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub secret_ref: String,
    /// the name of an existing secret containing the proxy address and credentials
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub proxy_secret_ref: String,
    /// the name of the Kubernetes service account that refers to an image pull secret
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub service_account: String,
    /// the name of a secret to use for TLS certificates
    #[arg(long = "cert-ref", default_value = "", allow_hyphen_values = true)]
    pub cert_secret_ref: String,
    /// the OCI verify provider name to use for signature verification, available options are: (cosign)
    #[arg(long, value_parser = flags::verify_provider, allow_hyphen_values = true)]
    pub verify_provider: Option<String>,
    /// the name of a secret to use for signature verification
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub verify_secret_ref: String,
    /// regular expression to use for the OIDC subject during signature verification
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub verify_subject: String,
    /// regular expression to use for the OIDC issuer during signature verification
    #[arg(long = "verify-issuer", default_value = "", allow_hyphen_values = true)]
    pub verify_oidc_issuer: String,
    /// set paths to ignore resources (can specify multiple paths with commas: path1,path2)
    #[arg(long, action = ArgAction::Append, value_parser = flags::csv_raw, allow_hyphen_values = true)]
    pub ignore_paths: Vec<String>,
    /// for when connecting to a non-TLS registries over plain HTTP
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true",
          default_value = "false", value_parser = flags::boolean)]
    pub insecure: bool,
    /// the OCI artifact layer selector in the format '<media-type>:<operation>'
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub layer_selector: String,
}

/// flux's `parseLayerSelector`.
fn layer_selector(selector: &str) -> Result<Option<Obj>, String> {
    if selector.is_empty() {
        return Ok(None);
    }
    let (media_type, operation) = selector.split_once(':').unwrap_or(("", ""));
    if media_type.is_empty() || operation.is_empty() {
        return Err(format!(
            "invalid --layer-selector {}: must be in the format '<media-type>:<operation>'",
            crate::gostr::quote(selector)
        ));
    }
    if operation != "extract" && operation != "copy" {
        return Err(format!(
            "invalid --layer-selector {}: operation must be \"extract\" or \"copy\"",
            crate::gostr::quote(selector)
        ));
    }
    Ok(Some(
        Obj::new()
            .str("mediaType", media_type)
            .str("operation", operation),
    ))
}

/// `verify` of OCIRepository and HelmChart.
fn verification(provider: &str, secret_ref: &str, issuer: &str, subject: &str) -> Obj {
    let mut verify = Obj::new()
        .set("provider", provider)
        .opt("secretRef", local_ref_opt(secret_ref));
    if !issuer.is_empty() || !subject.is_empty() {
        verify = verify.set(
            "matchOIDCIdentity",
            Value::Array(vec![
                Obj::new()
                    .set("issuer", issuer)
                    .set("subject", subject)
                    .into(),
            ]),
        );
    }
    verify
}

/// `create source oci`.
pub fn oci(ctx: &Ctx, a: &SourceOciArgs) -> CmdResult {
    if a.url.is_empty() {
        return fail("url is required");
    }
    if a.semver.is_empty() && a.tag.is_empty() && a.digest.is_empty() {
        return fail("--tag, --tag-semver or --digest is required");
    }
    let selector = layer_selector(&a.layer_selector).or_fail()?;
    let labels = ctx.labels().or_fail()?;
    let reference = Obj::new()
        .str("digest", &a.digest)
        .str("semver", &a.semver)
        .str("tag", &a.tag);
    let mut spec = Obj::new()
        .str("provider", &a.provider)
        .set("url", a.url.as_str())
        .flag("insecure", a.insecure)
        .set("interval", ctx.interval().to_string())
        .set("ref", reference)
        .opt("ignore", ignore_paths(&a.ignore_paths))
        .opt("layerSelector", selector)
        .opt("timeout", fetch_timeout(ctx))
        .str("serviceAccountName", &a.service_account)
        .opt("secretRef", local_ref_opt(&a.secret_ref))
        .opt("proxySecretRef", local_ref_opt(&a.proxy_secret_ref))
        .opt("certSecretRef", local_ref_opt(&a.cert_secret_ref));
    match a.verify_provider.as_deref().filter(|p| !p.is_empty()) {
        Some(provider) => {
            spec = spec.set(
                "verify",
                verification(
                    provider,
                    &a.verify_secret_ref,
                    &a.verify_oidc_issuer,
                    &a.verify_subject,
                ),
            );
        }
        None if !a.verify_secret_ref.is_empty() => {
            return fail("a verification provider must be specified when a secret is specified");
        }
        None if !a.verify_oidc_issuer.is_empty() || !a.verify_subject.is_empty() => {
            return fail(
                "a verification provider must be specified when OIDC issuer/subject is specified",
            );
        }
        None => {}
    }
    let obj = object(
        API_VERSION,
        "OCIRepository",
        &ctx.name,
        &ctx.namespace,
        &labels,
        spec,
    );
    Ok(Generated::stdout(print_export(&obj)))
}

/// Flags of `create source bucket`.
#[derive(Args, Debug)]
pub struct SourceBucketArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// the S3 compatible storage provider name
    #[arg(long, value_parser = flags::bucket_provider, default_value = "generic", allow_hyphen_values = true)]
    pub provider: String,
    /// the bucket name
    #[arg(long = "bucket-name", default_value = "", allow_hyphen_values = true)]
    pub bucket_name: String,
    /// the bucket endpoint address
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub endpoint: String,
    /// the bucket access key
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub access_key: String,
    /// the bucket secret key
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub secret_key: String,
    /// the bucket region
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub region: String,
    /// for when connecting to a non-TLS S3 HTTP endpoint
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true",
          default_value = "false", value_parser = flags::boolean)]
    pub insecure: bool,
    /// the name of an existing secret containing credentials
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub secret_ref: String,
    /// the name of an existing secret containing the proxy address and credentials
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub proxy_secret_ref: String,
    /// set paths to ignore in bucket resource (can specify multiple paths with commas: path1,path2)
    #[arg(long, action = ArgAction::Append, value_parser = flags::csv_raw, allow_hyphen_values = true)]
    pub ignore_paths: Vec<String>,
}

/// `create source bucket`.
pub fn bucket(ctx: &Ctx, a: &SourceBucketArgs) -> CmdResult {
    if a.bucket_name.is_empty() {
        return fail("bucket-name is required");
    }
    if a.endpoint.is_empty() {
        return fail("endpoint is required");
    }
    let labels = ctx.labels().or_fail()?;
    let spec = Obj::new()
        .set("bucketName", a.bucket_name.as_str())
        .str("provider", &a.provider)
        .flag("insecure", a.insecure)
        .set("endpoint", a.endpoint.as_str())
        .str("region", &a.region)
        .set("interval", ctx.interval().to_string())
        .opt("ignore", ignore_paths(&a.ignore_paths))
        .opt("timeout", fetch_timeout(ctx))
        .opt("secretRef", local_ref_opt(&a.secret_ref))
        .opt("proxySecretRef", local_ref_opt(&a.proxy_secret_ref));
    let obj = object(
        API_VERSION,
        "Bucket",
        &ctx.name,
        &ctx.namespace,
        &labels,
        spec,
    );
    Ok(Generated::stdout(print_export(&obj)))
}

/// Flags of `create source chart`.
#[derive(Args, Debug)]
pub struct SourceChartArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// Helm chart name or path
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub chart: String,
    /// Helm chart version, accepts a semver range (ignored for charts from GitRepository sources)
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub chart_version: String,
    /// source that contains the chart in the format '<kind>/<name>', where kind must be one of: (HelmRepository, GitRepository, Bucket)
    #[arg(long, value_parser = flags::local_helm_chart_source, allow_hyphen_values = true)]
    pub source: Option<SourceRef>,
    /// the reconcile strategy for helm chart (accepted values: Revision and ChartRevision)
    #[arg(long, default_value = "ChartVersion", allow_hyphen_values = true)]
    pub reconcile_strategy: String,
    /// the OCI verify provider name to use for signature verification, available options are: (cosign)
    #[arg(long, value_parser = flags::verify_provider, allow_hyphen_values = true)]
    pub verify_provider: Option<String>,
    /// the name of a secret to use for signature verification
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub verify_secret_ref: String,
    /// regular expression to use for the OIDC subject during signature verification
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub verify_subject: String,
    /// regular expression to use for the OIDC issuer during signature verification
    #[arg(long = "verify-issuer", default_value = "", allow_hyphen_values = true)]
    pub verify_oidc_issuer: String,
}

/// `create source chart`.
pub fn chart(ctx: &Ctx, a: &SourceChartArgs) -> CmdResult {
    let source = a.source.clone().unwrap_or_default();
    if source.kind.is_empty() || source.name.is_empty() {
        return fail("chart source is required");
    }
    if a.chart.is_empty() {
        return fail("chart name or path is required");
    }
    // flux prints this on stderr even with --export.
    let mut out = Generated {
        stdout: String::new(),
        stderr: vec!["✚ generating HelmChart source".to_string()],
    };
    let labels = match ctx.labels() {
        Ok(l) => l,
        Err(e) => return Err((out, e)),
    };
    let mut spec = Obj::new()
        .set("chart", a.chart.as_str())
        .str("version", &a.chart_version)
        .set("interval", ctx.interval().to_string())
        .str("reconcileStrategy", &a.reconcile_strategy)
        .set(
            "sourceRef",
            Obj::new()
                .set("kind", source.kind.as_str())
                .set("name", source.name.as_str()),
        );
    match a.verify_provider.as_deref().filter(|p| !p.is_empty()) {
        Some(provider) => {
            spec = spec.set(
                "verify",
                verification(
                    provider,
                    &a.verify_secret_ref,
                    &a.verify_oidc_issuer,
                    &a.verify_subject,
                ),
            );
        }
        None if !a.verify_secret_ref.is_empty() => {
            return Err((
                out,
                "a verification provider must be specified when a secret is specified".into(),
            ));
        }
        // flux checks the OCI command's subject variable here, so a lone
        // --verify-subject is ignored rather than rejected.
        None if !a.verify_oidc_issuer.is_empty() => {
            return Err((
                out,
                "a verification provider must be specified when OIDC issuer/subject is specified"
                    .into(),
            ));
        }
        None => {}
    }
    let obj = object(
        API_VERSION,
        "HelmChart",
        &ctx.name,
        &ctx.namespace,
        &labels,
        spec,
    );
    out.stdout = print_export(&obj);
    Ok(out)
}

//! `GitRepository`: a Git repository checked out at a branch, tag, semver range,
//! reference name or commit, packaged as an artifact.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{DEFAULT_TIMEOUT, GIT_URL_PATTERN, cel_failure, check_timeout, non_empty};
use crate::api::meta::{
    Artifact, DURATION_PATTERN, DURATION_PATTERN_NO_HOURS, LocalObjectReference,
    ReconcileRequestStatus,
};
use crate::api::validate::{Validate, ValidationError, Validator};
use crate::conditions::Condition;

pub use super::git_ref::{
    DEFAULT_BRANCH, GitCheckout, GitRepositoryRef, GitRepositoryVerification, GitVerificationMode,
};

/// Desired state of a GitRepository.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "source.toolkit.fluxcd.io",
    version = "v1",
    kind = "GitRepository",
    namespaced,
    status = "GitRepositoryStatus",
    derive = "PartialEq",
    shortname = "gitrepo",
    category = "all",
    category = "fluxcd",
    category = "fluxcd-sources",
    printcolumn = r#"{"name": "URL", "type": "string", "jsonPath": ".spec.url"}"#,
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    printcolumn = r#"{"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"}"#,
    printcolumn = r#"{"name": "Status", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].message"}"#
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [{
    "message": "serviceAccountName can only be set when provider is 'azure' or 'aws'",
    "rule": "!has(self.serviceAccountName) || (has(self.provider) && (self.provider == 'azure' || self.provider == 'aws'))"
}]))]
pub struct GitRepositorySpec {
    /// Repository URL, `http(s)://` or `ssh://`.
    #[schemars(regex(pattern = GIT_URL_PATTERN))]
    pub url: String,
    /// Secret with the credentials (`username`/`password`, `bearerToken`, or SSH
    /// `identity` and `known_hosts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<LocalObjectReference>,
    /// Authentication provider; `generic` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<GitProvider>,
    /// ServiceAccount whose identity authenticates (only `azure` and `aws`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    /// How often the repository is checked for changes (approximate, jittered).
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub interval: String,
    /// Timeout of Git operations; 60s when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN_NO_HOURS), extend("default" = "60s"))]
    pub timeout: Option<String>,
    /// The reference to check out; branch `master` when unset.
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<GitRepositoryRef>,
    /// Commit and tag signature verification.
    #[serde(rename = "verify", default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<GitRepositoryVerification>,
    /// Secret with the proxy settings (`address`, `username`, `password`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_secret_ref: Option<LocalObjectReference>,
    /// Exclusion patterns (`.sourceignore` syntax) replacing the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore: Option<String>,
    /// Stops reconciliation while true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    /// Initialises all submodules after cloning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurse_submodules: Option<bool>,
    /// Other GitRepositories whose artifact contents are copied into this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include: Option<Vec<GitRepositoryInclude>>,
    /// Only these directories are checked out and packaged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sparse_checkout: Option<Vec<String>>,
}

impl GitRepositorySpec {
    /// The Git operation timeout (`60s` when unset).
    pub fn timeout(&self) -> &str {
        self.timeout.as_deref().unwrap_or(DEFAULT_TIMEOUT)
    }

    /// The authentication provider (`generic` when unset).
    pub fn provider(&self) -> GitProvider {
        self.provider.unwrap_or_default()
    }

    /// Whether reconciliation is suspended.
    pub fn suspended(&self) -> bool {
        self.suspend.unwrap_or(false)
    }

    /// The reference that is checked out, by Flux precedence (branch `master` when no
    /// reference is given).
    pub fn checkout(&self) -> GitCheckout<'_> {
        match &self.reference {
            Some(reference) => reference.checkout(),
            None => GitCheckout::Branch(DEFAULT_BRANCH),
        }
    }
}

/// Authentication provider of a GitRepository.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum GitProvider {
    /// Credentials from `secretRef`.
    #[default]
    #[serde(rename = "generic")]
    Generic,
    /// AWS CodeCommit through IAM.
    #[serde(rename = "aws")]
    Aws,
    /// Azure DevOps through workload identity.
    #[serde(rename = "azure")]
    Azure,
    /// GitHub App credentials from `secretRef`.
    #[serde(rename = "github")]
    Github,
}

impl GitProvider {
    /// The value as written in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            GitProvider::Generic => "generic",
            GitProvider::Aws => "aws",
            GitProvider::Azure => "azure",
            GitProvider::Github => "github",
        }
    }
}

/// Another GitRepository whose artifact (or part of it) is copied into this one.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GitRepositoryInclude {
    /// The included GitRepository (same namespace).
    pub repository: LocalObjectReference,
    /// Directory of the included artifact to copy; its root when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_path: Option<String>,
    /// Destination directory; the included repository's name when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_path: Option<String>,
}

impl GitRepositoryInclude {
    /// The source directory (empty: the artifact root).
    pub fn from_path(&self) -> &str {
        self.from_path.as_deref().unwrap_or("")
    }

    /// The destination directory (the included repository's name when unset or empty).
    pub fn to_path(&self) -> &str {
        non_empty(&self.to_path).unwrap_or(&self.repository.name)
    }
}

/// Observed state of a GitRepository.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("default" = {"observedGeneration": -1}))]
pub struct GitRepositoryStatus {
    /// Last generation reconciled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// `Ready`, `Reconciling`, `Stalled`, `ArtifactInStorage`, `SourceVerified`, ….
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Condition>>,
    /// The artifact of the last successful reconciliation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact: Option<Artifact>,
    /// The artifacts of the included repositories, in `spec.include` order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub included_artifacts: Option<Vec<Artifact>>,
    /// The `ignore` value the current artifact was built with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_ignore: Option<String>,
    /// The `recurseSubmodules` value the current artifact was built with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_recurse_submodules: Option<bool>,
    /// The `include` list the current artifact was built with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_include: Option<Vec<GitRepositoryInclude>>,
    /// The `sparseCheckout` list the current artifact was built with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_sparse_checkout: Option<Vec<String>>,
    /// The verification mode last applied (free-form in the schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_verification_mode: Option<String>,
    /// Last handled `reconcile.fluxcd.io/requestedAt`.
    #[serde(flatten)]
    pub reconcile_request: ReconcileRequestStatus,
}

impl Validate for GitRepository {
    fn validate(&self) -> Result<(), ValidationError> {
        let mut v = Validator::new();
        let spec = &self.spec;
        v.pattern("spec.url", Some(&spec.url), GIT_URL_PATTERN);
        v.duration("spec.interval", Some(&spec.interval));
        check_timeout(&mut v, "spec.timeout", spec.timeout.as_deref());
        if spec.service_account_name.is_some()
            && !matches!(spec.provider, Some(GitProvider::Azure | GitProvider::Aws))
        {
            cel_failure(
                &mut v,
                "spec",
                "serviceAccountName can only be set when provider is 'azure' or 'aws'",
            );
        }
        v.finish(
            "GitRepository",
            self.metadata.name.as_deref().unwrap_or_default(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::source::common::testing::{docs, fields, round_trip, round_trip_corpus};

    const FULL: &str = r#"
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: podinfo
  namespace: flux-system
  labels:
    app: podinfo
spec:
  url: https://github.com/stefanprodan/podinfo
  secretRef:
    name: https-credentials
  provider: azure
  serviceAccountName: git-reader
  interval: 5m0s
  timeout: 1m30s
  ref:
    branch: main
    tag: v6.0.0
    semver: ">=6.0.0 <7.0.0"
    name: refs/pull/420/head
    commit: 0123456789abcdef0123456789abcdef01234567
  verify:
    mode: TagAndHEAD
    secretRef:
      name: pgp-public-keys
  proxySecretRef:
    name: proxy
  ignore: |
    /*
    !/deploy
  suspend: false
  recurseSubmodules: true
  include:
    - repository:
        name: shared
      fromPath: deploy/base
      toPath: base
    - repository:
        name: other
  sparseCheckout:
    - deploy
    - charts
status:
  observedGeneration: 3
  conditions:
    - type: Ready
      status: "True"
      reason: Succeeded
      message: "stored artifact for revision 'main@sha1:0123456789abcdef0123456789abcdef01234567'"
      lastTransitionTime: "2024-05-01T10:00:00Z"
      observedGeneration: 3
  artifact:
    digest: sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
    lastUpdateTime: "2024-05-01T10:00:00Z"
    path: gitrepository/flux-system/podinfo/0123456789abcdef.tar.gz
    revision: main@sha1:0123456789abcdef0123456789abcdef01234567
    size: 1234
    url: http://source-controller.flux-system.svc.cluster.local./gitrepository/flux-system/podinfo/0123456789abcdef.tar.gz
    metadata:
      key: value
  includedArtifacts:
    - digest: sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
      lastUpdateTime: "2024-05-01T09:00:00Z"
      path: gitrepository/flux-system/shared/abc.tar.gz
      revision: main@sha1:abc
      url: http://source-controller/gitrepository/flux-system/shared/abc.tar.gz
  observedIgnore: "/*"
  observedRecurseSubmodules: true
  observedInclude:
    - repository:
        name: shared
      toPath: base
  observedSparseCheckout: []
  sourceVerificationMode: TagAndHEAD
  lastHandledReconcileAt: "2024-05-01T09:59:00Z"
"#;

    #[test]
    fn full_sample_round_trips() {
        let value = docs(FULL).remove(0);
        let repo: GitRepository = round_trip(&value);
        assert_eq!(repo.spec.timeout(), "1m30s");
        assert_eq!(repo.spec.provider(), GitProvider::Azure);
        assert_eq!(
            repo.spec.checkout(),
            GitCheckout::Commit {
                commit: "0123456789abcdef0123456789abcdef01234567",
                branch: Some("main")
            }
        );
        let include = repo.spec.include.as_deref().unwrap_or_default();
        assert_eq!(include[0].to_path(), "base");
        assert_eq!(include[1].to_path(), "other");
        assert_eq!(include[1].from_path(), "");
        let verify = repo.spec.verification.as_ref().expect("verify");
        assert!(verify.verify_head() && verify.verify_tag());
        let status = repo.status.as_ref().expect("status");
        assert_eq!(
            status
                .reconcile_request
                .last_handled_reconcile_at
                .as_deref(),
            Some("2024-05-01T09:59:00Z")
        );
        assert_eq!(repo.validate(), Ok(()));
    }

    #[test]
    fn minimal_sample_uses_defaults() {
        let value = docs("apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: a\nspec:\n  url: ssh://git@github.com/org/repo\n  interval: 1m\n").remove(0);
        let repo: GitRepository = round_trip(&value);
        assert_eq!(repo.spec.timeout(), "60s");
        assert_eq!(repo.spec.provider(), GitProvider::Generic);
        assert_eq!(repo.spec.checkout(), GitCheckout::Branch("master"));
        assert!(!repo.spec.suspended());
        assert!(repo.status.is_none());
    }

    #[test]
    fn validation_names_fields() {
        let mut value = docs(FULL).remove(0);
        value["spec"]["url"] = "git@github.com:org/repo".into();
        value["spec"]["interval"] = "5 minutes".into();
        value["spec"]["timeout"] = "1h".into();
        value["spec"]["provider"] = "github".into();
        let repo: GitRepository = round_trip(&value);
        let err = repo.validate().expect_err("invalid");
        assert_eq!(
            fields(&err),
            ["spec.url", "spec.interval", "spec.timeout", "spec"]
        );
        assert!(
            err.to_string()
                .contains("serviceAccountName can only be set"),
            "{err}"
        );
    }

    #[test]
    fn unknown_enum_values_name_the_field() {
        let mut value = docs(FULL).remove(0);
        value["spec"]["verify"]["mode"] = "tag".into();
        let err = crate::api::parse::<GitRepository>(&value).expect_err("invalid mode");
        assert!(err.to_string().contains("spec.verify.mode"), "{err}");
        let mut value = docs(FULL).remove(0);
        value["spec"]["provider"] = "gitlab".into();
        let err = crate::api::parse::<GitRepository>(&value).expect_err("invalid provider");
        assert!(err.to_string().contains("spec.provider"), "{err}");
    }

    #[test]
    fn corpus_objects_round_trip() {
        let n = round_trip_corpus::<GitRepository>("GitRepository");
        eprintln!("{n} GitRepository objects round-tripped");
    }
}

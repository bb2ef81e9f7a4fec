//! `HelmRepository`: a Helm chart repository, either an HTTP(S) repository whose
//! `index.yaml` becomes the artifact or an OCI registry that only holds settings for
//! the HelmCharts pulling from it.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{AccessFrom, DEFAULT_TIMEOUT, HELM_URL_PATTERN, OciProvider, check_timeout};
use crate::api::meta::{
    Artifact, DURATION_PATTERN, DURATION_PATTERN_NO_HOURS, LocalObjectReference,
    ReconcileRequestStatus,
};
use crate::api::validate::{Validate, ValidationError, Validator};
use crate::conditions::Condition;

/// Desired state of a HelmRepository.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "source.toolkit.fluxcd.io",
    version = "v1",
    kind = "HelmRepository",
    namespaced,
    status = "HelmRepositoryStatus",
    derive = "PartialEq",
    shortname = "helmrepo",
    category = "all",
    category = "fluxcd",
    category = "fluxcd-sources",
    printcolumn = r#"{"name": "URL", "type": "string", "jsonPath": ".spec.url"}"#,
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    printcolumn = r#"{"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"}"#,
    printcolumn = r#"{"name": "Status", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].message"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct HelmRepositorySpec {
    /// Repository address: `http(s)://` for index-based repositories, `oci://` for registries.
    #[schemars(regex(pattern = HELM_URL_PATTERN))]
    pub url: String,
    /// Secret with `username` and `password` (TLS keys there are deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<LocalObjectReference>,
    /// Secret with a client certificate (`tls.crt`, `tls.key`) and/or CA (`ca.crt`);
    /// wins over TLS keys in `secretRef`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_secret_ref: Option<LocalObjectReference>,
    /// Sends the credentials to chart hosts other than the repository's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_credentials: Option<bool>,
    /// How often the index is fetched (approximate, jittered; unused for `oci`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub interval: Option<String>,
    /// Allows plain-HTTP registries (`oci` type only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure: Option<bool>,
    /// Timeout of index fetches and of chart pulls from OCI registries; 60s when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN_NO_HOURS))]
    pub timeout: Option<String>,
    /// Stops reconciliation while true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    /// Cross-namespace access list (provisional, not enforced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_from: Option<AccessFrom>,
    /// Repository type; `default` (HTTP index) when unset.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<HelmRepositoryType>,
    /// Authentication provider for `oci` repositories; `generic` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "generic"))]
    pub provider: Option<OciProvider>,
}

impl HelmRepositorySpec {
    /// The fetch/pull timeout (`60s` when unset).
    pub fn timeout(&self) -> &str {
        self.timeout.as_deref().unwrap_or(DEFAULT_TIMEOUT)
    }

    /// The authentication provider (`generic` when unset).
    pub fn provider(&self) -> OciProvider {
        self.provider.unwrap_or_default()
    }

    /// The repository type (`default` when unset).
    pub fn repository_type(&self) -> HelmRepositoryType {
        self.type_.unwrap_or_default()
    }

    /// Whether this is an OCI registry (no index, no artifact).
    pub fn is_oci(&self) -> bool {
        self.repository_type() == HelmRepositoryType::Oci
    }

    /// Whether reconciliation is suspended.
    pub fn suspended(&self) -> bool {
        self.suspend.unwrap_or(false)
    }
}

/// Kind of Helm repository.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum HelmRepositoryType {
    /// An HTTP(S) repository with an `index.yaml`.
    #[default]
    #[serde(rename = "default")]
    Default,
    /// An OCI registry (URL `oci://…`).
    #[serde(rename = "oci")]
    Oci,
}

impl HelmRepositoryType {
    /// The value as written in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            HelmRepositoryType::Default => "default",
            HelmRepositoryType::Oci => "oci",
        }
    }
}

/// Observed state of a HelmRepository.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("default" = {"observedGeneration": -1}))]
pub struct HelmRepositoryStatus {
    /// Last generation reconciled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// `Ready`, `Reconciling`, `Stalled`, `ArtifactInStorage`, ….
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Condition>>,
    /// Download address of the last index artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The artifact (index) of the last successful reconciliation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact: Option<Artifact>,
    /// Last handled `reconcile.fluxcd.io/requestedAt`.
    #[serde(flatten)]
    pub reconcile_request: ReconcileRequestStatus,
}

impl Validate for HelmRepository {
    fn validate(&self) -> Result<(), ValidationError> {
        let mut v = Validator::new();
        let spec = &self.spec;
        v.pattern("spec.url", Some(&spec.url), HELM_URL_PATTERN);
        v.duration("spec.interval", spec.interval.as_deref());
        check_timeout(&mut v, "spec.timeout", spec.timeout.as_deref());
        v.finish(
            "HelmRepository",
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
kind: HelmRepository
metadata:
  name: podinfo
  namespace: flux-system
spec:
  url: https://stefanprodan.github.io/podinfo
  secretRef:
    name: basic-auth
  certSecretRef:
    name: tls
  passCredentials: true
  interval: 1h
  insecure: false
  timeout: 3m
  suspend: false
  accessFrom:
    namespaceSelectors:
      - matchLabels:
          kubernetes.io/metadata.name: apps
      - {}
  type: default
  provider: generic
status:
  observedGeneration: 4
  conditions:
    - type: Ready
      status: Unknown
      reason: Progressing
      message: reconciliation in progress
      lastTransitionTime: "2024-05-01T10:00:00Z"
  url: http://source-controller.flux-system.svc.cluster.local./helmrepository/flux-system/podinfo/index.yaml
  artifact:
    digest: sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
    lastUpdateTime: "2024-05-01T10:00:00Z"
    path: helmrepository/flux-system/podinfo/index-2c26b46b.yaml
    revision: sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
    size: 1024
    url: http://source-controller.flux-system.svc.cluster.local./helmrepository/flux-system/podinfo/index-2c26b46b.yaml
  lastHandledReconcileAt: "2024-05-01T09:59:00Z"
"#;

    #[test]
    fn full_sample_round_trips() {
        let value = docs(FULL).remove(0);
        let repo: HelmRepository = round_trip(&value);
        assert_eq!(repo.spec.timeout(), "3m");
        assert!(!repo.spec.is_oci());
        assert_eq!(
            repo.spec
                .access_from
                .as_ref()
                .map(|a| a.namespace_selectors.len()),
            Some(2)
        );
        assert_eq!(repo.validate(), Ok(()));
    }

    #[test]
    fn oci_repository_without_interval() {
        let value = docs("apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: r\nspec:\n  type: oci\n  url: oci://ghcr.io/org/charts\n  provider: azure\n").remove(0);
        let repo: HelmRepository = round_trip(&value);
        assert!(repo.spec.is_oci());
        assert_eq!(repo.spec.provider(), OciProvider::Azure);
        assert_eq!(repo.spec.timeout(), "60s");
        assert_eq!(repo.validate(), Ok(()));
    }

    #[test]
    fn validation_names_fields() {
        let mut value = docs(FULL).remove(0);
        value["spec"]["url"] = "ftp://charts.example.com".into();
        value["spec"]["interval"] = "1 hour".into();
        value["spec"]["timeout"] = "1h".into();
        let repo: HelmRepository = round_trip(&value);
        let err = repo.validate().expect_err("invalid");
        assert_eq!(fields(&err), ["spec.url", "spec.interval", "spec.timeout"]);
        let mut value = docs(FULL).remove(0);
        value["spec"]["type"] = "git".into();
        let err = crate::api::parse::<HelmRepository>(&value).expect_err("invalid type");
        assert!(err.to_string().contains("spec.type"), "{err}");
    }

    #[test]
    fn corpus_objects_round_trip() {
        let n = round_trip_corpus::<HelmRepository>("HelmRepository");
        eprintln!("{n} HelmRepository objects round-tripped");
    }
}

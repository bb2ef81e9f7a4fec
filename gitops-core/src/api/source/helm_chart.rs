//! `HelmChart`: a chart pulled from a HelmRepository or read from a GitRepository or
//! Bucket artifact, packaged (with merged values files) as an artifact.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{OIDCIdentityMatch, VerificationProvider, cel_failure};
use crate::api::meta::{Artifact, DURATION_PATTERN, LocalObjectReference, ReconcileRequestStatus};
use crate::api::validate::{Validate, ValidationError, Validator};
use crate::conditions::Condition;

/// Chart version range used when `spec.version` is unset: the latest version.
pub const DEFAULT_VERSION: &str = "*";

/// Desired state of a HelmChart.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "source.toolkit.fluxcd.io",
    version = "v1",
    kind = "HelmChart",
    namespaced,
    status = "HelmChartStatus",
    derive = "PartialEq",
    shortname = "hc",
    category = "all",
    category = "fluxcd",
    category = "fluxcd-sources",
    printcolumn = r#"{"name": "Chart", "type": "string", "jsonPath": ".spec.chart"}"#,
    printcolumn = r#"{"name": "Version", "type": "string", "jsonPath": ".spec.version"}"#,
    printcolumn = r#"{"name": "Source Kind", "type": "string", "jsonPath": ".spec.sourceRef.kind"}"#,
    printcolumn = r#"{"name": "Source Name", "type": "string", "jsonPath": ".spec.sourceRef.name"}"#,
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    printcolumn = r#"{"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"}"#,
    printcolumn = r#"{"name": "Status", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].message"}"#
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [{
    "message": "spec.verify is only supported when spec.sourceRef.kind is 'HelmRepository'",
    "rule": "!has(self.verify) || self.sourceRef.kind == 'HelmRepository'"
}]))]
pub struct HelmChartSpec {
    /// Chart name (HelmRepository) or path inside the source artifact (GitRepository, Bucket).
    pub chart: String,
    /// Semver range of the chart version (HelmRepository only); `*` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "*"))]
    pub version: Option<String>,
    /// The source the chart comes from (same namespace).
    pub source_ref: LocalHelmChartSourceReference,
    /// How often the source is checked for a new chart (approximate, jittered).
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub interval: String,
    /// What makes a new artifact; `ChartVersion` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "ChartVersion"))]
    pub reconcile_strategy: Option<ReconcileStrategy>,
    /// Values files (paths in the source) merged in order into the chart's `values.yaml`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values_files: Option<Vec<String>>,
    /// Skips missing values files instead of failing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_missing_values_files: Option<bool>,
    /// Stops reconciliation while true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    /// Signature verification of charts from OCI HelmRepositories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<HelmChartVerification>,
}

impl HelmChartSpec {
    /// The chart version range (`*` when unset).
    pub fn version(&self) -> &str {
        self.version.as_deref().unwrap_or(DEFAULT_VERSION)
    }

    /// The reconcile strategy (`ChartVersion` when unset).
    pub fn reconcile_strategy(&self) -> ReconcileStrategy {
        self.reconcile_strategy.unwrap_or_default()
    }

    /// The values files, in merge order (none when unset).
    pub fn values_files(&self) -> &[String] {
        self.values_files.as_deref().unwrap_or_default()
    }

    /// Whether reconciliation is suspended.
    pub fn suspended(&self) -> bool {
        self.suspend.unwrap_or(false)
    }
}

/// What triggers a new HelmChart artifact.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum ReconcileStrategy {
    /// A different chart version.
    #[default]
    ChartVersion,
    /// A different revision of the source artifact.
    Revision,
}

impl ReconcileStrategy {
    /// The value as written in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ReconcileStrategy::ChartVersion => "ChartVersion",
            ReconcileStrategy::Revision => "Revision",
        }
    }
}

/// Kinds a HelmChart can take its chart from.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum HelmChartSourceKind {
    /// A Helm repository (HTTP index or OCI registry).
    #[default]
    HelmRepository,
    /// A chart directory in a Git repository.
    GitRepository,
    /// A chart directory in a bucket.
    Bucket,
}

impl HelmChartSourceKind {
    /// The kind name.
    pub fn as_str(self) -> &'static str {
        match self {
            HelmChartSourceKind::HelmRepository => "HelmRepository",
            HelmChartSourceKind::GitRepository => "GitRepository",
            HelmChartSourceKind::Bucket => "Bucket",
        }
    }
}

/// Reference to the source of a HelmChart, in the same namespace.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocalHelmChartSourceReference {
    /// API version of the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Kind of the source.
    pub kind: HelmChartSourceKind,
    /// Name of the source.
    pub name: String,
}

/// Signature verification of a chart pulled from an OCI registry.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HelmChartVerification {
    /// Signing technology; the API server fills in `cosign` when it is omitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required, extend("default" = "cosign"))]
    pub provider: Option<VerificationProvider>,
    /// Secret with the trusted public keys (or notation trust policy and CAs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<LocalObjectReference>,
    /// Identities accepted for keyless signatures; any match is enough.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "matchOIDCIdentity")]
    pub match_oidc_identity: Option<Vec<OIDCIdentityMatch>>,
}

impl HelmChartVerification {
    /// The signing technology (`cosign` when unset).
    pub fn provider(&self) -> VerificationProvider {
        self.provider.unwrap_or_default()
    }
}

/// Observed state of a HelmChart.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("default" = {"observedGeneration": -1}))]
pub struct HelmChartStatus {
    /// Last generation reconciled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// The source artifact revision the current chart was built from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_source_artifact_revision: Option<String>,
    /// The chart name the current artifact was built from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_chart_name: Option<String>,
    /// The values files the current artifact was built with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_values_files: Option<Vec<String>>,
    /// `Ready`, `Reconciling`, `Stalled`, `ArtifactInStorage`, `SourceVerified`, ….
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Condition>>,
    /// Download address of the last packaged chart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The artifact (packaged chart) of the last successful reconciliation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact: Option<Artifact>,
    /// Last handled `reconcile.fluxcd.io/requestedAt`.
    #[serde(flatten)]
    pub reconcile_request: ReconcileRequestStatus,
}

impl Validate for HelmChart {
    fn validate(&self) -> Result<(), ValidationError> {
        let mut v = Validator::new();
        let spec = &self.spec;
        v.duration("spec.interval", Some(&spec.interval));
        if spec.verify.is_some() && spec.source_ref.kind != HelmChartSourceKind::HelmRepository {
            cel_failure(
                &mut v,
                "spec",
                "spec.verify is only supported when spec.sourceRef.kind is 'HelmRepository'",
            );
        }
        v.finish(
            "HelmChart",
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
kind: HelmChart
metadata:
  name: podinfo
  namespace: flux-system
spec:
  chart: podinfo
  version: ">=6.0.0 <7.0.0"
  sourceRef:
    apiVersion: source.toolkit.fluxcd.io/v1
    kind: HelmRepository
    name: podinfo
  interval: 10m
  reconcileStrategy: Revision
  valuesFiles:
    - values.yaml
    - values-prod.yaml
  ignoreMissingValuesFiles: true
  suspend: false
  verify:
    provider: notation
    secretRef:
      name: notation-config
    matchOIDCIdentity:
      - issuer: ^https://token\.actions\.githubusercontent\.com$
        subject: ^https://github\.com/stefanprodan/podinfo.*$
status:
  observedGeneration: 5
  observedSourceArtifactRevision: sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
  observedChartName: podinfo
  observedValuesFiles:
    - values.yaml
  conditions:
    - type: Ready
      status: "True"
      reason: ChartPullSucceeded
      message: pulled 'podinfo' chart with version '6.5.0'
      lastTransitionTime: "2024-05-01T10:00:00Z"
      observedGeneration: 5
  url: http://source-controller.flux-system.svc.cluster.local./helmchart/flux-system/podinfo/latest.tar.gz
  artifact:
    digest: sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
    lastUpdateTime: "2024-05-01T10:00:00Z"
    path: helmchart/flux-system/podinfo/podinfo-6.5.0.tgz
    revision: 6.5.0
    size: 14000
    url: http://source-controller.flux-system.svc.cluster.local./helmchart/flux-system/podinfo/podinfo-6.5.0.tgz
  lastHandledReconcileAt: "2024-05-01T09:59:00Z"
"#;

    #[test]
    fn full_sample_round_trips() {
        let value = docs(FULL).remove(0);
        let chart: HelmChart = round_trip(&value);
        assert_eq!(chart.spec.version(), ">=6.0.0 <7.0.0");
        assert_eq!(chart.spec.reconcile_strategy(), ReconcileStrategy::Revision);
        assert_eq!(chart.spec.values_files().len(), 2);
        assert_eq!(
            chart
                .spec
                .verify
                .as_ref()
                .map(HelmChartVerification::provider),
            Some(VerificationProvider::Notation)
        );
        assert_eq!(chart.validate(), Ok(()));
    }

    #[test]
    fn defaults() {
        let value = docs("apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmChart\nmetadata:\n  name: c\nspec:\n  chart: ./charts/app\n  sourceRef:\n    kind: GitRepository\n    name: app\n  interval: 1m\n").remove(0);
        let chart: HelmChart = round_trip(&value);
        assert_eq!(chart.spec.version(), "*");
        assert_eq!(
            chart.spec.reconcile_strategy(),
            ReconcileStrategy::ChartVersion
        );
        assert!(chart.spec.values_files().is_empty());
        assert_eq!(chart.validate(), Ok(()));
    }

    #[test]
    fn validation_names_fields() {
        let mut value = docs(FULL).remove(0);
        value["spec"]["interval"] = "ten minutes".into();
        value["spec"]["sourceRef"]["kind"] = "GitRepository".into();
        let chart: HelmChart = round_trip(&value);
        let err = chart.validate().expect_err("invalid");
        assert_eq!(fields(&err), ["spec.interval", "spec"]);
        assert!(
            err.to_string().contains("spec.verify is only supported"),
            "{err}"
        );
        let mut value = docs(FULL).remove(0);
        value["spec"]["sourceRef"]["kind"] = "OCIRepository".into();
        let err = crate::api::parse::<HelmChart>(&value).expect_err("invalid kind");
        assert!(err.to_string().contains("spec.sourceRef.kind"), "{err}");
        let mut value = docs(FULL).remove(0);
        value["spec"]["reconcileStrategy"] = "Always".into();
        let err = crate::api::parse::<HelmChart>(&value).expect_err("invalid strategy");
        assert!(err.to_string().contains("spec.reconcileStrategy"), "{err}");
    }

    #[test]
    fn corpus_objects_round_trip() {
        let n = round_trip_corpus::<HelmChart>("HelmChart");
        eprintln!("{n} HelmChart objects round-tripped");
    }
}

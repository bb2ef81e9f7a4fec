//! The HelmRelease spec (`helm.toolkit.fluxcd.io/v2`): where the chart comes from (a
//! HelmChart template or a reference to a chart artifact), the values and how the
//! release is named and stored.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actions::{Install, Rollback, Test, Uninstall, Upgrade};
use super::drift::{DriftDetection, PostRenderStrategy, PostRenderer, WaitStrategy};
use super::schema::{go_int, preserve_unknown, some_even_if_null};
use super::status::HelmReleaseStatus;
use crate::api::kustomize::{CommonMetadata, CustomHealthCheck, DependencyReference, ValuesKind};
use crate::api::meta::{DURATION_PATTERN, KubeConfigReference, LocalObjectReference};

/// Desired state of a Helm release.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "helm.toolkit.fluxcd.io",
    version = "v2",
    kind = "HelmRelease",
    namespaced,
    status = "HelmReleaseStatus",
    shortname = "hr",
    category = "all",
    category = "fluxcd",
    category = "fluxcd-appliers",
    derive = "PartialEq",
    doc = "A Flux HelmRelease: installs and upgrades a Helm chart release.",
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#,
    printcolumn = r#"{"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].status"}"#,
    printcolumn = r#"{"name":"Status","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].message"}"#
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [{
    "message": "either chart or chartRef must be set",
    "rule": "(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))"
}]))]
pub struct HelmReleaseSpec {
    /// Template of the HelmChart the controller creates for this release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<HelmChartTemplate>,
    /// Reference to a source object holding the chart artifact (instead of `chart`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart_ref: Option<ChartReference>,
    /// Labels and annotations set on every rendered object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub common_metadata: Option<CommonMetadata>,
    /// HelmReleases that must be ready before this one is reconciled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<Vec<DependencyReference>>,
    /// Detection (and correction) of drift between the release manifest and the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift_detection: Option<DriftDetection>,
    /// CEL expressions deciding the health of custom resources while waiting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_exprs: Option<Vec<CustomHealthCheck>>,
    /// Configuration of Helm install actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install: Option<Install>,
    /// Reconciliation interval.
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub interval: String,
    /// Kubeconfig of a remote cluster to release to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-validations" = [
        {
            "message": "exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified",
            "rule": "has(self.configMapRef) || has(self.secretRef)"
        },
        {
            "message": "exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified",
            "rule": "!has(self.configMapRef) || !has(self.secretRef)"
        }
    ]))]
    pub kube_config: Option<KubeConfigReference>,
    /// Number of release revisions Helm keeps (0 = unlimited, default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "go_int")]
    pub max_history: Option<i64>,
    /// Reuse one Kubernetes client for the whole reconciliation (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_client: Option<bool>,
    /// Which rendered documents (hooks, templates) are sent to the post-renderers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_render_strategy: Option<PostRenderStrategy>,
    /// Post-renderers applied in order to the rendered manifests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_renderers: Option<Vec<PostRenderer>>,
    /// Name of the Helm release; see [`HelmRelease::release_name`] for the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 53))]
    pub release_name: Option<String>,
    /// Configuration of Helm rollback actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<Rollback>,
    /// Service account impersonated for the Helm actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub service_account_name: Option<String>,
    /// Namespace of the Helm release storage; the HelmRelease's namespace when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub storage_namespace: Option<String>,
    /// Stop reconciling (already started reconciliations finish).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    /// Namespace the release is installed into; the HelmRelease's namespace when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub target_namespace: Option<String>,
    /// Configuration of Helm test actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<Test>,
    /// Timeout of each Kubernetes operation of a Helm action (default `5m0s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub timeout: Option<String>,
    /// Configuration of Helm uninstall actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uninstall: Option<Uninstall>,
    /// Configuration of Helm upgrade actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<Upgrade>,
    /// Inline values, merged over `valuesFrom`. Any YAML; an explicit `null` is kept.
    #[serde(
        default,
        deserialize_with = "some_even_if_null",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(schema_with = "preserve_unknown")]
    pub values: Option<serde_json::Value>,
    /// ConfigMaps and Secrets holding values, merged in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values_from: Option<Vec<ValuesReference>>,
    /// How Helm waits for the applied objects to become ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_strategy: Option<WaitStrategy>,
}

/// Template of the HelmChart the controller creates for a HelmRelease.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HelmChartTemplate {
    /// Labels and annotations of the HelmChart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<HelmChartTemplateObjectMeta>,
    /// Spec of the HelmChart.
    pub spec: HelmChartTemplateSpec,
}

/// Labels and annotations of a templated HelmChart.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HelmChartTemplateObjectMeta {
    /// Annotations of the HelmChart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<std::collections::BTreeMap<String, String>>,
    /// Labels of the HelmChart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<std::collections::BTreeMap<String, String>>,
}

/// Spec of a templated HelmChart.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HelmChartTemplateSpec {
    /// Chart name (HelmRepository) or path (GitRepository, Bucket) in the source.
    #[schemars(length(min = 1, max = 2048))]
    pub chart: String,
    /// Do not fail when a file of `valuesFiles` is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_missing_values_files: Option<bool>,
    /// How often the source is checked for a new chart; the HelmRelease interval when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub interval: Option<String>,
    /// What makes a new chart artifact (default [`ReconcileStrategy::ChartVersion`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "ChartVersion"))]
    pub reconcile_strategy: Option<ReconcileStrategy>,
    /// The source the chart is in.
    pub source_ref: ChartSourceReference,
    /// Values files of the source merged, in order, into the chart's values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values_files: Option<Vec<String>>,
    /// Signature verification of OCI charts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<HelmChartTemplateVerification>,
    /// Semver range of the chart version (default `*`, HelmRepository only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "*"))]
    pub version: Option<String>,
}

/// What makes the source-controller produce a new chart artifact.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum ReconcileStrategy {
    /// A new chart version.
    #[default]
    ChartVersion,
    /// A new source revision.
    Revision,
}

/// Signature verification of an OCI chart.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HelmChartTemplateVerification {
    /// Signing technology.
    #[schemars(extend("default" = "cosign"))]
    pub provider: VerificationProvider,
    /// Secret with the trusted public keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<LocalObjectReference>,
}

/// Signing technologies of OCI charts.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum VerificationProvider {
    /// Sigstore cosign.
    #[default]
    #[serde(rename = "cosign")]
    Cosign,
    /// Notary Project notation.
    #[serde(rename = "notation")]
    Notation,
}

/// The source of a templated HelmChart, possibly in another namespace.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChartSourceReference {
    /// API version of the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Kind of the source.
    pub kind: ChartSourceKind,
    /// Name of the source.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Namespace of the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub namespace: Option<String>,
}

/// Kinds of sources a templated HelmChart can come from.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum ChartSourceKind {
    /// A Helm repository (HTTP index or OCI registry).
    #[default]
    HelmRepository,
    /// A Git repository.
    GitRepository,
    /// An object storage bucket.
    Bucket,
}

/// A reference to a source object holding the chart artifact, possibly in another
/// namespace.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChartReference {
    /// API version of the referent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Kind of the referent.
    pub kind: ChartRefKind,
    /// Name of the referent.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Namespace of the referent; the HelmRelease's namespace when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub namespace: Option<String>,
}

/// Kinds of objects a `chartRef` can point to.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum ChartRefKind {
    /// An OCIRepository holding a chart.
    #[default]
    #[serde(rename = "OCIRepository")]
    OciRepository,
    /// A HelmChart.
    HelmChart,
    /// An ExternalArtifact.
    ExternalArtifact,
}

/// A ConfigMap or Secret holding values, and where to merge them.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ValuesReference {
    /// Kind of the referent.
    pub kind: ValuesKind,
    /// Merge the value at `targetPath` as a literal (like `helm --set-literal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub literal: Option<bool>,
    /// Name of the referent, in the HelmRelease's namespace.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Tolerate a missing referent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
    /// Path (Helm `--set` syntax) the value is merged at; the root when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 250), regex(pattern = TARGET_PATH_PATTERN))]
    pub target_path: Option<String>,
    /// Data key holding the values (default `values.yaml`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 253), regex(pattern = VALUES_KEY_PATTERN))]
    pub values_key: Option<String>,
}

/// Pattern of `valuesFrom[].targetPath`.
pub const TARGET_PATH_PATTERN: &str = r"^([a-zA-Z0-9_\-.\\\/]|\[[0-9]{1,5}\])+$";
/// Pattern of `valuesFrom[].valuesKey`.
pub const VALUES_KEY_PATTERN: &str = r"^[\-._a-zA-Z0-9]+$";

impl ValuesReference {
    /// The data key, `values.yaml` when absent.
    pub fn values_key(&self) -> &str {
        self.values_key
            .as_deref()
            .filter(|k| !k.is_empty())
            .unwrap_or("values.yaml")
    }
}

impl HelmChartTemplateSpec {
    /// The chart version range, `*` when absent.
    pub fn version(&self) -> &str {
        self.version
            .as_deref()
            .filter(|v| !v.is_empty())
            .unwrap_or("*")
    }

    /// The reconcile strategy, [`ReconcileStrategy::ChartVersion`] when absent.
    pub fn reconcile_strategy(&self) -> ReconcileStrategy {
        self.reconcile_strategy.unwrap_or_default()
    }
}

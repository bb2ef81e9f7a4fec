//! `helm.toolkit.fluxcd.io/v2`: the HelmRelease kind.
//!
//! The spec is split by concern: [`spec`](HelmReleaseSpec) (chart source, values,
//! naming), the Helm actions ([`Install`], [`Upgrade`], [`Test`], [`Rollback`],
//! [`Uninstall`]), drift detection and post-rendering ([`DriftDetection`],
//! [`PostRenderer`], [`WaitStrategy`]) and the [status](HelmReleaseStatus). Defaults
//! that need the object's metadata are methods of [`HelmRelease`].
//!
//! ```
//! use gitops_core::api::{self, helm::HelmRelease, Validate};
//!
//! let value = serde_json::json!({
//!     "apiVersion": "helm.toolkit.fluxcd.io/v2",
//!     "kind": "HelmRelease",
//!     "metadata": {"name": "podinfo", "namespace": "apps"},
//!     "spec": {
//!         "interval": "10m",
//!         "targetNamespace": "prod",
//!         "chartRef": {"kind": "OCIRepository", "name": "podinfo"},
//!         "values": {"replicaCount": 2}
//!     }
//! });
//! let hr: HelmRelease = api::parse(&value)?;
//! assert_eq!(hr.release_name(), "prod-podinfo");
//! assert_eq!(hr.storage_namespace(), "apps");
//! assert_eq!(hr.timeout(), "5m0s");
//! hr.validate()?;
//! assert_eq!(serde_json::to_value(&hr)?, value);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;

mod actions;
mod drift;
mod release;
mod schema;
mod spec;
mod status;

#[cfg(test)]
mod tests;

pub use actions::{
    ActionStrategy, ActionStrategyName, ChartNameChangeStrategy, CrdsPolicy,
    DEFAULT_RETRY_INTERVAL, DeletionPropagation, Install, InstallRemediation, RemediationStrategy,
    Rollback, ServerSideApplyMode, Test, TestFilter, Uninstall, Upgrade, UpgradeRemediation,
};
pub use drift::{
    DRIFT_DETECTION_KEY, DriftDetection, DriftDetectionMode, KustomizePostRenderer,
    PostRenderStrategy, PostRenderer, WaitStrategy, WaitStrategyName,
};
pub use release::{
    DEFAULT_MAX_HISTORY, DEFAULT_TIMEOUT, MAX_RELEASE_NAME_LENGTH, shorten_release_name,
};
pub use spec::{
    ChartRefKind, ChartReference, ChartSourceKind, ChartSourceReference, HelmChartTemplate,
    HelmChartTemplateObjectMeta, HelmChartTemplateSpec, HelmChartTemplateVerification, HelmRelease,
    HelmReleaseSpec, ReconcileStrategy, TARGET_PATH_PATTERN, VALUES_KEY_PATTERN, ValuesReference,
    VerificationProvider,
};
pub use status::{
    AttemptedReleaseAction, HelmReleaseStatus, SNAPSHOT_API_VERSION, Snapshot, TestHookStatus,
    release_action,
};

use super::kustomize::validate_kube_config;
use super::validate::{Validate, ValidationError, Validator};

/// The CustomResourceDefinitions of this module's kinds.
pub fn crds() -> Vec<CustomResourceDefinition> {
    vec![super::crd::finalize(
        HelmRelease::crd(),
        super::crd::FLUX_ANNOTATIONS,
    )]
}

impl Validate for HelmRelease {
    fn validate(&self) -> Result<(), ValidationError> {
        let mut v = Validator::new();
        let spec = &self.spec;
        v.duration("spec.interval", Some(&spec.interval));
        v.duration("spec.timeout", spec.timeout.as_deref());
        v.length(
            "spec.releaseName",
            spec.release_name.as_deref(),
            Some(1),
            Some(53),
        );
        v.length(
            "spec.targetNamespace",
            spec.target_namespace.as_deref(),
            Some(1),
            Some(63),
        );
        v.length(
            "spec.storageNamespace",
            spec.storage_namespace.as_deref(),
            Some(1),
            Some(63),
        );
        v.length(
            "spec.serviceAccountName",
            spec.service_account_name.as_deref(),
            Some(1),
            Some(253),
        );
        if spec.chart.is_some() == spec.chart_ref.is_some() {
            v.error(
                "spec",
                "Invalid value: \"object\": either chart or chartRef must be set",
            );
        }
        if let Some(chart) = &spec.chart {
            let s = &chart.spec;
            v.length("spec.chart.spec.chart", Some(&s.chart), Some(1), Some(2048));
            v.duration("spec.chart.spec.interval", s.interval.as_deref());
            v.length(
                "spec.chart.spec.sourceRef.name",
                Some(&s.source_ref.name),
                Some(1),
                Some(253),
            );
            v.length(
                "spec.chart.spec.sourceRef.namespace",
                s.source_ref.namespace.as_deref(),
                Some(1),
                Some(63),
            );
        }
        if let Some(r) = &spec.chart_ref {
            v.length("spec.chartRef.name", Some(&r.name), Some(1), Some(253));
            v.length(
                "spec.chartRef.namespace",
                r.namespace.as_deref(),
                Some(1),
                Some(63),
            );
        }
        validate_kube_config(&mut v, "spec.kubeConfig", spec.kube_config.as_ref());
        for (i, r) in spec.values_from.iter().flatten().enumerate() {
            let field = |f: &str| format!("spec.valuesFrom[{i}].{f}");
            v.length(&field("name"), Some(&r.name), Some(1), Some(253));
            v.length(
                &field("valuesKey"),
                r.values_key.as_deref(),
                None,
                Some(253),
            );
            v.pattern(
                &field("valuesKey"),
                r.values_key.as_deref(),
                VALUES_KEY_PATTERN,
            );
            v.length(
                &field("targetPath"),
                r.target_path.as_deref(),
                None,
                Some(250),
            );
            v.pattern(
                &field("targetPath"),
                r.target_path.as_deref(),
                TARGET_PATH_PATTERN,
            );
        }
        if let Some(install) = &spec.install {
            v.duration("spec.install.timeout", install.timeout.as_deref());
            if let Some(strategy) = &install.strategy {
                v.duration(
                    "spec.install.strategy.retryInterval",
                    strategy.retry_interval.as_deref(),
                );
                if strategy.retry_interval.is_some()
                    && strategy.name == ActionStrategyName::RemediateOnFailure
                {
                    v.error(
                        "spec.install.strategy",
                        "Invalid value: \"object\": .retryInterval cannot be set when .name is 'RemediateOnFailure'",
                    );
                }
            }
        }
        if let Some(upgrade) = &spec.upgrade {
            v.duration("spec.upgrade.timeout", upgrade.timeout.as_deref());
            if let Some(strategy) = &upgrade.strategy {
                v.duration(
                    "spec.upgrade.strategy.retryInterval",
                    strategy.retry_interval.as_deref(),
                );
                if strategy.retry_interval.is_some()
                    && strategy.name != ActionStrategyName::RetryOnFailure
                {
                    v.error(
                        "spec.upgrade.strategy",
                        "Invalid value: \"object\": .retryInterval can only be set when .name is 'RetryOnFailure'",
                    );
                }
            }
        }
        if let Some(test) = &spec.test {
            v.duration("spec.test.timeout", test.timeout.as_deref());
            for (i, f) in test.filters().iter().enumerate() {
                v.length(
                    &format!("spec.test.filters[{i}].name"),
                    Some(&f.name),
                    Some(1),
                    Some(253),
                );
            }
        }
        v.duration(
            "spec.rollback.timeout",
            spec.rollback.as_ref().and_then(|r| r.timeout.as_deref()),
        );
        v.duration(
            "spec.uninstall.timeout",
            spec.uninstall.as_ref().and_then(|u| u.timeout.as_deref()),
        );
        v.finish("HelmRelease", self.metadata.name.as_deref().unwrap_or(""))
    }
}

//! Configuration of the Helm actions a HelmRelease performs: install, upgrade, test,
//! rollback and uninstall, with the retry and remediation strategies of install and
//! upgrade.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::schema::go_int;
use crate::api::meta::DURATION_PATTERN;

/// Retry interval of the `RetryOnFailure` strategy when none is set.
pub const DEFAULT_RETRY_INTERVAL: &str = "5m";

/// Configuration of Helm install actions.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Install {
    /// CRD policy of the install (default [`CrdsPolicy::Create`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crds: Option<CrdsPolicy>,
    /// Create the target namespace when it does not exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_namespace: Option<bool>,
    /// Do not run hooks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_hooks: Option<bool>,
    /// Do not validate the rendered manifests against the Kubernetes OpenAPI schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "disableOpenAPIValidation")]
    pub disable_openapi_validation: Option<bool>,
    /// Do not validate the values against the chart's JSON schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_schema_validation: Option<bool>,
    /// Do not take ownership of existing objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_take_ownership: Option<bool>,
    /// Do not wait for the objects to become ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_wait: Option<bool>,
    /// Do not wait for Jobs to complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_wait_for_jobs: Option<bool>,
    /// What happens when the install fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<InstallRemediation>,
    /// Reuse the release name when it belongs to a deleted release kept in history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace: Option<bool>,
    /// Apply the objects with server-side apply (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_side_apply: Option<bool>,
    /// Do not install CRDs (deprecated: use `crds: Skip`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "skipCRDs")]
    pub skip_crds: Option<bool>,
    /// Retry or remediate on failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-validations" = [{
        "message": ".retryInterval cannot be set when .name is 'RemediateOnFailure'",
        "rule": "!has(self.retryInterval) || self.name != 'RemediateOnFailure'"
    }]))]
    pub strategy: Option<ActionStrategy>,
    /// Timeout of the install's Kubernetes operations; the HelmRelease timeout when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub timeout: Option<String>,
}

/// Remediation of failed installs: uninstall between retries.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstallRemediation {
    /// Do not remediate when the tests after the install fail (default `test.ignoreFailures`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_test_failures: Option<bool>,
    /// Remediate the last failure when no retries remain (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediate_last_failure: Option<bool>,
    /// Retries before giving up (default 0; negative means unlimited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "go_int")]
    pub retries: Option<i64>,
}

/// Configuration of Helm upgrade actions.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Upgrade {
    /// What happens when the chart name changes (default [`ChartNameChangeStrategy::Reinstall`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart_name_change_strategy: Option<ChartNameChangeStrategy>,
    /// Delete objects created by a failed upgrade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleanup_on_fail: Option<bool>,
    /// CRD policy of the upgrade (default [`CrdsPolicy::Skip`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crds: Option<CrdsPolicy>,
    /// Do not run hooks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_hooks: Option<bool>,
    /// Do not validate the rendered manifests against the Kubernetes OpenAPI schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "disableOpenAPIValidation")]
    pub disable_openapi_validation: Option<bool>,
    /// Do not validate the values against the chart's JSON schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_schema_validation: Option<bool>,
    /// Do not take ownership of existing objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_take_ownership: Option<bool>,
    /// Do not wait for the objects to become ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_wait: Option<bool>,
    /// Do not wait for Jobs to complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_wait_for_jobs: Option<bool>,
    /// Replace objects instead of patching them (client-side apply only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force: Option<bool>,
    /// Reuse the previous release's values and merge the new ones over them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preserve_values: Option<bool>,
    /// What happens when the upgrade fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<UpgradeRemediation>,
    /// Server-side apply mode (default [`ServerSideApplyMode::Auto`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_side_apply: Option<ServerSideApplyMode>,
    /// Retry or remediate on failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-validations" = [{
        "message": ".retryInterval can only be set when .name is 'RetryOnFailure'",
        "rule": "!has(self.retryInterval) || self.name == 'RetryOnFailure'"
    }]))]
    pub strategy: Option<ActionStrategy>,
    /// Timeout of the upgrade's Kubernetes operations; the HelmRelease timeout when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub timeout: Option<String>,
}

/// Remediation of failed upgrades: rollback (default) or uninstall between retries.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeRemediation {
    /// Do not remediate when the tests after the upgrade fail (default `test.ignoreFailures`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_test_failures: Option<bool>,
    /// Remediate the last failure when no retries remain (default: `retries > 0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediate_last_failure: Option<bool>,
    /// Retries before giving up (default 0; negative means unlimited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "go_int")]
    pub retries: Option<i64>,
    /// How a failed upgrade is remediated (default [`RemediationStrategy::Rollback`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<RemediationStrategy>,
}

/// The failure strategy of install or upgrade actions.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActionStrategy {
    /// Name of the strategy.
    pub name: ActionStrategyName,
    /// Interval between retries (only with `RetryOnFailure`; default `5m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub retry_interval: Option<String>,
}

/// Failure strategies of install and upgrade actions.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum ActionStrategyName {
    /// Remediate (uninstall, rollback) according to the remediation settings.
    #[default]
    RemediateOnFailure,
    /// Retry the action after `retryInterval`, without remediation.
    RetryOnFailure,
}

/// How CRDs of the chart's `crds/` directory are handled.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum CrdsPolicy {
    /// Neither create nor update CRDs.
    Skip,
    /// Create missing CRDs, leave existing ones alone.
    Create,
    /// Create missing CRDs and replace existing ones.
    CreateReplace,
}

/// Server-side apply modes of upgrade and rollback actions.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum ServerSideApplyMode {
    /// Use server-side apply.
    #[serde(rename = "enabled")]
    Enabled,
    /// Use client-side apply.
    #[serde(rename = "disabled")]
    Disabled,
    /// Use what the previous release used.
    #[default]
    #[serde(rename = "auto")]
    Auto,
}

/// What happens when the chart name of a release changes.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum ChartNameChangeStrategy {
    /// Upgrade the release in place.
    InPlaceUpdate,
    /// Uninstall the release and install it again.
    #[default]
    Reinstall,
}

/// How a failed upgrade is remediated.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum RemediationStrategy {
    /// Roll back to the previous release.
    #[default]
    #[serde(rename = "rollback")]
    Rollback,
    /// Uninstall the release.
    #[serde(rename = "uninstall")]
    Uninstall,
}

/// Configuration of Helm test actions.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Test {
    /// Run the chart's tests after installs and upgrades.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable: Option<bool>,
    /// Tests to run or exclude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<TestFilter>>,
    /// Do not remediate when tests fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_failures: Option<bool>,
    /// Timeout of the tests' Kubernetes operations; the HelmRelease timeout when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub timeout: Option<String>,
}

/// Selects a Helm test to run or to exclude.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestFilter {
    /// Exclude the named test instead of selecting it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude: Option<bool>,
    /// Name of the test.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
}

/// Configuration of Helm rollback actions.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Rollback {
    /// Delete objects created by a failed rollback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleanup_on_fail: Option<bool>,
    /// Do not run hooks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_hooks: Option<bool>,
    /// Do not wait for the objects to become ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_wait: Option<bool>,
    /// Do not wait for Jobs to complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_wait_for_jobs: Option<bool>,
    /// Replace objects instead of patching them (client-side apply only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force: Option<bool>,
    /// Restart pods (deprecated; has no effect with Helm 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recreate: Option<bool>,
    /// Server-side apply mode (default [`ServerSideApplyMode::Auto`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_side_apply: Option<ServerSideApplyMode>,
    /// Timeout of the rollback's Kubernetes operations; the HelmRelease timeout when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub timeout: Option<String>,
}

/// Configuration of Helm uninstall actions.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Uninstall {
    /// Deletion propagation policy (default [`DeletionPropagation::Background`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "background"))]
    pub deletion_propagation: Option<DeletionPropagation>,
    /// Do not run hooks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_hooks: Option<bool>,
    /// Do not wait for the objects to be deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_wait: Option<bool>,
    /// Keep the release history (the release is marked deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_history: Option<bool>,
    /// Timeout of the uninstall's Kubernetes operations; the HelmRelease timeout when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub timeout: Option<String>,
}

/// Deletion propagation policies of uninstalls.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum DeletionPropagation {
    /// Delete dependents in the background.
    #[default]
    #[serde(rename = "background")]
    Background,
    /// Delete dependents before the owner.
    #[serde(rename = "foreground")]
    Foreground,
    /// Leave dependents.
    #[serde(rename = "orphan")]
    Orphan,
}

impl Install {
    /// The CRD policy: `crds`, [`CrdsPolicy::Skip`] when only the deprecated `skipCRDs`
    /// is set, [`CrdsPolicy::Create`] otherwise.
    pub fn crds(&self) -> CrdsPolicy {
        match (self.crds, self.skip_crds) {
            (Some(policy), _) => policy,
            (None, Some(true)) => CrdsPolicy::Skip,
            _ => CrdsPolicy::Create,
        }
    }

    /// The remediation settings (defaults when absent).
    pub fn remediation(&self) -> InstallRemediation {
        self.remediation.clone().unwrap_or_default()
    }
}

impl InstallRemediation {
    /// Retries before giving up (0 when absent; negative means unlimited).
    pub fn retries(&self) -> i64 {
        self.retries.unwrap_or(0)
    }

    /// Whether test failures skip remediation, with `test_default` from `test.ignoreFailures`.
    pub fn ignore_test_failures(&self, test_default: bool) -> bool {
        self.ignore_test_failures.unwrap_or(test_default)
    }

    /// Whether the last failure is remediated (default false).
    pub fn remediate_last_failure(&self) -> bool {
        self.remediate_last_failure.unwrap_or(false)
    }

    /// Whether `failures` install failures exhausted the retries.
    pub fn retries_exhausted(&self, failures: i64) -> bool {
        self.retries() >= 0 && failures > self.retries()
    }
}

impl Upgrade {
    /// The CRD policy, [`CrdsPolicy::Skip`] when absent.
    pub fn crds(&self) -> CrdsPolicy {
        self.crds.unwrap_or(CrdsPolicy::Skip)
    }

    /// The chart name change strategy, [`ChartNameChangeStrategy::Reinstall`] when absent.
    pub fn chart_name_change_strategy(&self) -> ChartNameChangeStrategy {
        self.chart_name_change_strategy.unwrap_or_default()
    }

    /// The server-side apply mode, [`ServerSideApplyMode::Auto`] when absent.
    pub fn server_side_apply(&self) -> ServerSideApplyMode {
        self.server_side_apply.unwrap_or_default()
    }

    /// The remediation settings (defaults when absent).
    pub fn remediation(&self) -> UpgradeRemediation {
        self.remediation.clone().unwrap_or_default()
    }
}

impl UpgradeRemediation {
    /// Retries before giving up (0 when absent; negative means unlimited).
    pub fn retries(&self) -> i64 {
        self.retries.unwrap_or(0)
    }

    /// Whether test failures skip remediation, with `test_default` from `test.ignoreFailures`.
    pub fn ignore_test_failures(&self, test_default: bool) -> bool {
        self.ignore_test_failures.unwrap_or(test_default)
    }

    /// Whether the last failure is remediated (default: when `retries > 0`).
    pub fn remediate_last_failure(&self) -> bool {
        self.remediate_last_failure.unwrap_or(self.retries() > 0)
    }

    /// The remediation strategy, [`RemediationStrategy::Rollback`] when absent.
    pub fn strategy(&self) -> RemediationStrategy {
        self.strategy.unwrap_or_default()
    }

    /// Whether `failures` upgrade failures exhausted the retries.
    pub fn retries_exhausted(&self, failures: i64) -> bool {
        self.retries() >= 0 && failures > self.retries()
    }
}

impl ActionStrategy {
    /// The retry interval, [`DEFAULT_RETRY_INTERVAL`] when absent.
    pub fn retry_interval(&self) -> &str {
        self.retry_interval
            .as_deref()
            .unwrap_or(DEFAULT_RETRY_INTERVAL)
    }
}

impl Rollback {
    /// The server-side apply mode, [`ServerSideApplyMode::Auto`] when absent.
    pub fn server_side_apply(&self) -> ServerSideApplyMode {
        self.server_side_apply.unwrap_or_default()
    }
}

impl Uninstall {
    /// The deletion propagation, [`DeletionPropagation::Background`] when absent.
    pub fn deletion_propagation(&self) -> DeletionPropagation {
        self.deletion_propagation.unwrap_or_default()
    }
}

impl Test {
    /// Whether tests run after installs and upgrades.
    pub fn enabled(&self) -> bool {
        self.enable.unwrap_or(false)
    }

    /// The filters (empty when absent).
    pub fn filters(&self) -> &[TestFilter] {
        self.filters.as_deref().unwrap_or(&[])
    }
}

//! Defaults of a HelmRelease that depend on its metadata or on several fields: release
//! name and namespaces, HelmChart name, timeouts of each action, history size.

use super::actions::{Install, Rollback, Test, Uninstall, Upgrade};
use super::drift::DriftDetection;
use super::spec::HelmRelease;
use crate::api::kustomize::DependencyReference;

/// Timeout of Helm actions when `spec.timeout` is absent (Go prints 300s as `5m0s`).
pub const DEFAULT_TIMEOUT: &str = "5m0s";
/// Number of release revisions kept when `spec.maxHistory` is absent.
pub const DEFAULT_MAX_HISTORY: i64 = 5;
/// Longest Helm release name; longer names are shortened by [`shorten_release_name`].
pub const MAX_RELEASE_NAME_LENGTH: usize = 53;
/// Length of the hash suffix of a shortened release name.
const SHORT_HASH_LENGTH: usize = 12;

/// Shortens a release name longer than [`MAX_RELEASE_NAME_LENGTH`] bytes the way
/// helm-controller does: the first 40 bytes, `-`, and the first 12 hex characters of the
/// SHA-256 of the whole name. Shorter names are returned unchanged.
pub fn shorten_release_name(name: &str) -> String {
    if name.len() <= MAX_RELEASE_NAME_LENGTH {
        return name.to_string();
    }
    let mut cut = MAX_RELEASE_NAME_LENGTH - (SHORT_HASH_LENGTH + 1);
    // Release names are ASCII; never split a multi-byte character all the same.
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    let hash = crate::api::sha256_hex(name.as_bytes());
    let hash = hash.get(..SHORT_HASH_LENGTH).unwrap_or(&hash);
    format!("{}-{hash}", &name[..cut])
}

impl HelmRelease {
    fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or("")
    }

    fn namespace(&self) -> &str {
        self.metadata.namespace.as_deref().unwrap_or("")
    }

    /// The release name as configured: `spec.releaseName`, or
    /// `[<targetNamespace>-]<name>` (not shortened; see [`HelmRelease::release_name`]).
    pub fn configured_release_name(&self) -> String {
        if let Some(name) = self.spec.release_name.as_deref().filter(|n| !n.is_empty()) {
            return name.to_string();
        }
        match self
            .spec
            .target_namespace
            .as_deref()
            .filter(|ns| !ns.is_empty())
        {
            Some(ns) => format!("{ns}-{}", self.name()),
            None => self.name().to_string(),
        }
    }

    /// The name of the Helm release: [`HelmRelease::configured_release_name`], shortened
    /// by [`shorten_release_name`] when longer than 53 characters.
    pub fn release_name(&self) -> String {
        shorten_release_name(&self.configured_release_name())
    }

    /// The namespace the release is installed into: `spec.targetNamespace`, or the
    /// HelmRelease's namespace.
    pub fn release_namespace(&self) -> &str {
        self.spec
            .target_namespace
            .as_deref()
            .filter(|ns| !ns.is_empty())
            .unwrap_or_else(|| self.namespace())
    }

    /// The namespace of the Helm storage: `spec.storageNamespace`, or the HelmRelease's
    /// namespace.
    pub fn storage_namespace(&self) -> &str {
        self.spec
            .storage_namespace
            .as_deref()
            .filter(|ns| !ns.is_empty())
            .unwrap_or_else(|| self.namespace())
    }

    /// Name of the HelmChart created from `spec.chart`: `<namespace>-<name>`.
    pub fn helm_chart_name(&self) -> String {
        format!("{}-{}", self.namespace(), self.name())
    }

    /// Namespace of the HelmChart created from `spec.chart`: the chart source's
    /// namespace, or the HelmRelease's.
    pub fn helm_chart_namespace(&self) -> &str {
        self.spec
            .chart
            .as_ref()
            .and_then(|c| c.spec.source_ref.namespace.as_deref())
            .filter(|ns| !ns.is_empty())
            .unwrap_or_else(|| self.namespace())
    }

    /// The interval of the created HelmChart: `spec.chart.spec.interval`, or `spec.interval`.
    pub fn chart_interval(&self) -> &str {
        self.spec
            .chart
            .as_ref()
            .and_then(|c| c.spec.interval.as_deref())
            .unwrap_or(&self.spec.interval)
    }

    /// The timeout of Helm actions: `spec.timeout`, or [`DEFAULT_TIMEOUT`].
    pub fn timeout(&self) -> &str {
        self.spec.timeout.as_deref().unwrap_or(DEFAULT_TIMEOUT)
    }

    /// The install timeout: `spec.install.timeout`, or [`HelmRelease::timeout`].
    pub fn install_timeout(&self) -> &str {
        self.spec
            .install
            .as_ref()
            .and_then(|a| a.timeout.as_deref())
            .unwrap_or(self.timeout())
    }

    /// The upgrade timeout: `spec.upgrade.timeout`, or [`HelmRelease::timeout`].
    pub fn upgrade_timeout(&self) -> &str {
        self.spec
            .upgrade
            .as_ref()
            .and_then(|a| a.timeout.as_deref())
            .unwrap_or(self.timeout())
    }

    /// The test timeout: `spec.test.timeout`, or [`HelmRelease::timeout`].
    pub fn test_timeout(&self) -> &str {
        self.spec
            .test
            .as_ref()
            .and_then(|a| a.timeout.as_deref())
            .unwrap_or(self.timeout())
    }

    /// The rollback timeout: `spec.rollback.timeout`, or [`HelmRelease::timeout`].
    pub fn rollback_timeout(&self) -> &str {
        self.spec
            .rollback
            .as_ref()
            .and_then(|a| a.timeout.as_deref())
            .unwrap_or(self.timeout())
    }

    /// The uninstall timeout: `spec.uninstall.timeout`, or [`HelmRelease::timeout`].
    pub fn uninstall_timeout(&self) -> &str {
        self.spec
            .uninstall
            .as_ref()
            .and_then(|a| a.timeout.as_deref())
            .unwrap_or(self.timeout())
    }

    /// The number of revisions Helm keeps: `spec.maxHistory`, or [`DEFAULT_MAX_HISTORY`]
    /// (0 means unlimited).
    pub fn max_history(&self) -> i64 {
        self.spec.max_history.unwrap_or(DEFAULT_MAX_HISTORY)
    }

    /// Whether one Kubernetes client is reused (default true).
    pub fn persistent_client(&self) -> bool {
        self.spec.persistent_client.unwrap_or(true)
    }

    /// Whether the HelmRelease is suspended.
    pub fn suspended(&self) -> bool {
        self.spec.suspend.unwrap_or(false)
    }

    /// The install settings (defaults when absent).
    pub fn install(&self) -> Install {
        self.spec.install.clone().unwrap_or_default()
    }

    /// The upgrade settings (defaults when absent).
    pub fn upgrade(&self) -> Upgrade {
        self.spec.upgrade.clone().unwrap_or_default()
    }

    /// The test settings (defaults when absent).
    pub fn test(&self) -> Test {
        self.spec.test.clone().unwrap_or_default()
    }

    /// The rollback settings (defaults when absent).
    pub fn rollback(&self) -> Rollback {
        self.spec.rollback.clone().unwrap_or_default()
    }

    /// The uninstall settings (defaults when absent).
    pub fn uninstall(&self) -> Uninstall {
        self.spec.uninstall.clone().unwrap_or_default()
    }

    /// The drift detection settings (disabled when absent).
    pub fn drift_detection(&self) -> DriftDetection {
        self.spec.drift_detection.clone().unwrap_or_default()
    }

    /// The dependencies (empty when absent).
    pub fn depends_on(&self) -> &[DependencyReference] {
        self.spec.depends_on.as_deref().unwrap_or(&[])
    }

    /// The inline values, `{}` when absent or `null`.
    pub fn values(&self) -> serde_json::Value {
        match &self.spec.values {
            Some(v @ serde_json::Value::Object(_)) => v.clone(),
            _ => serde_json::Value::Object(Default::default()),
        }
    }
}

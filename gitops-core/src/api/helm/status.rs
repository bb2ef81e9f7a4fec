//! The observed state of a HelmRelease: conditions, the history of release snapshots,
//! failure counters, the last attempted revision and digests, and the inventory.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::schema::go_int;
use crate::api::kustomize::ResourceInventory;
use crate::conditions::Condition;

/// Observed state of a HelmRelease.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("default" = {"observedGeneration": -1}))]
pub struct HelmReleaseStatus {
    /// Conditions (`Ready`, `Released`, `TestSuccess`, `Remediated`, `Reconciling`, `Stalled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Condition>>,
    /// Failed reconciliations against the current desired state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<i64>,
    /// `<namespace>/<name>` of the HelmChart created for the release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helm_chart: Option<String>,
    /// Snapshots of the releases performed, up to the last successful one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<Snapshot>>,
    /// Failed installs against the current desired state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_failures: Option<i64>,
    /// The objects of the current release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory: Option<ResourceInventory>,
    /// Digest of the values of the last attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_config_digest: Option<String>,
    /// Generation of the last attempted spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_generation: Option<i64>,
    /// The last install or upgrade attempted; selects the active retry or remediation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_release_action: Option<AttemptedReleaseAction>,
    /// How long the last release action took (a Go duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_release_action_duration: Option<String>,
    /// Chart revision of the last attempt (`<version>[+<digest prefix>]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_revision: Option<String>,
    /// Artifact digest of the last attempt (OCI sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_revision_digest: Option<String>,
    /// SHA-1 of the values of the last attempt (deprecated: see the config digest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_values_checksum: Option<String>,
    /// The last `reconcile.fluxcd.io/forceAt` value handled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_handled_force_at: Option<String>,
    /// The last `reconcile.fluxcd.io/requestedAt` value handled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_handled_reconcile_at: Option<String>,
    /// The last `reconcile.fluxcd.io/resetAt` value handled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_handled_reset_at: Option<String>,
    /// Revision of the last successful release (deprecated: see `history`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "go_int")]
    pub last_release_revision: Option<i64>,
    /// Digest of the common metadata of the last successful reconciliation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_common_metadata_digest: Option<String>,
    /// The generation of the last reconciled spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Digest of the post-renderers of the last successful reconciliation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_post_renderers_digest: Option<String>,
    /// Namespace of the Helm storage of the current release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub storage_namespace: Option<String>,
    /// Failed upgrades against the current desired state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade_failures: Option<i64>,
}

/// The release actions recorded in `status.lastAttemptedReleaseAction`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum AttemptedReleaseAction {
    /// A Helm install.
    #[serde(rename = "install")]
    Install,
    /// A Helm upgrade.
    #[serde(rename = "upgrade")]
    Upgrade,
}

/// Values of a snapshot's `action`.
pub mod release_action {
    /// A Helm install.
    pub const INSTALL: &str = "install";
    /// A Helm upgrade.
    pub const UPGRADE: &str = "upgrade";
    /// A Helm rollback.
    pub const ROLLBACK: &str = "rollback";
    /// A Helm uninstall.
    pub const UNINSTALL: &str = "uninstall";
    /// A Helm uninstall performed as remediation.
    pub const UNINSTALL_REMEDIATION: &str = "uninstall-remediation";
}

/// Current version of the snapshot digest calculation (`history[].apiVersion`).
pub const SNAPSHOT_API_VERSION: &str = "v2";

/// A copy of the state of one Helm release revision.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// Action that produced the snapshot (see [`release_action`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Version of the digest calculation (see [`SNAPSHOT_API_VERSION`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Chart appVersion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    /// Chart name.
    pub chart_name: String,
    /// Chart version.
    pub chart_version: String,
    /// Digest `<algo>:<hex>` of the release values.
    pub config_digest: String,
    /// When the release was deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<Time>,
    /// Digest `<algo>:<hex>` of the release object in storage.
    pub digest: String,
    /// When the release was first deployed.
    pub first_deployed: Time,
    /// When the release was last deployed.
    pub last_deployed: Time,
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
    /// Digest of the OCI artifact the chart came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oci_digest: Option<String>,
    /// Helm release status (`deployed`, `superseded`, `failed`, …).
    pub status: String,
    /// Test hooks observed for the release, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_hooks: Option<BTreeMap<String, TestHookStatus>>,
    /// Release revision.
    #[schemars(schema_with = "go_int")]
    pub version: i64,
}

/// The observed state of a test hook.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestHookStatus {
    /// When the test last completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_completed: Option<Time>,
    /// When the test last started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_started: Option<Time>,
    /// Phase of the test (`Succeeded`, `Failed`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
}

impl Snapshot {
    /// `<namespace>/<name>.v<version>`.
    pub fn full_release_name(&self) -> String {
        format!("{}/{}.v{}", self.namespace, self.name, self.version)
    }

    /// `<chartName>@<chartVersion>`.
    pub fn versioned_chart_name(&self) -> String {
        format!("{}@{}", self.chart_name, self.chart_version)
    }

    /// Whether any test hook is in `phase`.
    pub fn has_test_in_phase(&self, phase: &str) -> bool {
        self.test_hooks
            .iter()
            .flat_map(|hooks| hooks.values())
            .any(|h| h.phase.as_deref() == Some(phase))
    }

    /// Whether test results were observed: an empty map (no tests), any failed test,
    /// or every test succeeded.
    pub fn has_been_tested(&self) -> bool {
        let Some(hooks) = &self.test_hooks else {
            return false;
        };
        hooks.is_empty()
            || self.has_test_in_phase("Failed")
            || hooks
                .values()
                .all(|h| h.phase.as_deref() == Some("Succeeded"))
    }
}

impl HelmReleaseStatus {
    /// The conditions (empty when absent).
    pub fn conditions(&self) -> &[Condition] {
        self.conditions.as_deref().unwrap_or(&[])
    }

    /// The snapshot with the highest version.
    pub fn latest_snapshot(&self) -> Option<&Snapshot> {
        self.history.as_ref()?.iter().max_by_key(|s| s.version)
    }

    /// The most recent snapshot before the latest whose status is `deployed` or
    /// `superseded` and, unless `ignore_tests`, without a failed test.
    pub fn previous_snapshot(&self, ignore_tests: bool) -> Option<&Snapshot> {
        let mut sorted: Vec<&Snapshot> = self.history.as_ref()?.iter().collect();
        sorted.sort_by_key(|s| std::cmp::Reverse(s.version));
        sorted.into_iter().skip(1).find(|s| {
            matches!(s.status.as_str(), "deployed" | "superseded")
                && (ignore_tests || !s.has_test_in_phase("Failed"))
        })
    }

    /// `(namespace, name)` of the HelmChart in `helmChart`, when set.
    pub fn helm_chart(&self) -> Option<(&str, &str)> {
        self.helm_chart.as_deref()?.split_once('/')
    }

    /// Resets the failure counters, as after a successful reconciliation.
    pub fn clear_failures(&mut self) {
        self.failures = None;
        self.install_failures = None;
        self.upgrade_failures = None;
    }
}

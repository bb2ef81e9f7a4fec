//! How a HelmRelease treats the rendered manifests and the live objects: drift
//! detection, kustomize post-renderers and the wait strategy.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::api::kustomize::{IgnoreRule, Image, Patch};

/// Label or annotation key that excludes an object from drift detection (value `disabled`).
pub const DRIFT_DETECTION_KEY: &str = "helm.toolkit.fluxcd.io/driftDetection";

/// Drift detection between the release manifest in Helm storage and the cluster.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DriftDetection {
    /// Fields disregarded when comparing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore: Option<Vec<IgnoreRule>>,
    /// What happens on drift (default [`DriftDetectionMode::Disabled`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<DriftDetectionMode>,
}

/// What happens when drift is detected.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum DriftDetectionMode {
    /// Detect drift and correct it with an upgrade.
    #[serde(rename = "enabled")]
    Enabled,
    /// Detect drift and only report it.
    #[serde(rename = "warn")]
    Warn,
    /// Do not detect drift.
    #[default]
    #[serde(rename = "disabled")]
    Disabled,
}

impl DriftDetection {
    /// The mode, [`DriftDetectionMode::Disabled`] when absent.
    pub fn mode(&self) -> DriftDetectionMode {
        self.mode.unwrap_or_default()
    }

    /// Whether drift is detected at all (`enabled` or `warn`).
    pub fn detects_changes(&self) -> bool {
        matches!(
            self.mode(),
            DriftDetectionMode::Enabled | DriftDetectionMode::Warn
        )
    }
}

/// A Helm post-renderer.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PostRenderer {
    /// Kustomize patches and image overrides applied to the rendered manifests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kustomize: Option<KustomizePostRenderer>,
}

/// A kustomize post-renderer: patches and image overrides.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KustomizePostRenderer {
    /// Image name, tag and digest overrides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<Image>>,
    /// Strategic-merge and JSON 6902 patches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patches: Option<Vec<Patch>>,
}

/// Which rendered documents are sent to the post-renderers.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum PostRenderStrategy {
    /// Templates only, hooks are not post-rendered (Helm 3 behaviour).
    #[serde(rename = "nohooks")]
    NoHooks,
    /// Hooks and templates in one stream (Helm 4 default).
    #[serde(rename = "combined")]
    Combined,
    /// Hooks and templates in separate streams.
    #[serde(rename = "separate")]
    Separate,
}

/// How Helm waits for applied objects to become ready.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WaitStrategy {
    /// Name of the strategy.
    pub name: WaitStrategyName,
}

/// Wait strategies.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum WaitStrategyName {
    /// Poll object status with kstatus (default).
    #[default]
    #[serde(rename = "poller")]
    Poller,
    /// Helm 3's readiness checks.
    #[serde(rename = "legacy")]
    Legacy,
}

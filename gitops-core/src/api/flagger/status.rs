//! The status Flagger records on a Canary: the phase of the current run, its progress
//! (weight, failed checks, iterations), the last applied and promoted specs and the
//! `Promoted` condition.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::schema;

/// The observed state of a Canary. Flagger always writes `phase`, `failedChecks`,
/// `canaryWeight` and `iterations` (no `omitempty` in Go), so those are plain fields.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CanaryStatus {
    /// Phase of the current canary run.
    #[serde(default)]
    #[schemars(transform = schema::drop_default)]
    pub phase: CanaryPhase,
    /// Failed checks of the current analysis.
    #[serde(default)]
    #[schemars(schema_with = "schema::number", transform = schema::drop_default)]
    pub failed_checks: i64,
    /// Traffic weight currently routed to the canary.
    #[serde(default)]
    #[schemars(schema_with = "schema::number", transform = schema::drop_default)]
    pub canary_weight: i64,
    /// Iterations of the current analysis.
    #[serde(default)]
    #[schemars(schema_with = "schema::number", transform = schema::drop_default)]
    pub iterations: i64,
    /// Cookie of the previous run's session affinity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_session_affinity_cookie: Option<String>,
    /// Cookie of the current run's session affinity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_affinity_cookie: Option<String>,
    /// Cookie of the primary's session affinity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_session_affinity_cookie: Option<String>,
    /// Checksums of the ConfigMaps and Secrets the target uses, by `kind/name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracked_configs: Option<BTreeMap<String, String>>,
    /// Hash of the last applied target spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_applied_spec: Option<String>,
    /// Hash of the last promoted target spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_promoted_spec: Option<String>,
    /// When the phase last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,
    /// Conditions of the canary (`Promoted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<CanaryCondition>>,
}

impl CanaryStatus {
    /// The condition of type `condition_type`, if present.
    pub fn condition(&self, condition_type: &str) -> Option<&CanaryCondition> {
        self.conditions
            .iter()
            .flatten()
            .find(|c| c.r#type == condition_type)
    }
}

/// The phase of a canary run.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum CanaryPhase {
    /// No phase recorded yet (Go's zero value).
    #[default]
    #[serde(rename = "")]
    Unset,
    /// The primary workload, autoscaler and services are being created.
    Initializing,
    /// Primary, autoscaler, services and routing objects exist.
    Initialized,
    /// The run waits for a `confirm-rollout` webhook.
    Waiting,
    /// The analysis is running.
    Progressing,
    /// The promotion waits for a `confirm-promotion` webhook.
    WaitingPromotion,
    /// The canary spec is being copied to the primary.
    Promoting,
    /// Traffic is routed back to the promoted primary.
    Finalising,
    /// The canary was promoted.
    Succeeded,
    /// The analysis failed; the canary was scaled to zero.
    Failed,
    /// The canary is being deleted and its changes reverted.
    Terminating,
    /// The canary was finalised and deleted.
    Terminated,
}

impl CanaryPhase {
    /// The phase as written in `status.phase`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unset => "",
            Self::Initializing => "Initializing",
            Self::Initialized => "Initialized",
            Self::Waiting => "Waiting",
            Self::Progressing => "Progressing",
            Self::WaitingPromotion => "WaitingPromotion",
            Self::Promoting => "Promoting",
            Self::Finalising => "Finalising",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::Terminating => "Terminating",
            Self::Terminated => "Terminated",
        }
    }

    /// Whether a run is in progress (a new revision must wait for it).
    pub fn is_running(self) -> bool {
        matches!(
            self,
            Self::Progressing
                | Self::Waiting
                | Self::WaitingPromotion
                | Self::Promoting
                | Self::Finalising
        )
    }

    /// Whether the phase ends a run (`Succeeded`, `Failed`, `Terminated`).
    pub fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Terminated)
    }
}

/// A condition of a Canary (Flagger's own type, not `metav1.Condition`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CanaryCondition {
    /// Type of the condition (`Promoted`).
    pub r#type: String,
    /// Status: `True`, `False` or `Unknown`.
    pub status: String,
    /// When the condition was last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_time: Option<Time>,
    /// When the status last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,
    /// Machine-readable reason (the phase).
    pub reason: String,
    /// Human-readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

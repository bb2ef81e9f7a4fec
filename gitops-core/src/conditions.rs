//! kstatus conditions as Flux sets them: `Ready`, `Reconciling`, `Stalled`, with Flux's
//! reason constants and helpers to read and set them.
//!
//! [`Condition`] is wire-compatible with `metav1.Condition` and carries the same schema
//! validation as the one controller-gen writes into Flux's CRDs.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Condition type: the object is ready (the reconciliation succeeded).
pub const READY: &str = "Ready";
/// Condition type: a reconciliation is in progress.
pub const RECONCILING: &str = "Reconciling";
/// Condition type: the reconciliation cannot make progress without a change of input.
pub const STALLED: &str = "Stalled";
/// Condition type (sources): the artifact is in storage.
pub const ARTIFACT_IN_STORAGE: &str = "ArtifactInStorage";
/// Condition type (sources): the source was verified (signatures).
pub const SOURCE_VERIFIED: &str = "SourceVerified";
/// Condition type (sources): fetching the upstream failed.
pub const FETCH_FAILED: &str = "FetchFailed";
/// Condition type (sources): the artifact is outdated.
pub const ARTIFACT_OUTDATED: &str = "ArtifactOutdated";
/// Condition type (HelmRelease): the release was installed or upgraded.
pub const RELEASED: &str = "Released";
/// Condition type (HelmRelease): the Helm tests succeeded.
pub const TEST_SUCCESS: &str = "TestSuccess";
/// Condition type (HelmRelease): a remediation was performed.
pub const REMEDIATED: &str = "Remediated";
/// Condition type (Flagger): the canary was promoted.
pub const PROMOTED: &str = "Promoted";

/// Flux's reason constants (`fluxcd/pkg/apis/meta`, and the controllers' own).
pub mod reason {
    /// The reconciliation succeeded.
    pub const RECONCILIATION_SUCCEEDED: &str = "ReconciliationSucceeded";
    /// The reconciliation failed.
    pub const RECONCILIATION_FAILED: &str = "ReconciliationFailed";
    /// A reconciliation is in progress.
    pub const PROGRESSING: &str = "Progressing";
    /// A reconciliation is in progress after a failure (retry).
    pub const PROGRESSING_WITH_RETRY: &str = "ProgressingWithRetry";
    /// A dependency is not ready.
    pub const DEPENDENCY_NOT_READY: &str = "DependencyNotReady";
    /// The object is suspended.
    pub const SUSPENDED: &str = "Suspended";
    /// The artifact could not be fetched or read.
    pub const ARTIFACT_FAILED: &str = "ArtifactFailed";
    /// The build (kustomize, helm) failed.
    pub const BUILD_FAILED: &str = "BuildFailed";
    /// The health checks failed.
    pub const HEALTH_CHECK_FAILED: &str = "HealthCheckFailed";
    /// Pruning failed.
    pub const PRUNE_FAILED: &str = "PruneFailed";
    /// The spec is invalid.
    pub const INVALID_PATH: &str = "InvalidPath";
    /// A referenced secret or config is missing or invalid.
    pub const AUTHENTICATION_FAILED: &str = "AuthenticationFailed";
    /// A new artifact was stored.
    pub const NEW_ARTIFACT: &str = "NewArtifact";
    /// The artifact is up to date.
    pub const ARTIFACT_UP_TO_DATE: &str = "ArtifactUpToDate";
    /// The Git operation failed.
    pub const GIT_OPERATION_FAILED: &str = "GitOperationFailed";
    /// An OCI pull failed.
    pub const OCI_PULL_FAILED: &str = "OCIArtifactPullFailed";
    /// Listing or fetching bucket objects failed.
    pub const BUCKET_OPERATION_FAILED: &str = "BucketOperationFailed";
    /// A storage operation failed.
    pub const STORAGE_OPERATION_FAILED: &str = "StorageOperationFailed";
    /// Verification of a signature failed.
    pub const VERIFICATION_ERROR: &str = "VerificationError";
    /// Access to a cross-namespace object was denied.
    pub const ACL_ERROR: &str = "AccessDenied";
    /// The Helm install succeeded.
    pub const INSTALL_SUCCEEDED: &str = "InstallSucceeded";
    /// The Helm install failed.
    pub const INSTALL_FAILED: &str = "InstallFailed";
    /// The Helm upgrade succeeded.
    pub const UPGRADE_SUCCEEDED: &str = "UpgradeSucceeded";
    /// The Helm upgrade failed.
    pub const UPGRADE_FAILED: &str = "UpgradeFailed";
    /// The Helm tests succeeded.
    pub const TEST_SUCCEEDED: &str = "TestSucceeded";
    /// The Helm tests failed.
    pub const TEST_FAILED: &str = "TestFailed";
    /// The Helm rollback succeeded.
    pub const ROLLBACK_SUCCEEDED: &str = "RollbackSucceeded";
    /// The Helm rollback failed.
    pub const ROLLBACK_FAILED: &str = "RollbackFailed";
    /// The Helm uninstall succeeded.
    pub const UNINSTALL_SUCCEEDED: &str = "UninstallSucceeded";
    /// The Helm uninstall failed.
    pub const UNINSTALL_FAILED: &str = "UninstallFailed";
    /// Drift between the release and the cluster was detected.
    pub const DRIFT_DETECTED: &str = "DriftDetected";
}

/// Status of a condition: `True`, `False` or `Unknown`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default, JsonSchema)]
pub enum ConditionStatus {
    /// The condition holds.
    True,
    /// The condition does not hold.
    False,
    /// It is not known whether the condition holds.
    #[default]
    Unknown,
}

impl ConditionStatus {
    /// The status as it is written in the API (`True`, `False`, `Unknown`).
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionStatus::True => "True",
            ConditionStatus::False => "False",
            ConditionStatus::Unknown => "Unknown",
        }
    }
}

/// One aspect of the current state of an object (`metav1.Condition`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// The last time the condition transitioned from one status to another.
    pub last_transition_time: Time,
    /// A human readable message indicating details about the transition.
    #[schemars(length(max = 32768))]
    pub message: String,
    /// The `.metadata.generation` the condition was set for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub observed_generation: Option<i64>,
    /// A programmatic identifier of the reason for the last transition (CamelCase).
    #[schemars(
        length(min = 1, max = 1024),
        regex(pattern = r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")
    )]
    pub reason: String,
    /// Status of the condition.
    pub status: ConditionStatus,
    /// Type of the condition, in CamelCase or `foo.example.com/CamelCase`.
    #[serde(rename = "type")]
    #[schemars(
        length(max = 316),
        regex(
            pattern = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"
        )
    )]
    pub type_: String,
}

impl Condition {
    /// A condition that transitions now.
    pub fn new(
        type_: impl Into<String>,
        status: ConditionStatus,
        reason: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Condition {
            last_transition_time: Time(k8s_openapi::jiff::Timestamp::now()),
            message: message.into(),
            observed_generation: None,
            reason: reason.into(),
            status,
            type_: type_.into(),
        }
    }
}

/// Finds the condition of type `type_` in `conditions`.
pub fn find<'a>(conditions: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.type_ == type_)
}

/// Whether the condition `type_` is present with status `True`.
pub fn is_true(conditions: &[Condition], type_: &str) -> bool {
    find(conditions, type_).is_some_and(|c| c.status == ConditionStatus::True)
}

/// Sets a condition the way `apimachinery`'s `meta.SetStatusCondition` does: the
/// transition time only changes when the status changes; reason, message and observed
/// generation are always updated. Returns whether anything changed.
pub fn set(conditions: &mut Vec<Condition>, new: Condition) -> bool {
    match conditions.iter_mut().find(|c| c.type_ == new.type_) {
        None => {
            conditions.push(new);
            true
        }
        Some(existing) => {
            let mut changed = false;
            if existing.status != new.status {
                existing.status = new.status;
                existing.last_transition_time = new.last_transition_time;
                changed = true;
            }
            if existing.reason != new.reason {
                existing.reason = new.reason;
                changed = true;
            }
            if existing.message != new.message {
                existing.message = new.message;
                changed = true;
            }
            if existing.observed_generation != new.observed_generation {
                existing.observed_generation = new.observed_generation;
                changed = true;
            }
            changed
        }
    }
}

/// Removes the condition of type `type_`; returns whether one was removed.
pub fn remove(conditions: &mut Vec<Condition>, type_: &str) -> bool {
    let before = conditions.len();
    conditions.retain(|c| c.type_ != type_);
    before != conditions.len()
}

/// The kstatus summary of an object's conditions, as `flux get` and health checks read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Summary {
    /// `Ready=True`.
    Ready,
    /// `Stalled=True`: it will not make progress without a change.
    Stalled,
    /// `Reconciling=True`, or `Ready` is `Unknown`.
    InProgress,
    /// `Ready=False` and not stalled.
    Failed,
    /// No `Ready` condition yet.
    Unknown,
}

/// Summarises conditions with kstatus' precedence: Stalled, then Reconciling, then Ready.
pub fn summarize(conditions: &[Condition]) -> Summary {
    if is_true(conditions, STALLED) {
        return Summary::Stalled;
    }
    if is_true(conditions, RECONCILING) {
        return Summary::InProgress;
    }
    match find(conditions, READY).map(|c| c.status) {
        Some(ConditionStatus::True) => Summary::Ready,
        Some(ConditionStatus::False) => Summary::Failed,
        Some(ConditionStatus::Unknown) => Summary::InProgress,
        None => Summary::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(type_: &str, status: ConditionStatus, reason: &str) -> Condition {
        Condition::new(type_, status, reason, "m")
    }

    #[test]
    fn set_keeps_transition_time_when_status_is_unchanged() {
        let mut cs = vec![cond(
            READY,
            ConditionStatus::True,
            reason::RECONCILIATION_SUCCEEDED,
        )];
        let t0 = cs[0].last_transition_time.clone();
        let mut again = cond(
            READY,
            ConditionStatus::True,
            reason::RECONCILIATION_SUCCEEDED,
        );
        again.message = "other".into();
        assert!(set(&mut cs, again));
        assert_eq!(cs[0].last_transition_time, t0);
        assert_eq!(cs[0].message, "other");
        let same = cs[0].clone();
        assert!(!set(&mut cs, same));
    }

    #[test]
    fn summary_prefers_stalled_then_reconciling() {
        let mut cs = vec![cond(READY, ConditionStatus::False, reason::BUILD_FAILED)];
        assert_eq!(summarize(&cs), Summary::Failed);
        cs.push(cond(
            RECONCILING,
            ConditionStatus::True,
            reason::PROGRESSING,
        ));
        assert_eq!(summarize(&cs), Summary::InProgress);
        cs.push(cond(STALLED, ConditionStatus::True, reason::BUILD_FAILED));
        assert_eq!(summarize(&cs), Summary::Stalled);
        assert!(remove(&mut cs, STALLED));
        assert!(remove(&mut cs, RECONCILING));
        assert!(set(
            &mut cs,
            cond(
                READY,
                ConditionStatus::True,
                reason::RECONCILIATION_SUCCEEDED
            )
        ));
        assert_eq!(summarize(&cs), Summary::Ready);
        assert_eq!(summarize(&[]), Summary::Unknown);
    }

    #[test]
    fn condition_serialises_like_metav1() {
        let c = cond(READY, ConditionStatus::True, "Succeeded");
        let v = serde_json::to_value(&c).expect("serialise");
        assert_eq!(v["type"], "Ready");
        assert_eq!(v["status"], "True");
        assert!(v.get("observedGeneration").is_none());
    }
}

//! Health checks as Flux's kustomize-controller does them.
//!
//! - [`compute`]: the kstatus rules (`sigs.k8s.io/cli-utils/pkg/kstatus/status`, in the
//!   `fluxcd/cli-utils` fork Flux builds with) over one live object: the generic rules
//!   (`deletionTimestamp` → Terminating, `metadata.generation` vs
//!   `status.observedGeneration`, `Reconciling`/`Stalled` conditions), the per-kind rules of
//!   the built-in workloads, and the `Ready` condition fallback — with kstatus' messages.
//! - [`pod_controller_status`]: the poller's extra rule for StatefulSets and ReplicaSets
//!   (InProgress with failed Pods is Failed).
//! - [`compute_job`]: Flux's own Job rule (`fluxcd/pkg runtime/statusreaders`), which
//!   reports a running Job as InProgress rather than Current.
//! - [`HealthCheckExprs`]: the compiled `spec.healthCheckExprs` (CEL) of a Kustomization,
//!   whose [`HealthCheckExprs::status`] picks for each object the rule Flux's status poller
//!   picks (Job rule, then a matching CEL entry, then kstatus).
//! - [`eval_ready_expr`]: the `dependsOn[].readyExpr` check (variables `self` and `dep`).
//! - `wait` (feature `kube`): the poller that waits until a set of objects is Current,
//!   failing fast on Failed objects, with Flux's error messages.
//!
//! ```
//! use gitops_core::health::{compute, Status};
//! use serde_json::json;
//!
//! let deploy = json!({
//!     "apiVersion": "apps/v1", "kind": "Deployment",
//!     "metadata": {"name": "podinfo", "namespace": "default", "generation": 1},
//!     "spec": {"replicas": 3},
//!     "status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1},
//! });
//! let result = compute(&deploy)?;
//! assert_eq!(result.status, Status::InProgress);
//! assert_eq!(result.message, "Replicas: 1/3");
//! # Ok::<(), gitops_core::health::HealthError>(())
//! ```

mod builtin;
mod expr;
mod generic;
#[cfg(feature = "kube")]
pub mod wait;

use std::fmt;

use serde_json::Value;

pub use builtin::{compute_job, pod_controller_status};
pub use expr::{HealthCheckExprs, eval_ready_expr};
pub use generic::compute;

/// The kstatus status of an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// The object is being reconciled (or its controller has not caught up).
    InProgress,
    /// The object failed to reconcile and will not get there without a change.
    Failed,
    /// The object reached its desired state.
    Current,
    /// The object is being deleted.
    Terminating,
    /// The object does not exist.
    NotFound,
    /// The status could not be determined (read or evaluation error).
    Unknown,
}

impl Status {
    /// kstatus' spelling: `InProgress`, `Failed`, `Current`, `Terminating`, `NotFound`,
    /// `Unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::InProgress => "InProgress",
            Status::Failed => "Failed",
            Status::Current => "Current",
            Status::Terminating => "Terminating",
            Status::NotFound => "NotFound",
            Status::Unknown => "Unknown",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A condition kstatus derives for an object (`Reconciling` or `Stalled`, status `True`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusCondition {
    /// `Reconciling` or `Stalled`.
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// One CamelCase word.
    pub reason: String,
    /// Human readable message.
    pub message: String,
}

/// The outcome of a status computation: kstatus' `Result`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusResult {
    /// The status.
    pub status: Status,
    /// Why the object has this status, in kstatus' words (e.g. `Replicas: 1/3`).
    pub message: String,
    /// The standard conditions kstatus would set on the object.
    pub conditions: Vec<StatusCondition>,
}

impl StatusResult {
    /// A result without conditions.
    pub fn new(status: Status, message: impl Into<String>) -> Self {
        StatusResult {
            status,
            message: message.into(),
            conditions: Vec::new(),
        }
    }

    /// Current, without conditions.
    pub(crate) fn current(message: impl Into<String>) -> Self {
        Self::new(Status::Current, message)
    }

    /// InProgress with a `Reconciling=True` condition (kstatus' `newInProgressStatus`).
    pub(crate) fn in_progress(reason: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        StatusResult {
            status: Status::InProgress,
            conditions: vec![condition("Reconciling", reason, &message)],
            message,
        }
    }

    /// Failed with a `Stalled=True` condition (kstatus' `newFailedStatus`).
    pub(crate) fn failed(reason: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        StatusResult {
            status: Status::Failed,
            conditions: vec![condition("Stalled", reason, &message)],
            message,
        }
    }
}

fn condition(type_: &str, reason: &str, message: &str) -> StatusCondition {
    StatusCondition {
        type_: type_.to_string(),
        status: "True".to_string(),
        reason: reason.to_string(),
        message: message.to_string(),
    }
}

/// An object that was not ready when a wait ended: its id, last status and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotReady {
    /// `Kind/namespace/name` (or `Kind/name`).
    pub id: String,
    /// The last status observed.
    pub status: Status,
    /// The last message (kstatus' message, or the read error).
    pub message: String,
    /// The error that made the status Unknown, if any (shown after the status, as Flux does).
    pub error: Option<String>,
}

impl fmt::Display for NotReady {
    /// Flux's form: `Deployment/default/podinfo status: 'InProgress'`, followed by
    /// `: <error>` when reading the object failed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} status: '{}'", self.id, self.status)?;
        if let Some(err) = &self.error {
            write!(f, ": {err}")?;
        }
        Ok(())
    }
}

fn join(items: &[NotReady]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Errors of health checks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HealthError {
    /// A field kstatus reads has the wrong type.
    #[error("{object}: {field}: {message}")]
    Malformed {
        /// `Kind/namespace/name` of the object.
        object: String,
        /// The field, e.g. `status.conditions`.
        field: String,
        /// What was wrong.
        message: String,
    },
    /// A `healthCheckExprs` entry is invalid (missing `current`, duplicate, parse error).
    #[error("failed to create custom status evaluator for healthchecks[{index}]: {message}")]
    InvalidExpr {
        /// Index of the entry in `healthCheckExprs`.
        index: usize,
        /// What was wrong, naming the expression.
        message: String,
    },
    /// Two `healthCheckExprs` entries target the same group (and kind).
    #[error("duplicate custom health check for GroupKind {group_kind} at healthchecks[{index}]")]
    DuplicateExpr {
        /// Index of the second entry.
        index: usize,
        /// Flux's GroupKind spelling: `Kind.group`, `Kind` or `.group`.
        group_kind: String,
    },
    /// A CEL expression failed to evaluate or did not return a boolean.
    #[error("{object}: {message}")]
    Eval {
        /// The object (or dependency) the expression was evaluated on.
        object: String,
        /// What failed, naming the expression.
        message: String,
    },
    /// The wait ran out of time: the objects that were not Current.
    #[error("timeout waiting for: [{}]", join(.pending))]
    Timeout {
        /// The objects that were not Current, in the order they were given.
        pending: Vec<NotReady>,
    },
    /// The wait stopped because objects failed (fail fast, or only Failed/Current left).
    #[error("failed early due to stalled resources: [{}]", join(.failed))]
    Stalled {
        /// The Failed objects.
        failed: Vec<NotReady>,
    },
}

impl HealthError {
    /// The Kustomization condition reason for this error (`HealthCheckFailed`, or
    /// `InvalidCELExpression` for a bad `healthCheckExprs` entry).
    pub fn reason(&self) -> &'static str {
        match self {
            HealthError::InvalidExpr { .. } | HealthError::DuplicateExpr { .. } => {
                "InvalidCELExpression"
            }
            _ => crate::conditions::reason::HEALTH_CHECK_FAILED,
        }
    }
}

/// `Kind/namespace/name` (or `Kind/name`) of an unstructured object, for messages.
pub(crate) fn object_id(obj: &Value) -> String {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let kind = s(&obj["kind"]);
    let ns = s(&obj["metadata"]["namespace"]);
    let name = s(&obj["metadata"]["name"]);
    if ns.is_empty() {
        format!("{kind}/{name}")
    } else {
        format!("{kind}/{ns}/{name}")
    }
}

/// The group of an `apiVersion` as apimachinery parses it: `apps/v1` → `apps`; `v1` (and
/// anything without exactly one `/`) → the core group.
pub(crate) fn group_of(api_version: &str) -> &str {
    match api_version.split_once('/') {
        Some((group, version)) if !version.contains('/') => group,
        _ => "",
    }
}

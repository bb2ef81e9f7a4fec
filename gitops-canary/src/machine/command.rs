//! What the machine asks the controller to do: plain values, executed in order.

use std::fmt;

use gitops_core::api::flagger::analysis::AlertSeverity;
use gitops_core::api::flagger::{CanaryPhase, HookType};

use crate::routes::Routes;

/// One effect or question of a step. Effects are executed in order; a question
/// ([`Command::is_question`]) is always last, and its answer goes into the next
/// observation.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Create or update what Flagger creates for a new Canary: the primary workload with
    /// its autoscaler and ConfigMap/Secret copies, the `<svc>`, `<svc>-primary` and
    /// `<svc>-canary` services and the routing objects at 100% primary, and pause the
    /// target's autoscaler.
    Initialize,
    /// Scale the target (canary) workload to zero replicas.
    ScaleToZero,
    /// Scale the target workload up again (to its replicas, at least one).
    ScaleFromZero,
    /// Pause the target's autoscaler (it would scale the canary up again).
    PauseTargetScaler,
    /// Resume the target's autoscaler.
    ResumeTargetScaler,
    /// Update the primary autoscaler from the target's.
    ReconcilePrimaryScaler,
    /// Route traffic with these weights, with the session-affinity cookies of the
    /// returned state ([`super::CanaryState::cookies`], written into the Canary's status
    /// before the router computes its objects).
    SetRoutes(Routes),
    /// Copy the target's pod template, ConfigMaps and Secrets to the primary.
    Promote,
    /// Call a webhook of `spec.analysis.webhooks`.
    CallWebhook(WebhookCall),
    /// Query a metric of `spec.analysis.metrics`; always a question.
    QueryMetric(MetricQuery),
    /// Write the status: [`super::CanaryState::to_status`] of the returned state.
    SetStatus,
    /// Record a Kubernetes event on the Canary (and send it to `event` webhooks).
    Event(Event),
    /// Send an alert through the analysis' alert providers.
    Alert(Alert),
    /// On deletion with `revertOnDeletion`: restore the target (scale it up, resume its
    /// autoscaler) as it was before Flagger took it over.
    RevertTarget,
    /// On deletion with `revertOnDeletion`: restore the apex service and the routing
    /// objects (the routers' `finalize`).
    RevertRouting,
    /// Remove the `finalizer.flagger.app` finalizer: the Canary may go.
    RemoveFinalizer,
}

impl Command {
    /// Whether the machine waits for the answer to this command.
    pub fn is_question(&self) -> bool {
        match self {
            Command::CallWebhook(call) => call.wait,
            Command::QueryMetric(_) => true,
            _ => false,
        }
    }
}

/// A webhook call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookCall {
    /// The webhook's name.
    pub name: String,
    /// Its index in `spec.analysis.webhooks`.
    pub index: usize,
    /// Its type.
    pub hook_type: HookType,
    /// The phase sent in the payload.
    pub phase: CanaryPhase,
    /// Whether the machine waits for the outcome (gates, checks); `post-rollout` and
    /// `event` hooks are fire-and-forget.
    pub wait: bool,
    /// For `event` hooks: the event's type and message (payload metadata `eventType`,
    /// `eventMessage`).
    pub event: Option<Event>,
}

/// A metric query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricQuery {
    /// The metric's name.
    pub name: String,
    /// Its index in `spec.analysis.metrics`.
    pub index: usize,
    /// Where its query comes from.
    pub kind: MetricKind,
}

/// Where a metric's query comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricKind {
    /// Flagger's built-in `request-success-rate` (percent).
    RequestSuccessRate,
    /// Flagger's built-in `request-duration` (milliseconds, P99).
    RequestDuration,
    /// The metric's inline `query` (deprecated in Flagger, still run).
    Inline,
    /// The MetricTemplate of `templateRef`.
    Template,
}

/// A Kubernetes event on the Canary (reason `Synced`, as Flagger records them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// `Normal` or `Warning`.
    pub warning: bool,
    /// The message.
    pub message: String,
}

impl Event {
    /// The event type as Kubernetes writes it.
    pub fn event_type(&self) -> &'static str {
        if self.warning { "Warning" } else { "Normal" }
    }
}

/// An alert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alert {
    /// The message.
    pub message: String,
    /// Its severity (providers filter on it).
    pub severity: AlertSeverity,
    /// Whether the Canary's metadata (target, strategy, analysis settings) is attached.
    pub metadata: bool,
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Initialize => f.write_str("initialize"),
            Command::ScaleToZero => f.write_str("scale target to 0"),
            Command::ScaleFromZero => f.write_str("scale target up"),
            Command::PauseTargetScaler => f.write_str("pause target autoscaler"),
            Command::ResumeTargetScaler => f.write_str("resume target autoscaler"),
            Command::ReconcilePrimaryScaler => f.write_str("reconcile primary autoscaler"),
            Command::SetRoutes(r) => {
                write!(f, "set routes primary={} canary={}", r.primary, r.canary)?;
                if r.mirror {
                    f.write_str(" mirror")?;
                }
                Ok(())
            }
            Command::Promote => f.write_str("promote"),
            Command::CallWebhook(call) => {
                let kind = super::hooks::type_name(call.hook_type);
                write!(f, "webhook {kind} {}", call.name)
            }
            Command::QueryMetric(q) => write!(f, "metric {}", q.name),
            Command::SetStatus => f.write_str("set status"),
            Command::Event(e) => write!(f, "event {}: {}", e.event_type(), e.message),
            Command::Alert(a) => {
                let severity = match a.severity {
                    AlertSeverity::Error => "error",
                    AlertSeverity::Warn => "warn",
                    _ => "info",
                };
                write!(f, "alert {severity}: {}", a.message)
            }
            Command::RevertTarget => f.write_str("revert target"),
            Command::RevertRouting => f.write_str("revert routing"),
            Command::RemoveFinalizer => f.write_str("remove finalizer"),
        }
    }
}

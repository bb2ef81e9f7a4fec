//! The machine's state: Flagger's Canary status plus the routes it set and the tick in
//! flight.

use std::collections::BTreeMap;
use std::time::Duration;

use gitops_core::api::flagger::{CanaryCondition, CanaryPhase, CanaryStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;

use super::command::Command;
use super::observation::{Answer, Observation};
use crate::router::SessionCookies;
use crate::routes::Routes;

/// The type of the condition Flagger keeps on a Canary.
pub const PROMOTED_CONDITION: &str = "Promoted";

/// Everything the machine remembers between steps.
///
/// The public fields are Flagger's status fields with Flagger's semantics (for instance
/// `canary_weight` reads 0 while a promotion waits for approval, as Flagger writes it);
/// [`CanaryState::routes`] holds the weights actually routed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CanaryState {
    /// `status.phase`.
    pub phase: CanaryPhase,
    /// `status.canaryWeight`.
    pub canary_weight: u32,
    /// `status.failedChecks`.
    pub failed_checks: u32,
    /// `status.iterations`.
    pub iterations: u32,
    /// `status.lastAppliedSpec`: the pod-template hash under (or after) analysis.
    pub last_applied_spec: Option<String>,
    /// `status.lastPromotedSpec`: the pod-template hash the primary runs.
    pub last_promoted_spec: Option<String>,
    /// `status.trackedConfigs`: checksums of the target's ConfigMaps and Secrets.
    pub tracked_configs: Option<BTreeMap<String, String>>,
    /// `status.lastTransitionTime`, as a duration since the Unix epoch.
    pub last_transition_time: Option<Duration>,
    /// The `Promoted` condition.
    pub condition: Option<PromotedCondition>,
    /// The weights last routed.
    pub routes: Routes,
    /// The session-affinity cookies (`status.sessionAffinityCookie`,
    /// `primarySessionAffinityCookie`, `previousSessionAffinityCookie`) the routes use.
    pub cookies: SessionCookies,
    /// Why the last tick did not advance the canary (a halt, a gate, a wait), or `None`
    /// when it advanced or there was nothing to do.
    pub reason: Option<String>,
    /// The tick waiting for an answer.
    pub(crate) tick: Option<Box<PendingTick>>,
}

/// The `Promoted` condition: its status and reason follow the phase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromotedCondition {
    /// `True`, `False` or `Unknown`.
    pub status: &'static str,
    /// The phase that set it.
    pub reason: CanaryPhase,
    /// Flagger's message for the phase.
    pub message: String,
    /// When the status last changed.
    pub last_transition_time: Duration,
    /// When the condition was last written.
    pub last_update_time: Duration,
}

/// A tick suspended on a question: it is replayed from `start` with the answers so far.
#[derive(Clone, Debug)]
pub(crate) struct PendingTick {
    /// The state when the tick began.
    pub start: CanaryState,
    /// The observation the tick decides on.
    pub observation: Observation,
    /// The answers received, in the order the questions were asked.
    pub answers: Vec<Answer>,
    /// How many commands were already returned to the controller.
    pub emitted: usize,
    /// The question waiting for its answer.
    pub question: Command,
}

impl CanaryState {
    /// The state of a Canary from its recorded status (a controller resuming after a
    /// restart); the routes are taken as Flagger's status implies them.
    pub fn from_status(status: &CanaryStatus) -> Self {
        let canary_weight = u32::try_from(status.canary_weight.clamp(0, 100)).unwrap_or(0);
        let condition = status
            .condition(PROMOTED_CONDITION)
            .map(|c| PromotedCondition {
                status: match c.status.as_str() {
                    "True" => "True",
                    "False" => "False",
                    _ => "Unknown",
                },
                reason: status.phase,
                message: c.message.clone().unwrap_or_default(),
                last_transition_time: time_to_duration(c.last_transition_time.as_ref()),
                last_update_time: time_to_duration(c.last_update_time.as_ref()),
            });
        CanaryState {
            phase: status.phase,
            canary_weight,
            failed_checks: u32::try_from(status.failed_checks.max(0)).unwrap_or(u32::MAX),
            iterations: u32::try_from(status.iterations.max(0)).unwrap_or(u32::MAX),
            last_applied_spec: status.last_applied_spec.clone(),
            last_promoted_spec: status.last_promoted_spec.clone(),
            tracked_configs: status.tracked_configs.clone(),
            last_transition_time: status
                .last_transition_time
                .as_ref()
                .map(|t| time_to_duration(Some(t))),
            condition,
            routes: Routes::canary(canary_weight),
            cookies: SessionCookies {
                canary: status
                    .session_affinity_cookie
                    .clone()
                    .filter(|c| !c.is_empty()),
                primary: status
                    .primary_session_affinity_cookie
                    .clone()
                    .filter(|c| !c.is_empty()),
                previous: status
                    .previous_session_affinity_cookie
                    .clone()
                    .filter(|c| !c.is_empty()),
            },
            reason: None,
            tick: None,
        }
    }

    /// The status to write, as Flagger writes it.
    pub fn to_status(&self) -> CanaryStatus {
        CanaryStatus {
            phase: self.phase,
            failed_checks: i64::from(self.failed_checks),
            canary_weight: i64::from(self.canary_weight),
            iterations: i64::from(self.iterations),
            tracked_configs: self.tracked_configs.clone(),
            last_applied_spec: self.last_applied_spec.clone(),
            last_promoted_spec: self.last_promoted_spec.clone(),
            last_transition_time: self.last_transition_time.map(duration_to_time),
            conditions: self.condition.as_ref().map(|c| {
                vec![CanaryCondition {
                    r#type: PROMOTED_CONDITION.to_string(),
                    status: c.status.to_string(),
                    last_update_time: Some(duration_to_time(c.last_update_time)),
                    last_transition_time: Some(duration_to_time(c.last_transition_time)),
                    reason: c.reason.as_str().to_string(),
                    message: Some(c.message.clone()),
                }]
            }),
            session_affinity_cookie: self.cookies.canary.clone(),
            primary_session_affinity_cookie: self.cookies.primary.clone(),
            previous_session_affinity_cookie: self.cookies.previous.clone(),
        }
    }

    /// The question the machine waits on: execute it and pass its answer in the next
    /// observation.
    pub fn question(&self) -> Option<&Command> {
        self.tick.as_ref().map(|t| &t.question)
    }
}

fn duration_to_time(d: Duration) -> Time {
    let seconds = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    Time(Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH))
}

fn time_to_duration(t: Option<&Time>) -> Duration {
    t.map_or(Duration::ZERO, |t| {
        Duration::from_secs(u64::try_from(t.0.as_second()).unwrap_or(0))
    })
}

/// Two pending ticks are equal when they replay the same way: the same start, answers and
/// question on the same Canary object.
impl PartialEq for PendingTick {
    fn eq(&self, other: &Self) -> bool {
        self.start == other.start
            && std::sync::Arc::ptr_eq(&self.observation.canary, &other.observation.canary)
            && self.answers == other.answers
            && self.emitted == other.emitted
            && self.question == other.question
    }
}

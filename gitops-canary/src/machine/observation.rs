//! What the controller observed before a step: the Canary, its target's revision, the
//! readiness of both workloads, and the answer to the machine's last question.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use gitops_core::api::flagger::{Canary, MeshProvider};

use crate::routes::Routes;

/// One observation of a Canary and its workloads.
///
/// While a tick is waiting for an answer ([`super::CanaryState::question`] is set), only
/// [`Observation::answer`] is read: everything else comes from the observation that
/// started the tick, so a tick decides on one consistent snapshot.
#[derive(Clone, Debug)]
pub struct Observation {
    /// The Canary object (spec and metadata) as last read.
    pub canary: Arc<Canary>,
    /// The routing provider in effect: `spec.provider`, else the controller's default.
    pub provider: MeshProvider,
    /// The current time, as a duration since the Unix epoch (the simulator starts at 0).
    pub now: Duration,
    /// The target's pod-template hash and tracked configs.
    pub target: TargetRevision,
    /// Readiness of the `<target>-primary` workload.
    pub primary: Readiness,
    /// Readiness of the target (canary) workload.
    pub canary_ready: Readiness,
    /// The routes read back from the router, when the controller read them; otherwise the
    /// machine uses the routes it last set.
    pub routes: Option<Routes>,
    /// Whether the Canary has a deletion timestamp.
    pub deleting: bool,
    /// The answer to the question the previous step asked, if any.
    pub answer: Option<Answer>,
}

/// The revision of the target: what change detection compares with the status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TargetRevision {
    /// Hash of the target's pod template (`status.lastAppliedSpec` holds the analysed one).
    pub spec_hash: String,
    /// Checksums of the ConfigMaps and Secrets the target uses, keyed `configmap/<name>` or
    /// `secret/<name>` (`status.trackedConfigs`).
    pub configs: BTreeMap<String, String>,
}

/// Whether a workload is ready, as Flagger's readiness checks decide it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Readiness {
    /// Rolled out and available above the ready threshold.
    Ready,
    /// Not ready yet; the run halts and tries again at the next interval.
    NotReady(String),
    /// Will not become ready: the progress deadline passed. The canary is rolled back.
    Failed(String),
}

/// The answer to a question ([`super::Command::CallWebhook`] with `wait`, or
/// [`super::Command::QueryMetric`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// The webhook's outcome: `Ok` for an accepted status code, otherwise the error.
    Webhook(Result<(), String>),
    /// The metric query's outcome.
    Metric(MetricResult),
}

/// The outcome of a metric query.
#[derive(Clone, Debug, PartialEq)]
pub enum MetricResult {
    /// The query returned this value (milliseconds for `request-duration`).
    Value(f64),
    /// The query returned no values (Flagger's `ErrNoValuesFound`): usually no traffic.
    NoValues,
    /// The query failed (transport, HTTP status, template or parse error).
    Error(String),
}

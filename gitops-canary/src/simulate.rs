//! A simulator: runs the state machine over a scenario and records the timeline, so a
//! user sees how their Canary will behave before shipping it (`gitops canary simulate`).
//!
//! The simulation starts from an initialized Canary (primary promoted, 100% of the traffic
//! on it) whose target gets a new revision at the first run. Runs are `analysis.interval`
//! apart. Unless the scenario says otherwise every metric passes, every webhook succeeds
//! and both workloads are ready. A workload the scenario keeps unready for longer than
//! `progressDeadlineSeconds` fails, as the Deployment's progress deadline would.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use gitops_core::api::flagger::{Canary, CanaryMetric, CanaryPhase, MeshProvider};
use gitops_core::yaml::{LoadOptions, Schema, load_documents};
use serde::{Deserialize, Serialize};

use crate::machine::{
    self, Answer, CanaryState, Command, MetricKind, MetricResult, Observation, Readiness,
    TargetRevision,
};
use crate::routes::Routes;

/// Runs when the scenario sets no `maxRuns`.
pub const DEFAULT_MAX_RUNS: u32 = 100;

/// Why a simulation could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The scenario is not valid YAML.
    #[error("scenario {file}: {source}")]
    Yaml {
        /// The scenario file.
        file: String,
        /// The YAML error (with its line).
        source: gitops_core::yaml::load::Error,
    },
    /// The scenario has a field of the wrong type.
    #[error("scenario {file}: {source}")]
    Field {
        /// The scenario file.
        file: String,
        /// The offending field.
        source: gitops_core::api::ParseError,
    },
    /// A key of `at` is not a run number or range.
    #[error(
        "scenario {file}: at.{key}: expected a run number (3), a range (3-5) or an open range (3-)"
    )]
    RunKey {
        /// The scenario file.
        file: String,
        /// The key.
        key: String,
    },
    /// A webhook answer is neither `pass` nor `fail`.
    #[error("scenario: webhooks.{name}: expected pass or fail, got {value:?}")]
    WebhookAnswer {
        /// The webhook.
        name: String,
        /// What was given.
        value: String,
    },
    /// The Canary has no `metadata.name`.
    #[error("the Canary has no metadata.name")]
    Unnamed,
}

/// What happens during a simulation.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scenario {
    /// Value of each metric by name; `null` means the query returns no values. Metrics not
    /// listed return a passing value.
    #[serde(default)]
    pub metrics: BTreeMap<String, Option<f64>>,
    /// Answer of each webhook by name: `pass` or `fail`. Webhooks not listed pass.
    #[serde(default)]
    pub webhooks: BTreeMap<String, String>,
    /// Overrides per analysis run (1-based): `3`, `3-5` or `3-` (from run 3 on).
    #[serde(default)]
    pub at: BTreeMap<String, RunOverride>,
    /// Runs at which the target gets a new revision (the first run always brings one).
    #[serde(default)]
    pub revision_changes: Vec<u32>,
    /// Last run simulated.
    #[serde(default)]
    pub max_runs: Option<u32>,
}

/// What differs at one run.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunOverride {
    /// Metric values at this run.
    #[serde(default)]
    pub metrics: BTreeMap<String, Option<f64>>,
    /// Webhook answers at this run.
    #[serde(default)]
    pub webhooks: BTreeMap<String, String>,
    /// Whether the canary workload is ready.
    #[serde(default)]
    pub canary_ready: Option<bool>,
    /// Whether the primary workload is ready.
    #[serde(default)]
    pub primary_ready: Option<bool>,
    /// `spec.suspend` from this run on (until another run sets it).
    #[serde(default)]
    pub suspend: Option<bool>,
    /// Delete the Canary at this run (it stays deleted).
    #[serde(default)]
    pub delete: Option<bool>,
}

impl Scenario {
    /// Reads a scenario from YAML; `file` names it in errors.
    pub fn from_yaml(text: &str, file: &str) -> Result<Scenario, Error> {
        // YAML 1.1 through sigs.k8s.io/yaml: run numbers as keys (`3:`) become strings.
        let options = LoadOptions {
            schema: Schema::GoYamlV2,
            ..LoadOptions::default()
        };
        let docs = load_documents(text, &options).map_err(|source| Error::Yaml {
            file: file.to_string(),
            source,
        })?;
        let value = docs
            .into_iter()
            .next()
            .map(|d| d.value)
            .filter(|v| !v.is_null())
            .unwrap_or_else(|| serde_json::json!({}));
        let scenario: Scenario =
            gitops_core::api::parse(&value).map_err(|source| Error::Field {
                file: file.to_string(),
                source,
            })?;
        for key in scenario.at.keys() {
            if parse_runs(key).is_none() {
                return Err(Error::RunKey {
                    file: file.to_string(),
                    key: key.clone(),
                });
            }
        }
        for (name, value) in scenario
            .webhooks
            .iter()
            .chain(scenario.at.values().flat_map(|o| o.webhooks.iter()))
        {
            webhook_passes(name, value)?;
        }
        Ok(scenario)
    }

    /// The overrides that apply at `run`, later keys winning.
    fn overrides(&self, run: u32) -> impl Iterator<Item = &RunOverride> {
        self.at.iter().filter_map(move |(key, o)| {
            let (from, to) = parse_runs(key)?;
            (from <= run && to.is_none_or(|to| run <= to)).then_some(o)
        })
    }

    /// Whether a revision change or an override starts after `run`.
    fn pending_after(&self, run: u32) -> bool {
        self.revision_changes.iter().any(|r| *r > run)
            || self
                .at
                .keys()
                .filter_map(|k| parse_runs(k))
                .any(|(from, _)| from > run)
    }
}

/// `3` → (3, Some(3)); `3-5` → (3, Some(5)); `3-` → (3, None).
fn parse_runs(key: &str) -> Option<(u32, Option<u32>)> {
    match key.split_once('-') {
        None => key.trim().parse().ok().map(|n| (n, Some(n))),
        Some((from, "")) => from.trim().parse().ok().map(|n| (n, None)),
        Some((from, to)) => Some((from.trim().parse().ok()?, Some(to.trim().parse().ok()?))),
    }
}

fn webhook_passes(name: &str, value: &str) -> Result<bool, Error> {
    match value {
        "pass" => Ok(true),
        "fail" => Ok(false),
        _ => Err(Error::WebhookAnswer {
            name: name.to_string(),
            value: value.to_string(),
        }),
    }
}

/// One analysis run of the timeline.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineStep {
    /// Seconds since the start of the simulation.
    pub time: u64,
    /// The phase after the run.
    pub phase: CanaryPhase,
    /// Percent of traffic on the primary.
    pub primary_weight: u32,
    /// Percent of traffic on the canary.
    pub canary_weight: u32,
    /// Percent of the primary's traffic mirrored to the canary.
    pub mirror_weight: u32,
    /// `status.failedChecks` after the run.
    pub failed_checks: u32,
    /// `status.iterations` after the run.
    pub iterations: u32,
    /// The commands issued, in order.
    pub commands: Vec<String>,
    /// Why the run did not advance, if it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Runs `canary` (under `provider` when it sets none) through `scenario`.
pub fn simulate(
    canary: &Canary,
    default_provider: MeshProvider,
    scenario: &Scenario,
) -> Result<Vec<TimelineStep>, Error> {
    if canary
        .metadata
        .name
        .as_deref()
        .unwrap_or_default()
        .is_empty()
    {
        return Err(Error::Unnamed);
    }
    let provider = canary.spec.provider.unwrap_or(default_provider);
    let interval = canary
        .spec
        .analysis
        .as_ref()
        .map_or(Duration::from_secs(60), |a| a.interval_duration());
    let deadline = Duration::from_secs(
        u64::try_from(
            canary
                .spec
                .progress_deadline_seconds
                .unwrap_or(gitops_core::api::flagger::canary::DEFAULT_PROGRESS_DEADLINE_SECONDS),
        )
        .unwrap_or(0),
    );
    let max_runs = scenario.max_runs.unwrap_or(DEFAULT_MAX_RUNS);

    let mut canary = canary.clone();
    let mut state = initialized_state();
    let mut revision = 1u32;
    let mut canary_unready_since: Option<Duration> = None;
    let mut primary_unready_since: Option<Duration> = None;
    let mut timeline = Vec::new();
    let mut deleting = false;

    for run in 1..=max_runs {
        let now = interval * (run - 1);
        if scenario.revision_changes.contains(&run) && run > 1 {
            revision += 1;
        }
        let mut canary_ready = true;
        let mut primary_ready = true;
        for o in scenario.overrides(run) {
            if let Some(s) = o.suspend {
                canary.spec.suspend = Some(s);
            }
            deleting |= o.delete == Some(true);
            canary_ready = o.canary_ready.unwrap_or(canary_ready);
            primary_ready = o.primary_ready.unwrap_or(primary_ready);
        }
        let target = &canary.spec.target_ref.name;
        let mut observation = Observation {
            canary: Arc::new(canary.clone()),
            provider,
            now,
            target: TargetRevision {
                spec_hash: format!("revision-{revision}"),
                configs: BTreeMap::new(),
            },
            primary: readiness(
                primary_ready,
                &format!("{target}-primary"),
                now,
                deadline,
                &mut primary_unready_since,
            ),
            canary_ready: readiness(
                canary_ready,
                target,
                now,
                deadline,
                &mut canary_unready_since,
            ),
            routes: None,
            deleting,
            answer: None,
        };

        let mut commands = Vec::new();
        loop {
            let (next, issued) = machine::step(&state, &observation);
            state = next;
            commands.extend(issued.iter().map(ToString::to_string));
            let Some(question) = state.question() else {
                break;
            };
            observation.answer = Some(answer(question, &observation.canary, scenario, run)?);
        }

        let routes = state.routes;
        timeline.push(TimelineStep {
            time: now.as_secs(),
            phase: state.phase,
            primary_weight: routes.primary,
            canary_weight: routes.canary,
            mirror_weight: mirror_weight(&canary, routes),
            failed_checks: state.failed_checks,
            iterations: state.iterations,
            commands,
            reason: state.reason.clone(),
        });

        let settled = matches!(
            state.phase,
            CanaryPhase::Succeeded
                | CanaryPhase::Failed
                | CanaryPhase::Terminated
                | CanaryPhase::Initialized
        );
        if state.phase == CanaryPhase::Terminated || (settled && !scenario.pending_after(run)) {
            break;
        }
    }
    Ok(timeline)
}

/// The state of a Canary initialized on revision 0.
fn initialized_state() -> CanaryState {
    let status = gitops_core::api::flagger::CanaryStatus {
        phase: CanaryPhase::Initialized,
        last_applied_spec: Some("revision-0".into()),
        last_promoted_spec: Some("revision-0".into()),
        ..Default::default()
    };
    CanaryState::from_status(&status)
}

/// A workload's readiness at `now`; unready for longer than `deadline` it has failed.
fn readiness(
    ready: bool,
    name: &str,
    now: Duration,
    deadline: Duration,
    since: &mut Option<Duration>,
) -> Readiness {
    if ready {
        *since = None;
        return Readiness::Ready;
    }
    let from = *since.get_or_insert(now);
    if now.saturating_sub(from) > deadline {
        Readiness::Failed(format!(
            "deployment {name:?} exceeded its progress deadline"
        ))
    } else {
        Readiness::NotReady(format!(
            "{name} not ready: waiting for rollout to finish: 0 of 1 (readyThreshold 100%) updated replicas are available"
        ))
    }
}

/// The scenario's answer to a question.
fn answer(
    question: &Command,
    canary: &Canary,
    scenario: &Scenario,
    run: u32,
) -> Result<Answer, Error> {
    match question {
        Command::CallWebhook(call) => {
            let mut value = scenario.webhooks.get(&call.name);
            for o in scenario.overrides(run) {
                value = o.webhooks.get(&call.name).or(value);
            }
            let pass = match value {
                Some(v) => webhook_passes(&call.name, v)?,
                None => true,
            };
            Ok(Answer::Webhook(if pass {
                Ok(())
            } else {
                Err(format!("webhook {} answered 500 (scenario)", call.name))
            }))
        }
        Command::QueryMetric(query) => {
            let mut value = scenario.metrics.get(&query.name);
            for o in scenario.overrides(run) {
                value = o.metrics.get(&query.name).or(value);
            }
            let metric = canary
                .spec
                .analysis
                .as_ref()
                .and_then(|a| a.metrics.as_ref())
                .and_then(|m| m.get(query.index));
            Ok(Answer::Metric(match value {
                Some(Some(v)) => MetricResult::Value(*v),
                Some(None) => MetricResult::NoValues,
                None => MetricResult::Value(metric.map_or(0.0, |m| passing_value(query.kind, m))),
            }))
        }
        _ => Ok(Answer::Webhook(Ok(()))),
    }
}

/// A value that passes `metric`'s thresholds.
fn passing_value(kind: MetricKind, metric: &CanaryMetric) -> f64 {
    let range = metric.threshold_range.as_ref();
    let (min, max) = range.map_or((None, None), |r| (r.min, r.max));
    match kind {
        MetricKind::RequestSuccessRate => {
            let mut v = 100.0_f64.max(metric.threshold.unwrap_or(0.0));
            if let Some(max) = max {
                v = v.min(max);
            }
            if let Some(min) = min {
                v = v.max(min);
            }
            v
        }
        _ => match (min, max) {
            (Some(min), _) => min,
            (None, Some(max)) => max.min(0.0),
            // Above the threshold fails: zero passes any non-negative threshold.
            (None, None) => metric.threshold.unwrap_or(0.0).min(0.0),
        },
    }
}

/// The mirrored percentage for `routes`.
fn mirror_weight(canary: &Canary, routes: Routes) -> u32 {
    if !routes.mirror {
        return 0;
    }
    canary
        .spec
        .analysis
        .as_ref()
        .and_then(|a| a.mirror_weight)
        .filter(|w| *w > 0)
        .map_or(100, |w| u32::try_from(w.min(100)).unwrap_or(100))
}

/// The timeline as a table: one row per run, its commands listed below each other.
pub fn table(timeline: &[TimelineStep]) -> String {
    let header = [
        "TIME",
        "PHASE",
        "PRIMARY",
        "CANARY",
        "MIRROR",
        "FAILED",
        "ITERATIONS",
        "COMMANDS",
    ];
    let rows: Vec<[String; 7]> = timeline
        .iter()
        .map(|s| {
            [
                gitops_core::duration::Duration::from_std(Duration::from_secs(s.time)).to_string(),
                s.phase.as_str().to_string(),
                s.primary_weight.to_string(),
                s.canary_weight.to_string(),
                s.mirror_weight.to_string(),
                s.failed_checks.to_string(),
                s.iterations.to_string(),
            ]
        })
        .collect();
    let mut widths = [0usize; 7];
    for (i, w) in widths.iter_mut().enumerate() {
        *w = rows
            .iter()
            .map(|r| r[i].len())
            .chain([header[i].len()])
            .max()
            .unwrap_or(0);
    }
    let mut out = String::new();
    let pad = |out: &mut String, cells: &[&str]| {
        for (cell, width) in cells.iter().zip(widths) {
            out.push_str(cell);
            out.push_str(&" ".repeat(width - cell.len() + 2));
        }
    };
    pad(&mut out, &header[..7]);
    out.push_str(header[7]);
    out.push('\n');
    let indent: usize = widths.iter().map(|w| w + 2).sum();
    for (step, row) in timeline.iter().zip(&rows) {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        pad(&mut out, &cells);
        let mut lines = step.commands.iter().map(String::as_str);
        if let Some(reason) = &step.reason {
            out.push_str(lines.next().unwrap_or(""));
            out.push('\n');
            for line in lines {
                out.push_str(&" ".repeat(indent));
                out.push_str(line);
                out.push('\n');
            }
            out.push_str(&" ".repeat(indent));
            out.push_str("halted: ");
            out.push_str(reason);
            out.push('\n');
            continue;
        }
        out.push_str(lines.next().unwrap_or("-"));
        out.push('\n');
        for line in lines {
            out.push_str(&" ".repeat(indent));
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

//! Properties of the state machine over generated Canaries and observation sequences:
//! weights stay in range and sum to 100, the canary never passes `maxWeight` during a
//! progressive analysis, a rollback always routes 100% to the primary first, questions
//! are always last, the step is deterministic, and a run never stops advancing without a
//! reason in the state.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use gitops_canary::Routes;
use gitops_canary::core::api::flagger::{Canary, CanaryPhase, CanaryStatus, MeshProvider};
use gitops_canary::machine::{
    self, Answer, CanaryState, Command, MetricResult, Observation, Readiness, Settings,
    TargetRevision,
};
use proptest::prelude::*;
use serde_json::json;

const HOOK_TYPES: [&str; 7] = [
    "confirm-rollout",
    "pre-rollout",
    "rollout",
    "confirm-traffic-increase",
    "confirm-promotion",
    "rollback",
    "post-rollout",
];

#[derive(Clone, Debug)]
enum Shape {
    StepWeight { step: i64, max: Option<i64> },
    StepWeights(Vec<i64>),
    AbTesting(i64),
    BlueGreen(i64),
}

#[derive(Clone, Debug)]
struct Spec {
    shape: Shape,
    mirror: bool,
    threshold: i64,
    promotion_step: Option<i64>,
    provider: &'static str,
    hooks: Vec<usize>,
    skip_analysis: bool,
    autoscaler: bool,
    revert_on_deletion: bool,
}

#[derive(Clone, Debug)]
struct Run {
    metric: u8,
    hooks_pass: Vec<bool>,
    canary_ready: u8,
    primary_ready: u8,
    new_revision: bool,
    suspend: bool,
    delete: bool,
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        (1i64..=60, proptest::option::of(0i64..=100))
            .prop_map(|(step, max)| Shape::StepWeight { step, max }),
        proptest::collection::vec(1i64..=100, 1..6).prop_map(Shape::StepWeights),
        (1i64..6).prop_map(Shape::AbTesting),
        (1i64..6).prop_map(Shape::BlueGreen),
    ]
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        shape(),
        any::<bool>(),
        1i64..5,
        proptest::option::of(0i64..=100),
        prop_oneof![Just("istio"), Just("kubernetes"), Just("gatewayapi:v1")],
        proptest::collection::vec(0usize..HOOK_TYPES.len(), 0..4),
        proptest::bool::weighted(0.1),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(
                shape,
                mirror,
                threshold,
                promotion_step,
                provider,
                hooks,
                skip_analysis,
                autoscaler,
                revert,
            )| Spec {
                shape,
                mirror,
                threshold,
                promotion_step,
                provider,
                hooks,
                skip_analysis,
                autoscaler,
                revert_on_deletion: revert,
            },
        )
}

fn run() -> impl Strategy<Value = Run> {
    (
        0u8..10,
        proptest::collection::vec(proptest::bool::weighted(0.8), 4),
        0u8..10,
        0u8..10,
        proptest::bool::weighted(0.08),
        proptest::bool::weighted(0.05),
        proptest::bool::weighted(0.02),
    )
        .prop_map(
            |(metric, hooks_pass, canary_ready, primary_ready, new_revision, suspend, delete)| {
                Run {
                    metric,
                    hooks_pass,
                    canary_ready,
                    primary_ready,
                    new_revision,
                    suspend,
                    delete,
                }
            },
        )
}

fn canary(spec: &Spec) -> Canary {
    let mut analysis = json!({
        "interval": "1m",
        "threshold": spec.threshold,
        "mirror": spec.mirror,
        "metrics": [{"name": "request-success-rate", "thresholdRange": {"min": 99}}],
        "webhooks": spec.hooks.iter().enumerate().map(|(i, t)| json!({
            "name": format!("hook-{i}"), "type": HOOK_TYPES[*t], "url": "http://hooks/"
        })).collect::<Vec<_>>(),
    });
    match &spec.shape {
        Shape::StepWeight { step, max } => {
            analysis["stepWeight"] = json!(step);
            if let Some(max) = max {
                analysis["maxWeight"] = json!(max);
            }
        }
        Shape::StepWeights(w) => analysis["stepWeights"] = json!(w),
        Shape::AbTesting(n) => {
            analysis["iterations"] = json!(n);
            analysis["match"] = json!([{"headers": {"x-canary": {"exact": "insider"}}}]);
        }
        Shape::BlueGreen(n) => analysis["iterations"] = json!(n),
    }
    if let Some(step) = spec.promotion_step {
        analysis["stepWeightPromotion"] = json!(step);
    }
    let mut value = json!({
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": "app", "namespace": "ns"},
        "spec": {
            "provider": spec.provider,
            "skipAnalysis": spec.skip_analysis,
            "revertOnDeletion": spec.revert_on_deletion,
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "app"},
            "service": {"port": 80},
            "analysis": analysis,
        }
    });
    if spec.autoscaler {
        value["spec"]["autoscalerRef"] = json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "name": "app"});
    }
    gitops_canary::core::api::parse(&value).expect("generated canary")
}

fn readiness(n: u8) -> Readiness {
    match n {
        0 => Readiness::NotReady("waiting for rollout to finish".into()),
        1 => Readiness::Failed("exceeded its progress deadline".into()),
        _ => Readiness::Ready,
    }
}

fn answer(question: &Command, run: &Run) -> Answer {
    match question {
        Command::CallWebhook(call) => {
            let pass = run.hooks_pass[call.index % run.hooks_pass.len()];
            Answer::Webhook(if pass { Ok(()) } else { Err("500".into()) })
        }
        _ => Answer::Metric(match run.metric {
            0 => MetricResult::NoValues,
            1 => MetricResult::Error("connection refused".into()),
            2 | 3 => MetricResult::Value(50.0),
            _ => MetricResult::Value(100.0),
        }),
    }
}

/// What a tick advanced: without a change here a running canary must give a reason.
fn progress(s: &CanaryState) -> (CanaryPhase, Routes, u32, Option<String>) {
    (s.phase, s.routes, s.iterations, s.last_applied_spec.clone())
}

fn is_run_phase(p: CanaryPhase) -> bool {
    matches!(
        p,
        CanaryPhase::Initializing
            | CanaryPhase::Waiting
            | CanaryPhase::Progressing
            | CanaryPhase::WaitingPromotion
            | CanaryPhase::Promoting
            | CanaryPhase::Finalising
            | CanaryPhase::Terminating
    )
}

fn check_routes(r: Routes) -> Result<(), TestCaseError> {
    prop_assert_eq!(r.primary + r.canary, 100, "routes {:?}", r);
    prop_assert!(r.canary <= 100);
    prop_assert!(
        !r.mirror || r.canary == 0,
        "mirroring with canary weight: {:?}",
        r
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_machine_keeps_its_guarantees(spec in spec(), runs in proptest::collection::vec(run(), 1..50)) {
        let mut canary = canary(&spec);
        let provider = canary.spec.provider.unwrap_or(MeshProvider::Istio);
        let settings = Settings::new(&canary, provider);
        let progressive = settings.strategy == machine::Strategy::Canary && !settings.kubernetes;
        let start_phase = if runs[0].metric % 2 == 0 { CanaryPhase::Initialized } else { CanaryPhase::Unset };
        let mut state = CanaryState::from_status(&CanaryStatus {
            phase: start_phase,
            last_applied_spec: (start_phase == CanaryPhase::Initialized).then(|| "rev-0".to_string()),
            last_promoted_spec: (start_phase == CanaryPhase::Initialized).then(|| "rev-0".to_string()),
            ..CanaryStatus::default()
        });
        let mut revision = 1;
        let mut deleting = false;
        // A primary failing during promotion leaves all traffic on the canary (the only
        // healthy copy, as Flagger's handleFailedPromotion does) until routes are reset.
        let mut on_canary_after_failed_promotion = false;
        for (i, run) in runs.iter().enumerate() {
            if run.new_revision {
                revision += 1;
            }
            if run.suspend {
                canary.spec.suspend = Some(!canary.spec.suspend.unwrap_or(false));
            }
            deleting |= run.delete;
            let mut observation = Observation {
                canary: Arc::new(canary.clone()),
                provider,
                now: Duration::from_secs(60 * i as u64),
                target: TargetRevision { spec_hash: format!("rev-{revision}"), configs: BTreeMap::new() },
                primary: readiness(run.primary_ready),
                canary_ready: readiness(run.canary_ready),
                routes: None,
                deleting,
                answer: None,
            };
            let before = state.clone();
            let mut tick_commands = Vec::new();
            for _ in 0..64 {
                let (next, commands) = machine::step(&state, &observation);
                // Deterministic: the same input gives the same output.
                let (again, commands_again) = machine::step(&state, &observation);
                prop_assert_eq!(&next, &again);
                prop_assert_eq!(&commands, &commands_again);
                state = next;
                for c in &commands {
                    if let Command::SetRoutes(r) = c {
                        check_routes(*r)?;
                    }
                }
                check_routes(state.routes)?;
                if let Some(q) = state.question() {
                    prop_assert_eq!(commands.last(), Some(q), "the question is the last command");
                    prop_assert!(commands[..commands.len() - 1].iter().all(|c| !c.is_question()));
                } else {
                    prop_assert!(commands.iter().all(|c| !c.is_question()));
                }
                tick_commands.extend(commands);
                match state.question() {
                    Some(q) => observation.answer = Some(answer(q, run)),
                    None => break,
                }
            }
            prop_assert!(state.question().is_none(), "a tick ends within 64 steps");

            if state.phase == CanaryPhase::Failed && matches!(before.phase, CanaryPhase::Promoting | CanaryPhase::Finalising) {
                on_canary_after_failed_promotion = state.routes.canary == 100;
            } else if state.routes == Routes::PRIMARY {
                on_canary_after_failed_promotion = false;
            }
            if progressive && !on_canary_after_failed_promotion && matches!(state.phase, CanaryPhase::Progressing | CanaryPhase::Waiting | CanaryPhase::WaitingPromotion | CanaryPhase::Promoting | CanaryPhase::Finalising) {
                prop_assert!(state.routes.canary <= settings.max_weight, "weight {} over maxWeight {} after {:?} with {:?}", state.routes.canary, settings.max_weight, before.phase, tick_commands);
            }

            let rolled_back = state.phase == CanaryPhase::Failed
                && before.phase != CanaryPhase::Failed
                && !matches!(before.phase, CanaryPhase::Promoting | CanaryPhase::Finalising);
            if rolled_back {
                prop_assert_eq!(state.routes, Routes::PRIMARY);
                let routes: Vec<usize> = tick_commands.iter().enumerate().filter(|(_, c)| matches!(c, Command::SetRoutes(_))).map(|(i, _)| i).collect();
                let last = *routes.last().expect("a rollback sets routes");
                prop_assert_eq!(&tick_commands[last], &Command::SetRoutes(Routes::PRIMARY));
                let scale = tick_commands.iter().position(|c| *c == Command::ScaleToZero).expect("a rollback scales the canary down");
                prop_assert!(last < scale, "routes move to the primary before the canary scales down");
            }

            if is_run_phase(state.phase) && progress(&state) == progress(&before) {
                prop_assert!(state.reason.is_some(), "phase {:?} made no progress without a reason: {:?}", state.phase, tick_commands);
            }
        }
    }
}

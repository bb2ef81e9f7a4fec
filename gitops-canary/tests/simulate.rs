//! Simulated timelines of the state machine (`gitops canary simulate`).
//!
//! Each scenario's expected timeline is argued from Flagger's documented behaviour
//! (docs/gitbook/usage/deployment-strategies.md, usage/webhooks.md, usage/how-it-works.md)
//! and its scheduler (`pkg/controller/scheduler.go`). Every simulation starts from an
//! initialized Canary whose target gets a new revision at run 1 (time 0); runs are
//! `analysis.interval` apart. The snapshots hold the whole timeline; the assertions pin
//! the facts each scenario is about.

use gitops_canary::core::api::flagger::{Canary, CanaryPhase, MeshProvider};
use gitops_canary::simulate::{Scenario, TimelineStep, simulate, table};

fn canary(file: &str) -> Canary {
    let path = format!(
        "{}/tests/fixtures/simulate/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("fixture");
    let docs = gitops_canary::core::yaml::load_documents(&text, &Default::default()).expect("yaml");
    gitops_canary::core::api::parse(&docs[0].value).expect("canary")
}

fn run(file: &str, scenario: &str) -> (Vec<TimelineStep>, String) {
    let scenario = Scenario::from_yaml(scenario, "scenario.yaml").expect("scenario");
    let steps = simulate(&canary(file), MeshProvider::Istio, &scenario).expect("simulate");
    let text = table(&steps);
    (steps, text)
}

fn phases(steps: &[TimelineStep]) -> Vec<CanaryPhase> {
    steps.iter().map(|s| s.phase).collect()
}

fn canary_weights(steps: &[TimelineStep]) -> Vec<u32> {
    steps.iter().map(|s| s.canary_weight).collect()
}

/// stepWeight 10 up to maxWeight 50, everything healthy. Run 1 detects the revision
/// (Progressing, target scaled up, weight 0). Run 2 runs the pre-rollout hook and routes
/// 10%: no metrics are checked before traffic reaches the canary. Runs 3-6 check the
/// load-test hook and both metrics, then add 10% each: 20..50. Run 7 finds maxWeight
/// reached: promotion (spec copied to the primary, Promoting). Run 8 routes all traffic
/// back to the primary at once (no stepWeightPromotion): Finalising. Run 9 scales the
/// canary to zero: Succeeded. Minimum duration = interval × (maxWeight / stepWeight) + 3.
#[test]
fn healthy_canary_is_promoted() {
    let (steps, text) = run("podinfo.yaml", "");
    use CanaryPhase::*;
    assert_eq!(
        phases(&steps),
        [
            Progressing,
            Progressing,
            Progressing,
            Progressing,
            Progressing,
            Progressing,
            Promoting,
            Finalising,
            Succeeded
        ]
    );
    assert_eq!(canary_weights(&steps), [0, 10, 20, 30, 40, 50, 50, 0, 0]);
    assert!(
        steps
            .iter()
            .all(|s| s.primary_weight + s.canary_weight == 100)
    );
    assert_eq!(steps[8].time, 8 * 60);
    insta::assert_snapshot!(text);
}

/// stepWeights [1, 5, 25, 50, 80] every 30s: the weight follows the list exactly, the last
/// entry is the max weight, then promotion as above.
#[test]
fn step_weights_are_followed() {
    let (steps, text) = run("step-weights.yaml", "");
    assert_eq!(canary_weights(&steps), [0, 1, 5, 25, 50, 80, 80, 0, 0]);
    assert_eq!(steps.last().map(|s| s.phase), Some(CanaryPhase::Succeeded));
    assert_eq!(steps[1].time, 30);
    insta::assert_snapshot!(text);
}

/// The success rate drops to 90% (< 99%) once traffic reaches the canary. Each run from
/// run 3 on halts with a failed check and keeps the weight at 10%. After threshold (5)
/// failed checks, the next run rolls back: 100% to the primary, canary scaled to zero,
/// Failed, with the "Failed checks threshold reached 5" alert. Rollback takes
/// interval × threshold after the first failure.
#[test]
fn failing_metrics_roll_back_at_threshold() {
    let (steps, text) = run("podinfo.yaml", "metrics: {request-success-rate: 90}");
    let failed: Vec<u32> = steps.iter().map(|s| s.failed_checks).collect();
    assert_eq!(failed, [0, 0, 1, 2, 3, 4, 5, 0]);
    let last = steps.last().expect("steps");
    assert_eq!(
        (last.phase, last.primary_weight, last.canary_weight),
        (CanaryPhase::Failed, 100, 0)
    );
    assert!(
        last.commands
            .iter()
            .any(|c| c == "alert error: Failed checks threshold reached 5")
    );
    insta::assert_snapshot!(text);
}

/// The success-rate query returns no values at runs 3 and 4 (no traffic yet): Flagger halts
/// with "no values found … probably podinfo.test is not receiving traffic" and counts a
/// failed check each time, without rolling back (threshold 5). Data returns at run 5 and
/// the analysis carries on from 10% with the failed checks kept, to promotion.
#[test]
fn metric_without_data_halts_and_counts() {
    let (steps, text) = run(
        "podinfo.yaml",
        "at: {3-4: {metrics: {request-success-rate: null}}}",
    );
    assert_eq!(canary_weights(&steps)[..6], [0, 10, 10, 10, 20, 30]);
    assert_eq!(steps[3].failed_checks, 2);
    assert!(
        steps[2]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("is not receiving traffic"))
    );
    assert_eq!(steps.last().map(|s| s.phase), Some(CanaryPhase::Succeeded));
    insta::assert_snapshot!(text);
}

/// A/B testing (match on a header and a cookie, 5 iterations): the router sends matching
/// requests to the canary, which Flagger expresses as canary weight 100 on the match route
/// from the first iteration. Run 2 runs the (empty) pre-rollout stage and iteration 1;
/// runs 3-6 analyse and count iterations 2-5; run 7 promotes; run 8 routes back to the
/// primary (Finalising); run 9 Succeeded.
#[test]
fn ab_testing_runs_iterations_on_matched_traffic() {
    let (steps, text) = run("ab-testing.yaml", "");
    let iterations: Vec<u32> = steps.iter().map(|s| s.iterations).collect();
    assert_eq!(iterations, [0, 1, 2, 3, 4, 5, 5, 0, 0]);
    assert_eq!(
        canary_weights(&steps),
        [0, 100, 100, 100, 100, 100, 100, 0, 0]
    );
    assert_eq!(steps[6].phase, CanaryPhase::Promoting);
    insta::assert_snapshot!(text);
}

/// Blue/green with the kubernetes provider (4 iterations): no traffic is shifted, the canary
/// is tested through podinfo-canary. Run 2: pre-rollout smoke test, iteration 1; runs 3-5:
/// iterations 2-4; run 6: iterations reached, confirm-promotion passes, the extra iteration
/// Flagger counts before promoting (5); run 7: promote; run 8: Promoting finalises at once
/// (nothing to shift for Kubernetes CNI); run 9: Succeeded. Weights stay 100/0 throughout.
#[test]
fn blue_green_with_the_kubernetes_provider() {
    let (steps, text) = run("blue-green.yaml", "");
    assert!(
        steps
            .iter()
            .all(|s| s.primary_weight == 100 && s.canary_weight == 0)
    );
    let iterations: Vec<u32> = steps.iter().map(|s| s.iterations).collect();
    assert_eq!(iterations, [0, 1, 2, 3, 4, 5, 5, 0, 0]);
    assert_eq!(steps.last().map(|s| s.phase), Some(CanaryPhase::Succeeded));
    insta::assert_snapshot!(text);
}

/// Blue/green with mirroring on Istio (3 iterations, mirrorWeight 100): run 2 starts
/// mirroring the primary's traffic to the canary (weights stay 100/0, mirror 100%) and counts
/// iteration 1; analysis runs on mirrored traffic for iterations 2-3; run 5 stops mirroring
/// and routes all traffic to the canary; run 6 promotes; run 7 routes back to the primary;
/// run 8 Succeeded.
#[test]
fn blue_green_mirrors_then_switches() {
    let (steps, text) = run("mirroring.yaml", "");
    let mirror: Vec<u32> = steps.iter().map(|s| s.mirror_weight).collect();
    assert_eq!(mirror, [0, 100, 100, 100, 0, 0, 0, 0]);
    assert_eq!(canary_weights(&steps), [0, 0, 0, 0, 100, 100, 0, 0]);
    assert_eq!(steps.last().map(|s| s.phase), Some(CanaryPhase::Succeeded));
    insta::assert_snapshot!(text);
}

/// A confirm-promotion gate closed until run 7: the weight reaches maxWeight 30 at run 4;
/// run 5 finds the gate closed (WaitingPromotion, with an alert); run 6 keeps analysing at
/// 30% and the gate is still closed; at run 7 it opens: promotion, then Finalising and
/// Succeeded.
#[test]
fn confirm_promotion_gate_held_then_released() {
    let (steps, text) = run(
        "gated.yaml",
        "webhooks: {gate: fail}\nat: {7-: {webhooks: {gate: pass}}}",
    );
    use CanaryPhase::*;
    assert_eq!(
        phases(&steps),
        [
            Progressing,
            Progressing,
            Progressing,
            Progressing,
            WaitingPromotion,
            WaitingPromotion,
            Promoting,
            Finalising,
            Succeeded
        ]
    );
    // The routes stay at 30% while the gate holds (Flagger's status weight reads 0).
    assert_eq!(canary_weights(&steps)[3..7], [30, 30, 30, 30]);
    assert!(
        steps[4]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("waiting for promotion approval gate"))
    );
    insta::assert_snapshot!(text);
}

/// The canary never becomes ready after run 3 (progressDeadlineSeconds 120, interval 1m):
/// runs 3-5 halt waiting for the rollout (120 s is not past the deadline); at run 6 the
/// canary has been unready for 180 s > 120 s, Kubernetes would report
/// ProgressDeadlineExceeded, and Flagger rolls back: Failed, 100% to the primary.
#[test]
fn progress_deadline_exceeded_rolls_back() {
    let (steps, text) = run("deadline.yaml", "at: {3-: {canaryReady: false}}");
    use CanaryPhase::*;
    assert_eq!(
        phases(&steps),
        [
            Progressing,
            Progressing,
            Progressing,
            Progressing,
            Progressing,
            Failed
        ]
    );
    assert!(
        steps[2..5]
            .iter()
            .all(|s| s.reason.as_deref().is_some_and(|r| r.contains("not ready")))
    );
    assert!(
        steps[5]
            .commands
            .iter()
            .any(|c| c.contains("progress deadline exceeded"))
    );
    assert_eq!((steps[5].primary_weight, steps[5].canary_weight), (100, 0));
    insta::assert_snapshot!(text);
}

/// A new revision at run 4 (weight 20%): Flagger routes everything back to the primary and
/// restarts the analysis (Progressing, weight 0, failed checks 0); run 5 runs the pre-rollout
/// hook again and routes 10%; the new revision is then promoted as usual.
#[test]
fn new_revision_restarts_the_analysis() {
    let (steps, text) = run("podinfo.yaml", "revisionChanges: [4]");
    assert_eq!(canary_weights(&steps)[..6], [0, 10, 20, 0, 10, 20]);
    assert!(
        steps[3]
            .commands
            .iter()
            .any(|c| c.starts_with("event Normal: New revision detected! Restarting analysis"))
    );
    assert!(
        steps[4]
            .commands
            .iter()
            .any(|c| c == "webhook pre-rollout acceptance-test")
    );
    assert_eq!(steps.last().map(|s| s.phase), Some(CanaryPhase::Succeeded));
    insta::assert_snapshot!(text);
}

/// Suspended at runs 3 and 4: Flagger skips those runs ("skipping canary run as object is
/// suspended") without touching weights or status; resumed at run 5 the analysis carries on
/// from 20% as if the pause had not happened.
#[test]
fn suspend_and_resume() {
    let (steps, text) = run(
        "podinfo.yaml",
        "at: {3: {suspend: true}, 5: {suspend: false}}",
    );
    assert_eq!(canary_weights(&steps)[..7], [0, 10, 10, 10, 20, 30, 40]);
    assert!(steps[2].commands.iter().all(|c| !c.starts_with("set")));
    assert!(steps[3].reason.as_deref() == Some("skipping canary run as object is suspended"));
    assert_eq!(steps.last().map(|s| s.phase), Some(CanaryPhase::Succeeded));
    insta::assert_snapshot!(text);
}

/// Deleted at run 4 with revertOnDeletion: Flagger's finalizer sets Terminating, resumes
/// the target's autoscaler, restores the target, waits for it to be ready, reverts the
/// services and routing, and lets the Canary go (Terminated).
#[test]
fn deletion_with_revert_on_deletion() {
    let (steps, text) = run("revert.yaml", "at: {4: {delete: true}}");
    let last = steps.last().expect("steps");
    assert_eq!(steps.len(), 4);
    assert_eq!(last.phase, CanaryPhase::Terminated);
    let expected = [
        "resume target autoscaler",
        "revert target",
        "revert routing",
        "remove finalizer",
    ];
    let order: Vec<&str> = last
        .commands
        .iter()
        .map(String::as_str)
        .filter(|c| expected.contains(c))
        .collect();
    assert_eq!(order, expected);
    insta::assert_snapshot!(text);
}

/// Scenario mistakes are errors that name the field.
#[test]
fn scenario_errors_name_the_field() {
    let err = Scenario::from_yaml("webhooks: {gate: maybe}", "s.yaml").expect_err("invalid");
    assert_eq!(
        err.to_string(),
        "scenario: webhooks.gate: expected pass or fail, got \"maybe\""
    );
    let err =
        Scenario::from_yaml("at: {three: {canaryReady: false}}", "s.yaml").expect_err("invalid");
    assert!(err.to_string().contains("at.three"), "{err}");
    let err = Scenario::from_yaml("metrics: {a: fast}", "s.yaml").expect_err("invalid");
    assert!(err.to_string().contains("metrics.a"), "{err}");
    let err = Scenario::from_yaml("maxRun: 3", "s.yaml").expect_err("invalid");
    assert!(err.to_string().contains("maxRun"), "{err}");
}

/// skipAnalysis (usage/how-it-works.md): the new revision is detected and the target
/// scaled up (run 1); at the next run Flagger promotes it without any check (no metric is
/// queried even though the metrics would fail) and the canary is Succeeded.
#[test]
fn skip_analysis_promotes_without_checks() {
    let (steps, text) = run("skip-analysis.yaml", "metrics: {request-success-rate: 10}");
    use CanaryPhase::*;
    assert_eq!(phases(&steps), [Progressing, Succeeded]);
    assert!(
        steps
            .iter()
            .flat_map(|s| &s.commands)
            .all(|c| !c.starts_with("metric"))
    );
    assert!(steps[1].commands.iter().any(|c| c == "promote"));
    insta::assert_snapshot!(text);
}

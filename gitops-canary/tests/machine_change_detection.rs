//! What starts an analysis (Flagger's `shouldAdvance`, `hasSpecChanged`,
//! `HaveDependenciesChanged`): a new pod-template hash or a changed tracked ConfigMap or
//! Secret; not a return to the promoted revision (a manual rollback); not a revision that
//! already failed.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use gitops_canary::core::api::flagger::{Canary, CanaryPhase, CanaryStatus, MeshProvider};
use gitops_canary::machine::{self, CanaryState, Command, Observation, Readiness, TargetRevision};
use serde_json::json;

fn canary() -> Arc<Canary> {
    Arc::new(
        gitops_canary::core::api::parse(&json!({
            "apiVersion": "flagger.app/v1beta1", "kind": "Canary",
            "metadata": {"name": "podinfo", "namespace": "test"},
            "spec": {
                "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
                "service": {"port": 9898},
                "analysis": {"interval": "1m", "threshold": 2, "maxWeight": 50, "stepWeight": 10}
            }
        }))
        .expect("canary"),
    )
}

fn observe(hash: &str, configs: &[(&str, &str)]) -> Observation {
    Observation {
        canary: canary(),
        provider: MeshProvider::Istio,
        now: Duration::from_secs(600),
        target: TargetRevision {
            spec_hash: hash.into(),
            configs: configs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        },
        primary: Readiness::Ready,
        canary_ready: Readiness::Ready,
        routes: None,
        deleting: false,
        answer: None,
    }
}

fn state(
    phase: CanaryPhase,
    applied: &str,
    promoted: &str,
    tracked: &[(&str, &str)],
) -> CanaryState {
    CanaryState::from_status(&CanaryStatus {
        phase,
        last_applied_spec: Some(applied.into()),
        last_promoted_spec: Some(promoted.into()),
        tracked_configs: (!tracked.is_empty()).then(|| {
            tracked
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>()
        }),
        ..CanaryStatus::default()
    })
}

#[test]
fn a_changed_config_starts_an_analysis_and_is_recorded() {
    let before = state(
        CanaryPhase::Succeeded,
        "rev-1",
        "rev-1",
        &[("configmap/env", "aaaa")],
    );
    let (after, commands) = machine::step(&before, &observe("rev-1", &[("configmap/env", "bbbb")]));
    assert_eq!(after.phase, CanaryPhase::Progressing);
    assert!(commands.contains(&Command::ScaleFromZero));
    let tracked = after.to_status().tracked_configs.expect("tracked configs");
    assert_eq!(
        tracked.get("configmap/env").map(String::as_str),
        Some("bbbb")
    );
}

#[test]
fn unchanged_target_and_configs_start_nothing() {
    let before = state(
        CanaryPhase::Succeeded,
        "rev-1",
        "rev-1",
        &[("secret/db", "aaaa")],
    );
    let (after, commands) = machine::step(&before, &observe("rev-1", &[("secret/db", "aaaa")]));
    assert_eq!(after, before);
    assert!(commands.is_empty(), "{commands:?}");
}

#[test]
fn returning_to_the_promoted_revision_is_a_manual_rollback() {
    // rev-2 was applied (and failed or is being replaced); the target goes back to rev-1.
    let before = state(CanaryPhase::Succeeded, "rev-2", "rev-1", &[]);
    let (after, _) = machine::step(&before, &observe("rev-1", &[]));
    assert_eq!(after.phase, CanaryPhase::Succeeded);
}

#[test]
fn a_failed_revision_is_not_retried_but_a_newer_one_is() {
    let failed = state(CanaryPhase::Failed, "rev-2", "rev-1", &[]);
    let (after, _) = machine::step(&failed, &observe("rev-2", &[]));
    assert_eq!(after.phase, CanaryPhase::Failed);
    let (after, _) = machine::step(&after, &observe("rev-3", &[]));
    assert_eq!(after.phase, CanaryPhase::Progressing);
    assert_eq!(after.last_applied_spec.as_deref(), Some("rev-3"));
}

#[test]
fn a_config_change_during_the_analysis_restarts_it() {
    let mut running = state(
        CanaryPhase::Progressing,
        "rev-2",
        "rev-1",
        &[("configmap/env", "aaaa")],
    );
    running.routes = gitops_canary::Routes::canary(30);
    running.canary_weight = 30;
    let (after, commands) =
        machine::step(&running, &observe("rev-2", &[("configmap/env", "cccc")]));
    assert_eq!(
        (after.phase, after.canary_weight),
        (CanaryPhase::Progressing, 0)
    );
    assert_eq!(after.routes, gitops_canary::Routes::PRIMARY);
    assert!(commands.contains(&Command::SetRoutes(gitops_canary::Routes::PRIMARY)));
}

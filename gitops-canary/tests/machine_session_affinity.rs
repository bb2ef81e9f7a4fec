//! Session affinity (Flagger's usage/deployment-strategies.md, "Canary Release with
//! Session Affinity"): once a user reaches the canary, a cookie keeps them there. Flagger
//! creates the cookie when traffic first shifts to the canary, keeps it for the whole run,
//! and retires it (as the "previous" cookie the routes expire) when the weight returns to 0.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use gitops_canary::Routes;
use gitops_canary::core::api::flagger::{Canary, CanaryPhase, CanaryStatus, MeshProvider};
use gitops_canary::machine::{
    self, Answer, CanaryState, Command, MetricResult, Observation, Readiness, TargetRevision,
};
use gitops_canary::router::{IstioRouter, Router};
use serde_json::json;

fn canary() -> Canary {
    gitops_canary::core::api::parse(&json!({
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": "podinfo", "namespace": "test"},
        "spec": {
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
            "service": {"port": 9898},
            "analysis": {
                "interval": "1m", "threshold": 2, "maxWeight": 50, "stepWeight": 10,
                "sessionAffinity": {"cookieName": "flagger-cookie", "maxAge": 21600},
                "metrics": [{"name": "request-success-rate", "thresholdRange": {"min": 99}}]
            }
        }
    }))
    .expect("canary")
}

/// One tick with every metric at `success_rate`.
fn tick(state: &CanaryState, canary: &Arc<Canary>, minute: u64, success_rate: f64) -> CanaryState {
    let mut observation = Observation {
        canary: Arc::clone(canary),
        provider: MeshProvider::Istio,
        now: Duration::from_secs(60 * minute),
        target: TargetRevision {
            spec_hash: "rev-2".into(),
            configs: BTreeMap::new(),
        },
        primary: Readiness::Ready,
        canary_ready: Readiness::Ready,
        routes: None,
        deleting: false,
        answer: None,
    };
    let (mut state, _) = machine::step(state, &observation);
    while let Some(question) = state.question() {
        observation.answer = Some(match question {
            Command::QueryMetric(_) => Answer::Metric(MetricResult::Value(success_rate)),
            _ => Answer::Webhook(Ok(())),
        });
        state = machine::step(&state, &observation).0;
    }
    state
}

#[test]
fn the_cookie_lives_for_the_run_and_is_retired_at_rollback() {
    let canary = Arc::new(canary());
    let mut state = CanaryState::from_status(&CanaryStatus {
        phase: CanaryPhase::Initialized,
        last_applied_spec: Some("rev-1".into()),
        last_promoted_spec: Some("rev-1".into()),
        ..CanaryStatus::default()
    });
    state = tick(&state, &canary, 0, 100.0); // Progressing, weight 0: no cookie yet
    assert_eq!(state.cookies.canary, None);
    state = tick(&state, &canary, 1, 100.0); // 10%
    assert_eq!(state.routes, Routes::canary(10));
    let cookie = state
        .cookies
        .canary
        .clone()
        .expect("a cookie once traffic reaches the canary");
    let value = cookie
        .strip_prefix("flagger-cookie=")
        .expect("named by cookieName");
    assert!(
        value.len() == 10 && value.bytes().all(|b| b.is_ascii_lowercase()),
        "{cookie}"
    );
    state = tick(&state, &canary, 2, 100.0); // 20%: same cookie
    assert_eq!(state.cookies.canary.as_deref(), Some(cookie.as_str()));

    // The router sets the cookie on the canary route and matches it for returning users.
    let mut routed = (*canary).clone();
    routed.status = Some(state.to_status());
    let objects = IstioRouter
        .set_routes(&routed, state.routes)
        .expect("routes");
    let vs = serde_json::to_string(
        objects
            .iter()
            .find(|o| o.kind() == "VirtualService")
            .expect("vs")
            .as_value(),
    )
    .expect("json");
    assert!(vs.contains(&format!("{cookie}; Max-Age=21600")), "{vs}");

    // Failing checks roll back to 0%: the cookie becomes the previous one.
    state = tick(&state, &canary, 3, 50.0);
    state = tick(&state, &canary, 4, 50.0);
    state = tick(&state, &canary, 5, 50.0);
    assert_eq!(state.phase, CanaryPhase::Failed);
    assert_eq!(state.cookies.canary, None);
    assert_eq!(state.cookies.previous.as_deref(), Some(cookie.as_str()));
    let status = state.to_status();
    assert_eq!(
        status.previous_session_affinity_cookie.as_deref(),
        Some(cookie.as_str())
    );
}

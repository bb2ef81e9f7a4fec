//! `gitops_canary`: one analysis decision (`machine::step`) and route computation.
//!
//! A controller drives each Canary once per interval; a decision must take microseconds
//! so that one controller can drive thousands of Canaries. Measured:
//! - `step/progressing-tick`: a whole tick of a progressive canary at 20% (a rollout
//!   webhook and two metrics answered: four `step` calls), ending in a weight increase;
//! - `step/idle`: a Succeeded canary with no change (what most ticks are);
//! - `step/1000-canaries`: one tick of 1,000 progressing canaries;
//! - `routes/istio-set-routes`: the VirtualService and DestinationRules at 80/20;
//! - `routes/render-routing-at`: `render::routing_at` (parse-free, from the typed Canary).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use gitops_canary::core::api::flagger::{Canary, CanaryPhase, CanaryStatus, MeshProvider};
use gitops_canary::machine::{
    self, Answer, CanaryState, MetricResult, Observation, Readiness, TargetRevision,
};
use gitops_canary::router::{IstioRouter, Router};
use gitops_canary::{Routes, render};
use serde_json::json;

fn canary() -> Canary {
    let value = json!({
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": "podinfo", "namespace": "test"},
        "spec": {
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
            "service": {
                "port": 9898,
                "gateways": ["public-gateway.istio-system.svc.cluster.local"],
                "hosts": ["app.example.com"],
                "retries": {"attempts": 3, "perTryTimeout": "1s", "retryOn": "gateway-error,connect-failure"},
                "timeout": "10s"
            },
            "analysis": {
                "interval": "1m", "threshold": 5, "maxWeight": 50, "stepWeight": 10,
                "metrics": [
                    {"name": "request-success-rate", "thresholdRange": {"min": 99}, "interval": "1m"},
                    {"name": "request-duration", "thresholdRange": {"max": 500}, "interval": "30s"}
                ],
                "webhooks": [{"name": "load-test", "url": "http://flagger-loadtester.test/", "timeout": "5s"}]
            }
        }
    });
    gitops_canary::core::api::parse(&value).expect("canary")
}

fn observation(canary: &Arc<Canary>, revision: &str) -> Observation {
    Observation {
        canary: Arc::clone(canary),
        provider: MeshProvider::Istio,
        now: Duration::from_secs(1_800_000_000),
        target: TargetRevision {
            spec_hash: revision.to_string(),
            configs: BTreeMap::new(),
        },
        primary: Readiness::Ready,
        canary_ready: Readiness::Ready,
        routes: None,
        deleting: false,
        answer: None,
    }
}

fn state(phase: CanaryPhase, weight: i64) -> CanaryState {
    CanaryState::from_status(&CanaryStatus {
        phase,
        canary_weight: weight,
        last_applied_spec: Some("rev-2".into()),
        last_promoted_spec: Some("rev-1".into()),
        ..CanaryStatus::default()
    })
}

/// One whole tick: steps until no question is left, answering every question.
fn tick(state: &CanaryState, observation: &mut Observation) -> CanaryState {
    let (mut next, _) = machine::step(state, observation);
    while let Some(question) = next.question() {
        observation.answer = Some(
            if question.is_question() && matches!(question, machine::Command::QueryMetric(_)) {
                Answer::Metric(MetricResult::Value(99.5))
            } else {
                Answer::Webhook(Ok(()))
            },
        );
        let (after, _) = machine::step(&next, observation);
        next = after;
    }
    observation.answer = None;
    next
}

fn bench(c: &mut Criterion) {
    let canary = Arc::new(canary());
    let progressing = state(CanaryPhase::Progressing, 20);
    let mut obs = observation(&canary, "rev-2");
    assert_eq!(tick(&progressing, &mut obs).routes, Routes::canary(30));

    let mut group = c.benchmark_group("step");
    group.bench_function("progressing-tick", |b| {
        b.iter(|| tick(black_box(&progressing), &mut obs));
    });
    let succeeded = state(CanaryPhase::Succeeded, 0);
    let idle = observation(&canary, "rev-2");
    group.bench_function("idle", |b| {
        b.iter(|| machine::step(black_box(&succeeded), &idle))
    });
    let canaries: Vec<(CanaryState, Observation)> = (0..1000)
        .map(|i| {
            (
                state(CanaryPhase::Progressing, 10 * (i % 5)),
                observation(&canary, "rev-2"),
            )
        })
        .collect();
    group.bench_function("1000-canaries", |b| {
        b.iter_batched_ref(
            || canaries.clone(),
            |all| {
                for (s, o) in all.iter_mut() {
                    *s = tick(s, o);
                }
            },
            criterion::BatchSize::LargeInput,
        );
    });
    group.finish();

    let mut group = c.benchmark_group("routes");
    group.bench_function("istio-set-routes", |b| {
        b.iter(|| {
            IstioRouter
                .set_routes(black_box(&canary), Routes::canary(20))
                .expect("routes")
        });
    });
    group.bench_function("render-routing-at", |b| {
        b.iter(|| render::routing_at(black_box(&canary), 20).expect("routes"));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

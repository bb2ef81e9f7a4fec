//! The plan of a Kustomization with 10,000 objects (`gitops_core::ssa::plan`): owner
//! labels, per-object policies, staging and kind order, the new inventory and the stale
//! set against the previous inventory, with half of the objects live; plus the drift
//! comparison of 10,000 live/dry-run pairs (`ssa::drift::has_drifted`), the per-object
//! check a reconcile makes after its server-side dry runs.

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gitops_core::ssa::{self, Owner, PlanOptions};
use gitops_core::{Object, ObjectId};
use serde_json::{Value, json};

const N: usize = 10_000;

fn object(i: usize) -> Value {
    match i % 4 {
        0 => json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": format!("app-{i}"), "namespace": format!("team-{}", i % 50), "labels": {"app": format!("app-{i}")}},
            "spec": {"replicas": 0, "selector": {"matchLabels": {"app": format!("app-{i}")}},
                "template": {"metadata": {"labels": {"app": format!("app-{i}")}},
                    "spec": {"containers": [{"name": "app", "image": "ghcr.io/stefanprodan/podinfo:6.7.1"}]}}}}),
        1 => json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": format!("app-{i}"), "namespace": format!("team-{}", i % 50)},
            "spec": {"selector": {"app": format!("app-{i}")}, "ports": [{"port": 80, "targetPort": 9898}]}}),
        2 => json!({"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": format!("app-{i}"), "namespace": format!("team-{}", i % 50)}}),
        _ => json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": format!("app-{i}"), "namespace": format!("team-{}", i % 50)},
            "spec": {"rules": [{"host": format!("app-{i}.example.com"), "http": {"paths": [{"path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": format!("app-{i}"), "port": {"number": 80}}}}]}}]}}),
    }
}

fn bench(c: &mut Criterion) {
    let desired: Vec<Object> = (0..N)
        .map(|i| Object::from_value(object(i)).expect("object"))
        .collect();
    let owner = Owner::kustomize_controller();
    let opts = PlanOptions::new(owner.clone(), "apps", "flux-system");
    // Half the objects exist; the previous inventory also lists 1,000 objects now gone.
    let prepared = ssa::plan::prepare(&desired, &owner, "apps", "flux-system").expect("prepared");
    let live: HashMap<ObjectId, Object> = prepared
        .iter()
        .step_by(2)
        .map(|o| (o.id(), o.clone()))
        .collect();
    let mut previous_objects: Vec<Object> = prepared.iter().step_by(2).cloned().collect();
    previous_objects.extend((N..N + 1_000).map(|i| Object::from_value(object(i)).expect("object")));
    let previous = ssa::inventory::from_objects(&previous_objects);

    let mut g = c.benchmark_group("plan");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("10k_objects", |b| {
        b.iter(|| {
            black_box(ssa::plan(black_box(&desired), &live, Some(&previous), &opts).expect("plan"))
        })
    });
    let pairs: Vec<(Value, Value)> = prepared
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let mut live = o.as_value().clone();
            live["metadata"]["resourceVersion"] = json!(format!("{i}"));
            live["metadata"]["uid"] = json!(format!("uid-{i}"));
            let mut dry = live.clone();
            if i % 10 == 0 {
                dry["metadata"]["labels"]["changed"] = json!("yes");
            }
            (live, dry)
        })
        .collect();
    g.bench_function("drift_10k_pairs", |b| {
        b.iter(|| {
            pairs
                .iter()
                .filter(|(l, d)| ssa::drift::has_drifted(black_box(l), black_box(d)))
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

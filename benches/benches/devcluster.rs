//! The embedded API server under load, through `kube::Client` over loopback HTTP:
//!
//! - `ssa/configmaps_10k`: server-side apply (create) of 10,000 ConfigMaps, 32 requests in
//!   flight, into a fresh server per iteration; throughput in objects per second.
//! - `ssa/deployments_1k`: the same for 1,000 Deployments (defaults, typed merge, managed
//!   fields of a deep object).
//! - `ssa/reapply_configmaps_1k`: applying 1,000 unchanged ConfigMaps again (the drift
//!   check a GitOps controller does every interval).
//! - `watch/fanout_100x100`: 100 watchers each receive 100 new ConfigMaps; throughput in
//!   delivered events per second.
//!
//! Before the groups run, the memory held per object is measured once (resident set
//! growth over 10,000 applied ConfigMaps) and printed.

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures_util::{StreamExt, TryStreamExt, stream};
use gitops_devcluster::{DevCluster, Handle, Options};
use kube::api::{Api, DynamicObject, Patch, PatchParams, WatchEvent, WatchParams};
use kube::discovery::ApiResource;
use serde_json::{Value, json};

const IN_FLIGHT: usize = 32;

fn configmap(i: usize) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": format!("cm-{i}"), "labels": {"app": "bench", "shard": format!("{}", i % 16)}},
        "data": {"key": format!("value-{i}"), "config.yaml": "a: 1\nb: [x, y]\n"}})
}

fn deployment(i: usize) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": format!("web-{i}"), "labels": {"app": "web"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": format!("web-{i}")}},
            "template": {"metadata": {"labels": {"app": format!("web-{i}")}},
                "spec": {"containers": [
                    {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}],
                     "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                     "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}},
                    {"name": "sidecar", "image": "busybox", "args": ["sleep", "infinity"]}]}}}})
}

fn api(handle: &Handle, ar: &ApiResource) -> Api<DynamicObject> {
    Api::namespaced_with(handle.client().expect("client"), "default", ar)
}

fn ar(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &kube::api::GroupVersionKind::gvk(group, version, kind),
        plural,
    )
}

async fn apply_all(api: &Api<DynamicObject>, objects: Vec<Value>) {
    let pp = PatchParams::apply("bench");
    stream::iter(objects)
        .map(|o| {
            let name = o["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let api = api.clone();
            let pp = pp.clone();
            async move { api.patch(&name, &pp, &Patch::Apply(o)).await.map(|_| ()) }
        })
        .buffer_unordered(IN_FLIGHT)
        .try_collect::<Vec<()>>()
        .await
        .expect("applies succeed");
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn memory_per_object(rt: &tokio::runtime::Runtime) {
    let cms = ar("", "v1", "ConfigMap", "configmaps");
    let n = 10_000;
    rt.block_on(async {
        let handle = DevCluster::start(Options::default()).expect("starts");
        let before = rss_bytes();
        apply_all(&api(&handle, &cms), (0..n).map(configmap).collect()).await;
        let after = rss_bytes();
        eprintln!(
            "devcluster memory: {} bytes per ConfigMap (resident set growth {:.1} MiB over {n} applied ConfigMaps)",
            after.saturating_sub(before) / n as u64,
            after.saturating_sub(before) as f64 / (1024.0 * 1024.0)
        );
        handle.shutdown();
    });
}

fn ssa(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    memory_per_object(&rt);
    let cms = ar("", "v1", "ConfigMap", "configmaps");
    let deploys = ar("apps", "v1", "Deployment", "deployments");
    let mut g = c.benchmark_group("ssa");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for (name, n, kind) in [
        ("configmaps_10k", 10_000usize, 0),
        ("deployments_1k", 1_000, 1),
    ] {
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let objects: Vec<Value> = (0..n)
                        .map(|i| {
                            if kind == 0 {
                                configmap(i)
                            } else {
                                deployment(i)
                            }
                        })
                        .collect();
                    total += rt.block_on(async {
                        let handle = DevCluster::start(Options::default()).expect("starts");
                        let api = api(&handle, if kind == 0 { &cms } else { &deploys });
                        let start = Instant::now();
                        apply_all(&api, objects).await;
                        let took = start.elapsed();
                        handle.shutdown();
                        took
                    });
                }
                total
            })
        });
    }
    let handle = rt.block_on(async { DevCluster::start(Options::default()).expect("starts") });
    let api = rt.block_on(async { api(&handle, &cms) });
    rt.block_on(apply_all(&api, (0..1_000).map(configmap).collect()));
    g.throughput(Throughput::Elements(1_000));
    g.bench_function("reapply_configmaps_1k", |b| {
        b.iter(|| rt.block_on(apply_all(&api, (0..1_000).map(configmap).collect())))
    });
    g.finish();
    drop(handle);
}

fn watch_fanout(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let cms = ar("", "v1", "ConfigMap", "configmaps");
    let (watchers, objects) = (100usize, 100usize);
    let mut g = c.benchmark_group("watch");
    g.sample_size(10).measurement_time(Duration::from_secs(15));
    g.throughput(Throughput::Elements((watchers * objects) as u64));
    g.bench_function("fanout_100x100", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                total += rt.block_on(async {
                    let handle = DevCluster::start(Options::default()).expect("starts");
                    let api = api(&handle, &cms);
                    let mut tasks = Vec::new();
                    for _ in 0..watchers {
                        let stream = api
                            .watch(&WatchParams::default(), "0")
                            .await
                            .expect("watch")
                            .boxed();
                        tasks.push(tokio::spawn(async move {
                            let mut stream = stream;
                            let mut seen = 0;
                            while seen < objects {
                                match stream.next().await {
                                    Some(Ok(WatchEvent::Added(_))) => seen += 1,
                                    Some(_) => {}
                                    None => break,
                                }
                            }
                            seen
                        }));
                    }
                    let start = Instant::now();
                    apply_all(&api, (0..objects).map(configmap).collect()).await;
                    for t in tasks {
                        assert_eq!(t.await.expect("watcher"), objects);
                    }
                    let took = start.elapsed();
                    handle.shutdown();
                    took
                });
            }
            total
        })
    });
    g.finish();
}

criterion_group!(benches, ssa, watch_fanout);
criterion_main!(benches);

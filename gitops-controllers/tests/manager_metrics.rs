//! The controller manager serves one metrics registry for every controller it runs:
//! with the source and kustomize controllers on a devcluster, a GitRepository and a
//! Kustomization reconciled to Ready show up in `GET /metrics` under Flux's metric names
//! and labels; with the kustomize controller alone the endpoint is served too.
#![allow(clippy::unwrap_used)]

mod kustomize_support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use gitops_controllers::kustomize::KustomizeOptions;
use gitops_controllers::manager::{self, ManagerOptions};
use gitops_controllers::source::SourceOptions;
use gitops_core::api::kustomize::Kustomization;
use gitops_core::api::source::GitRepository;
use gitops_core::k8s::k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, PostParams};
use kustomize_support::*;
use serde_json::json;

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo\n  namespace: default\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: podinfo\n  template:\n    metadata:\n      labels:\n        app: podinfo\n    spec:\n      containers:\n      - name: podinfod\n        image: ghcr.io/stefanprodan/podinfo:6.0.0\n";
const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: podinfo\n  namespace: default\nspec:\n  selector:\n    app: podinfo\n  ports:\n  - port: 9898\n";

/// A devcluster simulating workloads, with the Flux source and kustomize CRDs.
async fn cluster() -> (gitops_devcluster::cluster::Handle, kube::Client) {
    let cluster =
        gitops_devcluster::cluster::DevCluster::start(gitops_devcluster::cluster::Options {
            simulate_workloads: true,
            workload_delay: Duration::from_millis(300),
            ..Default::default()
        })
        .expect("devcluster");
    let client = cluster.client().expect("client");
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    for crd in gitops_core::api::source::crds()
        .into_iter()
        .chain(gitops_core::api::kustomize::crds())
    {
        crds.create(&PostParams::default(), &crd)
            .await
            .expect("create CRD");
    }
    (cluster, client)
}

/// A loopback address with a port that was free a moment ago.
fn free_addr() -> SocketAddr {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    probe.local_addr().unwrap()
}

/// Quick retries, as the other controller tests use.
fn kustomize_options() -> KustomizeOptions {
    KustomizeOptions {
        requeue_dependency: Duration::from_secs(1),
        min_retry_delay: Duration::from_millis(200),
        max_retry_delay: Duration::from_secs(2),
        ..Default::default()
    }
}

/// `GET url` over HTTP: (status, content type, body).
async fn get(url: &str) -> (u16, String, String) {
    gitops_sources::tls::ensure_provider();
    let response = reqwest::Client::new().get(url).send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

/// The samples of a text exposition: `name{labels}` → value.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').unwrap();
            (series.to_string(), value.parse::<f64>().unwrap())
        })
        .collect()
}

/// The labels Flux puts on every series of an object.
fn object(kind: &str, name: &str) -> String {
    format!("kind=\"{kind}\",name=\"{name}\",namespace=\"default\"")
}

/// Scrapes `url` until `check` holds on the samples; panics with the last body.
async fn scrape_until(
    url: &str,
    what: &str,
    check: impl Fn(&BTreeMap<String, f64>) -> bool,
) -> BTreeMap<String, f64> {
    let start = std::time::Instant::now();
    let mut last = String::new();
    while start.elapsed() < Duration::from_secs(60) {
        let (status, _, body) = get(url).await;
        assert_eq!(status, 200, "{body}");
        let parsed = samples(&body);
        if check(&parsed) {
            return parsed;
        }
        last = body;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}; last scrape:\n{last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manager_serves_the_metrics_of_every_controller() {
    let (_cluster, client) = cluster().await;
    let repos = tempfile::tempdir().unwrap();
    let repo = repos.path().join("fleet");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    let revision = commit(
        &repo,
        &[
            ("app/deployment.yaml", Some(DEPLOYMENT)),
            ("app/service.yaml", Some(SERVICE)),
        ],
    );
    let git_server = gitops_sources::git::serve::serve(&repo, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("git server");
    let storage = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let registry = gitops_controllers::runtime::metrics::Metrics::default();
    let opts = ManagerOptions {
        source: Some(SourceOptions {
            storage_dir: storage.path().to_path_buf(),
            storage_addr: "127.0.0.1:0".parse().unwrap(),
            min_retry_delay: Duration::from_millis(200),
            max_retry_delay: Duration::from_secs(2),
            ..Default::default()
        }),
        kustomize: Some(kustomize_options()),
        leader_election: None,
        metrics_addr: Some(addr),
        metrics: registry.clone(),
    };
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(manager::run(client.clone(), opts, manager::fired(&stop_rx)));

    let url = git_server.url().to_string();
    create::<GitRepository>(
        &client,
        json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": {"name": "fleet", "namespace": "default"},
            "spec": {"url": url, "interval": "1m", "ref": {"branch": "main"}}}),
    )
    .await;
    create::<Kustomization>(
        &client,
        kustomization("app", "./app", json!({"wait": true})),
    )
    .await;
    wait_ks(&client, "app", "Ready at the first revision", |o| {
        applied(o, &revision)
    })
    .await;

    let metrics_url = format!("http://{addr}/metrics");
    let ks = object("Kustomization", "app");
    let gr = object("GitRepository", "fleet");
    let ready = |labels: &str, status: &str| {
        format!("gotk_reconcile_condition{{{labels},type=\"Ready\",status=\"{status}\"}}")
    };
    let found = scrape_until(&metrics_url, "both objects Ready", |s| {
        s.get(&ready(&ks, "True")) == Some(&1.0) && s.get(&ready(&gr, "True")) == Some(&1.0)
    })
    .await;
    for labels in [&ks, &gr] {
        assert_eq!(found[&ready(labels, "False")], 0.0, "{labels}");
        assert_eq!(found[&ready(labels, "Unknown")], 0.0, "{labels}");
        assert_eq!(found[&format!("gotk_suspend_status{{{labels}}}")], 0.0);
        let count = found[&format!("gotk_reconcile_duration_seconds_count{{{labels}}}")];
        assert!(count >= 1.0, "{labels}: {count} reconciliations");
        assert_eq!(
            found[&format!("gotk_reconcile_duration_seconds_bucket{{{labels},le=\"+Inf\"}}")],
            count
        );
        let buckets: Vec<(f64, f64)> = found
            .iter()
            .filter_map(|(k, v)| {
                let rest = k.strip_prefix(&format!(
                    "gotk_reconcile_duration_seconds_bucket{{{labels},le=\""
                ))?;
                Some((rest.strip_suffix("\"}")?.parse::<f64>().ok()?, *v))
            })
            .filter(|(le, _)| le.is_finite())
            .collect();
        assert_eq!(buckets.len(), 10, "Flux's ten finite buckets: {buckets:?}");
        let largest = buckets
            .iter()
            .copied()
            .fold((0.0, 0.0), |a, b| if b.0 > a.0 { b } else { a });
        assert!((largest.0 - 1800.0).abs() < 1e-6, "{buckets:?}");
        assert_eq!(
            largest.1, count,
            "every reconciliation took less than 30 minutes"
        );
        assert!(found[&format!("gotk_reconcile_duration_seconds_sum{{{labels}}}")] > 0.0);
    }
    // With `wait`, the Kustomization's Healthy condition is reported too.
    assert_eq!(
        found[&format!("gotk_reconcile_condition{{{ks},type=\"Healthy\",status=\"True\"}}")],
        1.0
    );
    // The series were recorded into the registry the manager was given.
    assert!(registry.render().contains(&ready(&ks, "True")));

    let (status, content_type, body) = get(&metrics_url).await;
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    for family in [
        "# TYPE gotk_reconcile_condition gauge",
        "# TYPE gotk_suspend_status gauge",
        "# TYPE gotk_reconcile_duration_seconds histogram",
    ] {
        assert!(body.contains(family), "{family} missing:\n{body}");
    }
    assert_eq!(get(&format!("http://{addr}/")).await.0, 404);

    // Suspending the Kustomization is reported.
    merge_ks(&client, "app", json!({"spec": {"suspend": true}})).await;
    scrape_until(&metrics_url, "the Kustomization suspended", |s| {
        s.get(&format!("gotk_suspend_status{{{ks}}}")) == Some(&1.0)
    })
    .await;

    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(30), running)
        .await
        .expect("the manager stops")
        .unwrap()
        .unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "the metrics endpoint closes with the manager"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kustomize_controller_alone_is_served_too() {
    let (_cluster, client) = cluster().await;
    let addr = free_addr();
    let opts = ManagerOptions {
        source: None,
        kustomize: Some(kustomize_options()),
        leader_election: None,
        metrics_addr: Some(addr),
        metrics: Default::default(),
    };
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(manager::run(client.clone(), opts, manager::fired(&stop_rx)));
    create::<Kustomization>(&client, kustomization("orphan", "./app", json!({}))).await;
    let obj = wait_ks(&client, "orphan", "its missing source reported", |o| {
        has(o, "Ready", "False", None)
    })
    .await;
    let reason = condition(&obj, "Ready").unwrap()["reason"].clone();
    let ks = object("Kustomization", "orphan");
    let found = scrape_until(&format!("http://{addr}/metrics"), "Ready=False", |s| {
        s.get(&format!(
            "gotk_reconcile_condition{{{ks},type=\"Ready\",status=\"False\"}}"
        )) == Some(&1.0)
    })
    .await;
    assert_eq!(
        found[&format!("gotk_reconcile_condition{{{ks},type=\"Ready\",status=\"True\"}}")],
        0.0,
        "Ready is False ({reason})"
    );
    assert!(found[&format!("gotk_reconcile_duration_seconds_count{{{ks}}}")] >= 1.0);
    assert!(
        !found.keys().any(|k| k.contains("GitRepository")),
        "no source controller ran"
    );
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(30), running)
        .await
        .expect("the manager stops")
        .unwrap()
        .unwrap();
}

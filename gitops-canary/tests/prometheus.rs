//! The Prometheus provider against Debian's real `prometheus` binary, scraping a small
//! exporter (hyper, loopback) that publishes Istio-style request counters and latency
//! histograms at a chosen error ratio and latency.
//!
//! Expected values are exact up to float rounding: every series is a linear function of
//! the time since the exporter started, and all series of one scrape share that time.
//! `rate()` of each series is then its coefficient times one common factor (the window
//! and Prometheus' extrapolation are the same for all series with the same sample
//! timestamps), so the ratio of two sums of rates and a `histogram_quantile` over the
//! buckets do not depend on when the query runs. The tolerance (1e-6) only absorbs float
//! rounding; a wrong filter or quantile is off by whole percent or tens of milliseconds.

#![allow(clippy::unwrap_used)]

mod http_server;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gitops_canary::core::api::flagger::{CanaryMetric, MetricTemplateProvider};
use gitops_canary::core::api::meta::LocalObjectReference;
use gitops_canary::metrics::prometheus::PrometheusProvider;
use gitops_canary::metrics::query::{BuiltinMetric, MetricTemplateModel, render_query};
use gitops_canary::metrics::threshold::{MetricKind, Verdict, check};
use gitops_canary::metrics::{Credentials, Error, MetricsProvider, new_provider};
use http_server::{Reply, Seen, closed_port, handler, serve};

const PROMETHEUS: &str = "/usr/bin/prometheus";
const NAMESPACE: &str = "test";
/// The window of the test queries: long enough to hold two 1s scrapes soon after start.
const INTERVAL: &str = "30s";

/// Requests per second and their status codes, by (reporter, workload). `404` is a
/// success for Flagger (only `5xx` fail).
/// (reporter, workload, [(response code, requests per second)]).
type Traffic = (&'static str, &'static str, &'static [(&'static str, f64)]);
const TRAFFIC: &[Traffic] = &[
    // 95% success: 90 + 5 of 100 requests per second.
    (
        "destination",
        "podinfo",
        &[("200", 90.0), ("404", 5.0), ("500", 3.0), ("503", 2.0)],
    ),
    // The client side sees something else; the query must ignore it.
    ("source", "podinfo", &[("200", 10.0), ("500", 90.0)]),
    // A workload whose name starts like the target; `=~` is anchored so it must not count.
    (
        "destination",
        "podinfo-primary",
        &[("200", 50.0), ("500", 50.0)],
    ),
    // Counters that never move: rate 0, 0/0 = NaN.
    ("destination", "stalled", &[("200", 0.0)]),
];

/// Latency buckets (ms) and, per workload, the share of requests in each observed
/// latency: 90% at 20 ms and 10% at 200 ms for podinfo, so P99 lies in (100, 250]:
/// 100 + 150 × (0.99 − 0.90) / 0.10 = 235 ms.
const BUCKETS: &[f64] = &[10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0];
/// (reporter, workload, requests per second, [(latency ms, share of requests)]).
type Latency = (&'static str, &'static str, f64, &'static [(f64, f64)]);
const LATENCY: &[Latency] = &[
    (
        "destination",
        "podinfo",
        100.0,
        &[(20.0, 0.9), (200.0, 0.1)],
    ),
    ("source", "podinfo", 100.0, &[(900.0, 1.0)]),
];
const EXPECTED_SUCCESS_RATE: f64 = 95.0;
const EXPECTED_P99_MS: f64 = 235.0;

/// The exposition text at `t` seconds after the exporter started.
fn exposition(t: f64) -> String {
    let mut out = String::from("# TYPE istio_requests_total counter\n");
    for (reporter, workload, codes) in TRAFFIC {
        for (code, rps) in *codes {
            // Stalled counters sit at a constant non-zero value.
            let value = if *rps == 0.0 { 100.0 } else { rps * t };
            out.push_str(&format!(
                "istio_requests_total{{reporter=\"{reporter}\",destination_workload_namespace=\"{NAMESPACE}\",destination_workload=\"{workload}\",response_code=\"{code}\"}} {value}\n"
            ));
        }
    }
    out.push_str("# TYPE istio_request_duration_milliseconds histogram\n");
    for (reporter, workload, rps, shares) in LATENCY {
        let labels = format!(
            "reporter=\"{reporter}\",destination_workload_namespace=\"{NAMESPACE}\",destination_workload=\"{workload}\""
        );
        let count = rps * t;
        for le in BUCKETS {
            let share: f64 = shares
                .iter()
                .filter(|(ms, _)| ms <= le)
                .map(|(_, s)| s)
                .sum();
            out.push_str(&format!(
                "istio_request_duration_milliseconds_bucket{{{labels},le=\"{le}\"}} {}\n",
                share * count
            ));
        }
        out.push_str(&format!(
            "istio_request_duration_milliseconds_bucket{{{labels},le=\"+Inf\"}} {count}\n"
        ));
        let sum: f64 = shares.iter().map(|(ms, s)| ms * s * count).sum();
        out.push_str(&format!(
            "istio_request_duration_milliseconds_sum{{{labels}}} {sum}\n"
        ));
        out.push_str(&format!(
            "istio_request_duration_milliseconds_count{{{labels}}} {count}\n"
        ));
    }
    out
}

/// Debian's Prometheus on a loopback port, killed when dropped.
struct Prometheus {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }

    /// Starts Prometheus scraping `target` (`host:port`) every second and waits until it
    /// is ready.
    async fn start(target: &str) -> Prometheus {
        // reqwest is built without a TLS crypto provider; the library installs ring on
        // first use, the test's own client needs it first.
        let _ = rustls::crypto::ring::default_provider().install_default();
        assert!(
            Path::new(PROMETHEUS).exists(),
            "{PROMETHEUS} is missing: install Debian's prometheus package (scripts/test.sh does)"
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: istio\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .expect("write config");
        let log = std::fs::File::create(dir.path().join("prometheus.log")).expect("log file");
        let port = closed_port();
        let child = Command::new(PROMETHEUS)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("start prometheus");
        let prometheus = Prometheus { child, port, dir };
        let ready = format!("{}/-/ready", prometheus.url());
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = client.get(&ready).send().await
                && r.status().is_success()
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "prometheus not ready after 30s; log:\n{}",
                prometheus.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        prometheus
    }
}

/// The exporter and a Prometheus scraping it.
struct Fixture {
    _exporter: http_server::Server,
    prometheus: Prometheus,
}

impl Fixture {
    async fn start() -> Fixture {
        let started = Instant::now();
        let exporter = serve(handler(move |seen: Seen| async move {
            if seen.path != "/metrics" {
                return Reply::new(404, "not found");
            }
            Reply::new(200, exposition(started.elapsed().as_secs_f64()))
                .header("Content-Type", "text/plain; version=0.0.4")
        }))
        .await;
        let prometheus = Prometheus::start(&exporter.addr.to_string()).await;
        Fixture {
            _exporter: exporter,
            prometheus,
        }
    }

    fn provider(&self) -> PrometheusProvider {
        PrometheusProvider::from_address(&self.prometheus.url()).expect("provider")
    }
}

fn model(target: &str) -> MetricTemplateModel {
    MetricTemplateModel {
        name: target.to_string(),
        namespace: NAMESPACE.to_string(),
        target: target.to_string(),
        service: target.to_string(),
        ingress: target.to_string(),
        route: target.to_string(),
        interval: INTERVAL.to_string(),
        variables: BTreeMap::new(),
    }
}

/// Runs `query` until it gives a value (Prometheus has scraped enough), failing on any
/// other error or after 30 seconds.
async fn wait_for_value(provider: &dyn MetricsProvider, query: &str) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match provider.query(query).await {
            Ok(v) => return v,
            Err(Error::NoValues { .. }) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => panic!("query {query:?} did not give a value: {e}"),
        }
    }
}

fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() < 1e-6,
        "{what}: got {actual}, expected {expected}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn builtin_istio_metrics_against_real_prometheus() {
    let fx = Fixture::start().await;
    let prom = fx.provider();
    assert_eq!(prom.is_online().await, Ok(true));

    let success = BuiltinMetric::RequestSuccessRate
        .istio_query(&model("podinfo"))
        .unwrap();
    let rate = wait_for_value(&prom, &success).await;
    assert_close(
        rate,
        EXPECTED_SUCCESS_RATE,
        "request-success-rate of podinfo",
    );

    let duration = BuiltinMetric::RequestDuration
        .istio_query(&model("podinfo"))
        .unwrap();
    let p99 = wait_for_value(&prom, &duration).await;
    assert_close(p99, EXPECTED_P99_MS, "request-duration (P99 ms) of podinfo");

    // The values judged as Flagger does.
    let min99 = CanaryMetric {
        name: "request-success-rate".into(),
        threshold: Some(99.0),
        ..CanaryMetric::default()
    };
    assert_eq!(
        check("podinfo", NAMESPACE, &min99, MetricKind::SuccessRate, rate).message(),
        Some("Halt podinfo.test advancement success rate 95.00% < 99%")
    );
    let max250 = CanaryMetric {
        name: "request-duration".into(),
        threshold: Some(250.0),
        ..CanaryMetric::default()
    };
    assert_eq!(
        check("podinfo", NAMESPACE, &max250, MetricKind::Duration, p99),
        Verdict::Pass
    );

    // No traffic at all: no series, no value.
    let idle = BuiltinMetric::RequestSuccessRate
        .istio_query(&model("idle"))
        .unwrap();
    let err = prom.query(&idle).await.unwrap_err();
    assert!(err.is_no_values(), "{err}");
    // Series that do not move: 0/0 is NaN, which is "no values" too.
    let stalled = BuiltinMetric::RequestSuccessRate
        .istio_query(&model("stalled"))
        .unwrap();
    let err = prom.query(&stalled).await.unwrap_err();
    assert!(matches!(err, Error::NoValues { .. }), "{err}");
    let err = prom
        .query(
            &BuiltinMetric::RequestDuration
                .istio_query(&model("idle"))
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert!(err.is_no_values(), "{err}");

    // A MetricTemplate query rendered with variables, through the factory.
    let spec = MetricTemplateProvider {
        address: Some(fx.prometheus.url()),
        ..MetricTemplateProvider::default()
    };
    let provider = new_provider(INTERVAL, &spec, None).unwrap();
    let mut m = model("podinfo");
    m.variables.insert("code".into(), "5..".into());
    let errors = render_query(
        "error-count.test",
        r#"sum(increase(istio_requests_total{reporter="destination",destination_workload_namespace="{{ namespace }}",destination_workload="{{ target }}",response_code=~"{{ variables.code }}"}[{{ interval }}])) / sum(increase(istio_requests_total{reporter="destination",destination_workload_namespace="{{ namespace }}",destination_workload="{{ target }}"}[{{ interval }}]))"#,
        &m,
    )
    .unwrap();
    assert_close(provider.query(&errors).await.unwrap(), 0.05, "5xx ratio");

    // A scalar answer is its value; a range vector is "multiple values"; bad PromQL is
    // Prometheus' 400.
    assert_eq!(prom.query("scalar(vector(42))").await, Ok(42.0));
    let err = prom.query("istio_requests_total[10s]").await.unwrap_err();
    assert!(matches!(err, Error::MultipleValues { .. }), "{err}");
    let err = prom.query("sum(").await.unwrap_err();
    match err {
        Error::Http { status, body, .. } => {
            assert_eq!(status, 400);
            assert!(body.contains("bad_data"), "{body}");
        }
        other => panic!("expected an HTTP error, got {other}"),
    }
}

/// What the proxy in front of Prometheus saw.
#[derive(Debug, Clone, PartialEq)]
struct ProxySaw {
    authorization: Vec<String>,
    org_id: Vec<String>,
    path: String,
}

/// A reverse proxy mounted at `/prometheus` that records each request and forwards it
/// to the real Prometheus when `Authorization` is one of `accepted`, 401 otherwise.
async fn auth_proxy(
    upstream: String,
    accepted: &'static [&'static str],
    log: Arc<Mutex<Vec<ProxySaw>>>,
) -> http_server::Server {
    serve(handler(move |seen: Seen| {
        let upstream = upstream.clone();
        let log = log.clone();
        async move {
            let authorization = seen.header("authorization");
            log.lock().unwrap().push(ProxySaw {
                authorization: authorization.clone(),
                org_id: seen.header("x-scope-orgid"),
                path: seen.path.clone(),
            });
            if authorization.len() != 1 || !accepted.contains(&authorization[0].as_str()) {
                return Reply::new(401, "unauthorized");
            }
            let Some(rest) = seen.path.strip_prefix("/prometheus") else {
                return Reply::new(404, "not under /prometheus");
            };
            let url = format!("{upstream}{rest}?{}", seen.query.unwrap_or_default());
            let r = reqwest::get(url).await.expect("forward to prometheus");
            let status = r.status().as_u16();
            Reply::new(status, r.bytes().await.expect("prometheus body").to_vec())
        }
    }))
    .await
}

fn secret(pairs: &[(&str, &str)]) -> Credentials {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_and_headers_reach_prometheus() {
    let fx = Fixture::start().await;
    let log = Arc::new(Mutex::new(Vec::new()));
    let proxy = auth_proxy(
        fx.prometheus.url(),
        &["Basic ZmxhZ2dlcjpzM2NyZXQ=", "Bearer t0ken"],
        log.clone(),
    )
    .await;
    let spec = MetricTemplateProvider {
        address: Some(format!("{}/prometheus", proxy.url())),
        secret_ref: Some(LocalObjectReference {
            name: "prom-auth".into(),
        }),
        headers: Some(BTreeMap::from([(
            "X-Scope-OrgID".to_string(),
            vec!["tenant1".to_string()],
        )])),
        ..MetricTemplateProvider::default()
    };
    let success = BuiltinMetric::RequestSuccessRate
        .istio_query(&model("podinfo"))
        .unwrap();

    // Basic auth from username/password, plus the custom header, under the path prefix.
    let basic = PrometheusProvider::new(
        &spec,
        Some(&secret(&[("username", "flagger"), ("password", "s3cret")])),
    )
    .unwrap();
    assert_eq!(basic.is_online().await, Ok(true));
    assert_close(
        wait_for_value(&basic, &success).await,
        EXPECTED_SUCCESS_RATE,
        "via basic auth",
    );
    let first = log.lock().unwrap()[0].clone();
    assert_eq!(
        first,
        ProxySaw {
            authorization: vec!["Basic ZmxhZ2dlcjpzM2NyZXQ=".into()],
            org_id: vec!["tenant1".into()],
            path: "/prometheus/api/v1/query".into(),
        }
    );

    // A token wins over username/password.
    log.lock().unwrap().clear();
    let bearer = PrometheusProvider::new(
        &spec,
        Some(&secret(&[
            ("token", "t0ken"),
            ("username", "flagger"),
            ("password", "x"),
        ])),
    )
    .unwrap();
    assert_close(
        bearer.query(&success).await.unwrap(),
        EXPECTED_SUCCESS_RATE,
        "via bearer",
    );
    assert_eq!(
        log.lock().unwrap()[0].authorization,
        vec!["Bearer t0ken".to_string()]
    );

    // Refused credentials are the server's status, not "no values".
    let wrong = PrometheusProvider::new(
        &spec,
        Some(&secret(&[("username", "flagger"), ("password", "wrong")])),
    )
    .unwrap();
    match wrong.query(&success).await {
        Err(Error::Http {
            status,
            body,
            address,
        }) => {
            assert_eq!((status, body.as_str()), (401, "unauthorized"));
            assert_eq!(address, format!("{}/prometheus", proxy.url()));
        }
        other => panic!("expected 401, got {other:?}"),
    }
    assert!(wrong.is_online().await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_failing_and_slow_servers() {
    // Nothing listens: a transport error naming the address.
    let address = format!("http://127.0.0.1:{}", closed_port());
    let prom = PrometheusProvider::from_address(&address).unwrap();
    let err = prom.query("vector(1)").await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err}");
    assert!(err.to_string().contains(&address), "{err}");
    assert!(prom.is_online().await.is_err());

    // A server in front that fails: the online check reports its status.
    let bad_gateway = serve(handler(|_| async { Reply::new(502, "upstream down") })).await;
    let prom = PrometheusProvider::from_address(&bad_gateway.url()).unwrap();
    match prom.is_online().await {
        Err(Error::Http {
            status: 502, body, ..
        }) => assert_eq!(body, "upstream down"),
        other => panic!("expected 502, got {other:?}"),
    }

    // An answer that is not 1 is not online.
    let zero = serve(handler(|_| async {
        Reply::new(
            200,
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0"]}]}}"#,
        )
    }))
    .await;
    let prom = PrometheusProvider::from_address(&zero.url()).unwrap();
    assert!(matches!(
        prom.is_online().await,
        Err(Error::NotOnline { .. })
    ));

    // A server that never answers: the provider's timeout.
    let slow = serve(handler(|_| async {
        tokio::time::sleep(Duration::from_secs(60)).await;
        Reply::new(200, "")
    }))
    .await;
    let prom = PrometheusProvider::from_address(&slow.url())
        .unwrap()
        .with_timeout(Duration::from_millis(300));
    match prom.query("vector(1)").await {
        Err(Error::Timeout { timeout, .. }) => assert_eq!(timeout, "300ms"),
        other => panic!("expected a timeout, got {other:?}"),
    }
}

/// One whole tick of the machine, with its questions answered for real: metrics through
/// the Prometheus provider (Flagger's built-in Istio queries), webhooks over HTTP.
async fn tick(
    state: &gitops_canary::machine::CanaryState,
    observation: &mut gitops_canary::machine::Observation,
    prometheus: &dyn MetricsProvider,
) -> (gitops_canary::machine::CanaryState, Vec<String>) {
    use gitops_canary::machine::{Answer, Command as MachineCommand, MetricResult, step};
    let canary = Arc::clone(&observation.canary);
    let analysis = canary.spec.analysis.as_ref().unwrap();
    let (mut state, commands) = step(state, observation);
    let mut log: Vec<String> = commands.iter().map(ToString::to_string).collect();
    while let Some(question) = state.question().cloned() {
        let answer = match question {
            MachineCommand::QueryMetric(q) => {
                let metric = &analysis.metrics.as_ref().unwrap()[q.index];
                let builtin = BuiltinMetric::from_name(&metric.name).expect("built-in metric");
                let model = MetricTemplateModel::for_canary(&canary, metric.interval(), None);
                Answer::Metric(
                    match prometheus
                        .query(&builtin.istio_query(&model).unwrap())
                        .await
                    {
                        Ok(v) => MetricResult::Value(v),
                        Err(e) if e.is_no_values() => MetricResult::NoValues,
                        Err(e) => MetricResult::Error(e.to_string()),
                    },
                )
            }
            MachineCommand::CallWebhook(call) => {
                let hook = &analysis.webhooks.as_ref().unwrap()[call.index];
                let result = gitops_canary::webhooks::call_webhook(&canary, call.phase, hook).await;
                Answer::Webhook(result.map(|_| ()).map_err(|e| e.to_string()))
            }
            other => panic!("not a question: {other}"),
        };
        observation.answer = Some(answer);
        let (next, commands) = step(&state, observation);
        state = next;
        log.extend(commands.iter().map(ToString::to_string));
    }
    observation.answer = None;
    (state, log)
}

/// The pieces together: the state machine decides, Prometheus (scraping the exporter:
/// 95% success, P99 235 ms) and a webhook server answer. With `min: 90` / `max: 500` the
/// canary advances 10% per tick; with `min: 99` every check fails and the canary is rolled
/// back after `threshold` (2) failed checks, routing everything to the primary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_machine_drives_an_analysis_with_real_metrics_and_webhooks() {
    use gitops_canary::Routes;
    use gitops_canary::core::api::flagger::{Canary, CanaryPhase, CanaryStatus, MeshProvider};
    use gitops_canary::machine::{CanaryState, Observation, Readiness, TargetRevision};

    let fx = Fixture::start().await;
    let prom = fx.provider();
    let success = BuiltinMetric::RequestSuccessRate
        .istio_query(&model("podinfo"))
        .unwrap();
    wait_for_value(&prom, &success).await;
    let calls = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = Arc::clone(&calls);
    let hooks = serve(handler(move |s: Seen| {
        let seen = Arc::clone(&seen);
        async move {
            seen.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&s.body).into_owned());
            Reply::new(200, "ok")
        }
    }))
    .await;

    let canary = |min: f64| -> Arc<Canary> {
        Arc::new(
            gitops_canary::core::api::parse(&serde_json::json!({
                "apiVersion": "flagger.app/v1beta1", "kind": "Canary",
                "metadata": {"name": "podinfo", "namespace": NAMESPACE},
                "spec": {
                    "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
                    "service": {"port": 9898},
                    "analysis": {
                        "interval": "30s", "threshold": 2, "maxWeight": 50, "stepWeight": 10,
                        "metrics": [
                            {"name": "request-success-rate", "interval": "30s", "thresholdRange": {"min": min}},
                            {"name": "request-duration", "interval": "30s", "thresholdRange": {"max": 500}}
                        ],
                        "webhooks": [{"name": "load-test", "url": hooks.url(), "timeout": "5s"}]
                    }
                }
            }))
            .unwrap(),
        )
    };
    let observe = |canary: Arc<Canary>| Observation {
        canary,
        provider: MeshProvider::Istio,
        now: Duration::from_secs(1_800_000_000),
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
    let progressing = CanaryState::from_status(&CanaryStatus {
        phase: CanaryPhase::Progressing,
        canary_weight: 10,
        last_applied_spec: Some("rev-2".into()),
        last_promoted_spec: Some("rev-1".into()),
        ..CanaryStatus::default()
    });

    // Healthy enough: two ticks advance 10% -> 20% -> 30%, calling the load test each time.
    let mut obs = observe(canary(90.0));
    let (state, log) = tick(&progressing, &mut obs, &prom).await;
    assert_eq!(state.routes, Routes::canary(20), "{log:?}");
    let (state, _) = tick(&state, &mut obs, &prom).await;
    assert_eq!((state.routes, state.failed_checks), (Routes::canary(30), 0));
    let payloads = calls.lock().unwrap().clone();
    assert_eq!(payloads.len(), 2);
    assert!(
        payloads[0].contains(r#""name":"podinfo","namespace":"test","phase":"Progressing""#),
        "{}",
        payloads[0]
    );

    // Too strict: 95% < 99% fails twice, then the canary is rolled back.
    let mut obs = observe(canary(99.0));
    let (state, log) = tick(&state, &mut obs, &prom).await;
    assert_eq!((state.routes, state.failed_checks), (Routes::canary(30), 1));
    assert!(
        log.iter()
            .any(|l| l == "event Warning: Halt podinfo.test advancement success rate 95.00% < 99%"),
        "{log:?}"
    );
    let (state, _) = tick(&state, &mut obs, &prom).await;
    let (state, log) = tick(&state, &mut obs, &prom).await;
    assert_eq!(state.phase, CanaryPhase::Failed, "{log:?}");
    assert_eq!(state.routes, Routes::PRIMARY);
}

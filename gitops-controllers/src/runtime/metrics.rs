//! Prometheus metrics with Flux's names (`fluxcd/pkg/runtime/metrics`):
//! `gotk_reconcile_duration_seconds` (histogram; buckets 10 ms … 1800 s, 10 exponential),
//! `gotk_reconcile_condition` (gauge per kind, name, namespace, type, status; 1 for the
//! current status, 0 for the others) and `gotk_suspend_status`, rendered in the text
//! exposition format and optionally served on `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use gitops_core::conditions::Condition;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

use super::ObjectKey;

const STATUSES: [&str; 3] = ["True", "False", "Unknown"];

/// The path the metrics are served on, as controller-runtime serves them.
pub const METRICS_PATH: &str = "/metrics";

/// Flux's histogram buckets: `ExponentialBucketsRange(10e-3, 1800, 10)`.
pub fn duration_buckets() -> Vec<f64> {
    let (min, max, n) = (10e-3_f64, 1800_f64, 10);
    let factor = (max / min).powf(1.0 / f64::from(n - 1));
    (0..n).map(|i| min * factor.powf(f64::from(i))).collect()
}

#[derive(Debug, Default)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

#[derive(Debug, Default)]
struct State {
    conditions: BTreeMap<(ObjectKey, String), String>,
    suspended: BTreeMap<ObjectKey, bool>,
    durations: BTreeMap<ObjectKey, Histogram>,
}

/// A metrics registry shared by the reconcilers of one process.
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    state: Arc<Mutex<State>>,
}

/// A label value escaped as the text format wants (`\\`, `\"`, `\n`).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn labels(key: &ObjectKey) -> String {
    format!(
        "kind=\"{}\",name=\"{}\",namespace=\"{}\"",
        escape(&key.kind),
        escape(&key.name),
        escape(&key.namespace)
    )
}

impl Metrics {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records the status of `condition` for `key`.
    pub fn record_condition(&self, key: &ObjectKey, condition: &Condition) {
        self.state().conditions.insert(
            (key.clone(), condition.type_.clone()),
            condition.status.as_str().to_string(),
        );
    }

    /// Records every condition of `conditions` for `key` and forgets the condition
    /// series of `key` whose type is no longer among them (a `Reconciling` condition
    /// removed on success no longer reports its last status).
    pub fn record_conditions(&self, key: &ObjectKey, conditions: &[Condition]) {
        let mut state = self.state();
        state
            .conditions
            .retain(|(k, type_), _| k != key || conditions.iter().any(|c| &c.type_ == type_));
        for c in conditions {
            state.conditions.insert(
                (key.clone(), c.type_.clone()),
                c.status.as_str().to_string(),
            );
        }
    }

    /// Records whether `key` is suspended.
    pub fn record_suspend(&self, key: &ObjectKey, suspended: bool) {
        self.state().suspended.insert(key.clone(), suspended);
    }

    /// Observes one reconciliation of `key` that took `took`.
    pub fn record_duration(&self, key: &ObjectKey, took: Duration) {
        let buckets = duration_buckets();
        let mut state = self.state();
        let h = state.durations.entry(key.clone()).or_default();
        if h.counts.is_empty() {
            h.counts = vec![0; buckets.len()];
        }
        let secs = took.as_secs_f64();
        for (i, le) in buckets.iter().enumerate() {
            if secs <= *le {
                h.counts[i] += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }

    /// Forgets every series of `key` (a deleted object).
    pub fn delete(&self, key: &ObjectKey) {
        let mut state = self.state();
        state.conditions.retain(|(k, _), _| k != key);
        state.suspended.remove(key);
        state.durations.remove(key);
    }

    /// The text exposition of every series.
    pub fn render(&self) -> String {
        let state = self.state();
        let mut out = String::new();
        out.push_str("# HELP gotk_reconcile_condition The current condition status of a GitOps Toolkit resource reconciliation.\n# TYPE gotk_reconcile_condition gauge\n");
        for ((key, type_), current) in &state.conditions {
            for status in STATUSES {
                let value = u8::from(status == current);
                let _ = writeln!(
                    out,
                    "gotk_reconcile_condition{{{},type=\"{}\",status=\"{status}\"}} {value}",
                    labels(key),
                    escape(type_)
                );
            }
        }
        out.push_str("# HELP gotk_suspend_status The current suspend status of a GitOps Toolkit resource.\n# TYPE gotk_suspend_status gauge\n");
        for (key, suspended) in &state.suspended {
            let _ = writeln!(
                out,
                "gotk_suspend_status{{{}}} {}",
                labels(key),
                u8::from(*suspended)
            );
        }
        out.push_str("# HELP gotk_reconcile_duration_seconds The duration in seconds of a GitOps Toolkit resource reconciliation.\n# TYPE gotk_reconcile_duration_seconds histogram\n");
        let buckets = duration_buckets();
        for (key, h) in &state.durations {
            for (le, count) in buckets.iter().zip(&h.counts) {
                let _ = writeln!(
                    out,
                    "gotk_reconcile_duration_seconds_bucket{{{},le=\"{le}\"}} {count}",
                    labels(key)
                );
            }
            let _ = writeln!(
                out,
                "gotk_reconcile_duration_seconds_bucket{{{},le=\"+Inf\"}} {}",
                labels(key),
                h.count
            );
            let _ = writeln!(
                out,
                "gotk_reconcile_duration_seconds_sum{{{}}} {}",
                labels(key),
                h.sum
            );
            let _ = writeln!(
                out,
                "gotk_reconcile_duration_seconds_count{{{}}} {}",
                labels(key),
                h.count
            );
        }
        out
    }

    /// Serves [`Metrics::render`] on `GET /metrics` (Prometheus text format 0.0.4; other
    /// paths: 404, other methods: 405) on `addr` until the task is aborted; returns the
    /// bound address.
    pub async fn serve(
        &self,
        addr: SocketAddr,
    ) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        Ok(self.serve_on(listener))
    }

    /// [`Metrics::serve`] on an already bound `listener`.
    pub fn serve_on(
        &self,
        listener: tokio::net::TcpListener,
    ) -> (SocketAddr, tokio::task::JoinHandle<()>) {
        let bound = listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
        let metrics = self.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let metrics = metrics.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let response = metrics.respond(req.method(), req.uri().path());
                        async move { response }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        (bound, task)
    }

    /// The reply to `method path`.
    fn respond(
        &self,
        method: &hyper::Method,
        path: &str,
    ) -> Result<hyper::Response<Full<Bytes>>, hyper::http::Error> {
        let plain = |status: u16, body: String| {
            hyper::Response::builder()
                .status(status)
                .header("Content-Type", "text/plain; charset=utf-8")
                .body(Full::new(Bytes::from(body)))
        };
        if path != METRICS_PATH {
            return plain(404, "404 page not found\n".to_string());
        }
        match *method {
            hyper::Method::GET => hyper::Response::builder()
                .header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .body(Full::new(Bytes::from(self.render()))),
            hyper::Method::HEAD => hyper::Response::builder()
                .header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .body(Full::new(Bytes::new())),
            _ => plain(
                405,
                format!("method {method} not allowed on {METRICS_PATH}\n"),
            ),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use gitops_core::conditions::ConditionStatus;

    #[test]
    fn renders_flux_metric_names() {
        let m = Metrics::default();
        let key = ObjectKey {
            kind: "GitRepository".into(),
            namespace: "ns".into(),
            name: "a".into(),
        };
        m.record_condition(
            &key,
            &Condition::new("Ready", ConditionStatus::True, "Succeeded", "ok"),
        );
        m.record_duration(&key, Duration::from_millis(5));
        m.record_suspend(&key, false);
        let text = m.render();
        assert!(text.contains("gotk_reconcile_condition{kind=\"GitRepository\",name=\"a\",namespace=\"ns\",type=\"Ready\",status=\"True\"} 1"), "{text}");
        assert!(text.contains("status=\"False\"} 0"));
        assert!(text.contains("gotk_reconcile_duration_seconds_count{kind=\"GitRepository\",name=\"a\",namespace=\"ns\"} 1"));
        assert!(
            text.contains(
                "gotk_suspend_status{kind=\"GitRepository\",name=\"a\",namespace=\"ns\"} 0"
            )
        );
        let b = duration_buckets();
        assert!((b[0] - 0.01).abs() < 1e-9 && (b[9] - 1800.0).abs() < 1e-6);
        m.delete(&key);
        assert!(!m.render().contains("name=\"a\""));
    }

    #[test]
    fn removed_conditions_stop_reporting_and_only_get_metrics_is_served() {
        let m = Metrics::default();
        let key = ObjectKey {
            kind: "Kustomization".into(),
            namespace: "ns".into(),
            name: "a\"b".into(),
        };
        let reconciling = Condition::new(
            "Reconciling",
            ConditionStatus::True,
            "ProgressingWithRetry",
            "x",
        );
        let ready = Condition::new("Ready", ConditionStatus::False, "BuildFailed", "x");
        m.record_conditions(&key, &[reconciling, ready]);
        assert!(
            m.render()
                .contains("type=\"Reconciling\",status=\"True\"} 1")
        );
        let ready = Condition::new("Ready", ConditionStatus::True, "Succeeded", "ok");
        m.record_conditions(&key, &[ready]);
        let text = m.render();
        assert!(!text.contains("Reconciling"), "{text}");
        assert!(
            text.contains("gotk_reconcile_condition{kind=\"Kustomization\",name=\"a\\\"b\",namespace=\"ns\",type=\"Ready\",status=\"True\"} 1"),
            "{text}"
        );
        let ok = m.respond(&hyper::Method::GET, METRICS_PATH).unwrap();
        assert_eq!(ok.status(), 200);
        assert_eq!(m.respond(&hyper::Method::GET, "/").unwrap().status(), 404);
        assert_eq!(
            m.respond(&hyper::Method::POST, METRICS_PATH)
                .unwrap()
                .status(),
            405
        );
    }
}

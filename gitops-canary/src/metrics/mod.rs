//! Metric providers and metric checks: what Flagger's `pkg/metrics` does.
//!
//! | module | contents |
//! |---|---|
//! | [`prometheus`] | the Prometheus HTTP API provider |
//! | [`factory`] | a provider from a MetricTemplate's `spec.provider` |
//! | [`query`] | the built-in Istio queries and the rendering of MetricTemplate queries |
//! | [`threshold`] | checking a value against `threshold` / `thresholdRange` (pure) |
//!
//! Only the providers do I/O; rendering and threshold checks are pure functions.
//!
//! ```
//! use gitops_canary::metrics::query::{BuiltinMetric, MetricTemplateModel};
//! use gitops_canary::metrics::threshold::{MetricKind, Verdict, check};
//!
//! let model = MetricTemplateModel {
//!     name: "podinfo".into(),
//!     namespace: "test".into(),
//!     target: "podinfo".into(),
//!     interval: "1m".into(),
//!     ..MetricTemplateModel::default()
//! };
//! let query = BuiltinMetric::RequestSuccessRate.istio_query(&model)?;
//! assert!(query.contains(r#"destination_workload=~"podinfo""#));
//!
//! // A success rate of 97.5% against `threshold: 99` halts the advancement.
//! let metric = gitops_canary::core::api::flagger::CanaryMetric {
//!     name: "request-success-rate".into(),
//!     threshold: Some(99.0),
//!     ..Default::default()
//! };
//! let verdict = check("podinfo", "test", &metric, MetricKind::of(&metric), 97.5);
//! assert_eq!(
//!     verdict.message(),
//!     Some("Halt podinfo.test advancement success rate 97.50% < 99%")
//! );
//! # Ok::<(), gitops_canary::metrics::query::Error>(())
//! ```

use std::future::Future;
use std::pin::Pin;

pub mod factory;
pub mod prometheus;
pub mod query;
pub mod threshold;

pub use factory::{Credentials, new_provider};
pub use prometheus::PrometheusProvider;
pub use query::{BuiltinMetric, MetricTemplateModel, render_query};
pub use threshold::{Bound, Halt, MetricKind, Verdict, check};

/// A boxed, sendable future: what [`MetricsProvider`]'s methods return, so that the
/// trait stays usable as `dyn MetricsProvider`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A metrics backend that runs a query and returns one number (Flagger's
/// `providers.Interface`).
///
/// Prometheus ([`PrometheusProvider`]) is implemented; Datadog, CloudWatch, New Relic,
/// Graphite, InfluxDB, Stackdriver, Dynatrace, Splunk, Keptn and the Kubernetes
/// external-metrics API are planned behind the same trait (see [`factory`]).
pub trait MetricsProvider: Send + Sync + std::fmt::Debug {
    /// Runs `query` and returns its single value.
    ///
    /// A query that answers with no sample (or with `NaN`) is [`Error::NoValues`],
    /// distinct from transport, HTTP and decoding errors: Flagger reports it as "no
    /// values found … probably not receiving traffic" rather than as a failed query.
    fn query<'a>(&'a self, query: &'a str) -> BoxFuture<'a, Result<f64, Error>>;

    /// Checks that the backend answers: `Ok(true)` when it does, an error saying why
    /// not otherwise.
    fn is_online(&self) -> BoxFuture<'_, Result<bool, Error>>;
}

/// Why a query against a metrics provider failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The query answered without a value, or with `NaN` (Flagger's `ErrNoValuesFound`).
    #[error("no values found: {address} returned no value for query {query:?}")]
    NoValues {
        /// The provider's address.
        address: String,
        /// The query as sent.
        query: String,
    },
    /// The query answered a range of values per series (a matrix) where one value was
    /// expected (Flagger's `ErrMultipleValuesReturned`).
    #[error(
        "query returned multiple values: {address} answered a range vector for query {query:?}"
    )]
    MultipleValues {
        /// The provider's address.
        address: String,
        /// The query as sent.
        query: String,
    },
    /// The request did not complete: connection refused, DNS, TLS, reset.
    #[error("request to {address} failed: {message}")]
    Transport {
        /// The provider's address.
        address: String,
        /// What went wrong.
        message: String,
    },
    /// The request did not complete within the provider's timeout.
    #[error("request to {address} timed out after {timeout}")]
    Timeout {
        /// The provider's address.
        address: String,
        /// The timeout, as Go prints durations (`5s`).
        timeout: String,
    },
    /// The provider answered with an HTTP error status (400 or above).
    #[error("error response from {address}: status {status}: {body}")]
    Http {
        /// The provider's address.
        address: String,
        /// The HTTP status code.
        status: u16,
        /// The response body.
        body: String,
    },
    /// The answer could not be read as the provider's API response.
    #[error("error decoding the response of {address}: {message}: {body:?}")]
    Decode {
        /// The provider's address.
        address: String,
        /// What did not decode.
        message: String,
        /// The response body.
        body: String,
    },
    /// The provider answered the online check with something other than the expected
    /// value.
    #[error("{address} is not online: value is not 1 for query: {query}")]
    NotOnline {
        /// The provider's address.
        address: String,
        /// The online-check query.
        query: String,
    },
}

impl Error {
    /// Whether this is the "no values" case (Flagger's `errors.Is(err, ErrNoValuesFound)`).
    pub fn is_no_values(&self) -> bool {
        matches!(self, Error::NoValues { .. })
    }
}

//! A metrics provider from a MetricTemplate's `spec.provider` (Flagger's
//! `providers.Factory`).
//!
//! | `spec.provider.type` | status |
//! |---|---|
//! | `prometheus` | implemented: [`PrometheusProvider`] |
//! | `datadog`, `cloudwatch`, `newrelic`, `graphite`, `influxdb` | planned |
//! | `stackdriver`, `dynatrace`, `splunk`, `keptn`, `externalmetrics` | planned |
//!
//! A type without an implementation is an [`Error::Unsupported`] naming the type. Flagger
//! falls back to Prometheus for an unknown type with only a log line; we never do.

use std::collections::BTreeMap;

use gitops_core::api::flagger::{MetricProviderType, MetricTemplateProvider};

use super::MetricsProvider;
use super::prometheus::{ConfigError, PrometheusProvider};

/// The `data` of the secret named by `spec.provider.secretRef` (decoded bytes by key).
pub type Credentials = BTreeMap<String, Vec<u8>>;

/// Why no provider could be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The provider type is valid for Flagger but not implemented here yet.
    #[error("metrics provider type {type_name:?} is not supported (supported: prometheus)")]
    Unsupported {
        /// The type as written in `spec.provider.type`.
        type_name: &'static str,
    },
    /// The Prometheus spec or its credentials are invalid.
    #[error(transparent)]
    Prometheus(#[from] ConfigError),
}

/// The name of a provider type as written in `spec.provider.type`.
pub fn type_name(kind: MetricProviderType) -> &'static str {
    match kind {
        MetricProviderType::Prometheus => "prometheus",
        MetricProviderType::InfluxDb => "influxdb",
        MetricProviderType::Datadog => "datadog",
        MetricProviderType::ExternalMetrics => "externalmetrics",
        MetricProviderType::Stackdriver => "stackdriver",
        MetricProviderType::CloudWatch => "cloudwatch",
        MetricProviderType::NewRelic => "newrelic",
        MetricProviderType::Graphite => "graphite",
        MetricProviderType::Dynatrace => "dynatrace",
        MetricProviderType::Keptn => "keptn",
        MetricProviderType::Splunk => "splunk",
    }
}

/// The provider of `spec`, with the data of its `secretRef` secret when it has one.
///
/// `metric_interval` is the metric's query window (`1m`); Prometheus does not use it,
/// the planned Datadog, CloudWatch, New Relic, Dynatrace and Splunk providers will (they
/// query a time range rather than a PromQL window), as in Flagger.
pub fn new_provider(
    metric_interval: &str,
    spec: &MetricTemplateProvider,
    credentials: Option<&Credentials>,
) -> Result<Box<dyn MetricsProvider>, Error> {
    let _ = metric_interval;
    match spec.r#type {
        MetricProviderType::Prometheus => Ok(Box::new(PrometheusProvider::new(spec, credentials)?)),
        other => Err(Error::Unsupported {
            type_name: type_name(other),
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_is_built_and_others_are_named() {
        let spec = MetricTemplateProvider {
            address: Some("http://prometheus.istio-system:9090".into()),
            ..Default::default()
        };
        let p = new_provider("1m", &spec, None).unwrap();
        assert!(format!("{p:?}").contains("prometheus.istio-system:9090"));

        let spec = MetricTemplateProvider {
            r#type: MetricProviderType::Datadog,
            ..spec
        };
        let err = new_provider("1m", &spec, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "metrics provider type \"datadog\" is not supported (supported: prometheus)"
        );
    }

    #[test]
    fn type_names_match_the_serialized_enum() {
        for kind in [
            MetricProviderType::Prometheus,
            MetricProviderType::InfluxDb,
            MetricProviderType::Datadog,
            MetricProviderType::ExternalMetrics,
            MetricProviderType::Stackdriver,
            MetricProviderType::CloudWatch,
            MetricProviderType::NewRelic,
            MetricProviderType::Graphite,
            MetricProviderType::Dynatrace,
            MetricProviderType::Keptn,
            MetricProviderType::Splunk,
        ] {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::String(type_name(kind).into())
            );
        }
    }

    #[test]
    fn invalid_prometheus_spec_is_an_error() {
        let err = new_provider("1m", &MetricTemplateProvider::default(), None).unwrap_err();
        assert!(matches!(
            err,
            Error::Prometheus(ConfigError::InvalidAddress { .. })
        ));
    }
}

//! Metric queries: the built-in Istio metrics and the rendering of MetricTemplate
//! queries (Flagger's `observers.RenderQuery` and `MetricTemplateModel`).
//!
//! A query is a Go template executed with no data: the canary's fields are **functions**
//! without arguments — `{{ name }}`, `{{ namespace }}`, `{{ target }}`, `{{ service }}`,
//! `{{ ingress }}`, `{{ route }}`, `{{ interval }}` — and `{{ variables.<key> }}` reads a
//! metric's `templateVariables`. Only Go's built-in template functions exist besides
//! these (no Sprig), and a missing variable is an error (`missingkey=error`), as in
//! Flagger.

use std::collections::BTreeMap;

use gitops_core::api::flagger::Canary;
use gitops_gotmpl::{Func, MapType, MissingKey, Templates, Value};

/// Name of the built-in success-rate metric.
pub const REQUEST_SUCCESS_RATE: &str = "request-success-rate";
/// Name of the built-in latency metric.
pub const REQUEST_DURATION: &str = "request-duration";

/// The name Flagger gives the parsed template; Go's error messages carry it
/// (`template: tmpl:1: …`).
const TEMPLATE_NAME: &str = "tmpl";

/// Istio's `request-success-rate`: the percentage of requests to the target workload
/// that did not answer 5xx, over the metric's interval, as reported by the destination
/// proxies. The text is Flagger's, whitespace included (the provider collapses it).
pub const ISTIO_REQUEST_SUCCESS_RATE: &str = "
\tsum(
\t\trate(
\t\t\tistio_requests_total{
\t\t\t\treporter=\"destination\",
\t\t\t\tdestination_workload_namespace=\"{{ namespace }}\",
\t\t\t\tdestination_workload=~\"{{ target }}\",
\t\t\t\tresponse_code!~\"5.*\"
\t\t\t}[{{ interval }}]
\t\t)
\t) 
\t/ 
\tsum(
\t\trate(
\t\t\tistio_requests_total{
\t\t\t\treporter=\"destination\",
\t\t\t\tdestination_workload_namespace=\"{{ namespace }}\",
\t\t\t\tdestination_workload=~\"{{ target }}\"
\t\t\t}[{{ interval }}]
\t\t)
\t) 
\t* 100";

/// Istio's `request-duration`: the 99th percentile of the request duration of the
/// target workload in milliseconds, over the metric's interval. Flagger's text.
pub const ISTIO_REQUEST_DURATION: &str = "
\thistogram_quantile(
\t\t0.99,
\t\tsum(
\t\t\trate(
\t\t\t\tistio_request_duration_milliseconds_bucket{
\t\t\t\t\treporter=\"destination\",
\t\t\t\t\tdestination_workload_namespace=\"{{ namespace }}\",
\t\t\t\t\tdestination_workload=~\"{{ target }}\"
\t\t\t\t}[{{ interval }}]
\t\t\t)
\t\t) by (le)
\t)";

/// Why a query could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The query is not a valid Go template.
    #[error("{template}: query template parsing failed: {message}")]
    Parse {
        /// Which query: the MetricTemplate (`<name>.<namespace>`) or the metric.
        template: String,
        /// Go's parse error (`template: tmpl:1: …`).
        message: String,
    },
    /// Executing the template failed, e.g. a missing variable.
    #[error("{template}: query template execution failed: {message}")]
    Execute {
        /// Which query: the MetricTemplate (`<name>.<namespace>`) or the metric.
        template: String,
        /// Go's execution error (`… map has no entry for key "x"`).
        message: String,
    },
}

/// What a query template can read about the canary (Flagger's `MetricTemplateModel`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricTemplateModel {
    /// The canary's name.
    pub name: String,
    /// The canary's namespace.
    pub namespace: String,
    /// The target workload's name (`spec.targetRef.name`).
    pub target: String,
    /// `spec.service.name`, or the target's name.
    pub service: String,
    /// `spec.ingressRef.name`, or the target's name.
    pub ingress: String,
    /// `spec.routeRef.name`, or the target's name (Knative: the latest created revision,
    /// which the caller sets).
    pub route: String,
    /// The metric's query window (`1m`).
    pub interval: String,
    /// The metric's `templateVariables`.
    pub variables: BTreeMap<String, String>,
}

impl MetricTemplateModel {
    /// The model of `canary` for a metric with this `interval` and these
    /// `templateVariables` (Flagger's `toMetricModel`).
    pub fn for_canary(
        canary: &Canary,
        interval: &str,
        variables: Option<&BTreeMap<String, String>>,
    ) -> Self {
        let target = canary.spec.target_ref.name.clone();
        let service = canary
            .spec
            .service
            .name
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| target.clone());
        let ingress = canary
            .spec
            .ingress_ref
            .as_ref()
            .map_or_else(|| target.clone(), |r| r.name.clone());
        let route = canary
            .spec
            .route_ref
            .as_ref()
            .map_or_else(|| target.clone(), |r| r.name.clone());
        MetricTemplateModel {
            name: canary.metadata.name.clone().unwrap_or_default(),
            namespace: canary.metadata.namespace.clone().unwrap_or_default(),
            target,
            service,
            ingress,
            route,
            interval: interval.to_string(),
            variables: variables.cloned().unwrap_or_default(),
        }
    }
}

/// The built-in metrics, whose queries depend on the mesh provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BuiltinMetric {
    /// `request-success-rate`: percentage of non-5xx responses.
    RequestSuccessRate,
    /// `request-duration`: P99 latency in milliseconds.
    RequestDuration,
}

impl BuiltinMetric {
    /// The built-in metric of this name, if it is one.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            REQUEST_SUCCESS_RATE => Some(BuiltinMetric::RequestSuccessRate),
            REQUEST_DURATION => Some(BuiltinMetric::RequestDuration),
            _ => None,
        }
    }

    /// The metric's name.
    pub fn name(self) -> &'static str {
        match self {
            BuiltinMetric::RequestSuccessRate => REQUEST_SUCCESS_RATE,
            BuiltinMetric::RequestDuration => REQUEST_DURATION,
        }
    }

    /// The Istio query template of this metric.
    pub fn istio_template(self) -> &'static str {
        match self {
            BuiltinMetric::RequestSuccessRate => ISTIO_REQUEST_SUCCESS_RATE,
            BuiltinMetric::RequestDuration => ISTIO_REQUEST_DURATION,
        }
    }

    /// The Istio query of this metric for `model`, exactly as Flagger renders it (before
    /// the provider collapses whitespace).
    pub fn istio_query(self, model: &MetricTemplateModel) -> Result<String, Error> {
        render_query(self.name(), self.istio_template(), model)
    }
}

/// Renders `query` for `model`. `template` names the query in errors: the
/// MetricTemplate as `<name>.<namespace>` or the metric's name for an inline query.
pub fn render_query(
    template: &str,
    query: &str,
    model: &MetricTemplateModel,
) -> Result<String, Error> {
    let mut t = Templates::new(TEMPLATE_NAME);
    t.missing_key(MissingKey::Error);
    let fields = [
        ("name", &model.name),
        ("namespace", &model.namespace),
        ("target", &model.target),
        ("service", &model.service),
        ("ingress", &model.ingress),
        ("route", &model.route),
        ("interval", &model.interval),
    ];
    for (name, value) in fields {
        let value = value.clone();
        t.add_func(
            name,
            Func::new(&[], move |_| Ok(Value::str(value.as_str()))),
        );
    }
    let variables: gitops_gotmpl::Map = model
        .variables
        .iter()
        .map(|(k, v)| (k.clone(), Value::str(v.as_str())))
        .collect();
    t.add_func(
        "variables",
        Func::new(&[], move |_| {
            Ok(Value::typed_map(variables.clone(), MapType::String))
        }),
    );
    t.parse(TEMPLATE_NAME, query).map_err(|e| Error::Parse {
        template: template.to_string(),
        message: e.message,
    })?;
    t.execute(TEMPLATE_NAME, &Value::Nil)
        .map_err(|e| Error::Execute {
            template: template.to_string(),
            message: e.message,
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::metrics::prometheus::collapse_whitespace;

    fn podinfo() -> MetricTemplateModel {
        MetricTemplateModel {
            name: "podinfo".into(),
            namespace: "default".into(),
            target: "podinfo".into(),
            service: "podinfo".into(),
            interval: "1m".into(),
            ..MetricTemplateModel::default()
        }
    }

    #[test]
    fn istio_success_rate_as_flagger_sends_it() {
        let q = BuiltinMetric::RequestSuccessRate
            .istio_query(&podinfo())
            .unwrap();
        assert_eq!(
            collapse_whitespace(&q),
            r#" sum( rate( istio_requests_total{ reporter="destination", destination_workload_namespace="default", destination_workload=~"podinfo", response_code!~"5.*" }[1m] ) ) / sum( rate( istio_requests_total{ reporter="destination", destination_workload_namespace="default", destination_workload=~"podinfo" }[1m] ) ) * 100"#
        );
    }

    #[test]
    fn istio_duration_as_flagger_sends_it() {
        let q = BuiltinMetric::RequestDuration
            .istio_query(&podinfo())
            .unwrap();
        assert_eq!(
            collapse_whitespace(&q),
            r#" histogram_quantile( 0.99, sum( rate( istio_request_duration_milliseconds_bucket{ reporter="destination", destination_workload_namespace="default", destination_workload=~"podinfo" }[1m] ) ) by (le) )"#
        );
    }

    #[test]
    fn template_without_variables() {
        let model = MetricTemplateModel {
            name: "standard".into(),
            namespace: "default".into(),
            target: "myapp".into(),
            interval: "1m".into(),
            ..MetricTemplateModel::default()
        };
        let q = render_query(
            "envoy.default",
            r#"sum(envoy_cluster_upstream_rq{envoy_cluster_name=~"{{ namespace }}_{{ target }}"})"#,
            &model,
        )
        .unwrap();
        assert_eq!(
            q,
            r#"sum(envoy_cluster_upstream_rq{envoy_cluster_name=~"default_myapp"})"#
        );
    }

    #[test]
    fn template_with_variables() {
        let model = MetricTemplateModel {
            name: "kafka_consumer_offset".into(),
            namespace: "default".into(),
            interval: "1m".into(),
            variables: [("cluster", "dev"), ("consumer_group", "my_consumer")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..MetricTemplateModel::default()
        };
        let q = render_query(
            "kafka.default",
            r#"delta(max by (consumer_group) (kafka_consumer_current_offset{cluster="{{ variables.cluster }}", consumer_group="{{ variables.consumer_group }}"}[{{ interval }}]))"#,
            &model,
        )
        .unwrap();
        assert_eq!(
            q,
            r#"delta(max by (consumer_group) (kafka_consumer_current_offset{cluster="dev", consumer_group="my_consumer"}[1m]))"#
        );
    }

    #[test]
    fn all_model_fields_are_functions() {
        let model = MetricTemplateModel {
            name: "n".into(),
            namespace: "ns".into(),
            target: "t".into(),
            service: "s".into(),
            ingress: "i".into(),
            route: "r".into(),
            interval: "30s".into(),
            ..MetricTemplateModel::default()
        };
        let q = render_query(
            "all",
            "{{name}} {{namespace}} {{target}} {{service}} {{ingress}} {{route}} {{interval}} {{printf \"%q\" target}}",
            &model,
        )
        .unwrap();
        assert_eq!(q, "n ns t s i r 30s \"t\"");
    }

    #[test]
    fn missing_variable_names_the_template() {
        let mut model = podinfo();
        model.variables.insert("invalid".into(), "dev".into());
        let err = render_query(
            "kafka.default",
            r#"x{cluster="{{ variables.cluster }}"}"#,
            &model,
        )
        .unwrap_err();
        assert!(matches!(err, Error::Execute { .. }));
        let text = err.to_string();
        assert!(
            text.starts_with("kafka.default: query template execution failed: template: tmpl:1:"),
            "{text}"
        );
        assert!(
            text.contains(r#"map has no entry for key "cluster""#),
            "{text}"
        );
        // No variables at all (Flagger's nil map) fails the same way.
        let err = render_query("k", "{{ variables.cluster }}", &podinfo()).unwrap_err();
        assert!(
            err.to_string()
                .contains(r#"map has no entry for key "cluster""#),
            "{err}"
        );
    }

    #[test]
    fn parse_errors_and_unknown_functions_name_the_template() {
        let err = render_query("latency.istio-system", "{{ namespace ", &podinfo()).unwrap_err();
        assert!(matches!(err, Error::Parse { .. }));
        assert!(
            err.to_string().starts_with(
                "latency.istio-system: query template parsing failed: template: tmpl:1:"
            ),
            "{err}"
        );
        // Data fields are not the model: `.namespace` is not `namespace`.
        let err = render_query("t", "{{ upper namespace }}", &podinfo()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "t: query template parsing failed: template: tmpl:1: function \"upper\" not defined"
        );
    }

    #[test]
    fn model_from_canary_defaults_to_the_target() {
        let canary: Canary = serde_json::from_value(serde_json::json!({
            "apiVersion": "flagger.app/v1beta1",
            "kind": "Canary",
            "metadata": {"name": "podinfo-canary", "namespace": "test"},
            "spec": {
                "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
                "service": {"port": 9898},
                "analysis": {"interval": "1m", "threshold": 5, "stepWeight": 10}
            }
        }))
        .unwrap();
        let vars = BTreeMap::from([("a".to_string(), "b".to_string())]);
        let m = MetricTemplateModel::for_canary(&canary, "2m", Some(&vars));
        assert_eq!(
            m,
            MetricTemplateModel {
                name: "podinfo-canary".into(),
                namespace: "test".into(),
                target: "podinfo".into(),
                service: "podinfo".into(),
                ingress: "podinfo".into(),
                route: "podinfo".into(),
                interval: "2m".into(),
                variables: vars,
            }
        );
    }
}

//! Which metric queries an analysis runs, in Flagger's order, and how their values are
//! judged ([`crate::metrics::threshold`]).

use gitops_core::api::flagger::CanaryMetric;

use super::command::MetricKind;
use crate::metrics::query::{REQUEST_DURATION, REQUEST_SUCCESS_RATE};
use crate::metrics::threshold::{self, Verdict};

/// The queries of `metrics` in the order Flagger runs them (`runBuiltinMetricChecks`, then
/// `runMetricChecks`): for each metric its built-in check (by name) and its inline `query`
/// (both when it has both), then the `templateRef` metrics. A metric with none of these
/// is `(index, None)`: Flagger fails the check ("no usable metrics template and query").
pub fn plan(metrics: &[CanaryMetric]) -> Vec<(usize, Option<MetricKind>)> {
    let mut plan = Vec::with_capacity(metrics.len());
    for (i, m) in metrics.iter().enumerate() {
        match m.name.as_str() {
            REQUEST_SUCCESS_RATE => plan.push((i, Some(MetricKind::RequestSuccessRate))),
            REQUEST_DURATION => plan.push((i, Some(MetricKind::RequestDuration))),
            _ => {}
        }
        if has_query(m) {
            plan.push((i, Some(MetricKind::Inline)));
        }
    }
    for (i, m) in metrics.iter().enumerate() {
        if m.template_ref.is_some() {
            plan.push((i, Some(MetricKind::Template)));
        } else if !is_builtin(m) && !has_query(m) {
            plan.push((i, None));
        }
    }
    plan
}

/// Judges `value` of `metric` queried as `kind` for the Canary `name`.`namespace`:
/// `Err` carries Flagger's halt message.
pub fn judge(
    kind: MetricKind,
    metric: &CanaryMetric,
    value: f64,
    name: &str,
    namespace: &str,
) -> Result<(), String> {
    let kind = match kind {
        MetricKind::RequestSuccessRate => threshold::MetricKind::SuccessRate,
        MetricKind::RequestDuration => threshold::MetricKind::Duration,
        MetricKind::Inline | MetricKind::Template => threshold::MetricKind::Custom,
    };
    match threshold::check(name, namespace, metric, kind, value) {
        Verdict::Pass => Ok(()),
        Verdict::Halt(halt) => Err(halt.message),
    }
}

fn is_builtin(m: &CanaryMetric) -> bool {
    matches!(m.name.as_str(), REQUEST_SUCCESS_RATE | REQUEST_DURATION)
}

fn has_query(m: &CanaryMetric) -> bool {
    m.query.as_deref().is_some_and(|q| !q.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use gitops_core::api::meta::NamespacedObjectReference;

    fn metric(name: &str, query: Option<&str>, template: bool) -> CanaryMetric {
        CanaryMetric {
            name: name.into(),
            query: query.map(str::to_string),
            template_ref: template.then(|| NamespacedObjectReference {
                name: "t".into(),
                ..Default::default()
            }),
            ..CanaryMetric::default()
        }
    }

    #[test]
    fn built_in_and_inline_first_templates_after() {
        let metrics = [
            metric("error-rate", None, true),
            metric("request-duration", Some("sum(x)"), false),
            metric("custom", None, false),
            metric("request-success-rate", None, false),
        ];
        assert_eq!(
            plan(&metrics),
            [
                (1, Some(MetricKind::RequestDuration)),
                (1, Some(MetricKind::Inline)),
                (3, Some(MetricKind::RequestSuccessRate)),
                (0, Some(MetricKind::Template)),
                (2, None),
            ]
        );
    }
}

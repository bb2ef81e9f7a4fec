//! Metric values against their thresholds, with the messages Flagger records
//! (`pkg/controller/scheduler_metrics.go`).

use gitops_core::api::flagger::CanaryMetric;
use gitops_core::duration::Duration as GoDuration;
use gitops_gotmpl::fmt::format_float_g;

use super::command::MetricKind;

/// Checks `value` of `metric` (of `kind`) against its `thresholdRange`, or else its
/// `threshold`; `Err` carries the halt message for the Canary `name.namespace`.
///
/// - `request-success-rate` (percent): `threshold` is the minimum;
/// - `request-duration` (milliseconds, truncated to whole milliseconds like Flagger's
///   `time.Duration`): `threshold` is the maximum;
/// - inline and template queries: `threshold` is the maximum.
///
/// Range bounds are inclusive (a value equal to `min` or `max` passes).
pub fn check(
    kind: MetricKind,
    metric: &CanaryMetric,
    value: f64,
    canary: &str,
) -> Result<(), String> {
    let threshold = metric.threshold.unwrap_or(0.0);
    let range = metric.threshold_range.as_ref();
    let (min, max) = range.map_or((None, None), |r| (r.min, r.max));
    match kind {
        MetricKind::RequestSuccessRate => {
            let shown = |bound: f64, op: &str| {
                format!(
                    "Halt {canary} advancement success rate {value:.2}% {op} {}%",
                    format_float_g(bound)
                )
            };
            if range.is_some() {
                if let Some(min) = min.filter(|m| value < *m) {
                    return Err(shown(min, "<"));
                }
                if let Some(max) = max.filter(|m| value > *m) {
                    return Err(shown(max, ">"));
                }
            } else if threshold > value {
                return Err(shown(threshold, "<"));
            }
        }
        MetricKind::RequestDuration => {
            let ms =
                |v: f64| GoDuration::from_std(std::time::Duration::from_millis(v.max(0.0) as u64));
            let actual = ms(value);
            let shown = |bound: f64, op: &str| {
                format!(
                    "Halt {canary} advancement request duration {actual} {op} {}",
                    ms(bound)
                )
            };
            let value = value.trunc();
            if range.is_some() {
                if let Some(min) = min.filter(|m| value < m.trunc()) {
                    return Err(shown(min, "<"));
                }
                if let Some(max) = max.filter(|m| value > m.trunc()) {
                    return Err(shown(max, ">"));
                }
            } else if value > threshold.trunc() {
                return Err(shown(threshold, ">"));
            }
        }
        MetricKind::Inline | MetricKind::Template => {
            let name = &metric.name;
            let shown = |bound: f64, op: &str| {
                format!(
                    "Halt {canary} advancement {name} {value:.2} {op} {}",
                    format_float_g(bound)
                )
            };
            if range.is_some() {
                if let Some(min) = min.filter(|m| value < *m) {
                    return Err(shown(min, "<"));
                }
                if let Some(max) = max.filter(|m| value > *m) {
                    return Err(shown(max, ">"));
                }
            } else if value > threshold {
                return Err(shown(threshold, ">"));
            }
        }
    }
    Ok(())
}

/// Where `metric`'s query comes from, in the order Flagger runs them: built-in names and
/// inline queries first, MetricTemplates after. `None` for a metric with neither.
pub fn kind_of(metric: &CanaryMetric) -> Option<MetricKind> {
    match metric.name.as_str() {
        "request-success-rate" if metric.query.is_none() => Some(MetricKind::RequestSuccessRate),
        "request-duration" if metric.query.is_none() => Some(MetricKind::RequestDuration),
        _ if metric.query.as_deref().is_some_and(|q| !q.is_empty()) => Some(MetricKind::Inline),
        _ if metric.template_ref.is_some() => Some(MetricKind::Template),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gitops_core::api::flagger::analysis::CanaryThresholdRange;

    fn metric(
        name: &str,
        threshold: Option<f64>,
        range: Option<(Option<f64>, Option<f64>)>,
    ) -> CanaryMetric {
        CanaryMetric {
            name: name.into(),
            threshold,
            threshold_range: range.map(|(min, max)| CanaryThresholdRange { min, max }),
            ..CanaryMetric::default()
        }
    }

    #[test]
    fn success_rate_threshold_is_a_minimum() {
        let m = metric("request-success-rate", Some(99.0), None);
        assert_eq!(
            check(MetricKind::RequestSuccessRate, &m, 99.0, "podinfo.test"),
            Ok(())
        );
        assert_eq!(
            check(MetricKind::RequestSuccessRate, &m, 98.5, "podinfo.test"),
            Err("Halt podinfo.test advancement success rate 98.50% < 99%".into())
        );
    }

    #[test]
    fn duration_range_is_inclusive_and_printed_as_go_durations() {
        let m = metric("request-duration", None, Some((None, Some(500.0))));
        assert_eq!(check(MetricKind::RequestDuration, &m, 500.9, "p.t"), Ok(()));
        assert_eq!(
            check(MetricKind::RequestDuration, &m, 1500.0, "p.t"),
            Err("Halt p.t advancement request duration 1.5s > 500ms".into())
        );
    }

    #[test]
    fn template_metrics_compare_against_the_range() {
        let m = metric("error-rate", None, Some((Some(1.0), Some(5.0))));
        assert_eq!(
            check(MetricKind::Template, &m, 0.5, "p.t"),
            Err("Halt p.t advancement error-rate 0.50 < 1".into())
        );
        assert_eq!(check(MetricKind::Template, &m, 5.0, "p.t"), Ok(()));
    }

    #[test]
    fn kinds_follow_name_query_and_template() {
        assert_eq!(
            kind_of(&metric("request-duration", None, None)),
            Some(MetricKind::RequestDuration)
        );
        let mut inline = metric("request-duration", None, None);
        inline.query = Some("sum(x)".into());
        assert_eq!(kind_of(&inline), Some(MetricKind::Inline));
        assert_eq!(kind_of(&metric("custom", None, None)), None);
    }
}

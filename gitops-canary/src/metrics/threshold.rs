//! Checking a metric's value against its `threshold` or `thresholdRange`, as Flagger's
//! scheduler does (`runBuiltinMetricChecks`, `runMetricChecks`). Pure.
//!
//! - `thresholdRange` wins over `threshold` when set. Both bounds are **inclusive**: the
//!   check halts only when the value is strictly below `min` or strictly above `max`.
//! - Without `thresholdRange`, `threshold` is a **minimum** for `request-success-rate`
//!   and a **maximum** for `request-duration` and for every other metric (inclusive
//!   too). An unset `threshold` is 0 (Go's zero value): a success rate then always
//!   passes, while a duration above 0 ms or any custom value above 0 halts.
//! - `request-duration` is compared in whole milliseconds: the value is truncated to an
//!   integer number of milliseconds first, and so are the bounds (Go's
//!   `time.Duration(v) * time.Millisecond`), and the message prints Go durations.
//! - The messages are Flagger's event texts, e.g. `Halt podinfo.test advancement
//!   success rate 95.00% < 99%`.

use gitops_core::api::flagger::CanaryMetric;
use gitops_gotmpl::Value;

use super::query::{REQUEST_DURATION, REQUEST_SUCCESS_RATE};

/// How a metric's value is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricKind {
    /// The built-in `request-success-rate` (percent): `threshold` is a minimum.
    SuccessRate,
    /// The built-in `request-duration` (milliseconds): `threshold` is a maximum.
    Duration,
    /// Any other metric (an inline `query` or a `templateRef`): `threshold` is a maximum.
    Custom,
}

impl MetricKind {
    /// The kind of a metric's built-in check, by its name. The value of a metric's
    /// `query` or `templateRef` is always judged as [`MetricKind::Custom`], even when the
    /// metric is named like a built-in one (Flagger runs both checks then).
    pub fn of(metric: &CanaryMetric) -> Self {
        match metric.name.as_str() {
            REQUEST_SUCCESS_RATE => MetricKind::SuccessRate,
            REQUEST_DURATION => MetricKind::Duration,
            _ => MetricKind::Custom,
        }
    }
}

/// Which bound a value crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bound {
    /// The value is below the minimum.
    Min,
    /// The value is above the maximum.
    Max,
}

/// Why a check halts the advancement.
#[derive(Debug, Clone, PartialEq)]
pub struct Halt {
    /// The bound that was crossed.
    pub bound: Bound,
    /// The value compared (whole milliseconds for `request-duration`).
    pub value: f64,
    /// The bound's value (whole milliseconds for `request-duration`).
    pub limit: f64,
    /// Flagger's warning event text.
    pub message: String,
}

/// The outcome of a metric check.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The value is within bounds.
    Pass,
    /// The value is out of bounds: the advancement halts and the failed checks grow.
    Halt(Halt),
}

impl Verdict {
    /// Whether the value is within bounds.
    pub fn is_pass(&self) -> bool {
        matches!(self, Verdict::Pass)
    }

    /// Flagger's event text when the check halts.
    pub fn message(&self) -> Option<&str> {
        match self {
            Verdict::Pass => None,
            Verdict::Halt(h) => Some(&h.message),
        }
    }
}

/// Judges `value` of `metric` for the canary `name`.`namespace`.
pub fn check(
    name: &str,
    namespace: &str,
    metric: &CanaryMetric,
    kind: MetricKind,
    value: f64,
) -> Verdict {
    let range = metric.threshold_range.as_ref();
    let (min, max) = match range {
        Some(r) => (r.min, r.max),
        None => {
            let threshold = metric.threshold.unwrap_or(0.0);
            match kind {
                MetricKind::SuccessRate => (Some(threshold), None),
                MetricKind::Duration | MetricKind::Custom => (None, Some(threshold)),
            }
        }
    };
    let value = match kind {
        MetricKind::Duration => whole_millis(value),
        MetricKind::SuccessRate | MetricKind::Custom => value,
    };
    let bounds = [
        (Bound::Min, min.map(|m| bound_value(kind, m))),
        (Bound::Max, max.map(|m| bound_value(kind, m))),
    ];
    for (bound, limit) in bounds {
        let Some(limit) = limit else { continue };
        let crossed = match bound {
            Bound::Min => value < limit,
            Bound::Max => value > limit,
        };
        if crossed {
            let message = message(name, namespace, &metric.name, kind, bound, value, limit);
            return Verdict::Halt(Halt {
                bound,
                value,
                limit,
                message,
            });
        }
    }
    Verdict::Pass
}

/// A bound as compared: whole milliseconds for durations.
fn bound_value(kind: MetricKind, bound: f64) -> f64 {
    match kind {
        MetricKind::Duration => whole_millis(bound),
        MetricKind::SuccessRate | MetricKind::Custom => bound,
    }
}

/// Go's `int64(v)`: truncation toward zero (saturating here where Go's result is
/// unspecified).
fn whole_millis(v: f64) -> f64 {
    // Truncation is the point: Flagger converts the float to an integer.
    #[allow(clippy::cast_possible_truncation)]
    let ms = v as i64;
    #[allow(clippy::cast_precision_loss)]
    let ms = ms as f64;
    ms
}

fn message(
    name: &str,
    namespace: &str,
    metric: &str,
    kind: MetricKind,
    bound: Bound,
    value: f64,
    limit: f64,
) -> String {
    let op = match bound {
        Bound::Min => "<",
        Bound::Max => ">",
    };
    match kind {
        MetricKind::SuccessRate => format!(
            "Halt {name}.{namespace} advancement success rate {}% {op} {}%",
            fixed2(value),
            go_float(limit)
        ),
        MetricKind::Duration => format!(
            "Halt {name}.{namespace} advancement request duration {} {op} {}",
            go_millis(value),
            go_millis(limit)
        ),
        MetricKind::Custom => format!(
            "Halt {name}.{namespace} advancement {metric} {} {op} {}",
            fixed2(value),
            go_float(limit)
        ),
    }
}

/// Go's `%.2f`.
fn fixed2(v: f64) -> String {
    gitops_gotmpl::fmt::sprintf("%.2f", &[Value::Float(v)])
}

/// Go's `%v` of a `float64`.
fn go_float(v: f64) -> String {
    gitops_gotmpl::fmt::format_float_g(v)
}

/// Go's `%v` of `time.Duration(ms) * time.Millisecond`.
fn go_millis(ms: f64) -> String {
    #[allow(clippy::cast_possible_truncation)]
    let ms = ms as i64;
    gitops_core::duration::Duration::from_nanos(ms.wrapping_mul(1_000_000)).to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use gitops_core::api::flagger::analysis::CanaryThresholdRange;

    fn metric(
        name: &str,
        threshold: Option<f64>,
        min: Option<f64>,
        max: Option<f64>,
    ) -> CanaryMetric {
        CanaryMetric {
            name: name.into(),
            threshold,
            threshold_range: (min.is_some() || max.is_some())
                .then_some(CanaryThresholdRange { min, max }),
            ..CanaryMetric::default()
        }
    }

    fn judge(m: &CanaryMetric, v: f64) -> Verdict {
        check("podinfo", "test", m, MetricKind::of(m), v)
    }

    #[test]
    fn success_rate_range_min_is_inclusive() {
        let m = metric("request-success-rate", None, Some(99.0), None);
        assert!(judge(&m, 99.0).is_pass());
        assert!(judge(&m, 100.0).is_pass());
        let v = judge(&m, 98.123);
        assert_eq!(
            v.message(),
            Some("Halt podinfo.test advancement success rate 98.12% < 99%")
        );
        let Verdict::Halt(h) = v else { panic!() };
        assert_eq!((h.bound, h.value, h.limit), (Bound::Min, 98.123, 99.0));
    }

    #[test]
    fn success_rate_range_max() {
        let m = metric("request-success-rate", None, Some(90.0), Some(99.5));
        assert!(judge(&m, 99.5).is_pass());
        assert_eq!(
            judge(&m, 99.75).message(),
            Some("Halt podinfo.test advancement success rate 99.75% > 99.5%")
        );
    }

    #[test]
    fn success_rate_threshold_is_a_minimum_and_defaults_to_zero() {
        let m = metric("request-success-rate", Some(99.0), None, None);
        assert!(judge(&m, 99.0).is_pass());
        assert_eq!(
            judge(&m, 95.0).message(),
            Some("Halt podinfo.test advancement success rate 95.00% < 99%")
        );
        let unset = metric("request-success-rate", None, None, None);
        assert!(judge(&unset, 0.0).is_pass());
    }

    #[test]
    fn duration_is_compared_in_whole_milliseconds() {
        let m = metric("request-duration", None, None, Some(500.0));
        assert!(judge(&m, 500.0).is_pass());
        // 500.9 ms truncates to 500 ms: still within the bound.
        assert!(judge(&m, 500.9).is_pass());
        let v = judge(&m, 1500.2);
        assert_eq!(
            v.message(),
            Some("Halt podinfo.test advancement request duration 1.5s > 500ms")
        );
        let Verdict::Halt(h) = v else { panic!() };
        assert_eq!((h.bound, h.value, h.limit), (Bound::Max, 1500.0, 500.0));
        let min = metric("request-duration", None, Some(10.7), None);
        assert_eq!(
            judge(&min, 9.9).message(),
            Some("Halt podinfo.test advancement request duration 9ms < 10ms")
        );
    }

    #[test]
    fn duration_threshold_is_a_maximum_and_defaults_to_zero() {
        let m = metric("request-duration", Some(250.0), None, None);
        assert!(judge(&m, 250.0).is_pass());
        assert_eq!(
            judge(&m, 251.0).message(),
            Some("Halt podinfo.test advancement request duration 251ms > 250ms")
        );
        let unset = metric("request-duration", None, None, None);
        assert!(judge(&unset, 0.4).is_pass());
        assert_eq!(
            judge(&unset, 1.0).message(),
            Some("Halt podinfo.test advancement request duration 1ms > 0s")
        );
    }

    #[test]
    fn custom_metric_threshold_and_range() {
        let m = metric("error-rate", Some(1.0), None, None);
        assert!(judge(&m, 1.0).is_pass());
        assert_eq!(
            judge(&m, 1.005).message(),
            Some("Halt podinfo.test advancement error-rate 1.00 > 1")
        );
        let r = metric("queue depth", None, Some(0.25), Some(1e6));
        assert_eq!(
            judge(&r, 0.1).message(),
            Some("Halt podinfo.test advancement queue depth 0.10 < 0.25")
        );
        assert_eq!(
            judge(&r, 2e6).message(),
            Some("Halt podinfo.test advancement queue depth 2000000.00 > 1e+06")
        );
        // A range with only a max ignores `threshold`.
        let both = metric("x", Some(100.0), None, Some(5.0));
        assert!(!judge(&both, 6.0).is_pass());
    }

    #[test]
    fn kind_follows_the_name() {
        assert_eq!(
            MetricKind::of(&metric("request-success-rate", None, None, None)),
            MetricKind::SuccessRate
        );
        assert_eq!(
            MetricKind::of(&metric("request-duration", None, None, None)),
            MetricKind::Duration
        );
        assert_eq!(
            MetricKind::of(&metric("latency", None, None, None)),
            MetricKind::Custom
        );
    }

    proptest::proptest! {
        #[test]
        fn range_verdict_matches_the_comparison(v in -1e9f64..1e9, lo in -1e9f64..1e9, width in 0f64..1e9) {
            let m = metric("custom", None, Some(lo), Some(lo + width));
            let pass = judge(&m, v).is_pass();
            proptest::prop_assert_eq!(pass, v >= lo && v <= lo + width);
        }
    }
}

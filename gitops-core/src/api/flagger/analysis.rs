//! `spec.analysis` of a Canary: the schedule and traffic steps of a release, the metric
//! checks, webhooks and alerts run during it, A/B-testing match conditions and session
//! affinity.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::schema;
use super::session_affinity::SessionAffinity;
use crate::api::meta::NamespacedObjectReference;
use crate::api::validate::Validator;

/// Pattern of analysis, metric and webhook intervals in the CRD (a prefix match).
pub const INTERVAL_PATTERN: &str = "^[0-9]+(m|s)";
/// Default analysis interval.
pub const DEFAULT_INTERVAL: &str = "60s";
/// Default metric query window.
pub const DEFAULT_METRIC_INTERVAL: &str = "1m";
/// Default webhook request timeout.
pub const DEFAULT_WEBHOOK_TIMEOUT: &str = "10s";
/// Default percentage of ready pods for the primary and the canary.
pub const DEFAULT_READY_THRESHOLD: i64 = 100;
/// Default traffic step of the promotion phase (all traffic at once).
pub const DEFAULT_STEP_WEIGHT_PROMOTION: i64 = 100;

/// How a canary release is analysed and how traffic is shifted. The CRD requires
/// `interval` and `threshold` with exactly one of `iterations`, `stepWeight` and
/// `stepWeights` (a `oneOf` added to the finished CRD schema).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CanaryAnalysis {
    /// Schedule interval of the analysis (e.g. `1m`; at least 10s is used).
    #[serde(default)]
    #[schemars(regex(pattern = INTERVAL_PATTERN), transform = schema::drop_default)]
    pub interval: String,
    /// Number of checks for A/B testing and blue/green.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::number")]
    pub iterations: Option<i64>,
    /// Failed checks tolerated before the canary is rolled back.
    #[serde(default)]
    #[schemars(schema_with = "schema::number", transform = schema::drop_default)]
    pub threshold: i64,
    /// Maximum traffic weight routed to the canary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::number")]
    pub max_weight: Option<i64>,
    /// Traffic weight increment of the analysis phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::number")]
    pub step_weight: Option<i64>,
    /// Traffic weights of the analysis phase, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::number_array")]
    pub step_weights: Option<Vec<i64>>,
    /// Traffic weight increment of the promotion phase (default 100: all at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::number")]
    pub step_weight_promotion: Option<i64>,
    /// Mirror traffic to the canary (blue/green).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<bool>,
    /// Percentage of traffic mirrored (0–100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::number")]
    pub mirror_weight: Option<i64>,
    /// Percentage of primary pods that must be available (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::number")]
    pub primary_ready_threshold: Option<i64>,
    /// Percentage of canary pods that must be available (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::number")]
    pub canary_ready_threshold: Option<i64>,
    /// A/B-testing match conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#match: Option<Vec<AnalysisMatch>>,
    /// Metric checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Vec<CanaryMetric>>,
    /// Alerts sent during the analysis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerts: Option<Vec<CanaryAlert>>,
    /// Webhooks called during the analysis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhooks: Option<Vec<CanaryWebhook>>,
    /// Session affinity for the canary run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_affinity: Option<SessionAffinity>,
}

impl CanaryAnalysis {
    /// The analysis interval as written, `60s` when empty.
    pub fn interval(&self) -> &str {
        if self.interval.is_empty() {
            DEFAULT_INTERVAL
        } else {
            &self.interval
        }
    }

    /// The effective analysis interval as Flagger schedules it: 60s when empty or invalid,
    /// at least 10s.
    pub fn interval_duration(&self) -> std::time::Duration {
        let fallback = std::time::Duration::from_secs(60);
        let parsed = self
            .interval
            .parse::<crate::duration::Duration>()
            .ok()
            .and_then(|d| d.to_std());
        parsed.map_or(fallback, |d| d.max(std::time::Duration::from_secs(10)))
    }

    /// The failed-check threshold, at least 1.
    pub fn threshold(&self) -> i64 {
        self.threshold.max(1)
    }

    /// The promotion step weight, 100 when unset or zero.
    pub fn step_weight_promotion(&self) -> i64 {
        match self.step_weight_promotion {
            Some(w) if w > 0 => w,
            _ => DEFAULT_STEP_WEIGHT_PROMOTION,
        }
    }

    /// Percentage of primary pods that must be ready, 100 when unset.
    pub fn primary_ready_threshold(&self) -> i64 {
        self.primary_ready_threshold
            .unwrap_or(DEFAULT_READY_THRESHOLD)
    }

    /// Percentage of canary pods that must be ready, 100 when unset.
    pub fn canary_ready_threshold(&self) -> i64 {
        self.canary_ready_threshold
            .unwrap_or(DEFAULT_READY_THRESHOLD)
    }

    pub(super) fn validate_into(&self, v: &mut Validator, path: &str) {
        let branches = [
            self.iterations.is_some(),
            self.step_weight.is_some(),
            self.step_weights.is_some(),
        ];
        match branches.iter().filter(|b| **b).count() {
            0 => v.error(
                path,
                "Required value: one of iterations, stepWeight, stepWeights must be set",
            ),
            1 => {}
            _ => v.error(
                path,
                "Invalid value: only one of iterations, stepWeight, stepWeights may be set",
            ),
        }
        v.pattern(
            &format!("{path}.interval"),
            Some(&self.interval),
            INTERVAL_PATTERN,
        );
        for (i, m) in self.r#match.iter().flatten().enumerate() {
            m.validate_into(v, &format!("{path}.match[{i}]"));
        }
        for (i, m) in self.metrics.iter().flatten().enumerate() {
            v.pattern(
                &format!("{path}.metrics[{i}].interval"),
                m.interval.as_deref(),
                INTERVAL_PATTERN,
            );
        }
        for (i, w) in self.webhooks.iter().flatten().enumerate() {
            v.pattern(
                &format!("{path}.webhooks[{i}].timeout"),
                w.timeout.as_deref(),
                INTERVAL_PATTERN,
            );
        }
    }
}

/// An A/B-testing match condition (headers, query parameters, source labels).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisMatch {
    /// Match on headers (including `cookie`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, HeaderMatch>>,
    /// Match on query parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_params: Option<BTreeMap<String, QueryParamMatch>>,
    /// Labels of the source workloads (only with the `mesh` gateway).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string_map")]
    pub source_labels: Option<BTreeMap<String, String>>,
}

impl AnalysisMatch {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        for (key, m) in self.headers.iter().flatten() {
            let set = [
                ("exact", m.exact.is_some()),
                ("prefix", m.prefix.is_some()),
                ("suffix", m.suffix.is_some()),
                ("regex", m.regex.is_some()),
            ];
            if let Some(msg) = schema::one_of_rule(&set, true) {
                v.error(format!("{path}.headers.{key}"), msg);
            }
        }
        for (key, m) in self.query_params.iter().flatten() {
            let set = [
                ("exact", m.exact.is_some()),
                ("prefix", m.prefix.is_some()),
                ("regex", m.regex.is_some()),
            ];
            if let Some(msg) = schema::one_of_rule(&set, false) {
                v.error(format!("{path}.queryParams.{key}"), msg);
            }
        }
    }
}

/// A header match of an A/B test: exactly one of `exact`, `prefix`, `suffix` and `regex`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[schemars(extend("oneOf" = [
    { "required": ["exact"] },
    { "required": ["prefix"] },
    { "required": ["suffix"] },
    { "required": ["regex"] }
]))]
pub struct HeaderMatch {
    /// Exact match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub exact: Option<String>,
    /// Prefix match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub prefix: Option<String>,
    /// Suffix match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub suffix: Option<String>,
    /// RE2 regular expression match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub regex: Option<String>,
}

/// A query-parameter match of an A/B test: at most one of `exact`, `prefix` and `regex`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[schemars(extend("oneOf" = schema::at_most_one_of_exact_prefix_regex()))]
pub struct QueryParamMatch {
    /// Exact match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact: Option<String>,
    /// Prefix match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// RE2 regular expression match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
}

/// A metric check of the analysis.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CanaryMetric {
    /// Name of the metric (`request-success-rate` and `request-duration` are built in).
    pub name: String,
    /// Query window (default `1m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = INTERVAL_PATTERN))]
    pub interval: Option<String>,
    /// Maximum accepted value (deprecated in favour of `thresholdRange`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "go_float::serialize"
    )]
    #[schemars(schema_with = "schema::number")]
    pub threshold: Option<f64>,
    /// Accepted range of values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_range: Option<CanaryThresholdRange>,
    /// Inline Prometheus query (deprecated in favour of `templateRef`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The MetricTemplate that holds the query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_ref: Option<NamespacedObjectReference>,
    /// Variables available to the template's query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_variables: Option<BTreeMap<String, String>>,
}

impl CanaryMetric {
    /// The query window, `1m` when unset.
    pub fn interval(&self) -> &str {
        self.interval.as_deref().unwrap_or(DEFAULT_METRIC_INTERVAL)
    }
}

/// The accepted range of a metric's value.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct CanaryThresholdRange {
    /// Minimum accepted value.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "go_float::serialize"
    )]
    #[schemars(schema_with = "schema::number")]
    pub min: Option<f64>,
    /// Maximum accepted value.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "go_float::serialize"
    )]
    #[schemars(schema_with = "schema::number")]
    pub max: Option<f64>,
}

/// An alert sent through an AlertProvider.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CanaryAlert {
    /// Name of the alert.
    pub name: String,
    /// Severity filter (default `info`: every event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<AlertSeverity>,
    /// The AlertProvider to send through.
    pub provider_ref: NamespacedObjectReference,
}

impl CanaryAlert {
    /// The severity, `info` when unset or empty.
    pub fn severity(&self) -> AlertSeverity {
        match self.severity {
            None | Some(AlertSeverity::Unset) => AlertSeverity::Info,
            Some(s) => s,
        }
    }
}

/// Severity levels of alerts.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum AlertSeverity {
    /// Not set (Go's zero value); treated as `info`.
    #[default]
    #[serde(rename = "")]
    Unset,
    /// Every event.
    #[serde(rename = "info")]
    Info,
    /// Warnings and errors.
    #[serde(rename = "warn")]
    Warn,
    /// Errors only.
    #[serde(rename = "error")]
    Error,
}

/// A webhook called during the analysis.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CanaryWebhook {
    /// Name of the webhook.
    pub name: String,
    /// When the webhook is called (empty means `rollout`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<HookType>,
    /// Mute the alerts of this webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mute_alert: Option<bool>,
    /// Address of the webhook.
    #[schemars(schema_with = "schema::url")]
    pub url: String,
    /// Request timeout (default `10s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = INTERVAL_PATTERN))]
    pub timeout: Option<String>,
    /// Retries of a failed request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::number")]
    pub retries: Option<i64>,
    /// Skip TLS verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "disableTLS")]
    pub disable_tls: Option<bool>,
    /// Key-value pairs sent in the payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
}

impl CanaryWebhook {
    /// The hook type, `rollout` when unset or empty.
    pub fn hook_type(&self) -> HookType {
        match self.r#type {
            None | Some(HookType::Unset) => HookType::Rollout,
            Some(t) => t,
        }
    }

    /// The request timeout, `10s` when unset or shorter than two characters (as Flagger).
    pub fn timeout(&self) -> &str {
        match self.timeout.as_deref() {
            Some(t) if t.len() >= 2 => t,
            _ => DEFAULT_WEBHOOK_TIMEOUT,
        }
    }
}

/// When a webhook is called.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum HookType {
    /// Not set (Go's zero value); called like `rollout`.
    #[default]
    #[serde(rename = "")]
    Unset,
    /// Gate: the rollout starts once the hook returns 200.
    #[serde(rename = "confirm-rollout")]
    ConfirmRollout,
    /// Before traffic is routed to the canary; failures count as failed checks.
    #[serde(rename = "pre-rollout")]
    PreRollout,
    /// At every analysis step, like a metric check.
    #[serde(rename = "rollout")]
    Rollout,
    /// Gate: promotion starts once the hook returns 200.
    #[serde(rename = "confirm-promotion")]
    ConfirmPromotion,
    /// After the analysis (promotion or rollback).
    #[serde(rename = "post-rollout")]
    PostRollout,
    /// Receives every Flagger event.
    #[serde(rename = "event")]
    Event,
    /// Rolls the canary back when it returns 200.
    #[serde(rename = "rollback")]
    Rollback,
    /// Gate: each traffic increase waits for the hook to return 200.
    #[serde(rename = "confirm-traffic-increase")]
    ConfirmTrafficIncrease,
}

/// Adds the `oneOf` of `spec.analysis`. Its `required` lists keep Flagger's order, which
/// kube's structural rewriter would sort.
pub(super) fn patch_analysis_schema(schema: &mut serde_json::Value) {
    if let Some(node) = super::schema_at(schema, &["spec", "analysis"]) {
        node.insert(
            "oneOf".to_string(),
            serde_json::json!([
                { "required": ["interval", "threshold", "iterations"] },
                { "required": ["interval", "threshold", "stepWeight"] },
                { "required": ["interval", "threshold", "stepWeights"] }
            ]),
        );
    }
}

/// Go's JSON encoding of `float64`: integral values are written without a fraction
/// (`99`, not `99.0`), so `threshold: 99` reads and writes back unchanged.
mod go_float {
    use serde::Serializer;

    /// Largest magnitude below which every integral `f64` is exact as an `i64`.
    const EXACT: f64 = 9_007_199_254_740_992.0;

    pub(super) fn serialize<S: Serializer>(
        value: &Option<f64>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match *value {
            None => serializer.serialize_none(),
            Some(v) if v.fract() == 0.0 && v.abs() < EXACT => {
                // Exact: the magnitude is below 2^53 and the value has no fraction.
                #[allow(clippy::cast_possible_truncation)]
                let int = v as i64;
                serializer.serialize_some(&int)
            }
            Some(v) => serializer.serialize_some(&v),
        }
    }
}

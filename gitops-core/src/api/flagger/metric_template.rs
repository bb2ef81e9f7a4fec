//! The MetricTemplate kind (`flagger.app/v1beta1`): a query against a metrics provider,
//! referenced by a Canary's metric checks through `templateRef`.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::api::meta::LocalObjectReference;
use crate::api::validate::{Validate, ValidationError, Validator};

/// The desired state of a MetricTemplate: the provider and the query template.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "flagger.app",
    version = "v1beta1",
    kind = "MetricTemplate",
    namespaced,
    status = "MetricTemplateStatus",
    category = "all",
    printcolumn(name = "Provider", type_ = "string", json_path = ".spec.provider.type")
)]
#[serde(rename_all = "camelCase")]
pub struct MetricTemplateSpec {
    /// The metrics provider the query runs against.
    pub provider: MetricTemplateProvider,
    /// The query, a Go template over the canary's name, namespace, target, service,
    /// ingress, route, interval and variables.
    pub query: String,
}

/// A metrics provider.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetricTemplateProvider {
    /// Kind of provider.
    pub r#type: MetricProviderType,
    /// API address of the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Headers added to the provider's HTTP(S) requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, Vec<String>>>,
    /// Secret with the provider's credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<LocalObjectReference>,
    /// Region of the provider (CloudWatch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Skip TLS verification of the provider's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure_skip_verify: Option<bool>,
}

/// Kinds of metrics provider.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum MetricProviderType {
    /// Prometheus.
    #[default]
    #[serde(rename = "prometheus")]
    Prometheus,
    /// InfluxDB.
    #[serde(rename = "influxdb")]
    InfluxDb,
    /// Datadog.
    #[serde(rename = "datadog")]
    Datadog,
    /// The Kubernetes external metrics API.
    #[serde(rename = "externalmetrics")]
    ExternalMetrics,
    /// Google Cloud Monitoring (Stackdriver).
    #[serde(rename = "stackdriver")]
    Stackdriver,
    /// Amazon CloudWatch.
    #[serde(rename = "cloudwatch")]
    CloudWatch,
    /// New Relic.
    #[serde(rename = "newrelic")]
    NewRelic,
    /// Graphite.
    #[serde(rename = "graphite")]
    Graphite,
    /// Dynatrace.
    #[serde(rename = "dynatrace")]
    Dynatrace,
    /// Keptn.
    #[serde(rename = "keptn")]
    Keptn,
    /// Splunk Observability.
    #[serde(rename = "splunk")]
    Splunk,
}

/// The observed state of a MetricTemplate (not part of Flagger's CRD schema).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct MetricTemplateStatus {
    /// Conditions of the template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<ProviderCondition>>,
}

/// A condition of a MetricTemplate or AlertProvider.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProviderCondition {
    /// Type of the condition.
    pub r#type: String,
    /// Status: `True`, `False` or `Unknown`.
    pub status: String,
    /// When the condition was last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_time: Option<Time>,
    /// When the status last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,
    /// Machine-readable reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Human-readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Validate for MetricTemplate {
    /// Every rule of the MetricTemplate schema (required fields, the provider enum) is
    /// carried by the types, so a parsed MetricTemplate is always valid.
    fn validate(&self) -> Result<(), ValidationError> {
        let v = Validator::new();
        let name = self.metadata.name.as_deref().unwrap_or_default();
        v.finish("MetricTemplate", name)
    }
}

/// Removes `status` from the schema: Flagger's CRD declares the status subresource but no
/// status schema.
pub(super) fn patch_schema(schema: &mut serde_json::Value) {
    if let Some(props) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) {
        props.remove("status");
    }
}

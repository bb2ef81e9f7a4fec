//! Alert (`notification.toolkit.fluxcd.io/v1beta3`): which events of which Flux objects are
//! sent to a Provider. The kind has a spec only (no status, no status subresource).

use std::collections::BTreeMap;

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::CrossNamespaceObjectReference;
use crate::api::meta::LocalObjectReference;
use crate::api::validate::{Validate, ValidationError, Validator};

/// The desired state of an Alert.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "notification.toolkit.fluxcd.io",
    version = "v1beta3",
    kind = "Alert",
    namespaced,
    category = "all",
    category = "fluxcd",
    category = "fluxcd-notifications",
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    ),
    derive = "PartialEq",
    derive = "Default",
    doc = "Routes events of Flux objects to a notification Provider."
)]
#[serde(rename_all = "camelCase")]
pub struct AlertSpec {
    /// The Provider the events are sent to.
    pub provider_ref: LocalObjectReference,
    /// Lowest severity forwarded: `info` forwards everything, `error` only errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "info"))]
    pub event_severity: Option<EventSeverity>,
    /// The objects whose events are forwarded, by kind, name and namespace.
    pub event_sources: Vec<CrossNamespaceObjectReference>,
    /// Go regular expressions; when set, only events whose message matches one are sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclusion_list: Option<Vec<String>>,
    /// Metadata added to every event sent; keys already in the event are not overridden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_metadata: Option<BTreeMap<String, String>>,
    /// Go regular expressions; events whose message matches one are dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclusion_list: Option<Vec<String>>,
    /// Short description of the impact (deprecated: use `eventMetadata`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 255))]
    pub summary: Option<String>,
    /// Stops forwarding events while true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
}

/// Severity filter of an Alert.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum EventSeverity {
    /// Every event (info and error).
    #[default]
    #[serde(rename = "info")]
    Info,
    /// Error events only.
    #[serde(rename = "error")]
    Error,
}

impl EventSeverity {
    /// The value as written in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            EventSeverity::Info => "info",
            EventSeverity::Error => "error",
        }
    }
}

impl AlertSpec {
    /// The severity filter, `info` when unset.
    pub fn event_severity(&self) -> EventSeverity {
        self.event_severity.unwrap_or_default()
    }

    /// Whether event handling is suspended.
    pub fn suspended(&self) -> bool {
        self.suspend.unwrap_or(false)
    }
}

impl Validate for Alert {
    fn validate(&self) -> Result<(), ValidationError> {
        let mut v = Validator::new();
        for (i, source) in self.spec.event_sources.iter().enumerate() {
            source.validate_into(&mut v, &format!("spec.eventSources[{i}]"));
        }
        v.length(
            "spec.summary",
            self.spec.summary.as_deref(),
            None,
            Some(255),
        );
        v.finish("Alert", self.metadata.name.as_deref().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::notification::ResourceKind;
    use crate::api::notification::test_support::{corpus_objects, docs, round_trip};

    const API_VERSION: &str = "notification.toolkit.fluxcd.io/v1beta3";

    const SAMPLES: &str = r#"
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata:
  name: on-call-webapp
  namespace: flux-system
  labels:
    team: web
spec:
  providerRef:
    name: slack
  eventSeverity: error
  summary: "Cluster prod-eu1: web application"
  eventMetadata:
    env: production
    cluster: prod-eu1
  eventSources:
    - kind: GitRepository
      name: '*'
    - apiVersion: kustomize.toolkit.fluxcd.io/v1
      kind: Kustomization
      name: '*'
      namespace: apps
      matchLabels:
        app: webapp
    - kind: OCIRepository
      name: podinfo
    - kind: ArtifactGenerator
      name: bundle
    - kind: ExternalArtifact
      name: ext
  inclusionList:
    - ".*succeeded.*"
  exclusionList:
    - "^Dependencies.*"
    - ".*no changes.*"
  suspend: false
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata:
  name: minimal
spec:
  providerRef:
    name: generic
  eventSources: []
  suspend: true
"#;

    #[test]
    fn samples_round_trip() {
        let docs = docs(SAMPLES, API_VERSION, "Alert");
        assert_eq!(docs.len(), 2);
        let alert: Alert = round_trip(&docs[0]);
        assert_eq!(alert.spec.event_severity(), EventSeverity::Error);
        assert_eq!(
            alert.spec.event_sources[1].kind,
            ResourceKind::Kustomization
        );
        assert_eq!(alert.spec.event_sources[2].kind.as_str(), "OCIRepository");
        assert!(alert.validate().is_ok());
        let minimal: Alert = round_trip(&docs[1]);
        assert_eq!(minimal.spec.event_severity(), EventSeverity::Info);
        assert!(minimal.spec.suspended());
    }

    #[test]
    fn corpus_round_trips() {
        let Some(objects) = corpus_objects(API_VERSION, "Alert") else {
            eprintln!("note: ../shared/corpus is absent; corpus Alerts not checked");
            return;
        };
        for (file, object) in &objects {
            let alert: Alert = round_trip(object);
            alert.validate().unwrap_or_else(|e| panic!("{file}: {e}"));
        }
        eprintln!("{} corpus Alerts round-tripped", objects.len());
    }

    #[test]
    fn unknown_enum_values_name_the_field() {
        let mut value = docs(SAMPLES, API_VERSION, "Alert").remove(0);
        value["spec"]["eventSources"][1]["kind"] = "Deployment".into();
        let err = crate::api::parse::<Alert>(&value).expect_err("unknown kind");
        assert!(
            err.to_string().contains("spec.eventSources[1].kind"),
            "{err}"
        );

        let mut value = docs(SAMPLES, API_VERSION, "Alert").remove(0);
        value["spec"]["eventSeverity"] = "warning".into();
        let err = crate::api::parse::<Alert>(&value).expect_err("unknown severity");
        assert!(err.to_string().contains("spec.eventSeverity"), "{err}");
    }

    #[test]
    fn validation_names_the_field() {
        let mut alert: Alert =
            crate::api::parse(&docs(SAMPLES, API_VERSION, "Alert")[0]).expect("parse");
        alert.spec.event_sources[0].name = String::new();
        alert.spec.event_sources[1].namespace = Some("n".repeat(254));
        alert.spec.summary = Some("s".repeat(256));
        let err = alert.validate().expect_err("invalid");
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "spec.eventSources[0].name",
                "spec.eventSources[1].namespace",
                "spec.summary"
            ]
        );
        assert!(
            err.to_string()
                .starts_with("Alert 'on-call-webapp' is invalid"),
            "{err}"
        );
    }
}

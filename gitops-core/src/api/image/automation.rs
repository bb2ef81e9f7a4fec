//! ImageUpdateAutomation (`image.toolkit.fluxcd.io/v1`): writes the latest images chosen by
//! ImagePolicies into the setter-marked YAML fields of a Git repository, then commits and
//! pushes.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, Time};
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{GitSpec, ImageRef};
use crate::api::meta::{DURATION_PATTERN, ReconcileRequestStatus};
use crate::api::validate::{Validate, ValidationError, Validator};
use crate::conditions::Condition;

/// The desired state of an ImageUpdateAutomation.
// Several printer columns share `type_ = "string"`, which clippy takes for a duplicate.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "image.toolkit.fluxcd.io",
    version = "v1",
    kind = "ImageUpdateAutomation",
    namespaced,
    status = "ImageUpdateAutomationStatus",
    shortname = "iua",
    shortname = "imgupd",
    shortname = "imgauto",
    category = "all",
    category = "fluxcd",
    category = "fluxcd-images",
    printcolumn(
        name = "Ready",
        type_ = "string",
        json_path = r#".status.conditions[?(@.type=="Ready")].status"#
    ),
    printcolumn(
        name = "Status",
        type_ = "string",
        json_path = r#".status.conditions[?(@.type=="Ready")].message"#
    ),
    printcolumn(
        name = "Last run",
        type_ = "string",
        json_path = ".status.lastAutomationRunTime",
        priority = 1
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    ),
    derive = "PartialEq",
    derive = "Default",
    doc = "Updates image references in a Git repository from ImagePolicies."
)]
#[serde(rename_all = "camelCase")]
pub struct ImageUpdateAutomationSpec {
    /// The GitRepository to update.
    pub source_ref: CrossNamespaceSourceReference,
    /// Checkout, commit and push settings (needed in practice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<GitSpec>,
    /// Minimum time between automation runs.
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub interval: String,
    /// Labels of the ImagePolicies applied; all policies of the namespace when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "label_selector_schema")]
    pub policy_selector: Option<LabelSelector>,
    /// How files are updated; `{strategy: Setters}` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = {"strategy": "Setters"}))]
    pub update: Option<UpdateStrategy>,
    /// Stops automation runs while true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
}

/// The schema controller-gen writes for a `metav1.LabelSelector` (atomic map and lists).
fn label_selector_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "object",
        "x-kubernetes-map-type": "atomic",
        "properties": {
            "matchExpressions": {
                "type": "array",
                "x-kubernetes-list-type": "atomic",
                "items": {
                    "type": "object",
                    "required": ["key", "operator"],
                    "properties": {
                        "key": { "type": "string" },
                        "operator": { "type": "string" },
                        "values": {
                            "type": "array",
                            "x-kubernetes-list-type": "atomic",
                            "items": { "type": "string" }
                        }
                    }
                }
            },
            "matchLabels": {
                "type": "object",
                "additionalProperties": { "type": "string" }
            }
        }
    })
}

/// A reference to the Git source of an automation.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CrossNamespaceSourceReference {
    /// API version of the referent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Kind of the referent: required by the schema, but the API server fills in
    /// `GitRepository` when it is left out, so it may be absent from manifests.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required, extend("default" = "GitRepository"))]
    pub kind: Option<SourceKind>,
    /// Name of the referent.
    pub name: String,
    /// Namespace of the referent; the automation's namespace when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

impl CrossNamespaceSourceReference {
    /// The kind, `GitRepository` when unset.
    pub fn kind(&self) -> SourceKind {
        self.kind.unwrap_or_default()
    }
}

impl std::fmt::Display for CrossNamespaceSourceReference {
    /// `Kind/namespace/name`, or `Kind/name` without a namespace.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.kind() {
            SourceKind::GitRepository => "GitRepository",
        };
        match self.namespace.as_deref().filter(|n| !n.is_empty()) {
            Some(ns) => write!(f, "{kind}/{ns}/{}", self.name),
            None => write!(f, "{kind}/{}", self.name),
        }
    }
}

/// Source kinds an automation can update.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum SourceKind {
    /// `source.toolkit.fluxcd.io` GitRepository.
    #[default]
    GitRepository,
}

/// How the files are updated.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct UpdateStrategy {
    /// The strategy; `Setters` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "Setters"))]
    pub strategy: Option<UpdateStrategyName>,
    /// Directory (relative to the repository root) whose files are updated; the whole
    /// repository when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Update strategies.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum UpdateStrategyName {
    /// Rewrite the fields marked with `# {"$imagepolicy": "<namespace>:<name>[:name|tag|digest]"}`.
    #[default]
    Setters,
}

/// The observed state of an ImageUpdateAutomation.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("default" = {"observedGeneration": -1}))]
pub struct ImageUpdateAutomationStatus {
    /// When the automation last ran to completion (with or without changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_automation_run_time: Option<Time>,
    /// SHA of the last commit pushed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_push_commit: Option<String>,
    /// When a change was last pushed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_push_time: Option<Time>,
    /// The last generation reconciled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Conditions of the automation (`Ready`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Condition>>,
    /// The latest image of every ImagePolicy considered, by policy name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_policies: Option<BTreeMap<String, ImageRef>>,
    /// The source revision last observed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_source_revision: Option<String>,
    /// The last handled `reconcile.fluxcd.io/requestedAt` value.
    #[serde(flatten)]
    pub reconcile_request: ReconcileRequestStatus,
}

impl ImageUpdateAutomationSpec {
    /// The update strategy, `Setters` when unset.
    pub fn update_strategy(&self) -> UpdateStrategyName {
        self.update
            .as_ref()
            .and_then(|u| u.strategy)
            .unwrap_or_default()
    }

    /// The directory whose files are updated, relative to the repository root: `.` (the whole
    /// repository) when unset or empty.
    pub fn update_path(&self) -> &str {
        self.update
            .as_ref()
            .and_then(|u| u.path.as_deref())
            .filter(|p| !p.is_empty())
            .unwrap_or(".")
    }

    /// Whether automation runs are suspended.
    pub fn suspended(&self) -> bool {
        self.suspend.unwrap_or(false)
    }
}

impl Validate for ImageUpdateAutomation {
    fn validate(&self) -> Result<(), ValidationError> {
        let mut v = Validator::new();
        v.duration("spec.interval", Some(&self.spec.interval));
        v.finish(
            "ImageUpdateAutomation",
            self.metadata.name.as_deref().unwrap_or_default(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::image::SigningKeyType;
    use crate::api::notification::test_support::{corpus_objects, docs, round_trip};

    const API_VERSION: &str = "image.toolkit.fluxcd.io/v1";

    const SAMPLES: &str = r#"
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageUpdateAutomation
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 30m
  sourceRef:
    apiVersion: source.toolkit.fluxcd.io/v1
    kind: GitRepository
    name: flux-system
    namespace: infra
  git:
    checkout:
      ref:
        branch: main
        tag: v1.0.0
        semver: ">=1.0.0"
        name: refs/heads/main
        commit: 2b9fae3c
    commit:
      author:
        email: fluxcdbot@users.noreply.github.com
        name: fluxcdbot
      signingKey:
        secretRef:
          name: signing-key
        type: ssh
      messageTemplate: |
        Automated image update by {{ .AutomationObject }}
        {{ range .Changed.Changes }}{{ .OldValue }} -> {{ .NewValue }}
        {{ end }}
      messageTemplateValues:
        env: prod
    push:
      branch: image-updates
      refspec: refs/heads/image-updates:refs/heads/main
      options:
        merge_request.create: ""
        merge_request.target: main
  policySelector:
    matchLabels:
      app: podinfo
    matchExpressions:
      - key: tier
        operator: In
        values: [web, api]
      - key: legacy
        operator: DoesNotExist
  update:
    path: ./clusters/my-cluster
    strategy: Setters
  suspend: false
status:
  observedGeneration: 1
  lastAutomationRunTime: "2024-05-01T10:00:00Z"
  lastPushCommit: 8f3c2a1b
  lastPushTime: "2024-05-01T09:00:00Z"
  observedSourceRevision: main@sha1:8f3c2a1b
  lastHandledReconcileAt: "2024-05-01T08:00:00Z"
  observedPolicies:
    podinfo:
      name: ghcr.io/stefanprodan/podinfo
      tag: 6.5.0
      digest: sha256:0b1c
  conditions:
    - type: Ready
      status: "True"
      reason: Succeeded
      message: "repository up-to-date"
      lastTransitionTime: "2024-05-01T10:00:00Z"
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageUpdateAutomation
metadata:
  name: minimal
spec:
  interval: 1h
  sourceRef:
    name: apps
  git:
    commit:
      author:
        email: bot@example.com
"#;

    #[test]
    fn samples_round_trip() {
        let docs = docs(SAMPLES, API_VERSION, "ImageUpdateAutomation");
        assert_eq!(docs.len(), 2);
        let full: ImageUpdateAutomation = round_trip(&docs[0]);
        assert_eq!(full.spec.update_path(), "./clusters/my-cluster");
        assert_eq!(
            full.spec.source_ref.to_string(),
            "GitRepository/infra/flux-system"
        );
        let git = full.spec.git.as_ref().expect("git");
        assert!(git.has_refspec());
        assert_eq!(
            git.commit.signing_key.as_ref().map(|k| k.key_type()),
            Some(SigningKeyType::Ssh)
        );
        full.validate().expect("valid");

        let minimal: ImageUpdateAutomation = round_trip(&docs[1]);
        assert_eq!(minimal.spec.source_ref.kind(), SourceKind::GitRepository);
        assert_eq!(minimal.spec.source_ref.to_string(), "GitRepository/apps");
        assert_eq!(minimal.spec.update_strategy(), UpdateStrategyName::Setters);
        assert_eq!(minimal.spec.update_path(), ".");
        let git = minimal.spec.git.as_ref().expect("git");
        assert_eq!(
            git.commit.message_template(),
            super::super::DEFAULT_COMMIT_MESSAGE
        );
        assert!(!git.has_refspec());
    }

    #[test]
    fn corpus_round_trips() {
        let Some(objects) = corpus_objects(API_VERSION, "ImageUpdateAutomation") else {
            eprintln!(
                "note: ../shared/corpus is absent; corpus ImageUpdateAutomations not checked"
            );
            return;
        };
        for (file, object) in &objects {
            let auto: ImageUpdateAutomation = round_trip(object);
            auto.validate().unwrap_or_else(|e| panic!("{file}: {e}"));
        }
        eprintln!(
            "{} corpus ImageUpdateAutomations round-tripped",
            objects.len()
        );
    }

    #[test]
    fn unknown_enum_values_name_the_field() {
        let cases = [
            ("/spec/update/strategy", "Regex", "spec.update.strategy"),
            (
                "/spec/sourceRef/kind",
                "OCIRepository",
                "spec.sourceRef.kind",
            ),
            (
                "/spec/git/commit/signingKey/type",
                "x509",
                "spec.git.commit.signingKey.type",
            ),
        ];
        for (pointer, bad, field) in cases {
            let mut value = docs(SAMPLES, API_VERSION, "ImageUpdateAutomation").remove(0);
            *value.pointer_mut(pointer).expect("field present") = bad.into();
            let err =
                crate::api::parse::<ImageUpdateAutomation>(&value).expect_err("unknown value");
            assert!(err.to_string().contains(field), "{err}");
        }
    }

    #[test]
    fn validation_names_the_field() {
        let mut auto: ImageUpdateAutomation =
            crate::api::parse(&docs(SAMPLES, API_VERSION, "ImageUpdateAutomation")[1])
                .expect("parse");
        auto.spec.interval = "1 hour".into();
        let err = auto.validate().expect_err("invalid");
        assert_eq!(err.errors[0].field, "spec.interval");
        assert!(
            err.to_string()
                .starts_with("ImageUpdateAutomation 'minimal' is invalid"),
            "{err}"
        );
    }
}

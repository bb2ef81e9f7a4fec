//! ImagePolicy (`image.toolkit.fluxcd.io/v1`): picks the latest image of an ImageRepository by
//! a semver range, or by alphabetical or numerical order of the (filtered) tags.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ImageRef;
use crate::api::meta::{DURATION_PATTERN, NamespacedObjectReference, ReconcileRequestStatus};
use crate::api::validate::{Validate, ValidationError, Validator};
use crate::conditions::Condition;

/// Digest refresh interval used with `digestReflectionPolicy: Always` when `interval` is unset.
const DEFAULT_DIGEST_INTERVAL: &str = "10m";

/// The desired state of an ImagePolicy.
// Several printer columns share `type_ = "string"`, which clippy takes for a duplicate.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "image.toolkit.fluxcd.io",
    version = "v1",
    kind = "ImagePolicy",
    namespaced,
    status = "ImagePolicyStatus",
    shortname = "imgpol",
    shortname = "imagepol",
    category = "all",
    category = "fluxcd",
    category = "fluxcd-images",
    printcolumn(name = "Image", type_ = "string", json_path = ".status.latestRef.name"),
    printcolumn(name = "Tag", type_ = "string", json_path = ".status.latestRef.tag"),
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
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    ),
    derive = "PartialEq",
    derive = "Default",
    doc = "Selects the latest image of an ImageRepository by a policy."
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {
        "message": "spec.interval is only accepted when spec.digestReflectionPolicy is set to 'Always'",
        "rule": "!has(self.interval) || (has(self.digestReflectionPolicy) && self.digestReflectionPolicy == 'Always')"
    },
    {
        "message": "spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'",
        "rule": "has(self.interval) || !has(self.digestReflectionPolicy) || self.digestReflectionPolicy != 'Always'"
    }
]))]
pub struct ImagePolicySpec {
    /// The ImageRepository whose tags are considered.
    pub image_repository_ref: NamespacedObjectReference,
    /// The rule selecting the latest image.
    pub policy: ImagePolicyChoice,
    /// Restricts (and optionally rewrites) the tags before the policy is applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_tags: Option<TagFilter>,
    /// When `status.latestRef.digest` is set; `Never` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "Never"))]
    pub digest_reflection_policy: Option<ReflectionPolicy>,
    /// How often the digest of the latest tag is refreshed (only with
    /// `digestReflectionPolicy: Always`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub interval: Option<String>,
    /// Stops policy evaluation while true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
}

/// When the digest of the latest image is written to `status.latestRef.digest`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum ReflectionPolicy {
    /// Always, refreshed every `interval`.
    Always,
    /// When the digest is empty and the image did not change.
    IfNotPresent,
    /// Never: the digest stays empty.
    #[default]
    Never,
}

/// The policy rule; set one of the three (when several are set, the controller uses the first
/// of semver, alphabetical, numerical).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct ImagePolicyChoice {
    /// The highest version within a semver range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semver: Option<SemVerPolicy>,
    /// The last tag in alphabetical order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alphabetical: Option<AlphabeticalPolicy>,
    /// The last tag in numerical order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numerical: Option<NumericalPolicy>,
}

/// Which rule of an [`ImagePolicyChoice`] applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectedPolicy<'a> {
    /// Highest version in the range.
    SemVer(&'a SemVerPolicy),
    /// Alphabetical order.
    Alphabetical(&'a AlphabeticalPolicy),
    /// Numerical order.
    Numerical(&'a NumericalPolicy),
}

impl ImagePolicyChoice {
    /// The rule the controller applies: semver, else alphabetical, else numerical; `None` when
    /// no rule is set (the controller rejects the object).
    pub fn selected(&self) -> Option<SelectedPolicy<'_>> {
        if let Some(p) = &self.semver {
            Some(SelectedPolicy::SemVer(p))
        } else if let Some(p) = &self.alphabetical {
            Some(SelectedPolicy::Alphabetical(p))
        } else {
            self.numerical.as_ref().map(SelectedPolicy::Numerical)
        }
    }
}

/// A semantic version policy.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct SemVerPolicy {
    /// Semver range (Masterminds syntax, e.g. `>=1.0.0 <2.0.0`, `5.0.x`).
    pub range: String,
}

/// Sort order of alphabetical and numerical policies.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    /// Ascending: the last (greatest) tag is the latest.
    #[default]
    Asc,
    /// Descending: the first (smallest) tag is the latest.
    Desc,
}

/// An alphabetical ordering policy.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct AlphabeticalPolicy {
    /// Sort order; `asc` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "asc"))]
    pub order: Option<SortOrder>,
}

impl AlphabeticalPolicy {
    /// The sort order, `asc` when unset.
    pub fn order(&self) -> SortOrder {
        self.order.unwrap_or_default()
    }
}

/// A numerical ordering policy.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct NumericalPolicy {
    /// Sort order; `asc` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "asc"))]
    pub order: Option<SortOrder>,
}

impl NumericalPolicy {
    /// The sort order, `asc` when unset.
    pub fn order(&self) -> SortOrder {
        self.order.unwrap_or_default()
    }
}

/// Tag filter: a regular expression the tags must match, and optionally the capture group
/// template (e.g. `$ts`) whose expansion is compared instead of the tag. Both fields are
/// always written (the Go fields have no `omitempty`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct TagFilter {
    /// Regular expression (Go syntax) the tags must match; empty matches all.
    #[serde(default)]
    #[schemars(transform = super::no_default)]
    pub pattern: String,
    /// Replacement template built from the pattern's capture groups.
    #[serde(default)]
    #[schemars(transform = super::no_default)]
    pub extract: String,
}

/// The observed state of an ImagePolicy.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("default" = {"observedGeneration": -1}))]
pub struct ImagePolicyStatus {
    /// The latest image according to the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_ref: Option<ImageRef>,
    /// The previous `latestRef`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_previous_ref: Option<ImageRef>,
    /// The last generation reconciled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Conditions of the ImagePolicy (`Ready`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Condition>>,
    /// The last handled `reconcile.fluxcd.io/requestedAt` value.
    #[serde(flatten)]
    pub reconcile_request: ReconcileRequestStatus,
}

impl ImagePolicySpec {
    /// The digest reflection policy, `Never` when unset.
    pub fn digest_reflection_policy(&self) -> ReflectionPolicy {
        self.digest_reflection_policy.unwrap_or_default()
    }

    /// The digest refresh interval: `None` unless the reflection policy is `Always`, then
    /// `interval` or 10m.
    pub fn interval(&self) -> Option<&str> {
        (self.digest_reflection_policy() == ReflectionPolicy::Always)
            .then(|| self.interval.as_deref().unwrap_or(DEFAULT_DIGEST_INTERVAL))
    }

    /// Whether policy evaluation is suspended.
    pub fn suspended(&self) -> bool {
        self.suspend.unwrap_or(false)
    }
}

impl Validate for ImagePolicy {
    fn validate(&self) -> Result<(), ValidationError> {
        let spec = &self.spec;
        let mut v = Validator::new();
        v.duration("spec.interval", spec.interval.as_deref());
        let always = spec.digest_reflection_policy == Some(ReflectionPolicy::Always);
        if spec.interval.is_some() && !always {
            v.error(
                "spec",
                "Invalid value: \"object\": spec.interval is only accepted when spec.digestReflectionPolicy is set to 'Always'",
            );
        }
        if spec.interval.is_none() && always {
            v.error(
                "spec",
                "Invalid value: \"object\": spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'",
            );
        }
        // Not a schema rule: the controller fails objects without any policy.
        if spec.policy.selected().is_none() {
            v.error(
                "spec.policy",
                "Required value: one of semver, alphabetical or numerical must be set",
            );
        }
        v.finish(
            "ImagePolicy",
            self.metadata.name.as_deref().unwrap_or_default(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::notification::test_support::{corpus_objects, docs, round_trip};

    const API_VERSION: &str = "image.toolkit.fluxcd.io/v1";

    const SAMPLES: &str = r#"
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: podinfo
  namespace: flux-system
spec:
  imageRepositoryRef:
    name: podinfo
    namespace: images
  policy:
    semver:
      range: ">=6.0.0 <7.0.0"
  digestReflectionPolicy: Always
  interval: 30m
  suspend: false
status:
  observedGeneration: 4
  lastHandledReconcileAt: "2024-05-01T10:00:00Z"
  latestRef:
    name: ghcr.io/stefanprodan/podinfo
    tag: 6.5.0
    digest: sha256:0b1c2d3e
  observedPreviousRef:
    name: ghcr.io/stefanprodan/podinfo
    tag: 6.4.1
  conditions:
    - type: Ready
      status: "True"
      reason: Succeeded
      message: "Latest image tag for ghcr.io/stefanprodan/podinfo resolved to 6.5.0"
      lastTransitionTime: "2024-05-01T10:00:02Z"
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: main-branch
spec:
  imageRepositoryRef:
    name: app
  filterTags:
    pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)'
    extract: '$ts'
  policy:
    numerical:
      order: desc
  digestReflectionPolicy: IfNotPresent
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: alpha
spec:
  imageRepositoryRef:
    name: app
  policy:
    alphabetical: {}
"#;

    #[test]
    fn samples_round_trip() {
        let docs = docs(SAMPLES, API_VERSION, "ImagePolicy");
        assert_eq!(docs.len(), 3);
        let semver: ImagePolicy = round_trip(&docs[0]);
        assert!(
            matches!(semver.spec.policy.selected(), Some(SelectedPolicy::SemVer(p)) if p.range == ">=6.0.0 <7.0.0")
        );
        assert_eq!(semver.spec.interval(), Some("30m"));
        semver.validate().expect("valid");
        let numerical: ImagePolicy = round_trip(&docs[1]);
        assert!(
            matches!(numerical.spec.policy.selected(), Some(SelectedPolicy::Numerical(p)) if p.order() == SortOrder::Desc)
        );
        assert_eq!(numerical.spec.interval(), None);
        numerical.validate().expect("valid");
        let alpha: ImagePolicy = round_trip(&docs[2]);
        assert!(
            matches!(alpha.spec.policy.selected(), Some(SelectedPolicy::Alphabetical(p)) if p.order() == SortOrder::Asc)
        );
        assert_eq!(
            alpha.spec.digest_reflection_policy(),
            ReflectionPolicy::Never
        );
    }

    #[test]
    fn filter_tags_fields_are_always_written() {
        let mut value = docs(SAMPLES, API_VERSION, "ImagePolicy").remove(2);
        value["spec"]["filterTags"] = serde_json::json!({"pattern": "^v"});
        let policy: ImagePolicy = crate::api::parse(&value).expect("parse");
        let back = serde_json::to_value(&policy).expect("serialise");
        assert_eq!(
            back["spec"]["filterTags"],
            serde_json::json!({"pattern": "^v", "extract": ""})
        );
    }

    #[test]
    fn corpus_round_trips() {
        let Some(objects) = corpus_objects(API_VERSION, "ImagePolicy") else {
            eprintln!("note: ../shared/corpus is absent; corpus ImagePolicies not checked");
            return;
        };
        for (file, object) in &objects {
            let policy: ImagePolicy = round_trip(object);
            policy.validate().unwrap_or_else(|e| panic!("{file}: {e}"));
        }
        eprintln!("{} corpus ImagePolicies round-tripped", objects.len());
    }

    #[test]
    fn unknown_enum_values_name_the_field() {
        let mut value = docs(SAMPLES, API_VERSION, "ImagePolicy").remove(1);
        value["spec"]["policy"]["numerical"]["order"] = "ascending".into();
        let err = crate::api::parse::<ImagePolicy>(&value).expect_err("unknown order");
        assert!(
            err.to_string().contains("spec.policy.numerical.order"),
            "{err}"
        );

        let mut value = docs(SAMPLES, API_VERSION, "ImagePolicy").remove(1);
        value["spec"]["digestReflectionPolicy"] = "Sometimes".into();
        let err = crate::api::parse::<ImagePolicy>(&value).expect_err("unknown policy");
        assert!(
            err.to_string().contains("spec.digestReflectionPolicy"),
            "{err}"
        );
    }

    #[test]
    fn validation_names_the_field() {
        let docs = docs(SAMPLES, API_VERSION, "ImagePolicy");
        let mut policy: ImagePolicy = crate::api::parse(&docs[0]).expect("parse");
        policy.spec.interval = Some("30 min".into());
        policy.spec.policy = ImagePolicyChoice::default();
        let err = policy.validate().expect_err("invalid");
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["spec.interval", "spec.policy"]);

        policy.spec.policy.semver = Some(SemVerPolicy {
            range: "1.x".into(),
        });
        policy.spec.interval = None;
        let err = policy.validate().expect_err("Always without interval");
        assert!(
            err.errors[0].message.contains("spec.interval must be set"),
            "{err}"
        );

        policy.spec.interval = Some("1h".into());
        policy.spec.digest_reflection_policy = None;
        let err = policy.validate().expect_err("interval without Always");
        assert!(err.errors[0].message.contains("only accepted"), "{err}");
    }
}
